"""Colour, `pm show`'s columns and the progress bar, in process (the pty runs are in
``test_terminal_pty.py``)."""

from __future__ import annotations

import io
import re
import sys

import pytest

from conftest import CliRunnerCall, Repo
from pm import progress
from pm.render import colour, output


@pytest.mark.parametrize(
    ("header", "value", "style"),
    [
        ("SEV", "SEV-1", "bold red"),
        ("SEV", "SEV-2", "red"),
        ("SEV", "SEV-3", "yellow"),
        ("SEV", "SEV-4", None),
        ("SEV", "minor", None),
        ("STATE", "escalated", "red"),
        ("STATE", "late", "yellow"),
        ("STATUS", "done", "green"),
        ("STATUS", "active", "red"),
        ("STATUS", "closed", "green"),
        ("STATUS", "open", None),
        ("OVERDUE", "0", None),
        ("OVERDUE", "3", "yellow"),
        ("TITLE", "done", None),  # free text is never coloured
    ],
)
def test_cell_styles(header: str, value: str, style: str | None) -> None:
    assert colour.style_for(header, value) == style


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Tty())
    monkeypatch.setenv("TERM", "xterm")
    assert colour.enabled()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour.enabled()
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not colour.enabled()
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setenv("TERM", "xterm")
    assert not colour.enabled()
    assert colour.paint("late", "yellow") == "\x1b[33mlate\x1b[0m"
    assert colour.paint("open", None) == "open"


@pytest.fixture
def timeline(repo: Repo, cli: CliRunnerCall, opened: str) -> str:
    cli.ok("event", opened, "Rolled back the deploy", "--at", "2024-01-15T14:30", "-k", "mitigated")
    cli.ok("event", opened, "Paged the DBA", "--at", "2024-01-15T14:10", "-k", "acknowledged")
    cli.ok("action", "add", opened, "Alert on pool use", "-o", "bob")
    cli.ok("action", "add", opened, "Runbook", "-o", "database-team", "-p", "P2")
    cli.ok("action", "done", opened, "1")
    return opened


def test_show_lines_up_its_columns(cli: CliRunnerCall, timeline: str) -> None:
    out = cli.ok("show", timeline).stdout
    assert "\x1b[" not in out  # not a terminal
    events = out.split("Timeline\n")[1].split("\n\n")[0].splitlines()
    starts = {re.search(r"(Incident|Paged|Rolled)", line).start() for line in events}  # type: ignore[union-attr]
    assert len(starts) == 1, events
    assert events[1] == "  2  2024-01-15 14:10 UTC  acknowledged  Paged the DBA"
    items = out.split("Action items\n")[1].splitlines()[:2]
    assert items == [
        "  1  P1  done  due 2024-02-19  bob            Alert on pool use",
        "  2  P2  open  due 2024-04-19  database-team  Runbook",
    ]


def test_show_colours_severity_status_and_items_on_a_terminal(
    cli: CliRunnerCall, timeline: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(colour, "enabled", lambda: True)
    out = cli.ok("show", timeline).stdout
    assert "  severity  \x1b[1;31mSEV-1\x1b[0m    status  \x1b[31mactive\x1b[0m" in out
    assert "  1  P1  \x1b[32mdone\x1b[0m  due 2024-02-19" in out
    assert "Database connection pool exhausted" in out  # the title is never painted


def test_tables_colour_cells_on_a_terminal(
    cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, opened: str
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    monkeypatch.setattr(sys, "stdout", stream)
    monkeypatch.setenv("COLUMNS", "150")
    monkeypatch.setenv("TERM", "xterm")
    output.table(["ID", "SEV", "STATUS", "TITLE"], [[opened, "SEV-1", "active", "done"]])
    drawn = stream.getvalue()
    assert "\x1b[1;31mSEV-1" in drawn and "\x1b[31mactive" in drawn
    assert "\x1b[32mdone" not in drawn  # a title that says "done" stays plain
    monkeypatch.setenv("NO_COLOR", "1")
    stream.seek(0)
    stream.truncate()
    output.table(["ID", "SEV", "STATUS", "TITLE"], [[opened, "SEV-1", "active", "done"]])
    assert "\x1b[31m" not in stream.getvalue()


def test_progress_bar_after_the_delay_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PM_PROGRESS_AFTER", "0")
    stream = io.StringIO()
    assert list(progress.track(range(5), "Reading", stream=stream, force=True)) == list(range(5))
    assert "Reading" in stream.getvalue() and "5/5" in stream.getvalue()
    monkeypatch.setenv("PM_PROGRESS_AFTER", "3600")
    quiet = io.StringIO()
    assert list(progress.track(range(5), "Reading", stream=quiet, force=True)) == list(range(5))
    assert quiet.getvalue() == ""


def test_no_progress_bar_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PM_PROGRESS_AFTER", "0")
    stream = io.StringIO()  # not a terminal
    assert list(progress.track([1, 2, 3], "Reading", stream=stream)) == [1, 2, 3]
    assert stream.getvalue() == ""
    assert not progress.wanted(stream)
    monkeypatch.setenv("PM_PROGRESS_AFTER", "soon")
    assert progress._after() == progress.AFTER


def test_commands_draw_no_progress_in_a_pipe(
    cli: CliRunnerCall, opened: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PM_PROGRESS_AFTER", "0")
    for command in (["list"], ["lint"], ["overdue"]):
        result = cli(*command)
        assert "Reading" not in result.stderr and "━" not in result.stderr
