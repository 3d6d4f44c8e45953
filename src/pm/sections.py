"""The prose sections of a postmortem body, as people write them under ``## Heading`` lines.

One definition of "a section is filled" for every command that asks (``pm review`` and
``pm lint``): the text under the heading, up to the next heading of the same or a
higher level, with HTML comments removed (the template's placeholders are comments) and
whitespace stripped, is not empty. Which sections a review requires is configuration
(``[review] required``, ``Config.review_required``), passed in by both commands.
"""

from __future__ import annotations

import re

PROSE_HEADINGS = (
    "Summary",
    "Impact",
    "Root Cause",
    "Contributing Factors",
    "What Went Well",
    "What Went Poorly",
    "Where We Got Lucky",
    "Lessons Learned",
)

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


def _normal(heading: str) -> str:
    return " ".join(heading.split()).casefold()


def _headings(body: str) -> list[tuple[int, int, str]]:
    """(line number, level, normalised title) of every heading outside fenced code."""
    found = []
    in_fence = False
    for number, line in enumerate(body.replace("\r\n", "\n").split("\n"), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            found.append((number, len(match.group(1)), _normal(match.group(2))))
    return found


def heading_line(body: str, heading: str) -> int | None:
    """The body line of the first heading titled ``heading``, as ``section_text`` finds it."""
    wanted = _normal(heading)
    return next((number for number, _, title in _headings(body) if title == wanted), None)


def section_text(body: str, heading: str) -> str:
    """The text of the first section titled ``heading`` (any level, any case), or ``""``.

    HTML comments are removed and the result is stripped, so a section holding only the
    template's placeholder comment is empty. Headings inside fenced code do not count.
    """
    wanted = _normal(heading)
    lines = body.replace("\r\n", "\n").split("\n")
    collected: list[str] | None = None
    level = 0
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if collected is not None:
            if match and len(match.group(1)) <= level:
                break
            collected.append(line)
        elif match and _normal(match.group(2)) == wanted:
            collected = []
            level = len(match.group(1))
    if collected is None:
        return ""
    return _COMMENT.sub("", "\n".join(collected)).strip()


def is_filled(body: str, heading: str) -> bool:
    return bool(section_text(body, heading))


def missing_sections(body: str, required: tuple[tuple[str, ...], ...]) -> list[tuple[str, ...]]:
    """The groups of ``required`` (``Config.review_required``: what a review needs
    written, each group satisfied by any one of its headings) with no filled section."""
    return [
        choices for choices in required if not any(is_filled(body, heading) for heading in choices)
    ]


def prose(body: str) -> dict[str, str]:
    """Every prose section that has text, in template order (for similarity and reports)."""
    found = {}
    for heading in PROSE_HEADINGS:
        text = section_text(body, heading)
        if text:
            found[heading] = text
    return found
