"""pm log, and one SEV-1 walked from open to close by different people."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import CliRunnerCall, Repo, run_pm
from pm.commits import parse_log
from prose import COMPLETE, fill_sections


def as_author(repo: Repo, name: str) -> None:
    repo.git("config", "user.name", name)
    repo.git("config", "user.email", f"{name.split(maxsplit=1)[0].lower()}@example.com")


def test_sev1_from_open_to_close(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[tuple[str, str]] = []  # (author, operation), oldest first

    def step(author: str, operation: str, *args: str) -> None:
        as_author(repo, author)
        cli.ok(*args)
        steps.append((author, operation))

    monkeypatch.setenv("PM_NOW", "2024-01-15T14:30:00Z")
    as_author(repo, "Olga Oncall")
    opened = cli.ok(
        "open", "Checkout API returns 500s", "-s", "SEV-1", "--started", "2024-01-15T14:05"
    ).stdout.split("\t")[0]
    steps.append(("Olga Oncall", "open"))
    step("Ben Backup", "event", "event", opened, "Paged", "-k", "acknowledged", "--at", "14:10")
    monkeypatch.setenv("PM_NOW", "2024-01-15T16:30:00Z")
    step("Olga Oncall", "resolve", "resolve", opened, "Rolled back", "--at", "2024-01-15T16:00")
    monkeypatch.setenv("PM_NOW", "2024-01-16T10:00:00Z")
    step("Dana Lead", "action-add", "action", "add", opened, "Canary deploys", "--owner", "ben")
    step("Ben Backup", "action-start", "action", "start", opened, "1")
    as_author(repo, "Wes Writer")
    fill_sections(repo.postmortem_path(opened), COMPLETE)
    repo.git("commit", "--quiet", "-am", "Write the postmortem prose")
    steps.append(("Wes Writer", "manual"))
    step("Dana Lead", "review", "review", opened)
    monkeypatch.setenv("PM_NOW", "2024-02-01T09:00:00Z")
    step("Ben Backup", "action-done", "action", "done", opened, "1")
    step("Dana Lead", "close", "close", opened)

    statuses = yaml.safe_load(repo.read(f"postmortems/2024/{opened}.md").split("---\n")[1])
    assert statuses["status"] == "closed"

    log = cli.ok("log", opened)
    rows = [line.split("\t") for line in log.stdout.splitlines()]
    assert [(row[2], row[3]) for row in rows] == list(reversed(steps))
    assert rows[0][4] == f"pm: close {opened}"
    assert rows[3][4] == "Write the postmortem prose"
    data = json.loads(cli.ok("log", opened, "--json").stdout)
    assert [(d["author"], d["operation"] or "manual") for d in data] == list(reversed(steps))
    assert [d["manual"] for d in data].count(True) == 1
    assert data[-1]["email"] == "olga@example.com"
    assert data[-1]["date"] == "2024-01-20T12:00:00Z"  # the fixture pins commit dates


@pytest.mark.slow  # runs pm in a subprocess
def test_log_follows_renames_and_marks_manual_commits(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    cli.ok("event", opened, "Looking at the pool")
    old = f"postmortems/2024/{opened}.md"
    new = "postmortems/2024/2024-01-15-db-pool.md"
    repo.git("mv", old, new)
    repo.git("commit", "--quiet", "-m", "Shorter file name | with; odd: characters")
    result = run_pm(repo.path, "log", "db-pool")
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [row[3] for row in rows] == ["manual", "event", "open"]
    assert rows[0][4] == "Shorter file name | with; odd: characters"
    assert rows[2][4] == f"pm: open {opened} (SEV-1)"
    assert all(len(row[0]) == 8 for row in rows)
    assert rows[0][1] == "2024-01-20 12:00"


def test_log_without_commits_and_outside_git(repo: Repo, cli: CliRunnerCall) -> None:
    pid = cli.ok("open", "Draft", "-s", "SEV-3", "--no-commit").stdout.split("\t")[0]
    result = cli.ok("log", pid)
    assert result.stdout == ""
    assert result.stderr == f"{pid} has no commits yet.\n"
    unknown = cli("log", "nothing-like-this")
    assert unknown.exit_code == 3


def test_parse_log_is_not_confused_by_subjects() -> None:
    text = (
        "\x00abc123\x1f2024-01-15T15:00:00+01:00\x1fA B\x1fa@x\x1fpm: set x (a\tb)\x1f"
        "title: a -> b\n\nPm-Id: x\nPm-Operation: set\n\x01\n"
        "\x00def456\x1f2024-01-15T14:00:00Z\x1fC\x1fc@x\x1fFix typo: Pm-Operation: x\x1f\x01"
    )
    entries = parse_log(text)
    assert [(e.commit, e.author, e.operation, e.subject) for e in entries] == [
        ("abc123", "A B", "set", "pm: set x (a\tb)"),
        ("def456", "C", None, "Fix typo: Pm-Operation: x"),
    ]
    assert entries[0].date.isoformat() == "2024-01-15T14:00:00+00:00"


def test_log_of_a_broken_file(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    path = repo.postmortem_path(opened)
    path.write_text(path.read_text(encoding="utf-8") + "\n<<<<<<< HEAD\n", encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "Oops")
    assert cli("show", opened).exit_code == 3
    rows = cli.ok("log", opened).stdout.splitlines()
    assert [row.split("\t")[3] for row in rows] == ["manual", "open"]
