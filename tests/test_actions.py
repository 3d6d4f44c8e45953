"""pm action add/start/done/wont-do/reopen: numbering, states, refusals, one commit each."""

from __future__ import annotations

import json
from datetime import date

import pytest
import yaml

from conftest import CliRunnerCall, Repo


def front(repo: Repo, postmortem_id: str) -> dict[str, object]:
    text = repo.read(f"postmortems/2024/{postmortem_id}.md")
    data = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(data, dict)
    return data


def items(repo: Repo, postmortem_id: str) -> list[dict[str, object]]:
    actions = front(repo, postmortem_id)["actions"]
    assert isinstance(actions, list)
    return actions


def test_add_numbers_defaults_and_commits(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    first = cli.ok("action", "add", opened, "Alert on pool saturation", "--owner", "alice")
    second = cli.ok(
        "action", "add", "database", "Load-test checkout", "--owner", "Team Payments", "-p", "P0",
        "--ticket", "OPS-12",
    )  # fmt: skip
    assert first.stdout == "1\n"
    assert second.stdout == "2\n"
    assert "Added action item 1 (P1, alice, due 2024-02-19)" in first.stderr
    assert items(repo, opened) == [
        {"number": 1, "text": "Alert on pool saturation", "owner": "alice", "priority": "P1",
         "due": date(2024, 2, 19), "status": "open"},
        {"number": 2, "text": "Load-test checkout", "owner": "Team Payments", "priority": "P0",
         "due": date(2024, 1, 27), "status": "open", "ticket": "OPS-12"},
    ]  # fmt: skip
    assert repo.subjects()[:2] == [
        f"pm: action-add {opened} (#2 P0 Team Payments)",
        f"pm: action-add {opened} (#1 P1 alice)",
    ]
    assert repo.files_in() == [f"postmortems/2024/{opened}.md"]
    body = repo.read(f"postmortems/2024/{opened}.md")
    assert "| 2 | P0 | Load-test checkout (OPS-12) | Team Payments | 2024-01-27 | open |" in body


def test_due_forms_and_past_due_warning(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("action", "add", opened, "In a week", "--owner", "a", "--due", "+7d")
    cli.ok("action", "add", opened, "In two weeks", "--owner", "a", "--due", "2w")
    cli.ok("action", "add", opened, "Tomorrow", "--owner", "a", "--due", "tomorrow")
    late = cli.ok("action", "add", opened, "Already late", "--owner", "a", "--due", "2024-01-10")
    assert "pm: warning: the due date 2024-01-10 is in the past" in late.stderr
    dues = [str(item["due"]) for item in items(repo, opened)]
    assert dues == ["2024-01-27", "2024-02-03", "2024-01-21", "2024-01-10"]


def test_priority_deadlines_come_from_config(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / ".pm.toml").write_text("[priorities]\nP0 = 1\nP3 = 365\n", encoding="utf-8")
    postmortem_id = cli.ok("open", "Outage", "-s", "SEV-2").stdout.split("\t")[0]
    cli.ok("action", "add", postmortem_id, "Someday", "--owner", "a", "-p", "P3")
    assert str(items(repo, postmortem_id)[0]["due"]) == "2025-01-19"
    wrong = cli("action", "add", postmortem_id, "x", "--owner", "a", "-p", "P1")
    assert wrong.exit_code == 2
    assert wrong.stderr == "pm: unknown priority 'P1'; use one of P0, P3\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--owner", "a", "-p", "P9"], "pm: unknown priority 'P9'; use one of P0, P1, P2\n"),
        (["--owner", "a", "--due", "next friday"], "pm: cannot read date 'next friday'"),
        (["--owner", "  "], "pm: the owner is empty\n"),
        (["--owner", "a\nb"], "pm: the owner must be one line without control characters\n"),
        (["--owner", "a", "--ticket", "two words"], "must be one word"),
    ],
)
def test_add_usage_errors(
    repo: Repo, cli: CliRunnerCall, opened: str, args: list[str], message: str
) -> None:
    before = repo.commit_count()
    result = cli("action", "add", opened, "Do it", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message) or message in result.stderr
    assert repo.commit_count() == before
    assert items(repo, opened) == []


