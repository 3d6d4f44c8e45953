"""Times and dates as people type them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pm.errors import UsageError
from pm.timeparse import (
    describe,
    format_duration,
    format_time,
    local_text,
    parse_date,
    parse_time,
    read_time,
)

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
        ("+1mo", date(2024, 2, 20)),
        ("3mo", date(2024, 4, 20)),
        ("1y", date(2025, 1, 20)),
        ("7d ago", date(2024, 1, 13)),
        ("yesterday", date(2024, 1, 19)),
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
    assert format_duration(timedelta(days=3, hours=4, minutes=59)) == "3d 4h 59m"
    assert format_duration(timedelta(hours=24, minutes=11)) == "1d 0h 11m"  # never "1d 0h"
    assert format_duration(timedelta(0)) == "0m"


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


# --- what responders type (read_time) ---------------------------------------------------------

LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")
SUMMER = datetime(2024, 7, 10, 7, 10, tzinfo=UTC)  # 00:10 PDT on 2024-07-10


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:05", "2024-07-10T07:05"),
        ("00:05:30", "2024-07-10T07:05:30"),
        ("12am", "2024-07-10T07:00"),
        ("yesterday 2pm", "2024-07-09T21:00"),
        ("yesterday 1:46pm", "2024-07-09T20:46"),
        ("yesterday 1:46 PM", "2024-07-09T20:46"),
        ("yesterday at 23:30", "2024-07-10T06:30"),
        ("Yesterday 23:30", "2024-07-10T06:30"),
        ("today 00:01", "2024-07-10T07:01"),
        ("06:46Z", "2024-07-10T06:46"),
        ("06:46 UTC", "2024-07-10T06:46"),
        ("09:00+02:00", "2024-07-10T07:00"),
        ("2024-07-09 23:30-07:00", "2024-07-10T06:30"),
        ("2024-07-09T16:30:00+0000", "2024-07-09T16:30"),
        ("2024-07-09 18:30 Europe/Berlin", "2024-07-09T16:30"),
        ("2024-07-09 14:14 America/New_York", "2024-07-09T18:14"),  # not "14:14 am" + "erica"
        ("2024-07-09 2:14 pm America/New_York", "2024-07-09T18:14"),
        ("2024-07-09 11:14 Asia/Tokyo", "2024-07-09T02:14"),
        ("2024-07-09 23:30", "2024-07-10T06:30"),
        ("15m ago", "2024-07-10T06:55"),
        ("2h ago", "2024-07-10T05:10"),
        ("1 week ago", "2024-07-03T07:10"),
        ("00:07 PDT", "2024-07-10T07:07"),  # pm's own zone's abbreviation at that time
    ],
)
def test_read_time_forms_in_a_zone(text: str, expected: str) -> None:
    reading = read_time(text, LA, SUMMER)
    assert reading.at == utc(expected)
    assert reading.note is None


def test_a_clock_later_than_now_is_yesterday_with_a_note() -> None:
    reading = read_time("23:30", LA, SUMMER)
    assert reading.at == utc("2024-07-10T06:30")  # 23:30 PDT on the 9th
    assert reading.note == (
        "23:30 is later than now (00:10 PDT); read as yesterday, 2024-07-09 23:30 PDT"
    )
    assert reading.zoned is False
    # A few minutes ahead is clock skew, not yesterday; a day given is taken as given.
    assert read_time("00:13", LA, SUMMER).at == utc("2024-07-10T07:13")
    with pytest.raises(UsageError, match="is in the future"):
        read_time("today 23:30", LA, SUMMER)


def test_zoned_says_whether_the_local_zone_mattered() -> None:
    assert read_time("13:46Z", LA, SUMMER).zoned
    assert read_time("15m ago", LA, SUMMER).zoned
    assert not read_time("00:05", LA, SUMMER).zoned


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "14:05 PST",
            "time '14:05 PST': PST is ambiguous; write the offset (14:05-08:00) or a zone "
            "(14:05 America/Los_Angeles), or set timezone = 'America/Los_Angeles' in .pm.toml "
            "and write 14:05",
        ),
        (
            "14:05 CEST",
            "time '14:05 CEST': CEST is ambiguous; write the offset (14:05+02:00) or a zone "
            "(14:05 Europe/Berlin), or set timezone = 'Europe/Berlin' in .pm.toml and write "
            "14:05",
        ),
        (
            "9:00 cst",
            "time '9:00 cst': CST is ambiguous (-06:00 America/Chicago, +08:00 Asia/Shanghai); "
            "write the offset (09:00-06:00) or a zone (09:00 America/Chicago), or set "
            "timezone = 'America/Chicago' in .pm.toml and write 09:00",
        ),
        (
            "14:05 XYZ",
            "time '14:05 XYZ': XYZ is not a time zone pm knows; write an offset "
            "(14:05+02:00) or a zone name (14:05 Europe/Berlin)",
        ),
        (
            "14:05 Mars/Olympus",
            "time '14:05 Mars/Olympus': 'Mars/Olympus' is not a time zone pm knows; write a "
            "name like Europe/Berlin or an offset like +02:00",
        ),
        ("14:05+15", "time '14:05+15': +15 is not a UTC offset (-12:00 to +14:00)"),
        ("13pm", "cannot read time '13pm': 13pm is not a clock time"),
    ],
)
def test_zone_abbreviations_and_bad_zones_are_refused(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        read_time(text, UTC, NOW)
    assert raised.value.message == message


def test_an_abbreviation_pm_zone_does_not_use_then_names_what_it_uses() -> None:
    with pytest.raises(UsageError) as raised:
        read_time("00:07 PST", LA, SUMMER)  # PST in July: LA is on PDT
    assert raised.value.message == (
        "time '00:07 PST': PST is ambiguous; write the offset (00:07-08:00) or a zone "
        "(00:07 America/Los_Angeles); America/Los_Angeles, pm's zone, is on PDT (-07:00) "
        "then, and 00:07 alone is read in it"
    )
    winter = datetime(2024, 1, 20, 18, 0, tzinfo=UTC)
    assert read_time("09:30 PST", LA, winter).at == utc("2024-01-20T17:30")


@pytest.mark.parametrize("text", ["15", "2024-07-09", "yesterday", "7:5", "1y ago", "3 mo ago"])
def test_still_unreadable(text: str) -> None:
    with pytest.raises(UsageError, match="cannot read time"):
        read_time(text, LA, SUMMER)


# --- what pm says back ------------------------------------------------------------------------


def test_describe_echoes_utc_and_the_local_time() -> None:
    today = date(2024, 7, 10)
    assert describe(utc("2024-07-10T13:45"), LA, today) == "13:45 UTC (06:45 PDT)"
    assert describe(utc("2024-07-10T13:45"), UTC, today) == "13:45 UTC"
    assert describe(utc("2024-07-10T13:45:30"), UTC, today) == "13:45:30 UTC"
    assert describe(utc("2024-07-09T13:45"), LA, today) == ("2024-07-09 13:45 UTC (06:45 PDT)")
    # The local date differs from the UTC one: both are shown.
    assert describe(utc("2024-07-10T06:30"), LA, today) == (
        "2024-07-10 06:30 UTC (2024-07-09 23:30 PDT)"
    )
    assert describe(utc("2024-01-10T13:45"), LA, date(2024, 1, 10)) == "13:45 UTC (05:45 PST)"
    assert describe(utc("2024-07-10T13:45"), ZoneInfo("America/Sao_Paulo"), today) == (
        "13:45 UTC (10:45 UTC-03)"
    )


def test_local_text_names_the_zone() -> None:
    assert local_text(utc("2024-01-15T14:05"), LA) == "2024-01-15 06:05 PST"
    assert local_text(utc("2024-07-15T14:05"), LA) == "2024-07-15 07:05 PDT"
    assert local_text(utc("2024-07-15T14:05"), UTC) == "2024-07-15 14:05 UTC"


# --- dates: one meaning per unit --------------------------------------------------------------


MINUTES = "m means minutes in pm (as in '15m ago')"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3m", f"date '3m': {MINUTES}; write 3mo for 3 months, or 90d"),
        ("+1m", f"date '+1m': {MINUTES}; write 1mo for 1 month, or 30d"),
        ("12h", "date '12h' is in hours; a date is whole days: write 1d, 2w..."),
        ("9999y", "date '9999y' is out of range"),
    ],
)
def test_dates_refuse_minutes_and_hours(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_date(text, date(2024, 1, 20))
    assert raised.value.message == message


def test_months_are_calendar_months() -> None:
    assert parse_date("1mo", date(2024, 1, 31)) == date(2024, 2, 29)
    assert parse_date("1 month", date(2023, 1, 31)) == date(2023, 2, 28)
    assert parse_date("2 months", date(2024, 11, 30)) == date(2025, 1, 30)
    assert parse_date("1y", date(2024, 2, 29)) == date(2025, 2, 28)
    assert parse_date("3mo ago", date(2024, 5, 31)) == date(2024, 2, 29)
