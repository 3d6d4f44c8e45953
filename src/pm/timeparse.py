"""Reading and writing times and dates as people type them and as files store them.

Stored times are UTC ISO 8601 (``2024-01-15T14:05:00Z``); stored due dates are dates.
People type and read times in their zone ``tz`` (the configured ``timezone``, else the
system's): ``read_time`` reads what a responder types (``14:05``, ``2pm``, ``yesterday
23:30``, ``13:46Z``, ``15m ago``...) and says what it assumed; ``describe`` and
``local_text`` say a time back. ``PM_NOW`` (an ISO time) pins the clock, so examples and
tests are reproducible.

A unit means one thing everywhere: ``m`` is minutes (``15m ago``) and ``mo`` months
(``--due 3mo``), so a due date of ``3m``, which once meant three months, is refused with
the form to write instead.

Length: the forms people type (times, zones and their abbreviations, due dates) and the
forms pm says them back in belong together; periods (``--since 2024-Q3``) are in
``pm.periods``.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from pm.errors import UsageError
from pm.records import NamedTuple

TIME_FORMS = "14:05, 2:30pm, yesterday 23:30, 13:46Z, 2024-01-15T14:05-08:00, now or 15m ago"
DATE_FORMS = "2024-01-15, today, tomorrow, +7d, 2w, 3mo, 1y (from today) or 7d ago"

# Patterns of typed times, compiled on first use (``re`` keeps them): reads never parse one.
_AGO = r"^(\d{1,5})\s*([a-z]+)\s+ago$"
_RELATIVE_DATE = r"^(\+?)(\d{1,4})\s*([a-z]+)$"


@functools.cache
def _moment_pattern() -> re.Pattern[str]:
    """[DAY] CLOCK [ZONE]: 14:05, 2pm, yesterday 23:30, 2024-01-15T14:05:00+02:00, 13:46Z,
    14:05 Europe/Berlin; 14:05 PST is matched too, to be refused with what to write.

    Compiled on first use (about half a millisecond, case-insensitive classes): reads
    (pm list, pm show) never read a typed time."""
    return re.compile(
        r"^(?:(?P<day>yesterday|today|tomorrow|\d{4}-\d{2}-\d{2})(?:t|\s+(?:at\s+)?))?"
        r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?)?"
        r"\s*(?P<meridiem>[ap]\.?m\.?(?![a-z]))?"  # not the "Am" of "14:14 America/..."
        r"\s*(?P<zone>z|[+-]\d{1,2}(?::?\d{2})?|[a-z][a-z0-9/_+-]*)?$",
        re.IGNORECASE,
    )


_OFFSET = r"^([+-])(\d{1,2})(?::?(\d{2}))?$"
# Unit words by what they mean: one meaning each, in every command.
_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("mo", "mon", "mos", "month", "months"), "months"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "years"),
}
# Names of UTC itself: a zone by one of them needs no zone database and no "(local)" echo.
UTC_NAMES = frozenset(("UTC", "Etc/UTC", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"))
# Zone abbreviations responders type, with the offset and a zone to write instead. They are
# refused: CST is both US Central and China, and "PST" typed in July is a guess.
ABBREVIATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "PST": (("-08:00", "America/Los_Angeles"),),
    "PDT": (("-07:00", "America/Los_Angeles"),),
    "MST": (("-07:00", "America/Denver"),),
    "MDT": (("-06:00", "America/Denver"),),
    "CST": (("-06:00", "America/Chicago"), ("+08:00", "Asia/Shanghai")),
    "CDT": (("-05:00", "America/Chicago"),),
    "EST": (("-05:00", "America/New_York"),),
    "EDT": (("-04:00", "America/New_York"),),
    "AKST": (("-09:00", "America/Anchorage"),),
    "AKDT": (("-08:00", "America/Anchorage"),),
    "HST": (("-10:00", "Pacific/Honolulu"),),
    "BRT": (("-03:00", "America/Sao_Paulo"),),
    "WET": (("+00:00", "Europe/Lisbon"),),
    "WEST": (("+01:00", "Europe/Lisbon"),),
    "BST": (("+01:00", "Europe/London"), ("+06:00", "Asia/Dhaka")),
    "IST": (("+05:30", "Asia/Kolkata"), ("+01:00", "Europe/Dublin"), ("+02:00", "Asia/Jerusalem")),
    "CET": (("+01:00", "Europe/Berlin"),),
    "CEST": (("+02:00", "Europe/Berlin"),),
    "EET": (("+02:00", "Europe/Helsinki"),),
    "EEST": (("+03:00", "Europe/Helsinki"),),
    "MSK": (("+03:00", "Europe/Moscow"),),
    "SGT": (("+08:00", "Asia/Singapore"),),
    "HKT": (("+08:00", "Asia/Hong_Kong"),),
    "JST": (("+09:00", "Asia/Tokyo"),),
    "KST": (("+09:00", "Asia/Seoul"),),
    "AWST": (("+08:00", "Australia/Perth"),),
    "ACST": (("+09:30", "Australia/Adelaide"),),
    "AEST": (("+10:00", "Australia/Sydney"),),
    "AEDT": (("+11:00", "Australia/Sydney"),),
    "NZST": (("+12:00", "Pacific/Auckland"),),
    "NZDT": (("+13:00", "Pacific/Auckland"),),
}
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
    if name in UTC_NAMES:
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
    """Parse a user's TIME argument into an aware UTC datetime (see ``read_time``)."""
    return read_time(text, tz, now(), allow_future=allow_future).at