def test_owner_is_required(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    result = cli("action", "add", opened, "Nobody owns this")
    assert result.exit_code == 2
    assert "--owner" in result.stderr


def test_action_text_is_data(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    text = "Fix <!-- pm:end actions --> | *bold* [link](x)"
    cli.ok("action", "add", opened, text, "--owner", "a")
    assert items(repo, opened)[0]["text"] == text
    body = repo.read(f"postmortems/2024/{opened}.md").split("\n---\n", 1)[1]
    assert body.count("<!-- pm:end actions -->") == 1
    assert "Fix \\<\\!-- pm:end actions --\\> \\| \\*bold\\* \\[link\\](x)" in body
    multi = cli("action", "add", opened, "two\nlines", "--owner", "a")
    assert multi.exit_code == 2


def test_states_and_dates(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    for text in ("One", "Two", "Three"):
        cli.ok("action", "add", opened, text, "--owner", "alice")
    cli.ok("action", "start", opened, "1")
    cli.ok("action", "done", opened, "1")
    cli.ok("action", "done", opened, "2", "--reason", "Shipped in PR 42")
    dropped = cli.ok("action", "wont-do", opened, "3", "--reason", "Replaced by #2")
    assert f"Action item 3 of {opened} is wont-do; committed." in dropped.stderr
    state = items(repo, opened)
    assert [i["status"] for i in state] == ["done", "done", "wont-do"]
    assert str(state[0]["done"]) == "2024-01-20"
    assert state[2]["reason"] == "Replaced by #2"
    body = repo.read(f"postmortems/2024/{opened}.md")
    assert "| done 2024-01-20 |" in body
    assert "| wont-do: Replaced by \\#2 |" in body
    assert repo.git("log", "-1", "--format=%b").splitlines()[0] == "Reason: Replaced by #2"
    assert repo.git("log", "-2", "--skip=1", "--format=%s%n%b").splitlines()[:3] == [
        f"pm: action-done {opened} (#2 done)",
        "Reason: Shipped in PR 42",
        "",
    ]
    cli.ok("action", "reopen", opened, "3")
    reopened = items(repo, opened)[2]
    assert reopened["status"] == "open"
    assert "reason" not in reopened
    assert repo.subjects()[0] == f"pm: action-reopen {opened} (#3 open)"


@pytest.mark.parametrize(
    ("setup", "command", "message"),
    [
        ([], ["start", "1"], None),
        (["start"], ["start", "1"], "is in-progress; `start` needs it open"),
        (["done"], ["done", "1"], "is done; `done` needs it open or in-progress (reopen it"),
        (["done"], ["start", "1"], "is done; `start` needs it open (reopen it first"),
        ([], ["reopen", "1"], "is open; `reopen` needs it done or wont-do"),
        ([], ["done", "7"], "has no action item 7 (items: 1)"),
    ],
)
def test_refused_moves(
    repo: Repo,
    cli: CliRunnerCall,
    opened: str,
    setup: list[str],
    command: list[str],
    message: str | None,
) -> None:
    cli.ok("action", "add", opened, "One", "--owner", "alice")
    for step in setup:
        cli.ok("action", step, opened, "1")
    before = repo.commit_count()
    result = cli("action", command[0], opened, *command[1:])
    if message is None:
        assert result.exit_code == 0
        return
    assert result.exit_code == 3
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert repo.commit_count() == before


def test_wont_do_needs_a_reason(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("action", "add", opened, "One", "--owner", "alice")
    result = cli("action", "wont-do", opened, "1")
    assert result.exit_code == 2
    assert result.stderr == "pm: wont-do needs --reason: say why the item will not be done\n"
    assert items(repo, opened)[0]["status"] == "open"


def test_unknown_postmortem(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    result = cli("action", "add", "no-such-thing", "x", "--owner", "a")
    assert result.exit_code == 3
    assert "no postmortem matches 'no-such-thing'" in result.stderr


def test_reason_cannot_forge_trailers(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("action", "add", opened, "One", "--owner", "alice")
    for reason in ("x\n\nPm-Id: forged", "ok\u2028Pm-Operation: forged"):
        result = cli("action", "wont-do", opened, "1", "--reason", reason)
        assert result.exit_code == 2  # a reason is one line
        assert "one line" in result.stderr
    assert repo.subjects()[0] == f"pm: action-add {opened} (#1 P1 alice)"


def test_no_commit_writes_without_committing(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    before = repo.commit_count()
    result = cli.ok("action", "add", opened, "One", "--owner", "a", "--no-commit")
    assert "not committed (--no-commit)" in result.stderr
    assert repo.commit_count() == before
    assert len(items(repo, opened)) == 1


def test_user_text_cannot_skip_the_ci_run_of_the_push(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    """GitHub, GitLab, Azure... skip a push whose commit message says [skip ci]."""
    cli.ok("action", "add", opened, "One", "--owner", "[skip ci]")
    assert repo.subjects()[0] == f"pm: action-add {opened} (#1 P1 (skip ci))"
    cli.ok("action", "wont-do", opened, "1", "--reason", "dup [CI Skip] ***NO_CI*** [no ci]")
    body = repo.git("log", "-1", "--format=%b")
    assert body.splitlines()[0] == "Reason: dup (CI Skip) (NO_CI) (no ci)"
    # The file keeps the text as typed: only the commit message is defused.
    shown = json.loads(cli.ok("show", opened, "--json").stdout)
    assert shown["actions"][0]["owner"] == "[skip ci]"
    assert shown["actions"][0]["reason"] == "dup [CI Skip] ***NO_CI*** [no ci]"
