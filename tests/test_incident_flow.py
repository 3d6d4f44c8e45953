"""A whole incident driven through the CLI against a real git repository."""

from __future__ import annotations

import json

from conftest import AUTHOR, CliRunnerCall, Repo

PID = "2024-01-15-database-connection-pool-exhausted"


def test_whole_incident(repo: Repo, cli: CliRunnerCall) -> None:
    start = repo.commit_count()
    cli.ok("init")
    opened = cli.ok(
        "open",
        "Database connection pool exhausted",
        "-s",
        "SEV-1",
        "--service",
        "payments-api",
        "--tag",
        "database",
        "--impact",
        "Checkout failed for 30% of users",
        "--started",
        "2024-01-15T14:05",
        "--detected",
        "2024-01-15T14:12:00Z",
    )
    assert opened.stdout == f"{PID}\tpostmortems/2024/{PID}.md\n"
    cli.ok("event", PID, "Paged the on-call", "--kind", "acknowledged", "--at", "2024-01-15T14:15")
    cli.ok(
        "event",
        "database-connection",
        "Pool raised to 50",
        "-k",
        "mitigated",
        "--at",
        "2024-01-15T15:40",
    )
    # An event recorded late but earlier in time lands in order.
    cli.ok("event", "2024-01-15", "Traffic spike from a campaign", "--at", "2024-01-15T14:30")
    resolved = cli.ok("resolve", PID, "Error rate at baseline", "--at", "2024-01-15T16:05")
    assert resolved.stdout == "2h 00m\n"
    assert "review due 2024-01-17" in resolved.stderr

    # One commit per change, each touching only the postmortem, with subject and trailers.
    subjects = repo.subjects()
    assert repo.commit_count() == start + 6
    assert subjects[:5] == [
        f"pm: resolve {PID} (2h 00m)",
        f"pm: event {PID} (note)",
        f"pm: event {PID} (mitigated)",
        f"pm: event {PID} (acknowledged)",
        f"pm: open {PID} (SEV-1)",
    ]
    for rev in range(5):
        assert repo.files_in(f"HEAD~{rev}") == [f"postmortems/2024/{PID}.md"]
    body = repo.git("log", "-1", "--format=%B")
    assert body.splitlines()[-2:] == [f"Pm-Id: {PID}", "Pm-Operation: resolve"]
    assert repo.git("log", "-1", "--format=%an <%ae>") == f"{AUTHOR[0]} <{AUTHOR[1]}>"
    assert len(repo.git("log", "--format=%H", f"--grep=Pm-Id: {PID}").splitlines()) == 5

    listed = cli.ok("list")
    assert listed.stdout == (
        f"{PID}\tSEV-1\tresolved\t2h 00m\tDatabase connection pool exhausted\n"
    )
    data = json.loads(cli.ok("show", PID, "--json").stdout)
    assert data["status"] == "resolved"
    assert data["review"] == {"due": "2024-01-17", "held": None}
    assert [e["kind"] for e in data["timeline"]] == [
        "started",
        "detected",
        "acknowledged",
        "note",
        "mitigated",
        "resolved",
    ]
    assert data["metrics"] == {
        "duration_minutes": 120.0,
        "time_to_detect_minutes": 7.0,
        "time_to_acknowledge_minutes": 3.0,
        "time_to_mitigate_minutes": 95.0,
        "time_to_resolve_minutes": 120.0,
    }
    text = repo.read(f"postmortems/2024/{PID}.md")
    assert "| 2024-01-15 14:30 | note | Traffic spike from a campaign |" in text
    shown = cli.ok("show", PID).stdout
    assert "time to   detect 7m; acknowledge 3m; mitigate 1h 35m; resolve 2h 00m" in shown