# --- what people type ---------------------------------------------------------------------


class Reading(NamedTuple):
    """A typed time as pm understood it.

    ``at`` is in UTC. ``note`` says what pm assumed (an ``HH:MM`` later than now is
    yesterday's), None when nothing. ``zoned`` is True when the text fixed the moment by
    itself (``now``, ``15m ago``, an offset or a zone), so the local zone did not matter.
    """

    at: datetime
    note: str | None = None
    zoned: bool = True


def read_time(text: str, tz: tzinfo, current: datetime, *, allow_future: bool = False) -> Reading:
    """Read a responder's TIME: ``now``, ``15m ago``, ``[yesterday|today|DATE] CLOCK [ZONE]``.

    A clock without a day is today's in ``tz`` (or in the zone it names), or yesterday's
    when today's would be more than a few minutes in the future (a responder typing
    ``23:30`` at 00:10 means last night), with a note saying so. A zone abbreviation is
    refused with the offset or zone name to write instead, unless it is the abbreviation
    ``tz`` itself uses at that time (``14:05 PDT`` with ``America/Los_Angeles``).
    """
    value = " ".join(text.split())
    lowered = value.lower()
    if lowered == "now":
        return Reading(current)
    if match := re.match(_AGO, lowered):
        reading = Reading(_ago(text, int(match.group(1)), match.group(2), current))
    elif match := _moment_pattern().match(value):
        reading = _moment(text, match, tz, current, ahead=allow_future)
    else:
        raise UsageError(f"cannot read time {text!r}; use {TIME_FORMS}")
    if reading.at < EARLIEST:
        raise UsageError(f"time {text!r} ({format_time(reading.at)}) is before 1970")
    if not allow_future and reading.at > current + _FUTURE_SLACK:
        raise UsageError(f"time {text!r} ({format_time(reading.at)}) is in the future")
    return reading


def read_clock_in_incident(
    text: str, tz: tzinfo, current: datetime, started: datetime, ended: datetime
) -> Reading:
    """Read a clock without a day (``09:48``) typed about an incident that has ended.

    Today's ``09:48`` is right while an incident is live, but a timeline written after the
    fact is about the incident's own days: the clock is read on the day that puts it
    inside the incident (``started`` to ``ended``), else nearest to it (a deploy just
    before it began, a fix shipped after), with a note naming the day. When the clock
    falls inside the incident on more than one day, pm does not guess: the error asks for
    the date."""
    first = started.astimezone(tz).date() - timedelta(days=2)
    last = min(ended.astimezone(tz).date() + timedelta(days=1), current.astimezone(tz).date())
    found: list[tuple[date, datetime | None, UsageError | None]] = []
    day = first
    while day <= last:
        try:
            moment = read_time(f"{day.isoformat()} {text}", tz, current, allow_future=True).at
            found.append((day, moment, None))
        except UsageError as error:  # a clock the clocks skip or repeat that day
            found.append((day, None, error))
        day += timedelta(days=1)
    known = [(d, m) for d, m, _ in found if m is not None]
    if not known:
        return read_time(text, tz, current)

    def placed(d: date, m: datetime | None) -> datetime:
        """A day whose clock does not exist sits a day from its neighbour's."""
        if m is not None:
            return m
        near = min(known, key=lambda k: abs((k[0] - d).days))
        return near[1] + timedelta(days=(d - near[0]).days)

    latest = current + _FUTURE_SLACK
    candidates = [(d, moment, error) for d, m, error in found if (moment := placed(d, m)) <= latest]
    if not candidates:
        return read_time(text, tz, current)
    inside = [c for c in candidates if started <= c[1] <= ended]
    if len(inside) > 1:
        raise UsageError(
            f"time {_one_line(text)!r} falls on more than one day of this incident "
            f"({inside[0][0].isoformat()} to {inside[-1][0].isoformat()}); give the day, "
            f"e.g. '{inside[0][0].isoformat()} {_one_line(text)}'"
        )

    def distance(candidate: tuple[date, datetime, UsageError | None]) -> timedelta:
        moment = candidate[1]
        return started - moment if moment < started else max(moment - ended, timedelta(0))

    chosen_day, moment, refusal = inside[0] if inside else min(candidates, key=distance)
    if refusal is not None:
        raise refusal
    if chosen_day == current.astimezone(tz).date():
        return read_time(text, tz, current)
    zoned = read_time(text, tz, current).zoned
    note = (
        f"{_one_line(text)} read as {local_text(moment, tz)}, on the incident's day "
        f"(it started {local_text(started, tz)}); give a date for another day"
    )
    return Reading(moment, note, zoned)


