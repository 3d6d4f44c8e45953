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