def test_list_filters_and_json(repo: Repo, cli: CliRunnerCall) -> None:
    cli.ok(
        "open",
        "Checkout 500s",
        "-s",
        "SEV-2",
        "--service",
        "checkout",
        "--started",
        "2024-01-10T10:00",
    )
    cli.ok(
        "open", "Slow search", "-s", "SEV-3", "--tag", "latency", "--started", "2024-01-18T09:00"
    )
    cli.ok("resolve", "slow-search", "--at", "2024-01-18T09:30")

    def ids(*args: str) -> list[str]:
        return [line.split("\t")[0] for line in cli.ok("list", *args).stdout.splitlines()]

    assert ids() == ["2024-01-10-checkout-500s", "2024-01-18-slow-search"]
    assert ids("--status", "active") == ["2024-01-10-checkout-500s"]
    assert ids("--severity", "SEV-3") == ["2024-01-18-slow-search"]
    assert ids("--service", "checkout") == ["2024-01-10-checkout-500s"]
    assert ids("--tag", "latency") == ["2024-01-18-slow-search"]
    assert ids("--since", "2024-01-15") == ["2024-01-18-slow-search"]
    rows = json.loads(cli.ok("list", "--json").stdout)
    assert rows[1] == {
        "id": "2024-01-18-slow-search",
        "title": "Slow search",
        "severity": "SEV-3",
        "status": "resolved",
        "started": "2024-01-18T09:00:00Z",
        "resolved": "2024-01-18T09:30:00Z",
        "duration_minutes": 30.0,
        "services": [],
        "tags": ["latency"],
        "review_due": None,
        "open_actions": 0,
        "path": "postmortems/2024/2024-01-18-slow-search.md",
    }
    # An active incident's duration runs to now (PM_NOW).
    assert "(ongoing)" in cli.ok("list").stdout.splitlines()[0]
    bad = cli("list", "--status", "finished")
    assert bad.exit_code == 2
    assert "unknown status 'finished'" in bad.stderr


def test_same_title_same_day_gets_a_distinct_id(repo: Repo, cli: CliRunnerCall) -> None:
    first = cli.ok("open", "Disk full", "-s", "SEV-3", "--started", "2024-01-15T01:00")
    second = cli.ok("open", "Disk full", "-s", "SEV-3", "--started", "2024-01-15T05:00")
    assert first.stdout.split("\t")[0] == "2024-01-15-disk-full"
    assert second.stdout.split("\t")[0] == "2024-01-15-disk-full-2"


def test_ambiguous_and_unknown_ids(repo: Repo, cli: CliRunnerCall) -> None:
    cli.ok("open", "Disk full", "-s", "SEV-3", "--started", "2024-01-15T01:00")
    cli.ok("open", "Disk slow", "-s", "SEV-3", "--started", "2024-01-15T02:00")
    ambiguous = cli("event", "2024-01-15-disk", "x")
    assert ambiguous.exit_code == 3
    assert ambiguous.stderr == (
        "pm: '2024-01-15-disk' is ambiguous: it matches "
        "2024-01-15-disk-full, 2024-01-15-disk-slow\n"
    )
    unknown = cli("show", "nope")
    assert unknown.exit_code == 3
    assert unknown.stderr == "pm: no postmortem matches 'nope' (see `pm list`)\n"
    assert cli.ok("show", "disk-slow").stdout.startswith("2024-01-15-disk-slow: Disk slow")


def test_resolve_twice_and_event_rules(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    before = repo.commit_count()
    early = cli("event", opened, "too early", "--at", "2024-01-15T13:00")
    assert early.exit_code == 2
    assert "before the incident started" in early.stderr
    assert cli("event", opened, "x", "--kind", "resolved").exit_code == 2
    assert cli("event", opened, "x", "--kind", "exploded").exit_code == 2
    assert cli("event", opened, "   ").exit_code == 2
    cli.ok("resolve", opened, "--at", "2024-01-15T15:00")
    again = cli("resolve", opened)
    assert again.exit_code == 3
    assert again.stderr == f"pm: {opened} is already resolved\n"
    assert repo.commit_count() == before + 1


def test_sev3_has_no_review_due(repo: Repo, cli: CliRunnerCall) -> None:
    cli.ok("open", "Flaky cron", "-s", "sev-3", "--started", "2024-01-19T10:00")
    result = cli.ok("resolve", "flaky-cron", "--at", "2024-01-19T10:20")
    assert "no review required" in result.stderr
    assert "  due: null" in repo.read("postmortems/2024/2024-01-19-flaky-cron.md")