def is_clock(text: str) -> bool:
    """``text`` is a clock time without a day (``14:05``, ``2pm``, ``14:05 UTC``): the day
    is the reader's to supply (``read_time`` takes today's, or yesterday's)."""
    match = _moment_pattern().match(" ".join(text.split()))
    return match is not None and match.group("day") is None


def _ago(text: str, amount: int, unit_word: str, current: datetime) -> datetime:
    unit = _UNITS.get(unit_word)
    if unit not in ("minutes", "hours", "days", "weeks"):
        raise UsageError(f"cannot read time {text!r}; use {TIME_FORMS}")
    try:
        return current - timedelta(**{unit: amount})
    except OverflowError:
        raise UsageError(f"time {text!r} is out of range") from None


def _moment(
    text: str, match: re.Match[str], tz: tzinfo, current: datetime, *, ahead: bool = False
) -> Reading:
    """``ahead`` (a time to come, as a review meeting is): a clock without a day is
    today's even when it is later than now, never taken for yesterday's."""
    hour, minute, second = _clock(text, match)
    zone_text = match.group("zone")
    fixed = _named_zone(text, zone_text) if zone_text else None
    abbreviation = zone_text.upper() if zone_text and fixed is None else None
    base = fixed or tz
    day_text = (match.group("day") or "").lower()
    try:
        local_today = current.astimezone(base).date()
        if day_text in ("", "today"):
            day = local_today
        elif day_text == "yesterday":
            day = local_today - timedelta(days=1)
        elif day_text == "tomorrow":
            day = local_today + timedelta(days=1)
        else:
            day = date.fromisoformat(day_text)
    except ValueError:
        raise UsageError(f"cannot read time {text!r}; use {TIME_FORMS}") from None

    def at(wall: datetime) -> datetime:
        try:
            if abbreviation is not None:
                return _by_abbreviation(text, wall, abbreviation, tz)
            return to_utc(wall, base)
        except OverflowError:  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
            raise UsageError(f"time {text!r} is out of range") from None

    wall = datetime(day.year, day.month, day.day, hour, minute, second)
    result = at(wall)
    zoned = zone_text is not None
    if day_text or ahead or result <= current + _FUTURE_SLACK:
        return Reading(result, None, zoned)
    earlier = at(wall - timedelta(days=1))
    shown = current.astimezone(base)
    note = (
        f"{_one_line(text)} is later than now ({shown:%H:%M} {zone_label(shown)}); "
        f"read as yesterday, {local_text(earlier, base)}"
    )
    return Reading(earlier, note, zoned)


def _one_line(text: str) -> str:
    """``text`` on one line, as pm quotes a typed value back."""
    return " ".join(text.split())


