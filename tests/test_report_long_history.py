"""``pm report`` over a long history (incidents imported from years back) stays short:
incidents over time by month for up to two years, by quarter for up to three, else by
year; and on a terminal a long line (an overdue review's id) wraps under its indent."""

from __future__ import annotations

import pytest

from conftest import CliRunnerCall, Repo
from pm.render import output
from pm.render.report import over_time
from pm.shapes import NameCount


def months(first: tuple[int, int], count: int, hits: dict[str, int]) -> list[NameCount]:
    year, month = first
    rows: list[NameCount] = []
    for _ in range(count):
        name = f"{year:04d}-{month:02d}"
        rows.append({"name": name, "count": hits.get(name, 0)})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


def test_two_years_are_months() -> None:
    title, bars = over_time(months((2023, 1), 24, {"2023-05": 2}))
    assert title == "Incidents by month"
    assert len(bars) == 24 and ("2023-05", 2.0) in bars


def test_up_to_three_years_are_quarters_with_their_months_summed() -> None:
    title, bars = over_time(months((2022, 11), 25, {"2022-11": 1, "2022-12": 2, "2024-11": 4}))
    assert title == "Incidents by quarter"
    assert bars[0] == ("2022-Q4", 3.0)
    assert bars[-1] == ("2024-Q4", 4.0)
    assert sum(count for _, count in bars) == 7
    assert len(bars) == 9


def test_a_longer_history_is_years() -> None:
    title, bars = over_time(months((2021, 6), 67, {"2021-06": 1, "2026-12": 3}))
    assert title == "Incidents by year"
    assert bars == [("2021", 1.0), ("2022", 0.0), ("2023", 0.0), ("2024", 0.0),
                    ("2025", 0.0), ("2026", 3.0)]  # fmt: skip


@pytest.fixture
def old(repo: Repo, cli: CliRunnerCall) -> str:
    cli.ok("init")
    cli.ok("open", "CDN outage", "-s", "SEV-1", "--started", "2019-06-08 09:47 UTC")
    cli.ok("resolve", "2019-06-08-cdn-outage", "--at", "2019-06-08 10:36")
    return "2019-06-08-cdn-outage"


def test_the_report_counts_years_and_says_one_incident(old: str, cli: CliRunnerCall) -> None:
    out = cli.ok("report").stdout  # PM_NOW is 2024-01-20: since 2019-06, 56 months
    assert "\n1 incident\n" in out
    assert "Incidents by year\n  2019  1\n  2020  0\n" in out and "  2024  0\n" in out
    assert "Incidents by month" not in out


def test_the_report_says_one_action_item(old: str, cli: CliRunnerCall) -> None:
    cli.ok("action", "add", old, "Add an origin shield", "--owner", "ana", "--due", "2019-07-01")
    out = cli.ok("report").stdout
    assert "\n  1 action item: 0 done, 0 won't do, 1 open, 1 overdue as of 2024-01-20;" in out


def test_a_long_line_wraps_under_its_indent_on_a_terminal(
    old: str, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("NO_COLOR", "1")
    lines = cli.ok("report").stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  missing  "))
    assert all(len(line) <= 60 for line in lines[first : first + 2])
    assert lines[first + 1].startswith("    ") and not lines[first + 1].startswith("     ")
    joined = lines[first] + " " + lines[first + 1].strip()
    assert joined.startswith(f"  missing  {old} (due 2019-06-10, ")
