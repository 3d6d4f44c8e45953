"""``pm search`` as text: each postmortem found as ``id  title``, and under it the line
that matches best, cut around its first match to the width (the terminal's, or 80
columns when piped), its matches marked on a terminal (bold, yellow unless ``NO_COLOR``)
and plain when piped.
"""

from __future__ import annotations

from pm.render.output import safe
from pm.search import Hit, excerpt

_RESET = "\x1b[0m"
INDENT = "    "


def mark_style(*, terminal: bool, term: str | None, no_color: bool) -> str | None:
    """The escape that starts a marked match; None to print plain text."""
    if not terminal or term == "dumb":
        return None
    return "\x1b[1m" if no_color else "\x1b[1;33m"


def lines(hits: list[Hit], *, width: int | None, style: str | None) -> list[str]:
    """A line a hit, ``id  title``, and under it the best line outside the title, if any,
    named (``event 3: ...``) unless it is prose; ``width`` cuts it (None: whole)."""
    out: list[str] = []
    for hit in hits:
        out.append(safe(hit.id) + "  " + _marked(hit.title, hit.title_spans, style))
        if hit.field == "title":
            continue
        prefix = INDENT + (f"{hit.label}: " if hit.label else "")
        text, marks = hit.line, hit.spans
        if width is not None:
            text, marks = excerpt(text, marks, max(20, width - len(prefix)))
        out.append(safe(prefix) + _marked(text, marks, style))
    return out


def _marked(text: str, marks: tuple[tuple[int, int], ...], style: str | None) -> str:
    if style is None or not marks:
        return safe(text)
    pieces: list[str] = []
    position = 0
    for start, end in marks:
        pieces.append(safe(text[position:start]))
        pieces.append(style + safe(text[start:end]) + _RESET)
        position = end
    pieces.append(safe(text[position:]))
    return "".join(pieces)
