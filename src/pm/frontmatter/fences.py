"""Where the front matter ends: the one place a file is cut into YAML and body.

A postmortem file is a ``---`` line, YAML, a closing ``---`` (or ``...``) line, then the
markdown body. The parser, the body-only read of similarity and the line locator all cut
the file here, so they cannot disagree about where the YAML stops and the body starts. The
body comes back exactly as the file has it, line endings included.
"""

from __future__ import annotations

import re

from pm.errors import FileFormatError
from pm.records import NamedTuple

BOM = "\ufeff"
# The first line of the rest that is "---" or "..." (line endings aside) closes the front
# matter; the leading literal "\n" makes the search fast, and it stops at the first match
# instead of splitting the whole body into lines.
_CLOSING_FENCE = re.compile(r"\n(?:---|\.\.\.)\r*(?=\n|\Z)")


class Split(NamedTuple):
    """A file's text cut at its fences (a tuple: thousands are made per bulk read)."""

    front: str  # the YAML between the fences, line endings as in the file
    body: str  # everything after the closing fence's line, verbatim
    front_lines: int  # lines of YAML: the body starts on line front_lines + 3


# What a warning about a file pm does not read tells the person.
SKIPPED = "pm skips it (keep other notes outside the year folders)"
NO_OPENING_FENCE = "does not start with a '---' front-matter line"
_PM_KEYS = re.compile(r"^(?:id|severity|timeline):", re.MULTILINE)


def looks_like_postmortem(text: str) -> bool:
    """Whether ``text`` (a file's beginning) has pm's keys: a postmortem, maybe broken."""
    return len(_PM_KEYS.findall(text[:4000])) >= 2


def split(text: str, path: str = "") -> Split:
    """Cut decoded ``text`` (without its BOM); ``path`` is only used in error messages.

    The opening fence is the first line; the closing fence is the next line that is
    ``---`` or ``...``, whatever carriage returns end it.
    """
    first, sep, rest = text.partition("\n")
    if first.rstrip("\r") != "---" or not sep:
        raise FileFormatError(path, NO_OPENING_FENCE, 1)
    close = _CLOSING_FENCE.search("\n" + rest)
    if close is None:
        raise FileFormatError(path, "front matter is not closed by a '---' line", 1)
    start, end = close.start(), close.end() - 1  # positions in rest
    front = rest[: start - 1] if start else ""
    return Split(front, rest[end + 1 :], rest.count("\n", 0, start))


def split_bytes(raw: bytes) -> Split | None:
    """``split`` of a file's bytes (UTF-8, a BOM allowed), or None when they do not split."""
    try:
        return split(raw.decode("utf-8").removeprefix(BOM))
    except (UnicodeDecodeError, FileFormatError):
        return None


def body_of(raw: bytes) -> str:
    """The body of a file, split off without parsing its YAML; ``""`` when it does not split.

    For prose similarity, where a file changed or broken since it was listed only means
    fewer words to compare.
    """
    parts = split_bytes(raw)
    return parts.body if parts is not None else ""


def yaml_of(raw: bytes) -> str | None:
    """The YAML between the fences with ``\\n`` line endings, or None when it does not split."""
    parts = split_bytes(raw)
    return without_cr(parts.front) if parts is not None else None


def without_cr(front: str) -> str:
    """``front`` with the carriage return that ends each line removed: CRLF read as LF."""
    return "\n".join(line.removesuffix("\r") for line in front.split("\n"))
