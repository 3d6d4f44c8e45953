"""Colour that carries meaning on a terminal, and never anywhere else.

Escalated and active in red, late and resolved in yellow, done in green, severities by
rank (SEV-1 bold red, SEV-2 red, SEV-3 yellow). Colour is used only when stdout is a
terminal, ``NO_COLOR`` is unset (https://no-color.org) and ``TERM`` is not ``dumb``; a
pipe, a file or CI logs get the plain text. No library is imported: the styles are a few
SGR codes.
"""

from __future__ import annotations

import os
import re
import sys

_SGR = {"bold": "1", "bold red": "1;31", "red": "31", "yellow": "33", "green": "32", "dim": "2"}
_SEVERITY = r"(?i)(?:sev|p)-?(\d+)"  # compiled on first use (``re`` keeps it): most runs never do
_WORDS = {
    "escalated": "red",
    "late": "yellow",
    "active": "red",
    "resolved": "yellow",
    "reviewed": "green",
    "closed": "green",
    "done": "green",
    "wont-do": "dim",
}
_SEVERITY_HEADERS = frozenset({"SEV", "SEVERITY"})
_WORD_HEADERS = frozenset({"STATUS", "STATE"})
_LATE_HEADERS = frozenset({"OVERDUE", "LATE"})


def enabled() -> bool:
    """Whether stdout takes colour: a terminal, no ``NO_COLOR``, not ``TERM=dumb``."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def severity_style(value: str) -> str | None:
    match = re.fullmatch(_SEVERITY, value.strip())
    if match is None:
        return None
    rank = int(match[1])
    return "bold red" if rank <= 1 else "red" if rank == 2 else "yellow" if rank == 3 else None


def word_style(value: str) -> str | None:
    return _WORDS.get(value.strip())


def style_for(header: str, value: str) -> str | None:
    """The style of a table cell, by its column: ``None`` for plain text."""
    if header in _SEVERITY_HEADERS:
        return severity_style(value)
    if header in _WORD_HEADERS:
        return word_style(value)
    if header in _LATE_HEADERS and value.strip() not in ("", "0", "0d", "-"):
        return "yellow"
    return None


def paint(text: str, style: str | None) -> str:
    """``text`` in ``style`` as ANSI codes (call only when ``enabled()``)."""
    if not style:
        return text
    return f"\x1b[{_SGR[style]}m{text}\x1b[0m"
