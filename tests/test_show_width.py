"""``pm show`` on a terminal wraps a long timeline entry, item or title under its own
column, at the terminal's width; in a pipe every entry stays on one line for scripts."""

from __future__ import annotations

import pytest

from conftest import CliRunnerCall, Repo
from pm.render import output
from pm.render.show import colourise, fitted

LONG_EVENT = (
    "pg_locks: the reconciliation report's query has held locks on ledger_entries and "
    "payments for 38 minutes; every checkout write waits behind it"
)
LONG_ITEM = "Run the reconciliation report on the read replica, without FOR UPDATE, nightly"
URL = "https://status.example.com/incidents/" + "x" * 60


@pytest.fixture
def incident(repo: Repo, cli: CliRunnerCall) -> str:
    pid = cli.ok(
        "open",
        "Checkout outage: reconciliation query locks payments tables for most of an hour",
        "-s",
        "SEV-1",
        "--started",
        "2024-01-15T14:05",
    ).stdout.split("\t")[0]
    cli.ok("event", pid, LONG_EVENT, "--at", "2024-01-15T14:40", "--kind", "identified")
    cli.ok("event", pid, f"Status page: {URL}", "--at", "2024-01-15T14:41")
    cli.ok("action", "add", pid, LONG_ITEM, "--owner", "bob", "-p", "P0")
    return pid


def shown(cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, pid: str, columns: int) -> str:
    with monkeypatch.context() as patch:
        patch.setattr(output, "is_terminal", lambda: True)
        patch.setenv("COLUMNS", str(columns))
        return cli.ok("show", pid).stdout


def joined(out: str, start: str) -> str:
    """The text of the entry whose first line starts with ``start``, its lines joined
    (the rest of an entry is indented at least six columns; the next entry is not)."""
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    parts = [lines[first][len(start) :]]
    for line in lines[first + 1 :]:
        if not line.startswith(" " * 6):
            break
        parts.append(line.strip())
    return " ".join(parts)


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_long_entries_wrap_under_their_column_at_the_terminal_width(
    cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incident: str, columns: int
) -> None:
    out = shown(cli, monkeypatch, incident, columns)
    for line in out.splitlines():
        assert len(line) <= columns or URL in line or incident in line, (columns, line)
    timeline = next(line for line in out.splitlines() if "identified" in line)
    start = timeline[: timeline.index("identified") + len("identified")]
    start += " " * (len(timeline) - len(start) - len(timeline[len(start) :].lstrip()))
    assert joined(out, start) == LONG_EVENT
    assert URL in out  # a word longer than the width is never cut


def test_a_pipe_gets_each_entry_on_one_line(cli: CliRunnerCall, incident: str) -> None:
    out = cli.ok("show", incident).stdout
    assert any(line.endswith(LONG_EVENT) for line in out.splitlines())
    assert any(line.endswith(LONG_ITEM) for line in out.splitlines())


def test_fitted_keeps_short_lines_and_falls_back_to_a_shallow_indent() -> None:
    assert list(fitted("  1  ", "short", 80)) == ["  1  short"]
    assert list(fitted("  1  ", "a " * 60, None)) == ["  1  " + "a " * 60]
    deep = " " * 50
    lines = list(fitted(deep, "word " * 20, 60))
    assert lines[0].startswith(deep + "word")
    assert all(line.startswith("      word") for line in lines[1:])
    assert all(len(line) <= 60 for line in lines)


def test_colour_never_paints_a_wrapped_item_line() -> None:
    lines = [
        "Action items",
        "  1  P0  done  due 2024-08-13  bob  Run the report on",
        "                                    12  done  later words",
    ]
    painted = list(colourise(lines))
    assert painted[1] != lines[1]  # the item's status is painted
    assert painted[2] == lines[2]


CJK_EVENT = "全部のデータベースが西海岸にフェイルオーバーしました、書き込みは遅延しています"


def test_cjk_text_wraps_by_the_columns_it_takes(
    cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incident: str
) -> None:
    """A CJK character takes two columns and such text has no spaces: it wraps between
    characters at the terminal's width, where counting characters let a line run to
    twice the width. Nothing of it is lost."""
    from pm.render.wrap import cells

    cli.ok("event", incident, CJK_EVENT, "--at", "2024-01-15T14:50")
    out = shown(cli, monkeypatch, incident, 80)
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "全部" in line)
    block = [lines[start]] + [line for line in lines[start + 1 : start + 4] if line[:1] == " "]
    assert len(block) >= 2 and all(cells(line) <= 80 for line in block), out
    assert "".join(line.strip().split("  ")[-1] for line in block) == CJK_EVENT


def test_wrap_breaks_only_between_wide_characters_and_keeps_narrow_runs_whole() -> None:
    from pm.render.wrap import cells, wrap

    assert cells("ab全部") == 6
    assert wrap("全部のデータ", 8, "", "") == ["全部のデ", "ータ"]
    assert wrap(f"見て {URL} 下さい", 20, "", "  ") == ["見て", f"  {URL}", "  下さい"]
