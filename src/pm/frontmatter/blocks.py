"""Generated blocks: the parts of a body pm re-renders, between HTML-comment markers.

A block is ``<!-- pm:begin NAME -->`` ... ``<!-- pm:end NAME -->``. pm replaces what is
between the markers and nothing else: every byte outside them, line endings included, is
written back as it was read. What a block holds (the timeline and action-item tables) is
``pm.markdown``'s business; this module only finds and replaces.
"""

from __future__ import annotations

import re

_BEGIN = re.compile(r"<!-- pm:begin ([A-Za-z0-9_-]+) -->")


def block_markers(name: str) -> tuple[str, str]:
    """The begin and end markers of block ``name``."""
    return f"<!-- pm:begin {name} -->", f"<!-- pm:end {name} -->"


def find_block(body: str, name: str) -> tuple[int, int] | None:
    """The span between the markers of block ``name`` (exclusive), or None when absent."""
    begin, end = block_markers(name)
    start = body.find(begin)
    if start < 0:
        return None
    stop = body.find(end, start)
    if stop < 0:
        return None
    return start + len(begin), stop


def replace_block(body: str, name: str, content: str, newline: str) -> str:
    """Re-render one generated block; the body outside the markers is not touched."""
    span = find_block(body, name)
    if span is None:
        return body
    inner = newline + newline + content.replace("\n", newline) + newline + newline
    return body[: span[0]] + inner + body[span[1] :]


def block_content(body: str, name: str) -> str | None:
    """What a block holds now, normalised to ``\\n``, for lint's in-sync check."""
    span = find_block(body, name)
    if span is None:
        return None
    return body[span[0] : span[1]].replace("\r\n", "\n").strip("\n")


def conflicted_blocks_cleared(text: str, conflict: re.Pattern[str]) -> str | None:
    """``text`` with every generated block that holds a ``conflict`` marker emptied.

    None when no block holds one, or when a marker is left outside the blocks: then the
    front matter or the prose is in conflict, and only a person can resolve it. Emptied
    blocks are re-rendered from the front matter by the next write (``pm lint --fix``).
    """
    cleared = text
    emptied = False
    for name in dict.fromkeys(_BEGIN.findall(text)):
        span = find_block(cleared, name)
        if span is not None and conflict.search(cleared, span[0], span[1]):
            cleared = cleared[: span[0]] + "\n\n" + cleared[span[1] :]
            emptied = True
    if not emptied or conflict.search(cleared):
        return None
    return cleared


def conflicted_block_lines(text: str, conflict: re.Pattern[str]) -> dict[str, list[str]]:
    """The lines of each generated block that holds a ``conflict`` marker, the markers
    left out: both sides' rows, for a check that re-rendering drops none typed by hand."""
    found: dict[str, list[str]] = {}
    for name in dict.fromkeys(_BEGIN.findall(text)):
        span = find_block(text, name)
        if span is not None and conflict.search(text, span[0], span[1]):
            lines = text[span[0] : span[1]].replace("\r\n", "\n").split("\n")
            found[name] = [line for line in lines if line.strip() and not conflict.match(line)]
    return found
