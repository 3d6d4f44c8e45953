"""Printing: data on stdout, messages on stderr; tables on a terminal, plain rows in pipes.

Rich is imported only when a table goes to a terminal. Free text is printed as text, never
as markup, and control characters (ANSI escapes, bidi overrides) are shown escaped, so a
title cannot repaint or hide parts of a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from pm import textsafety
from pm.timeparse import format_time

# Beyond this many rows a Rich table costs more than it helps; print plain rows instead.
MAX_TABLE_ROWS = 500
# Columns of free text: shortened with "…" to fit. Every other column (ids, dates,
# numbers, paths) is printed whole or the table is not drawn: an id cut in two cannot be
# copied into the next command.
FREE_TEXT_COLUMNS = frozenset({"TITLE", "TEXT", "ACTION", "SUBJECT", "CHANGE", "CHECKS"})
# The least a free-text column gets before plain rows are the better answer.
MIN_FREE_TEXT = 12


def safe(text: str) -> str:
    """Show control characters as escapes (``\\x1b``) instead of letting them act."""
    return textsafety.terminal(text)


def is_terminal() -> bool:
    return sys.stdout.isatty()


def message(text: str) -> None:
    """A message for the person (stderr), not data for a pipe."""
    print(safe(text), file=sys.stderr)


def warn(text: str) -> None:
    print(f"pm: warning: {safe(text)}", file=sys.stderr)


def note(text: str) -> None:
    """What pm assumed for the person to check (``23:30`` read as yesterday's)."""
    print(f"pm: note: {safe(text)}", file=sys.stderr)


def error(text: str) -> None:
    print(f"pm: {safe(text)}", file=sys.stderr)


def line(text: str = "") -> None:
    print(text)


def write(text: str) -> None:
    """Text for a machine (annotations, reports), written exactly as given."""
    sys.stdout.write(text)


def _json_default(value: object) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def stdout_is_utf8() -> bool:
    """Whether stdout takes any text (False in a Latin-1 or ASCII locale)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    return encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")


def tolerate_encoding() -> None:
    """In a locale whose terminal is not UTF-8 (``LANG=en_US.ISO-8859-1``), show what the
    terminal cannot as escapes (``\\u2713``) instead of failing on the first such title.
    Files pm writes stay UTF-8 whatever the locale."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if encoding not in ("utf8", "utf_8") and reconfigure is not None:
            reconfigure(errors="backslashreplace")


# ``pm --pretty``: indented JSON in a pipe or a file too (on a terminal it always is).
_PRETTY = {"json": False}


def pretty_json(on: bool) -> None:
    """Whether this command indents its JSON wherever it goes (``pm --pretty``); set on
    every run, so one run's choice never leaks into the next in the same process."""
    _PRETTY["json"] = on


def to_json(data: Any) -> str:
    """UTF-8 JSON; bidi and C1 controls escaped (``\\u202e``): same data, inert.

    Indented for a person on a terminal (or with ``pm --pretty``); compact, one line with
    no spaces, for a program in a pipe or a file: smaller, and written by the json
    module's C encoder (indenting uses its pure-Python one, most of a large ``--json``'s
    time). Where stdout is not UTF-8 (a Latin-1 locale) the JSON is pure ASCII, every other
    character written ``\\u00e9``: the same data, readable by any JSON reader.
    """
    import json

    ascii_only = not stdout_is_utf8()
    if _PRETTY["json"] or is_terminal():
        text = json.dumps(data, indent=2, ensure_ascii=ascii_only, default=_json_default)
    else:
        text = json.dumps(
            data, separators=(",", ":"), ensure_ascii=ascii_only, default=_json_default
        )
    return textsafety.json_inert(text)


def print_json(data: Any) -> None:
    sys.stdout.write(to_json(data) + "\n")


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    stacked: bool = False,
    heading: bool = True,
) -> None:
    """A Rich table on a terminal; tab-separated rows (no header) when piped, huge or on
    a dumb terminal. On a terminal too narrow to show every id, date and number whole
    (long ids at 80 columns), or with ``stacked``, each row is a short block instead
    (``_stacked``; ``heading=False`` leaves out the column names, for blocks that follow
    others of the same columns)."""
    cells = [[safe(cell) for cell in row] for row in rows]
    width = table_width(len(rows))
    free = None if width is None or stacked else _free_text_width(headers, cells, width)
    if width is None:
        out = sys.stdout
        for row in cells:
            out.write("\t".join(cell.replace("\t", " ") for cell in row) + "\n")
        return
    if free is None:
        lines = _stacked(headers, cells, width, title, heading)
        sys.stdout.write("".join(line + "\n" for line in lines))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # A title is text too (overdue's owner names): a str would be read as Rich markup.
    caption = Text(safe(title)) if title is not None else None
    grid = Table(title=caption, box=None, header_style="bold", pad_edge=False)
    for header in headers:
        text = header in FREE_TEXT_COLUMNS
        grid.add_column(header, no_wrap=True, overflow="ellipsis", max_width=free if text else None)
    from pm.render.colour import style_for

    for row in cells:
        styles = [style_for(header, cell) or "" for header, cell in zip(headers, row, strict=False)]
        grid.add_row(*(Text(cell, style=style) for cell, style in zip(row, styles, strict=False)))
    Console(highlight=False, no_color=bool(os.environ.get("NO_COLOR")), width=width).print(grid)


