"""``pm event ID --from FILE|-``: many events in one commit, each once, through the CLI and
real git; ``--dry-run``; bad lines refused with their numbers; the ``source:`` key kept by
lint, hand edits and merges."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import CliRunnerCall, Repo
from lintclean import LINT_ARGS, findings
from teamrepo import Team, team  # noqa: F401 - the fixture

DATA = Path(__file__).parent / "data" / "import"
PASTE = str(DATA / "pasted-from-chat.txt")
SLACK = str(DATA / "slack-incident.json")
PAGERDUTY = str(DATA / "pagerduty-log.json")


def timeline(cli: CliRunnerCall, pid: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(cli.ok("show", pid, "--json").stdout)["timeline"]
    return data


def test_lines_are_imported_in_one_commit(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    before = repo.commit_count()
    result = cli.ok("event", opened, "--from", PASTE)
    assert result.stderr == (
        f"Imported 5 new events into {opened} from lines (0 already recorded); committed.\n"
    )
    assert result.stdout.splitlines() == [
        "  2024-01-15 14:07 UTC  detected     checkout p99 at 30s, payments on-call paged",
        "  2024-01-15 14:09 UTC  acknowledged Sam looking at the payments-db pool",
        "  2024-01-15 14:20 UTC  identified   pool at 20/20, waiters piling up behind a slow query",
        "  2024-01-15 14:21 UTC  mitigated    pool size raised to 50, payments-api rolling",
        "  2024-01-15 14:41 UTC  note         error rate back under 0.1%, watching for 15 min",
    ]
    assert repo.commit_count() == before + 1
    message = repo.git("log", "-1", "--format=%B")
    assert message.startswith(f"pm: event {opened} (imported 5 events from lines)\n\n")
    assert "2024-01-15T14:20:00Z identified: pool at 20/20, waiters piling up" in message
    assert message.endswith("Pm-Operation: event")
    events = timeline(cli, opened)
    assert [e["kind"] for e in events] == [
        "started",
        "detected",
        "acknowledged",
        "identified",
        "mitigated",
        "note",
    ]
    assert "source" not in events[0]
    assert all(e["source"].startswith("lines:") for e in events[1:])
    assert repo.git("status", "--porcelain") == ""
    assert "  source: " in repo.postmortem_path(opened).read_text(encoding="utf-8")


def test_importing_twice_adds_nothing(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("event", opened, "--from", PASTE)
    count = repo.commit_count()
    again = cli.ok("event", opened, "--from", PASTE)
    assert again.stderr == "0 new events; 5 already recorded; nothing to do.\n"
    assert again.stdout == ""
    assert repo.commit_count() == count
    assert len(timeline(cli, opened)) == 6


def test_stdin_and_a_partly_known_paste(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("event", opened, "Pool at 20/20", "--at", "2024-01-15T14:20", "-k", "identified")
    paste = "14:20 identified: Pool at 20/20\n14:30 note: replica caught up\n"
    result = cli("event", opened, "--from", "-", input=paste)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        f"Imported 1 new event into {opened} from lines (1 already recorded); committed.\n"
    )
    assert [e["text"] for e in timeline(cli, opened)][-1] == "replica caught up"


def test_dry_run_writes_nothing(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    path = repo.postmortem_path(opened)
    before, count = path.read_bytes(), repo.commit_count()
    result = cli.ok("event", opened, "--from", SLACK, "--dry-run")
    assert result.stderr == (
        f"Would import 4 new events into {opened} from slack (0 already recorded; 3 skipped "
        "(joins, bots, other log entries)); --dry-run: nothing written.\n"
    )
    assert len(result.stdout.splitlines()) == 4
    assert "Priya Raman: checkout p99 is 30s" in result.stdout
    assert (path.read_bytes(), repo.commit_count()) == (before, count)


def test_a_broken_line_is_named_and_nothing_is_written(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path
) -> None:
    paste = tmp_path / "paste.txt"
    paste.write_text("14:07 fine\n14:08 also fine\nsoon: the pager fired\n", encoding="utf-8")
    before, count = repo.postmortem_path(opened).read_bytes(), repo.commit_count()
    result = cli("event", opened, "--from", str(paste))
    assert result.exit_code == 3
    assert result.stderr == (
        "pm: line 3: cannot read time 'soon:'\n"
        "pm: 1 line(s) could not be read; nothing was imported\n"
    )
    assert (repo.postmortem_path(opened).read_bytes(), repo.commit_count()) == (before, count)
    dry = cli("event", opened, "--from", str(paste), "--dry-run")
    assert dry.exit_code == 3


def test_slack_export(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    result = cli.ok("event", opened, "--from", SLACK)
    assert "from slack (0 already recorded; 3 skipped" in result.stderr
    events = timeline(cli, opened)
    assert [e["source"] for e in events[1:]] == [
        "slack:1705327650.000200",
        "slack:1705327785.000400",
        "slack:1705328431.000500",
        "slack:1705329665.000700",
    ]
    assert repo.subjects()[0] == f"pm: event {opened} (imported 4 events from slack)"


def test_pagerduty_log_and_the_resolution_hint(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    result = cli.ok("event", opened, "--from", PAGERDUTY, "--format", "pagerduty")
    assert result.stderr.splitlines() == [
        f"Imported 4 new events into {opened} from pagerduty (0 already recorded; 1 skipped "
        "(joins, bots, other log entries)); committed.",
        "pm: note: the pagerduty import says the incident was resolved at "
        "2024-01-15T14:56:02Z; kept as a note: pm resolves only when told: "
        f"pm resolve {opened} --at 2024-01-15T14:56:02Z",
    ]
    data = json.loads(cli.ok("show", opened, "--json").stdout)
    assert data["status"] == "active"
    assert [e["kind"] for e in data["timeline"]] == [
        "started",
        "detected",
        "acknowledged",
        "note",
        "note",
    ]
    assert data["metrics"]["time_to_detect_minutes"] == 3
    cli.ok("resolve", opened, "--at", "2024-01-15T14:56:02Z")


def test_the_paste_is_read_in_the_team_zone(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    pid = cli.ok("open", "Proxy 502s", "-s", "SEV-1", "--started", "2024-01-15 06:00").stdout
    pid = pid.split("\t")[0]
    paste = tmp_path / "paste.txt"
    paste.write_text("06:03 detected: 502s\n14:20 UTC mitigated: rules off\n", encoding="utf-8")
    result = cli.ok("event", pid, "--from", str(paste))
    assert result.stdout.splitlines() == [
        "  2024-01-15 06:03 PST  detected     502s",
        "  2024-01-15 06:20 PST  mitigated    rules off",
    ]
    assert [e["at"] for e in timeline(cli, pid)[1:]] == [
        "2024-01-15T14:03:00Z",
        "2024-01-15T14:20:00Z",
    ]


def test_events_before_the_start_are_refused_with_the_hint(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path
) -> None:
    paste = tmp_path / "paste.txt"
    paste.write_text("13:58 deploy 42 went out\n14:07 pager\n13:59 canary red\n", encoding="utf-8")
    count = repo.commit_count()
    result = cli("event", opened, "--from", str(paste))
    assert result.exit_code == 2
    assert result.stderr == (
        "pm: line 1 (and 1 more): 2024-01-15T13:58:00Z is before the incident started "
        f"(2024-01-15T14:05:00Z); if it started earlier, move the start first: pm set {opened} "
        "started 2024-01-15T13:58:00Z; nothing was imported\n"
    )
    assert repo.commit_count() == count
    cli.ok("set", opened, "started", "2024-01-15T13:58:00Z")
    done = cli.ok("event", opened, "--from", str(paste))
    assert "Imported 3 new events" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("TEXT", "--from", PASTE), "give TEXT or --from FILE, not both"),
        (
            ("--from", PASTE, "--at", "14:00"),
            "--from takes each event's time and kind from the file; leave out --at and --kind",
        ),
        (
            ("--from", PASTE, "-k", "note"),
            "--from takes each event's time and kind from the file; leave out --at and --kind",
        ),
        (
            ("--from", PASTE, "--format", "csv"),
            "unknown --format 'csv'; use one of lines, slack, pagerduty",
        ),
        (("TEXT", "--dry-run"), "--dry-run goes with --from FILE"),
        (("TEXT", "--format", "slack"), "--format goes with --from FILE"),
        (
            (),
            "pm event needs TEXT: pm event ID TEXT [--at TIME] [--kind KIND], or many events: "
            "pm event ID --from FILE",
        ),
    ],
)
def test_bad_option_combinations_are_usage_errors(
    repo: Repo, cli: CliRunnerCall, opened: str, args: tuple[str, ...], message: str
) -> None:
    count = repo.commit_count()
    result = cli("event", opened, *args)
    assert (result.exit_code, result.stderr) == (2, f"pm: {message}\n")
    assert repo.commit_count() == count


def test_a_file_that_cannot_be_read(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path
) -> None:
    missing = cli("event", opened, "--from", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 3
    assert missing.stderr == f"pm: cannot read {tmp_path / 'nope.txt'}: No such file or directory\n"
    latin = tmp_path / "latin.txt"
    latin.write_bytes("14:07 caf\xe9".encode("latin-1"))
    result = cli("event", opened, "--from", str(latin))
    assert (result.exit_code, result.stderr) == (3, f"pm: {latin} is not UTF-8 text\n")
    unknown = cli("event", "no-such-incident", "--from", PASTE)
    assert unknown.exit_code == 3


def test_the_source_key_survives_lint_and_hand_edits(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    cli.ok("event", opened, "--from", SLACK)
    assert findings(cli(*LINT_ARGS).stdout) == []
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("watching for 15 min", "watching for 15 minutes"), encoding="utf-8"
    )
    again = cli.ok("event", opened, "--from", SLACK)  # commits the hand edit, adds nothing
    assert "0 new events; 4 already recorded" in again.stderr
    assert repo.subjects()[0].startswith(f"{opened}: hand edit")
    events = timeline(cli, opened)
    assert events[-1]["text"].endswith("watching for 15 minutes")
    assert events[-1]["source"] == "slack:1705329665.000700"
    cli.ok("event", "edit", opened, "5", "--text", "error rate normal")
    assert timeline(cli, opened)[-1]["source"] == "slack:1705329665.000700"
    cli.ok("set", opened, "started", "2024-01-15T14:00")
    assert cli.ok("event", opened, "--from", SLACK).stderr.startswith("0 new events")
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'source: "slack:1705329665.000700"', "source: [not, text]"
        ),
        encoding="utf-8",
    )
    assert [f.split(": ")[1] for f in findings(cli(*LINT_ARGS).stdout)] == ["schema.type"]
    broken = cli("event", opened, "--from", SLACK, "--dry-run")  # a hand edit's odd source
    assert broken.exit_code == 0 and "Would import 1 new event" in broken.stderr


@pytest.mark.slow  # git runs the installed pm as its merge driver
def test_imports_on_two_clones_merge_and_keep_their_sources(team: Team) -> None:  # noqa: F811
    alice, bob = team["alice"], team["bob"]
    alice.ok("open", "Database down", "-s", "SEV-1", "--started", "2024-01-15T14:05")
    alice.push()
    assert bob.pull(rebase=False).returncode == 0
    pid = "2024-01-15-database-down"
    alice.ok("event", pid, "--from", SLACK)
    bob.ok("event", pid, "--from", PAGERDUTY)
    bob.ok("event", pid, "--from", SLACK)  # the same messages on both sides
    alice.push()
    pulled = bob.pull(rebase=False)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    data = json.loads(bob.ok("show", pid, "--json").stdout)
    sources = [e.get("source") for e in data["timeline"]]
    assert sources.count("slack:1705327650.000200") == 1
    assert len([s for s in sources if s and s.startswith("pagerduty:")]) == 4
    assert len(sources) == 1 + 4 + 4
    assert findings(bob.pm(*LINT_ARGS).stdout) == []
    assert bob.ok("event", pid, "--from", SLACK).stderr.startswith("0 new events")
    shutil.rmtree(alice.path / ".pm-cache", ignore_errors=True)
