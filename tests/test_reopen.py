"""`pm reopen ID --reason`: a resolved incident that flared up again is active again, the
resolution kept in the timeline as a note, and a later `pm resolve` works again."""

from __future__ import annotations

import json
from datetime import date

import pytest
import yaml

from conftest import CliRunnerCall, Repo
from lintclean import LINT_ARGS, findings


def front(repo: Repo, postmortem_id: str) -> dict[str, object]:
    text = repo.postmortem_path(postmortem_id).read_text(encoding="utf-8")
    data = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(data, dict)
    return data


def kinds(repo: Repo, postmortem_id: str) -> list[tuple[str, str]]:
    events = front(repo, postmortem_id)["timeline"]
    assert isinstance(events, list)
    return [(e["kind"], e["text"]) for e in events]


@pytest.fixture
def resolved(cli: CliRunnerCall, opened: str) -> str:
    cli.ok("event", opened, "Pool size raised", "-k", "mitigated", "--at", "2024-01-15T15:00")
    cli.ok("resolve", opened, "Error rate back to baseline", "--at", "2024-01-15T15:30")
    return opened


def test_reopen_keeps_the_resolution_as_a_note_and_clears_the_review(
    repo: Repo, cli: CliRunnerCall, resolved: str
) -> None:
    assert front(repo, resolved)["review"] == {"due": date(2024, 1, 17), "held": None}
    result = cli.ok("reopen", resolved, "--reason", "Errors came back at 15:50")
    assert result.stderr == (
        f"Reopened {resolved}: active again; the resolution is kept as a note (event 3); "
        "committed.\n"
    )
    data = front(repo, resolved)
    assert data["status"] == "active"
    assert data["review"] == {"due": None, "held": None}
    assert kinds(repo, resolved)[2] == (
        "note",
        "Error rate back to baseline (reopened later: Errors came back at 15:50)",
    )
    assert repo.subjects()[0] == f"pm: reopen {resolved} (resolved -> active)"
    assert repo.git("log", "-1", "--format=%b").splitlines()[:3] == [
        "Reason: Errors came back at 15:50",
        "resolved 2024-01-15T15:30:00Z: Error rate back to baseline -> note: Error rate back "
        "to baseline (reopened later: Errors came back at 15:50)",
        "review due: 2024-01-17 -> none",
    ]
    assert findings(cli(*LINT_ARGS).stdout) == []
    shown = json.loads(cli.ok("show", resolved, "--json").stdout)
    assert shown["status"] == "active"
    # A later resolution works again, and the duration runs to it.
    again = cli.ok("resolve", resolved, "Pool size made configurable", "--at", "2024-01-15T16:05")
    assert again.stdout == "2h 00m\n"
    assert [k for k, _ in kinds(repo, resolved)] == [
        "started", "mitigated", "note", "resolved",
    ]  # fmt: skip
    assert findings(cli(*LINT_ARGS).stdout) == []


@pytest.mark.parametrize(
    ("setup", "args", "code", "message"),
    [
        ([], ["--reason", "x"], 3, "is active, not resolved; there is nothing to reopen"),
        ([["resolve"]], [], 2, "pm reopen needs --reason: say why the incident is not over"),
        ([["resolve"]], ["--reason", "  "], 2, "pm reopen needs --reason"),
        ([["resolve"]], ["--reason", "a\x1bb"], 2, "must be one line without control"),
    ],
)
def test_reopen_refusals(
    repo: Repo,
    cli: CliRunnerCall,
    opened: str,
    setup: list[list[str]],
    args: list[str],
    code: int,
    message: str,
) -> None:
    for words in setup:
        cli.ok(words[0], opened, *words[1:])
    before = repo.commit_count()
    result = cli("reopen", opened, *args)
    assert result.exit_code == code, result.stderr
    assert result.stderr.startswith("pm: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert repo.commit_count() == before


def test_reopen_refuses_after_the_review_and_says_what_to_do(
    repo: Repo, cli: CliRunnerCall
) -> None:
    cli.ok("open", "Queue stuck", "-s", "SEV-3", "--started", "2024-01-16T08:00")
    cli.ok("resolve", "queue", "--at", "2024-01-16T09:00")
    cli.ok("close", "queue")
    result = cli("reopen", "queue", "--reason", "Stuck again")
    assert result.exit_code == 3
    assert result.stderr == (
        "pm: 2024-01-16-queue-stuck is closed: its review was held on this resolution; a "
        'flare-up now is a new incident: pm open "TITLE" -s SEV, then '
        "pm related 2024-01-16-queue-stuck NEW-ID\n"
    )
    assert front(repo, "2024-01-16-queue-stuck")["status"] == "closed"


def test_the_resolution_event_can_be_removed_once_reopened(
    repo: Repo, cli: CliRunnerCall, resolved: str
) -> None:
    refused = cli("event", "rm", resolved, "3")
    assert refused.exit_code == 3
    assert f"pm reopen {resolved} --reason TEXT" in refused.stderr
    cli.ok("reopen", resolved, "--reason", "Not over")
    cli.ok("event", "rm", resolved, "3")
    assert [k for k, _ in kinds(repo, resolved)] == ["started", "mitigated"]