def fits(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> bool:
    """Whether ``table`` would draw a table here (a terminal wide enough for every id,
    date and number whole), rather than plain rows or blocks."""
    cells = [[safe(cell) for cell in row] for row in rows]
    width = table_width(len(rows))
    return width is not None and _free_text_width(headers, cells, width) is not None


def table_width(count: int) -> int | None:
    """The width ``table`` lays ``count`` rows out in: the terminal's; None for plain
    rows (a pipe, a file, ``TERM=dumb``, or more rows than a table helps with)."""
    return _terminal_width() if is_terminal() and count <= MAX_TABLE_ROWS else None


def _stacked(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int,
    title: str | None,
    heading: bool,
) -> Iterator[str]:
    """Rows as blocks for a narrow terminal: a row's whole columns (ids, dates, numbers,
    paths) on a line, wrapped between cells and never inside one (a path longer than
    the terminal stays whole), then its free text under them, indented and wrapped. The
    column names come first, laid out the same way, so each value can be told apart."""
    from pm.render import colour
    from pm.render.colour import style_for
    from pm.render.wrap import cells, wrap  # columns counted as the wrapped text counts them

    painting = colour.enabled()
    whole = [i for i, header in enumerate(headers) if header not in FREE_TEXT_COLUMNS]
    texts = [i for i, header in enumerate(headers) if header in FREE_TEXT_COLUMNS]

    def block(values: Sequence[str], styles: Sequence[str | None]) -> Iterator[str]:
        yield from _between_cells([values[i] or "-" for i in whole], [styles[i] for i in whole])
        for i in texts:
            if values[i]:
                yield from _wrapped(values[i], styles[i])

    def _between_cells(parts: list[str], styles: list[str | None]) -> Iterator[str]:
        shown, used = "", 0
        for part, style in zip(parts, styles, strict=True):
            painted = colour.paint(part, style) if painting else part
            size = cells(part)
            if shown and used + 2 + size > width:
                yield shown
                shown, used = "  " + painted, 2 + size
            else:
                shown, used = (f"{shown}  {painted}", used + 2 + size) if shown else (painted, size)
        if shown:
            yield shown

    def _wrapped(text: str, style: str | None) -> Iterator[str]:
        for piece in wrap(text, max(width, 4 + MIN_FREE_TEXT), "    ", "    "):
            yield colour.paint(piece, style) if painting and style else piece

    if heading:
        yield from block(list(headers), ["bold" if painting else None] * len(headers))
    if title is not None:  # set apart: one title per group of blocks (overdue's owners)
        yield ""
        yield colour.paint(safe(title), "bold") if painting else safe(title)
    for row in rows:
        values = [row[i] if i < len(row) else "" for i in range(len(headers))]
        yield from block(values, [style_for(h, v) for h, v in zip(headers, values, strict=True)])


def _terminal_width() -> int | None:
    """The terminal's width in columns; None on a dumb terminal (plain rows there)."""
    if os.environ.get("TERM") == "dumb":
        return None
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def _free_text_width(
    headers: Sequence[str], rows: Sequence[Sequence[str]], width: int
) -> int | None:
    """The width each free-text column gets when every other column is printed whole;
    None when that leaves less than ``MIN_FREE_TEXT`` for them (plain rows instead)."""
    from rich.cells import cell_len

    fixed = 2 * (len(headers) - 1)  # two spaces between columns
    free = 0
    for index, header in enumerate(headers):
        if header in FREE_TEXT_COLUMNS:
            free += 1
            continue
        column = [cell_len(header), *(cell_len(row[index]) for row in rows if index < len(row))]
        fixed += max(column)
    room = width - fixed
    if free == 0:
        return width if room >= 0 else None
    share = room // free
    return share if share >= MIN_FREE_TEXT else None
