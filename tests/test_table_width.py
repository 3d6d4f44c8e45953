"""Tables on a terminal of any width: an id, a date or a number is never cut in two.

Titles and item texts are shortened with "…" to fit; when even the columns that must stay
whole do not fit (or on ``TERM=dumb``), pm prints the plain tab-separated rows it prints
in a pipe, which copy and paste as well.
"""

from __future__ import annotations

import pytest
from typer.testing import Result

from conftest import CliRunnerCall, Repo
from pm.render import output

LONG_TITLE = "Checkout API returned 500s for every customer in the EU region during the sale"


def on_terminal(
    cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, columns: int, *args: str
) -> Result:
    with monkeypatch.context() as patch:
        patch.setattr(output, "is_terminal", lambda: True)
        patch.setenv("COLUMNS", str(columns))
        return cli.ok(*args)


@pytest.fixture
def incidents(repo: Repo, cli: CliRunnerCall) -> list[str]:
    ids = []
    for title, started in ((LONG_TITLE, "2024-01-15T14:05"), ("DNS down", "2024-01-16T09:00")):
        out = cli.ok("open", title, "-s", "SEV-2", "--started", started).stdout
        ids.append(out.split("\t")[0])
    cli.ok(
        "action",
        "add",
        ids[0],
        "Alert on the error rate of every region's checkout",
        "--owner",
        "bob",
    )
    return ids


@pytest.mark.parametrize("columns", [60, 80, 100, 150])
@pytest.mark.parametrize("command", [["list"], ["action", "list"]])
def test_an_id_in_a_table_is_whole_at_any_width(
    cli: CliRunnerCall,
    monkeypatch: pytest.MonkeyPatch,
    incidents: list[str],
    columns: int,
    command: list[str],
) -> None:
    out = on_terminal(cli, monkeypatch, columns, *command).stdout
    shown = incidents if command == ["list"] else incidents[:1]
    for pid in shown:
        assert pid in out, f"{pid} cut at {columns} columns:\n{out}"
    table = not out.splitlines()[0].count("\t")
    if table:  # a drawn table fits the terminal and shortens text, never ids
        assert all(len(line) <= columns for line in out.splitlines()), out
        assert "2024-01-15" in out


def test_a_long_title_is_shortened_with_an_ellipsis(
    cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incidents: list[str]
) -> None:
    out = on_terminal(cli, monkeypatch, 120, "list").stdout
    assert out.startswith("ID")  # a table
    assert LONG_TITLE not in out and "…" in out
    assert incidents[0] in out
    wide = on_terminal(cli, monkeypatch, 200, "list").stdout
    assert LONG_TITLE in wide


def test_too_narrow_prints_plain_rows(
    cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incidents: list[str]
) -> None:
    out = on_terminal(cli, monkeypatch, 60, "list").stdout
    assert not out.startswith("ID")
    rows = [line.split("\t") for line in out.splitlines()]
    assert {row[0] for row in rows} == set(incidents)
    assert LONG_TITLE in out  # nothing shortened in plain rows


def test_a_dumb_terminal_gets_plain_rows(
    cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incidents: list[str]
) -> None:
    monkeypatch.setenv("TERM", "dumb")
    out = on_terminal(cli, monkeypatch, 200, "list").stdout
    assert "\t" in out and not out.startswith("ID")
