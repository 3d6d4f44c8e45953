"""Periods people name for reports and filters: ``--since 90d``, ``2024-Q3``, ``last-quarter``."""

from __future__ import annotations

from datetime import date

import pytest

from pm.errors import UsageError
from pm.periods import bounds, period_end, period_start

TODAY = date(2024, 8, 14)  # a Wednesday in Q3


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2024-03-05", "2024-03-05", "2024-03-05"),
        ("today", "2024-08-14", "2024-08-14"),
        ("yesterday", "2024-08-13", "2024-08-13"),
        ("2023", "2023-01-01", "2023-12-31"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2024-2", "2024-02-01", "2024-02-29"),
        ("2024-Q3", "2024-07-01", "2024-09-30"),
        ("2024q1", "2024-01-01", "2024-03-31"),
        ("2023-Q4", "2023-10-01", "2023-12-31"),
        ("this-quarter", "2024-07-01", "2024-09-30"),
        ("last-quarter", "2024-04-01", "2024-06-30"),
        ("last quarter", "2024-04-01", "2024-06-30"),
        ("this-month", "2024-08-01", "2024-08-31"),
        ("last-month", "2024-07-01", "2024-07-31"),
        ("this-week", "2024-08-12", "2024-08-18"),
        ("last-week", "2024-08-05", "2024-08-11"),
        ("this-year", "2024-01-01", "2024-12-31"),
        ("last-year", "2023-01-01", "2023-12-31"),
        ("90d", "2024-05-16", "2024-05-16"),
        ("90d ago", "2024-05-16", "2024-05-16"),
        ("2w", "2024-07-31", "2024-07-31"),
        ("6mo", "2024-02-14", "2024-02-14"),
        ("1y ago", "2023-08-14", "2023-08-14"),
    ],
)
def test_named_and_relative_periods(text: str, first: str, last: str) -> None:
    assert bounds(text, TODAY, "--since") == (date.fromisoformat(first), date.fromisoformat(last))
    assert period_start(text, TODAY) == date.fromisoformat(first)
    assert period_end(text, TODAY) == date.fromisoformat(last)


def test_last_quarter_in_january_is_the_previous_year() -> None:
    assert bounds("last-quarter", date(2024, 1, 5), "--since") == (
        date(2023, 10, 1),
        date(2023, 12, 31),
    )
    assert bounds("last-month", date(2024, 1, 5), "--since") == (
        date(2023, 12, 1),
        date(2023, 12, 31),
    )


FORMS = (
    "YYYY-MM-DD, 2024, 2024-10, 2024-Q3, today, yesterday, this-month, last-quarter, "
    "last-year..., or 90d (days back; also 2w, 6mo, 1y, 90d ago)"
)
MINUTES = "m means minutes in pm (as in '15m ago')"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3m", f"--since '3m': {MINUTES}; write 3mo for 3 months, or 90d"),
        ("+90d", "--since '+90d': periods count back from today; write 90d (or 90d ago)"),
        ("2024-Q5", "--since '2024-Q5': a quarter is Q1 to Q4"),
        ("2024-13", "--since '2024-13': there is no month 13"),
        ("2024-02-30", "--since '2024-02-30' is not a date"),
        ("1969", "--since '1969' is before 1970"),
        ("60y", "--since '60y' is before 1970"),
        ("12h", "--since '12h' is in hours; a date is whole days: write 1d, 2w..."),
        ("soon", f"cannot read --since 'soon'; use {FORMS}"),
        ("5 parsecs", f"cannot read --since '5 parsecs'; use {FORMS}"),
    ],
)
def test_bad_periods_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        period_start(text, TODAY)
    assert raised.value.message == message