def _clock(text: str, match: re.Match[str]) -> tuple[int, int, int]:
    hour = int(match.group("hour"))
    minute = int(match.group("minute") or 0)
    second = int(match.group("second") or 0)
    meridiem = (match.group("meridiem") or "").replace(".", "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise UsageError(f"cannot read time {text!r}: {hour}{meridiem} is not a clock time")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif match.group("minute") is None:  # "15" alone: a minute count? an hour? say so
        raise UsageError(f"cannot read time {text!r}; use {TIME_FORMS}")
    if hour > 23 or minute > 59 or second > 59:
        raise UsageError(f"cannot read time {text!r}; use {TIME_FORMS}")
    return hour, minute, second


def _named_zone(text: str, zone_text: str) -> tzinfo | None:
    """The zone a time names (``Z``, ``UTC``, ``+02:00``, ``Europe/Berlin``); None for an
    abbreviation (``PST``), which the caller refuses or matches against ``tz``."""
    if zone_text.lower() in ("z", "utc", "gmt"):
        return UTC
    if match := re.match(_OFFSET, zone_text):
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise UsageError(f"time {text!r}: {zone_text} is not a UTC offset (-12:00 to +14:00)")
        span = timedelta(hours=hours, minutes=minutes)
        return timezone(-span if sign == "-" else span)
    if "/" not in zone_text:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(zone_text)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"time {text!r}: {zone_text!r} is not a time zone pm knows; "
            "write a name like Europe/Berlin or an offset like +02:00"
        ) from None


def _by_abbreviation(text: str, wall: datetime, abbreviation: str, tz: tzinfo) -> datetime:
    """``wall`` in ``tz`` when ``tz`` calls that moment ``abbreviation``; refused otherwise."""
    for fold in (0, 1):
        aware = wall.replace(tzinfo=tz, fold=fold)
        if (aware.tzname() or "").upper() == abbreviation:
            return aware.astimezone(UTC).replace(microsecond=0)
    clock = f"{wall:%H:%M}"
    meanings = ABBREVIATIONS.get(abbreviation)
    if not meanings:
        raise UsageError(
            f"time {text!r}: {abbreviation} is not a time zone pm knows; write an offset "
            f"({clock}+02:00) or a zone name ({clock} Europe/Berlin)"
        )
    offset, name = meanings[0]
    said = "" if len(meanings) == 1 else f" ({', '.join(f'{o} {n}' for o, n in meanings)})"
    if getattr(tz, "key", None) == name:  # pm's own zone, on its other abbreviation then
        actual = wall.replace(tzinfo=tz)
        then = (
            f"; {name}, pm's zone, is on {zone_label(actual)} ({_offset_text(actual)}) then, "
            f"and {clock} alone is read in it"
        )
    else:
        then = f", or set timezone = '{name}' in .pm.toml and write {clock}"
    raise UsageError(
        f"time {text!r}: {abbreviation} is ambiguous{said}; write the offset "
        f"({clock}{offset}) or a zone ({clock} {name}){then}"
    )


def _offset_text(moment: datetime) -> str:
    """``-07:00``: an aware time's UTC offset."""
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:5]}"


