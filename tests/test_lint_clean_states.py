"""Every state pm can produce is lint-clean: ``pm lint --strict`` after every command.

pm's own pre-commit hook runs ``pm lint``; a file pm writes that lint rejects makes the
next commit fail (``pm close --force`` did, with four errors). Each scenario drives the
commands an incident goes through, including the forced close, renumbering, wont-do,
reopen, set, related, edit and lint --fix, and lints strictly after each step.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo
from lintclean import LINT_ARGS, findings

SECTIONS = {
    "## Summary": "The checkout pool filled up during the sale and requests timed out.",
    "## Root Cause": "The pool size was fixed at 10 while traffic tripled.",
    "## Contributing Factors": "No alert on pool saturation.",
    "## What Went Poorly": "Paging took ten minutes.",
}


def writer(tmp_path: Path) -> Path:
    """An editor that fills the prose sections the review needs."""
    script = "#!/bin/sh\nset -e\n"
    for heading, text in SECTIONS.items():
        script += f'sed -i {shlex.quote(f"/^{heading}$/a {text}")} "$1"\n'
    path = tmp_path / "fill.sh"
    path.write_text(script, encoding="utf-8")
    path.chmod(0o755)
    return path


class Steps:
    """Run pm commands, each followed by ``pm lint --strict``."""

    def __init__(self, cli: CliRunnerCall) -> None:
        self.cli = cli
        self.ran: list[str] = []

    def __call__(self, *args: str) -> str:
        result = self.cli(*args)
        assert result.exit_code == 0, f"pm {' '.join(args)}: {result.stderr}"
        self.ran.append(" ".join(args))
        lint = self.cli(*LINT_ARGS)
        assert not findings(lint.stdout), f"after pm {' '.join(args)}:\n{lint.stdout}{lint.stderr}"
        return result.stdout


def opened(step: Steps, title: str, severity: str, started: str, *more: str) -> str:
    return step("open", title, "-s", severity, "--started", started, *more).split("\t")[0]


@pytest.fixture
def step(repo: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Steps:
    monkeypatch.setenv("EDITOR", str(writer(tmp_path)))
    steps = Steps(cli)
    steps("init")
    return steps


def test_a_sev1_from_open_to_closed(step: Steps) -> None:
    pid = opened(
        step,
        "Checkout API returns 500s",
        "SEV-1",
        "2024-01-15T14:05",
        "--service", "checkout", "--tag", "db", "--impact", "Half of checkouts failed",
        "--detected", "2024-01-15T14:12",
    )  # fmt: skip
    for kind, at in (("acknowledged", "14:15"), ("identified", "14:30"), ("note", "14:31")):
        step("event", pid, f"Step {kind}", "-k", kind, "--at", f"2024-01-15T{at}")
    step("event", pid, "Pool size raised", "-k", "mitigated", "--at", "2024-01-15T14:40")
    step("set", pid, "title", "Checkout API returns 500s under load")
    step("set", pid, "services", "payments-db", "--add")
    step("set", pid, "tags", "db", "--remove")
    step("set", pid, "impact", "All card payments failed for 35 minutes")
    step("action", "add", pid, "Alert on pool saturation", "--owner", "bob", "-p", "P0")
    step(
        "action", "add", pid, "Load test", "--owner", "carol", "--ticket", "OPS-12", "--due", "+60d"
    )
    step("action", "add", pid, "Runbook", "--owner", "dave", "-p", "P2")
    step("action", "start", pid, "1")
    step("action", "done", pid, "1")
    step("action", "wont-do", pid, "3", "--reason", "covered by the load test")
    step("action", "reopen", pid, "3")
    step("resolve", pid, "Deployed the fix", "--at", "2024-01-15T15:10")
    step("edit", pid)
    step("review", pid, "--at", "2024-01-17T10:00")
    step("action", "done", pid, "2")
    step("action", "wont-do", pid, "3", "--reason", "covered by the load test")
    step("close", pid)


def test_forced_close_and_severity_changes(step: Steps) -> None:
    forced = opened(step, "Search is slow", "SEV-2", "2024-01-16T09:00")
    step("action", "add", forced, "Add a search index", "-o", "erin")
    step("resolve", forced, "--at", "2024-01-16T10:00")
    step("close", forced, "--force", "--reason", "tracked in the search roadmap")
    minor = opened(step, "Docs site typo", "SEV-3", "2024-01-17T09:00")
    step("set", minor, "severity", "SEV-2")
    step("set", minor, "severity", "SEV-3")
    step("resolve", minor, "--at", "2024-01-17T09:30")
    step("close", minor)
    step("related", forced, minor)
    refused = step.cli("set", minor, "severity", "SEV-1")  # closed without what SEV-1 needs
    assert refused.exit_code == 3
    assert "a held review (review.held), section 'Summary'" in refused.stderr
    step("set", forced, "severity", "SEV-1")  # a forced close says why it was skipped
    reviewed = opened(step, "Queue backlog", "SEV-2", "2024-01-18T09:00")
    step("resolve", reviewed, "--at", "2024-01-18T10:00")
    step("edit", reviewed)
    step("action", "add", reviewed, "Scale consumers", "--owner", "gina")
    step("review", reviewed, "--at", "2024-01-19T10:00")
    step("set", reviewed, "severity", "SEV-1")


def test_renumbered_items_after_a_merge(step: Steps, repo: Repo) -> None:
    pid = opened(step, "Cache misses", "SEV-3", "2024-01-19T09:00")
    step("action", "add", pid, "Warm the cache", "--owner", "frank")
    step("action", "add", pid, "Shard the cache", "--owner", "frank")
    # What a merge of two branches that each added item 2 leaves (both sides rendered it).
    path = repo.postmortem_path(pid)
    text = path.read_text(encoding="utf-8").replace("number: 2", "number: 1")
    path.write_text(text.replace("| 2 | P1 | Shard", "| 1 | P1 | Shard"), encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "merge")
    step("action", "renumber", pid)
    step("action", "done", pid, "2")


def test_open_edit_and_lint_fix(step: Steps, repo: Repo) -> None:
    pid = opened(step, "DNS outage", "SEV-2", "2024-01-20T08:00", "--edit")
    path = repo.postmortem_path(pid)
    text = path.read_text(encoding="utf-8")
    row = "| 2024-01-20 08:20 | note | Resolver restarted |\n"
    path.write_text(
        text.replace("\n\n<!-- pm:end timeline -->", "\n" + row + "\n<!-- pm:end timeline -->")
    )
    step("lint", "--fix")
    step("event", pid, "Cache flushed", "--at", "2024-01-20T08:30")
