"""The prose sections of a postmortem body, as people wrote them.

Template placeholders are HTML comments, so a section counts as written only when text
is left after removing them.
"""

from __future__ import annotations

import re

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")


def section_text(body: str, heading: str) -> str:
    """The text under ``## heading`` (any level, case-insensitive) without HTML comments.

    The section runs to the next heading of the same or a higher level; an absent
    section gives "".
    """
    lines = body.replace("\r\n", "\n").split("\n")
    wanted = heading.strip().lower()
    level = 0
    collected: list[str] = []
    fenced = False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if level:
            if match and len(match.group(1)) <= level:
                break
            collected.append(line)
        elif match and match.group(2).strip().lower() == wanted:
            level = len(match.group(1))
    return _COMMENT.sub("", "\n".join(collected)).strip()
