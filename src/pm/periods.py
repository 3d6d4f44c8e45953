"""Periods people name for reports and filters: ``--since 90d``, ``2024-Q3``, ``last-quarter``.

No I/O and no clock: each function takes ``today`` (the local date). A named period
(a year, a month, a quarter, ``last-month``...) has a first and a last day: ``--since``
takes the first and ``--until`` the last, so ``--since 2024-Q3 --until 2024-Q3`` is the
whole quarter. A relative form counts back from today, with or without ``ago``: ``90d``,
``2w``, ``6mo``, ``1y``. Units mean what they mean everywhere in pm (``m`` is minutes,
refused here with the form to write, ``3mo``).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from pm.errors import UsageError
from pm.timeparse import month_end, shift, unit

PERIOD_FORMS = (
    "YYYY-MM-DD, 2024, 2024-10, 2024-Q3, today, yesterday, this-month, last-quarter, "
    "last-year..., or 90d (days back; also 2w, 6mo, 1y, 90d ago)"
)
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?q(\d)$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAMED = re.compile(r"^(this|last)[- ](week|month|quarter|year)$")
_BACK = re.compile(r"^(\+?)(\d{1,5})\s*([a-z]+)(\s+ago)?$")


def period_start(text: str, today: date, what: str = "--since") -> date:
    """The first day of the period ``text`` names (``--since``)."""
    return bounds(text, today, what)[0]


def period_end(text: str, today: date, what: str = "--until") -> date:
    """The last day of the period ``text`` names (``--until 2024-Q3`` is 2024-09-30)."""
    return bounds(text, today, what)[1]


def bounds(text: str, today: date, what: str) -> tuple[date, date]:
    """(first day, last day) of the period ``text`` names; one day for a date."""
    value = " ".join(text.strip().lower().split())
    if value in ("today", "yesterday"):
        day = today - timedelta(days=0 if value == "today" else 1)
        return day, day
    if _DAY.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"{what} {text!r} is not a date") from None
        return day, day
    if found := _calendar(value, text, what):
        return found
    if match := _NAMED.match(value):
        return _named(match.group(1), match.group(2), today)
    if (match := _BACK.match(value)) and unit(match.group(3)) is not None:
        amount, word = match.group(2), match.group(3)
        if match.group(1):
            raise UsageError(
                f"{what} {text!r}: periods count back from today; write "
                f"{amount}{word} (or {amount}{word} ago)"
            )
        day = shift(today, -int(amount), word, text, what)
        if day < date(1970, 1, 1):
            raise UsageError(f"{what} {text!r} is before 1970")
        return day, day
    raise UsageError(f"cannot read {what} {text!r}; use {PERIOD_FORMS}")


def _calendar(value: str, text: str, what: str) -> tuple[date, date] | None:
    """A year (``2024``), a month (``2024-10``) or a quarter (``2024-Q3``), or None."""
    if match := _YEAR.match(value):
        year = _year(match.group(1), what, text)
        return date(year, 1, 1), date(year, 12, 31)
    if match := _MONTH.match(value):
        year, month = _year(match.group(1), what, text), int(match.group(2))
        if not 1 <= month <= 12:
            raise UsageError(f"{what} {text!r}: there is no month {month}")
        return date(year, month, 1), month_end(year, month)
    if match := _QUARTER.match(value):
        year, quarter = _year(match.group(1), what, text), int(match.group(2))
        if not 1 <= quarter <= 4:
            raise UsageError(f"{what} {text!r}: a quarter is Q1 to Q4")
        return quarter_bounds(year, quarter)
    return None


def _year(text: str, what: str, given: str) -> int:
    year = int(text)
    if year < 1970:
        raise UsageError(f"{what} {given!r} is before 1970")
    return year


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * (quarter - 1) + 1, 1)
    return first, month_end(year, first.month + 2)


def _named(which: str, unit: str, today: date) -> tuple[date, date]:
    """this-/last- week (Monday to Sunday), month, quarter or year."""
    if unit == "week":
        monday = today - timedelta(days=today.weekday())
        if which == "last":
            monday -= timedelta(days=7)
        return monday, monday + timedelta(days=6)
    if unit == "month":
        first = today.replace(day=1)
        if which == "last":
            first = (first - timedelta(days=1)).replace(day=1)
        return first, month_end(first.year, first.month)
    if unit == "quarter":
        first, _ = quarter_bounds(today.year, (today.month - 1) // 3 + 1)
        if which == "last":
            previous = first - timedelta(days=1)
            first, _ = quarter_bounds(previous.year, (previous.month - 1) // 3 + 1)
        return quarter_bounds(first.year, (first.month - 1) // 3 + 1)
    year = today.year - (1 if which == "last" else 0)
    return date(year, 1, 1), date(year, 12, 31)
