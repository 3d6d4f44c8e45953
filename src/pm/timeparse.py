"""Reading and writing times and dates as people type them and as files store them.

Stored times are UTC ISO 8601 (``2024-01-15T14:05:00Z``); stored due dates are dates.
``PM_NOW`` (an ISO time) pins the clock, so examples and tests are reproducible.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta, tzinfo

from pm.errors import UsageError

TIME_FORMS = "ISO 8601 (2024-01-15T14:05, 2024-01-15T14:05:00+02:00), HH:MM, now, or '15m ago'"
DATE_FORMS = "YYYY-MM-DD, today, tomorrow, or a relative form like +7d, 2w, 3m"

_AGO = re.compile(r"^(\d{1,5})\s*(m|min|mins|minutes?|h|hours?|d|days?)\s+ago$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_RELATIVE_DATE = re.compile(r"^\+?(\d{1,4})\s*(d|w|m|y)$")
# No incident happened before this; earlier times are typos (and 0001 overflows zones).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
# Allow a little clock skew between machines before calling a time "in the future".
_FUTURE_SLACK = timedelta(minutes=5)


def now() -> datetime:
    """The current time in UTC, or ``PM_NOW`` when set."""
    pinned = os.environ.get("PM_NOW")
    if pinned:
        try:
            return to_utc(datetime.fromisoformat(pinned.replace("Z", "+00:00")), UTC)
        except ValueError:
            raise UsageError(f"PM_NOW={pinned!r} is not an ISO 8601 time") from None
    return datetime.now(UTC).replace(microsecond=0)


def zone(name: str) -> tzinfo:
    if name == "UTC":
        return UTC
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def to_utc(moment: datetime, default_zone: tzinfo) -> datetime:
    """Attach ``default_zone`` to a naive time, then convert to UTC without microseconds.

    A naive time the zone skips (the hour clocks spring forward over) or repeats (the hour
    they fall back over) is refused: either reading would be a guess, an hour off.
    """
    if moment.tzinfo is None:
        _check_wall_time(moment, default_zone)
        moment = moment.replace(tzinfo=default_zone)
    return moment.astimezone(UTC).replace(microsecond=0)


def _check_wall_time(moment: datetime, zone_: tzinfo) -> None:
    """UsageError when ``moment`` (naive, in ``zone_``) does not exist or exists twice."""
    first = moment.replace(tzinfo=zone_, fold=0)
    second = moment.replace(tzinfo=zone_, fold=1)
    before, after = first.utcoffset(), second.utcoffset()
    if before == after:
        return
    shown = moment.isoformat(timespec="seconds" if moment.second else "minutes")
    name = getattr(zone_, "key", None) or str(zone_)
    if first.astimezone(UTC).astimezone(zone_).replace(tzinfo=None) != moment:
        raise UsageError(
            f"time {shown} does not exist in {name} (the clocks jump forward over it); "
            f"give it with an offset, e.g. {shown}{_offset(first)}"
        )
    raise UsageError(
        f"time {shown} happens twice in {name} (the clocks fall back over it); give it "
        f"with an offset: {shown}{_offset(first)} (the first) or {shown}{_offset(second)} "
        "(the second)"
    )


def _offset(moment: datetime) -> str:
    """``-05:00`` for an aware time's UTC offset."""
    text = moment.strftime("%z")  # -0500
    return f"{text[:3]}:{text[3:5]}"


def parse_time(text: str, tz: tzinfo = UTC, *, allow_future: bool = False) -> datetime:
    """Parse a user's TIME argument into an aware UTC datetime.

    A time without a zone is in ``tz`` (the configured zone, UTC by default).
    """
    value = text.strip().lower()
    current = now()
    if value == "now":
        return current
    if match := _AGO.match(value):
        amount, unit = int(match.group(1)), match.group(2)[0]
        step = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
        result = current - amount * step[unit]
    elif match := _CLOCK.match(value):
        local_today = current.astimezone(tz).date()
        hour, minute = int(match.group(1)), int(match.group(2))
        moment = datetime(local_today.year, local_today.month, local_today.day, hour, minute)
        result = to_utc(moment, tz)
    else:
        if not re.match(r"^\d{4}-\d{2}-\d{2}[t ]\d{1,2}:\d{2}", value):
            raise UsageError(f"cannot read time {text!r}; use {TIME_FORMS}")
        try:
            result = to_utc(datetime.fromisoformat(value.upper().replace("Z", "+00:00")), tz)
        except ValueError:
            raise UsageError(f"cannot read time {text!r}; use {TIME_FORMS}") from None
        except OverflowError:  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
            raise UsageError(f"time {text!r} is out of range") from None
    if result < EARLIEST:
        raise UsageError(f"time {text!r} ({format_time(result)}) is before 1970")
    if not allow_future and result > current + _FUTURE_SLACK:
        raise UsageError(f"time {text!r} ({format_time(result)}) is in the future")
    return result


def parse_date(text: str, today: date) -> date:
    """Parse a user's DATE argument (a due date): ISO date or a relative form."""
    value = text.strip().lower()
    if value == "today":
        return today
    if value == "tomorrow":
        return today + timedelta(days=1)
    if match := _RELATIVE_DATE.match(value):
        amount, unit = int(match.group(1)), match.group(2)
        days = {"d": 1, "w": 7, "m": 30, "y": 365}[unit] * amount
        try:
            return today + timedelta(days=days)
        except OverflowError:
            raise UsageError(f"date {text!r} is out of range") from None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise UsageError(f"cannot read date {text!r}; use {DATE_FORMS}")


def format_time(moment: datetime) -> str:
    """The stored form: UTC, seconds, ``Z``."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"  # %Y is not zero-padded everywhere


def format_duration(span: timedelta) -> str:
    """A short human duration: ``45m``, ``2h 05m``, ``3d 4h``."""
    minutes = int(span.total_seconds() // 60)
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m"
