"""The prose sections of a postmortem body, as people write them under ``## Heading`` lines.

One definition of "a section is filled" for every command that asks (``pm review`` now,
``pm lint`` later): the text under the heading, up to the next heading of the same or a
higher level, with HTML comments removed (the template's placeholders are comments) and
whitespace stripped, is not empty.
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


def prose(body: str) -> dict[str, str]:
    """Every prose section that has text, in template order (for similarity and reports)."""
    found = {}
    for heading in PROSE_HEADINGS:
        text = section_text(body, heading)
        if text:
            found[heading] = text
    return found
