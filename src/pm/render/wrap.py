"""Wrapping text for a terminal by the columns it takes, not by its characters.

A CJK character takes two columns and Japanese or Chinese text has no spaces to break
at, so ``textwrap`` (which counts characters and breaks only at spaces) lets such a line
run to twice the terminal's width. Here a line holds what fits in ``width`` columns; it
breaks at spaces, and inside a word only between wide characters: a run of narrow ones
(an id, a URL, a path) is never cut, even when longer than the line.
"""

from __future__ import annotations

import re
from unicodedata import combining, east_asian_width


def cells(text: str) -> int:
    """The columns ``text`` takes on a terminal: two for a wide (CJK) character, none
    for a combining mark, one for the rest."""
    return sum(0 if combining(c) else 2 if east_asian_width(c) in ("W", "F") else 1 for c in text)


def _units(text: str) -> list[tuple[str, str]]:
    """``text`` as pieces a line may break before: (the spaces before it, the piece).
    Whitespace becomes spaces, one for one (tabs expanded first), as ``textwrap`` does."""
    found: list[tuple[str, str]] = []
    spaces = ""
    for part in re.split(r"(\s+)", text.expandtabs()):
        if not part:
            continue
        if part.isspace():
            spaces = " " * len(part)
            continue
        run = ""
        for char in part:
            if east_asian_width(char) in ("W", "F"):
                if run:
                    found.append((spaces, run))
                    spaces, run = "", ""
                found.append((spaces, char))
                spaces = ""
            else:
                run += char
        if run:
            found.append((spaces, run))
        spaces = ""
    return found


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """``text`` in lines of at most ``width`` columns, the first after ``first`` and the
    others after ``rest`` (indents); a piece wider than a line stands alone on its own.
    Spaces where a line breaks are dropped; others stay, as ``textwrap`` keeps them."""
    if not text.strip():
        return [first.rstrip()]
    lines: list[str] = []
    line, used, empty = first, cells(first), True
    for spaces, piece in _units(text):
        size = cells(piece)
        gap = spaces
        if empty and gap and used + len(gap) + size > width:
            gap = ""  # no room after the leading spaces: dropped, as textwrap drops them
        elif not empty and used + len(gap) + size > width:
            lines.append(line)
            line, used, gap = rest, cells(rest), ""
        line += gap + piece
        used += len(gap) + size
        empty = False
    lines.append(line)
    return lines
