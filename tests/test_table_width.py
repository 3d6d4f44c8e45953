"""Tables on a terminal of any width: an id, a date or a number is never cut in two.

Titles and item texts are shortened with "…" to fit; when even the columns that must stay
whole do not fit, each row is a block (its whole columns on a line, its text under them,
whole and wrapped); on ``TERM=dumb`` pm prints the plain tab-separated rows it prints in a
pipe, which copy and paste as well.
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
    assert "\t" not in out  # a table or blocks on a terminal, never a pipe's rows
    # Nothing but a cell longer than the terminal (a 60-column id) passes the width.
    assert all(len(line) <= columns or line.strip() in shown for line in out.splitlines()), out
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


def test_too_narrow_prints_each_row_as_a_block(
    cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incidents: list[str]
) -> None:
    """At 80 columns a long id leaves no room for a table: the column names, then per
    postmortem its whole columns on a line and its title under them, wrapped, not cut."""
    monkeypatch.setenv("NO_COLOR", "1")
    out = on_terminal(cli, monkeypatch, 80, "list").stdout
    lines = out.splitlines()
    assert lines[:2] == ["ID  SEV  STATUS  DURATION", "    TITLE"]
    first, second = incidents
    assert lines[2] == f"{first}  SEV-2  active"
    # The duration would pass 80 columns: it goes under, between cells, never cut.
    assert lines[3].startswith("  ") and lines[3].endswith("(ongoing)")
    assert lines[4].startswith("    ") and lines[5].startswith("    ")
    assert " ".join(line.strip() for line in lines[4:6]) == LONG_TITLE  # whole, wrapped
    assert lines[6].startswith(f"{second}  SEV-2  active  ") and lines[7:] == ["    DNS down"]
    assert all(len(line) <= 80 for line in lines), out


def test_blocks_keep_colour_and_escape_control_characters(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    out = cli.ok("open", "Card network refused every payment", "-s", "SEV-1")
    pid, path = out.stdout.strip().split("\t")
    file = repo.path / path  # a hand edit: pm itself refuses control characters in a title
    text = file.read_text(encoding="utf-8")
    old = "title: Card network refused every payment"
    file.write_text(text.replace(old, 'title: "Card \\e[31mnetwork\\e[0m refused"'), "utf-8")
    with monkeypatch.context() as patch:
        patch.setattr(output, "is_terminal", lambda: True)
        from pm.render import colour

        patch.setattr(colour, "enabled", lambda: True)
        patch.setenv("COLUMNS", "50")
        shown = cli.ok("list").stdout
    assert "\x1b[1;31mSEV-1\x1b[0m" in shown  # the severity's colour, as in a table
    assert "\\x1b[31mnetwork" in shown  # the title's escape shown, not acted on
    assert pid in shown


def test_a_dumb_terminal_gets_plain_rows(
    cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incidents: list[str]
) -> None:
    monkeypatch.setenv("TERM", "dumb")
    out = on_terminal(cli, monkeypatch, 200, "list").stdout
    assert "\t" in out and not out.startswith("ID")


def test_log_on_a_terminal_shows_each_change_not_the_id_again(
    cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incidents: list[str]
) -> None:
    """At 80 columns the subject ``pm: set <60-character id> (severity: ...)`` was cut
    before what changed; the table's last column is the change alone. A pipe keeps
    whole subjects."""
    monkeypatch.setenv("NO_COLOR", "1")
    pid = incidents[0]
    cli.ok("set", pid, "severity", "SEV-1")
    out = on_terminal(cli, monkeypatch, 80, "log", pid).stdout
    lines = out.splitlines()
    assert lines[0].split()[-1] == "CHANGE"
    assert " ".join(lines[1].split()[-5:]) == "set severity: SEV-2 -> SEV-1"
    assert " ".join(lines[-1].split()[-2:]) == "open SEV-2"
    assert all(len(line) <= 80 for line in lines), out
    piped = cli.ok("log", pid).stdout.splitlines()
    assert piped[0].endswith(f"\tset\tpm: set {pid} (severity: SEV-2 -> SEV-1)")
