"""A clock without a day (``--at 09:48``) typed about an incident that is not live today.

Writing up a past incident is a common flow (``pm open --started "2021-06-08 09:47"``,
then its events): today's 09:48 would put the event years after the incident. Once the
incident has ended, a clock is read on the incident's own day; about an active incident
that began before yesterday, pm cannot tell a long live incident from a past one being
written up, so it asks for the day. The pure rule is tested on ``timeparse``; the commands
through the CLI against a real repository.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import CliRunnerCall, Repo
from pm.errors import UsageError
from pm.timeparse import read_clock_in_incident

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
START = datetime(2021, 6, 8, 9, 47, tzinfo=UTC)
END = datetime(2021, 6, 8, 10, 36, tzinfo=UTC)


def at(text: str, started: datetime = START, ended: datetime = END, tz: str = "UTC") -> datetime:
    return read_clock_in_incident(text, ZoneInfo(tz), NOW, started, ended).at


def test_a_clock_inside_the_incident_is_on_its_day_with_a_note() -> None:
    reading = read_clock_in_incident("09:48", ZoneInfo("UTC"), NOW, START, END)
    assert reading.at == datetime(2021, 6, 8, 9, 48, tzinfo=UTC)
    assert reading.note is not None and "2021-06-08 09:48 UTC" in reading.note


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17:25", datetime(2021, 6, 8, 17, 25, tzinfo=UTC)),  # a fix shipped that evening
        ("9:30am", datetime(2021, 6, 8, 9, 30, tzinfo=UTC)),  # the trigger, just before
        ("10:00 UTC", datetime(2021, 6, 8, 10, 0, tzinfo=UTC)),
    ],
)
def test_a_clock_outside_is_on_the_nearest_day(text: str, expected: datetime) -> None:
    assert at(text) == expected


def test_an_incident_over_midnight_takes_the_next_day_for_an_early_clock() -> None:
    started = datetime(2021, 6, 8, 23, 30, tzinfo=UTC)
    ended = datetime(2021, 6, 9, 0, 40, tzinfo=UTC)
    assert at("00:15", started, ended) == datetime(2021, 6, 9, 0, 15, tzinfo=UTC)
    assert at("23:45", started, ended) == datetime(2021, 6, 8, 23, 45, tzinfo=UTC)


def test_the_day_is_the_teams_local_day() -> None:
    # 09:47 UTC is 02:47 in Los Angeles (PDT): 03:00 there is inside, on 2021-06-08.
    assert at("03:00", tz="America/Los_Angeles") == datetime(2021, 6, 8, 10, 0, tzinfo=UTC)


def test_a_clock_on_several_days_of_a_long_incident_asks_for_the_day() -> None:
    ended = datetime(2021, 6, 11, 8, 0, tzinfo=UTC)
    expected = r"more than one day .*2021-06-08 to 2021-06-10.*give the day"
    with pytest.raises(UsageError, match=expected):
        at("12:00", START, ended)


def test_an_incident_that_ended_minutes_ago_keeps_todays_reading() -> None:
    started = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    ended = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)
    reading = read_clock_in_incident("14:05", ZoneInfo("UTC"), NOW, started, ended)
    assert reading.at == datetime(2026, 12, 2, 14, 5, tzinfo=UTC) and reading.note is None


def test_the_future_is_never_chosen() -> None:
    started = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    ended = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)
    # today's 16:00 is in the future: yesterday's, the nearest that is not
    assert at("16:00", started, ended) == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def test_a_clock_the_clocks_skip_on_the_chosen_day_is_refused() -> None:
    started = datetime(2023, 3, 12, 6, 0, tzinfo=UTC)  # 01:00 EST, before the jump
    ended = datetime(2023, 3, 12, 9, 0, tzinfo=UTC)  # 05:00 EDT
    with pytest.raises(UsageError, match="does not exist"):
        at("02:30", started, ended, tz="America/New_York")


# --- through the commands -------------------------------------------------------------


@pytest.fixture
def past(repo: Repo, cli: CliRunnerCall) -> str:
    """A 2021 incident opened for a write-up (PM_NOW is in 2024)."""
    cli.ok("init")
    cli.ok("open", "CDN outage", "-s", "SEV-1", "--started", "2021-06-08 09:47 UTC")
    return "2021-06-08-cdn-outage"


def test_resolve_and_event_with_a_bare_clock_on_an_old_active_incident_ask_for_the_day(
    past: str, repo: Repo, cli: CliRunnerCall
) -> None:
    commits = repo.commit_count()
    for args in (["resolve", past, "--at", "10:36"], ["event", past, "Paged", "--at", "09:50"]):
        result = cli(*args)
        assert result.exit_code == 2
        assert result.stderr.startswith(f"pm: time '{args[-1]}' has no day, and {past} began")
        assert f"'today {args[-1]}' or '2021-06-08 {args[-1]}'" in result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert repo.commit_count() == commits


def test_after_resolving_bare_clocks_land_on_the_incidents_day(
    past: str, repo: Repo, cli: CliRunnerCall
) -> None:
    cli.ok("resolve", past, "--at", "2021-06-08 10:36")
    result = cli.ok("event", past, "Monitoring paged", "--at", "09:48")
    assert "at 2021-06-08 09:48 UTC;" in result.stderr
    assert "read as 2021-06-08 09:48 UTC, on the incident's day" in result.stderr
    text = repo.read(f"postmortems/2021/{past}.md")
    assert "2021-06-08T09:48:00Z" in text
    cli.ok("event", "edit", past, "2", "--at", "09:52")
    assert "2021-06-08T09:52:00Z" in repo.read(f"postmortems/2021/{past}.md")


def test_a_live_incident_from_yesterday_keeps_todays_clock(repo: Repo, cli: CliRunnerCall) -> None:
    cli.ok("init")
    # PM_NOW is 2024-01-20 12:00 UTC; last night's incident is still live.
    cli.ok("open", "Queue backlog", "-s", "SEV-2", "--started", "yesterday 22:00")
    result = cli.ok("event", "2024-01-19-queue-backlog", "Scaled consumers", "--at", "11:30")
    assert "read as" not in result.stderr
    assert "2024-01-20T11:30:00Z" in repo.read("postmortems/2024/2024-01-19-queue-backlog.md")
    cli.ok("resolve", "2024-01-19-queue-backlog", "--at", "11:45")
    assert "2024-01-20T11:45:00Z" in repo.read("postmortems/2024/2024-01-19-queue-backlog.md")


def test_the_readme_example_is_true(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's write-up example, replayed: each command prints what it shows
    (stdout, then stderr, as a terminal shows these commands)."""
    import re
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Times, dates and zones\n", 1)[1].split("\n### ", 1)[0]
    block = next(b for b in re.findall(r"```console\n(.*?)```", section, re.S) if "cdn" in b)
    monkeypatch.setenv("PM_NOW", "2026-12-02T15:00:00Z")
    cli.ok("init")
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    assert len(steps) == 4
    for command, shown in steps:
        result = cli(*shlex.split(command)[1:])
        assert result.stdout.splitlines() + result.stderr.splitlines() == shown, command


def test_an_impossible_clock_is_an_unreadable_time_not_a_missing_day(
    past: str, cli: CliRunnerCall
) -> None:
    for state in ("active", "resolved"):
        if state == "resolved":
            cli.ok("resolve", past, "--at", "2021-06-08 10:36")
        result = cli("event", past, "x", "--at", "25:00")
        assert result.exit_code == 2, state
        assert result.stderr.startswith("pm: cannot read time '25:00'; use 14:05, "), state