def parse_date(text: str, today: date) -> date:
    """Parse a user's DATE argument (a due date, ``--as-of``): ISO date or a relative form.

    ``+7d``, ``7d``, ``2w``, ``3mo`` and ``1y`` count forward from ``today`` (months and
    years by the calendar); ``7d ago`` counts back. ``3m`` (minutes) is refused.
    """
    value = " ".join(text.strip().lower().split())
    if value == "today":
        return today
    if value == "tomorrow":
        return today + timedelta(days=1)
    if value == "yesterday":
        return today - timedelta(days=1)
    if match := re.match(_AGO, value):
        return shift(today, -int(match.group(1)), match.group(2), text)
    if match := re.match(_RELATIVE_DATE, value):
        return shift(today, int(match.group(2)), match.group(3), text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise UsageError(f"cannot read date {text!r}; use {DATE_FORMS}")


def shift(day: date, amount: int, unit_word: str, text: str, what: str = "date") -> date:
    """``day`` moved by ``amount`` units (days, weeks, calendar months or years).

    Minutes and hours are refused, naming the form to write: ``3m`` is three minutes in
    pm, so a date three months away is ``3mo``. ``what`` names the value in errors.
    """
    unit = _UNITS.get(unit_word)
    if unit == "minutes":
        n = abs(amount)
        raise UsageError(
            f"{what} {text!r}: m means minutes in pm (as in '15m ago'); "
            f"write {n}mo for {n} month{'' if n == 1 else 's'}, or {n * 30}d"
        )
    if unit == "hours":
        raise UsageError(f"{what} {text!r} is in hours; a date is whole days: write 1d, 2w...")
    try:
        if unit == "days":
            return day + timedelta(days=amount)
        if unit == "weeks":
            return day + timedelta(weeks=amount)
        if unit == "months":
            return add_months(day, amount)
        if unit == "years":
            return add_months(day, 12 * amount)
    except (OverflowError, ValueError):
        raise UsageError(f"{what} {text!r} is out of range") from None
    raise UsageError(f"cannot read {what} {text!r}; use {DATE_FORMS}")


def unit(word: str) -> str | None:
    """What a unit word means (``m`` -> minutes, ``mo`` -> months), None if nothing."""
    return _UNITS.get(word)


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months; the 31st becomes the month's last day when shorter."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("year out of range")
    return date(year, month0 + 1, min(day.day, month_end(year, month0 + 1).day))


def month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


# --- what pm says back --------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """The stored form: UTC, seconds, ``Z``."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"  # %Y is not zero-padded everywhere


def zone_label(moment: datetime) -> str:
    """The name of an aware time's zone at that moment: ``PDT``, ``UTC``, ``UTC-03``."""
    name = moment.tzname() or "UTC"
    return f"UTC{name}" if name[:1] in "+-" else name


def local_text(moment: datetime, tz: tzinfo) -> str:
    """``2024-01-15 06:05 PST``: a time as a table or ``pm show`` prints it, zone named."""
    local = moment.astimezone(tz)
    return f"{local.year:04d}-{local:%m-%d %H:%M} {zone_label(local)}"


def spoken(moment: datetime, tz: tzinfo) -> str:
    """A time in a message, in the zone people think in: ``2024-01-15 06:05 PST``; the
    stored form when that zone is UTC (what the file and the commit say)."""
    if zone_label(moment.astimezone(tz)) == "UTC":
        return format_time(moment)
    return local_text(moment, tz)


def typed(moment: datetime, tz: tzinfo) -> str:
    """A time to paste into a command: ``2024-01-15T06:05-08:00`` (the stored UTC form when
    the zone is UTC); read back, it is the same moment whatever zone the reader has."""
    if zone_label(moment.astimezone(tz)) == "UTC":
        return format_time(moment)
    local = moment.astimezone(tz)
    seconds = f":{local:%S}" if local.second else ""
    offset = local.strftime("%z")
    return f"{local.year:04d}-{local:%m-%dT%H:%M}{seconds}{offset[:3]}:{offset[3:]}"


def describe(moment: datetime, tz: tzinfo, today: date) -> str:
    """How pm echoes a recorded time: ``13:45 UTC (06:45 PDT)``; in UTC ``13:45 UTC``.

    Dates are added when the time is not today (``today`` is the local date), and the local
    date only when it differs from the UTC one: ``2024-01-16 01:30 UTC (2024-01-15 17:30
    PST)``.
    """
    utc = moment.astimezone(UTC)
    local = moment.astimezone(tz)
    dated = utc.date() != today or local.date() != today
    text = f"{_clock_text(utc, dated)} UTC"
    if zone_label(local) == "UTC":
        return text
    local_clock = _clock_text(local, dated and local.date() != utc.date())
    return f"{text} ({local_clock} {zone_label(local)})"


def _clock_text(moment: datetime, dated: bool) -> str:
    clock = f"{moment:%H:%M:%S}" if moment.second else f"{moment:%H:%M}"
    return f"{moment.year:04d}-{moment:%m-%d} {clock}" if dated else clock


_DURATION = r"^(?:(\d{1,2})\s*h(?:ours?|rs?)?)?\s*(?:(\d{1,4})\s*m(?:in(?:ute)?s?)?)?$"
MAX_MEETING = timedelta(hours=8)


def parse_duration(text: str, what: str = "--duration") -> timedelta:
    """A meeting's length as people type it: ``60m``, ``1h``, ``1h30m``, ``90 min``;
    more than zero and at most 8 hours."""
    value = " ".join(text.strip().lower().split())
    match = re.match(_DURATION, value)
    if not value or match is None or not any(match.groups()):
        raise UsageError(f"cannot read {what} {text!r}; use 30m, 60m, 1h or 1h30m")
    span = timedelta(hours=int(match.group(1) or 0), minutes=int(match.group(2) or 0))
    if not timedelta(0) < span <= MAX_MEETING:
        raise UsageError(f"{what} {text!r} must be more than 0m and at most 8h")
    return span


def format_duration(span: timedelta) -> str:
    """A short human duration that keeps its minutes: ``0m``, ``45m``, ``2h 05m``,
    ``1d 0h 11m``."""
    minutes = int(span.total_seconds() // 60)
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{sign}{days}d {hours}h {minutes:02d}m"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m"
