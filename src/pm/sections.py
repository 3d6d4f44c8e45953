"""The prose sections of a postmortem body (``## Root Cause`` and the like).

People write the prose; pm only reads it here, for similarity and reports. The template's
guidance comments are not prose, so they are removed: a section holding only its comment
is empty, which is how pm tells a written section from an untouched one.
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
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def section_text(body: str, heading: str) -> str:
    """The text under ``## heading`` up to the next heading of the same or a higher level.

    HTML comments are removed and surrounding blank lines stripped; ``""`` when the
    section is missing or holds only comments. The heading matches case-insensitively.
    Lines inside fenced code blocks are never taken for headings.
    """
    lines = body.replace("\r\n", "\n").split("\n")
    wanted = heading.strip().lower()
    collected: list[str] | None = None
    level = 0
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if collected is None:
            if match and match.group(2).strip().lower() == wanted:
                collected, level = [], len(match.group(1))
            continue
        if match and len(match.group(1)) <= level:
            break
        collected.append(line)
    if collected is None:
        return ""
    text = _COMMENT.sub("", "\n".join(collected))
    return text.strip("\n").strip()


def prose(body: str) -> dict[str, str]:
    """Every prose section that has text, in template order."""
    found = {}
    for heading in PROSE_HEADINGS:
        text = section_text(body, heading)
        if text:
            found[heading] = text
    return found
