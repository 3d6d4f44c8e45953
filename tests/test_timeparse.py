"""Times and dates as people type them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pm.errors import UsageError
from pm.timeparse import format_duration, format_time, parse_date, parse_time

NOW = datetime(2024, 1, 20, 12, 0, tzinfo=UTC)  # PM_NOW in conftest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("NOW", NOW),
        ("15m ago", NOW - timedelta(minutes=15)),
        ("2h ago", NOW - timedelta(hours=2)),
        ("1 day ago", NOW - timedelta(days=1)),
        ("09:30", datetime(2024, 1, 20, 9, 30, tzinfo=UTC)),
        ("2024-01-15T14:05", datetime(2024, 1, 15, 14, 5, tzinfo=UTC)),
        ("2024-01-15 14:05:30", datetime(2024, 1, 15, 14, 5, 30, tzinfo=UTC)),
        ("2024-01-15T14:05:00Z", datetime(2024, 1, 15, 14, 5, tzinfo=UTC)),
        ("2024-01-15T16:05:00+02:00", datetime(2024, 1, 15, 14, 5, tzinfo=UTC)),
        ("2024-01-15t14:05z", datetime(2024, 1, 15, 14, 5, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


def test_times_without_zone_use_the_configured_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_time("2023-07-01T10:00", berlin) == datetime(2023, 7, 1, 8, 0, tzinfo=UTC)
    assert parse_time("11:00", berlin) == datetime(2024, 1, 20, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "soon", "24:00", "2024-01-15", "15", "ago", "1y ago"])
def test_unreadable_times(text: str) -> None:
    with pytest.raises(UsageError, match="cannot read time"):
        parse_time(text)


def test_pm_now_must_be_iso(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PM_NOW", "yesterday")
    with pytest.raises(UsageError, match="PM_NOW"):
        parse_time("now")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02-01", date(2024, 2, 1)),
        ("today", date(2024, 1, 20)),
        ("tomorrow", date(2024, 1, 21)),
        ("+7d", date(2024, 1, 27)),
        ("7d", date(2024, 1, 27)),
        ("2w", date(2024, 2, 3)),
        ("+1m", date(2024, 2, 19)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, date(2024, 1, 20)) == expected


@pytest.mark.parametrize("text", ["2024-02-30", "next friday", "", "1.5w", "20240201"])
def test_unreadable_dates(text: str) -> None:
    with pytest.raises(UsageError, match="cannot read date"):
        parse_date(text, date(2024, 1, 20))


def test_formats() -> None:
    assert format_time(datetime(2024, 1, 15, 16, 5, tzinfo=ZoneInfo("Europe/Berlin"))) == (
        "2024-01-15T15:05:00Z"
    )
    assert format_duration(timedelta(minutes=45)) == "45m"
    assert format_duration(timedelta(hours=2, minutes=5)) == "2h 05m"
    assert format_duration(timedelta(days=3, hours=4, minutes=59)) == "3d 4h"


NEW_YORK = ZoneInfo("America/New_York")


def ny(text: str) -> datetime:
    """``text`` as a time typed in New York (2024 is after PM_NOW: future allowed)."""
    return parse_time(text, NEW_YORK, allow_future=True)


@pytest.mark.parametrize("text", ["2024-03-10T02:30", "2024-03-10 02:00", "2024-03-10T02:59:59"])
def test_a_local_time_the_clocks_jump_over_is_refused(text: str) -> None:
    """Spring forward: 02:00-02:59 on 10 March 2024 never happened in New York."""
    with pytest.raises(UsageError, match="does not exist in America/New_York") as error:
        ny(text)
    assert "-05:00" in error.value.message  # the offset to give, as in the hint


def test_the_hint_for_a_skipped_time_reads_as_that_offset() -> None:
    with pytest.raises(UsageError) as error:
        ny("2024-03-10T02:30")
    assert "e.g. 2024-03-10T02:30-05:00" in error.value.message
    assert ny("2024-03-10T02:30-05:00") == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)


def test_a_local_time_that_happens_twice_is_refused_with_both_offsets() -> None:
    """Fall back: 01:00-01:59 on 3 November 2024 happened twice in New York."""
    with pytest.raises(UsageError, match="happens twice in America/New_York") as error:
        ny("2024-11-03T01:30")
    message = error.value.message
    assert "2024-11-03T01:30-04:00 (the first)" in message
    assert "2024-11-03T01:30-05:00 (the second)" in message
    first = ny("2024-11-03T01:30-04:00")
    second = ny("2024-11-03T01:30-05:00")
    assert second - first == timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-10T01:59", datetime(2024, 3, 10, 6, 59, tzinfo=UTC)),  # just before the gap
        ("2024-03-10T03:00", datetime(2024, 3, 10, 7, 0, tzinfo=UTC)),  # just after it
        ("2024-11-03T00:59", datetime(2024, 11, 3, 4, 59, tzinfo=UTC)),  # before the repeat
        ("2024-11-03T02:00", datetime(2024, 11, 3, 7, 0, tzinfo=UTC)),  # after it
        ("2024-07-01T12:00", datetime(2024, 7, 1, 16, 0, tzinfo=UTC)),  # summer time
    ],
)
def test_times_next_to_a_change_of_clocks_are_read_as_usual(text: str, expected: datetime) -> None:
    assert ny(text) == expected


def test_a_clock_time_on_the_day_the_clocks_jump_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``HH:MM`` means today: at 02:30 on the day of the gap, there is no such time."""
    monkeypatch.setenv("PM_NOW", "2024-03-10T12:00:00Z")
    with pytest.raises(UsageError, match="does not exist"):
        ny("02:30")
    assert ny("03:30") == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)


def test_utc_has_no_such_times() -> None:
    assert parse_time("2024-03-10T02:30", allow_future=True) == datetime(
        2024, 3, 10, 2, 30, tzinfo=UTC
    )
