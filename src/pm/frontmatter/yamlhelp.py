"""Human messages for the YAML mistakes people make when they edit front matter by hand.

PyYAML says "mapping values are not allowed in this context" for ``text: paged: db team``
and "found unexpected end of stream" at the end of the file for a quote left open on
line 12. ``explain`` turns the three common mistakes into what to do, on the line the
mistake is on: a value containing ``: `` (the fixed line is shown), a tab used to indent,
a quote never closed. Every command reads files through ``dialect.load_yaml``, so lint,
show, list and the rest name the same line.

``field_name`` names a value as people see it: ``event 14 (at)``, ``action item 3 (due)``,
not ``timeline[13].at``.
"""

from __future__ import annotations

import re
from typing import Any

from pm.errors import FileFormatError

# `key: value` where the value itself holds ": " (or ends in ":"), unquoted.
_COLON_VALUE = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?)(?P<key>[^\s:#'\"-][^:#]*?):[ \t]+(?P<value>.*)$"
)
_VALUE_COLON = re.compile(r":(?:\s|$)")


def explain(text: str, error: Any) -> tuple[str, int] | None:
    """A message and a 0-based line of ``text`` for PyYAML's ``error``, or None when the
    mistake is not one of the common ones (the caller keeps PyYAML's words)."""
    lines = text.split("\n")
    tab = _tab_line(lines)
    problem = str(getattr(error, "problem", "") or "")
    mark = getattr(error, "problem_mark", None)
    at = mark.line if mark is not None else None
    if tab is not None and (at is None or tab <= at):
        return "a tab is used for indentation; YAML indents with spaces only", tab
    context = str(getattr(error, "context", "") or "")
    opened = getattr(error, "context_mark", None)
    if "quoted scalar" in context and opened is not None:
        quote = _quote_at(lines, opened.line, opened.column)
        return (
            f"unclosed quote: the {quote} opened on this line is never closed; "
            f"end the value with {quote}",
            opened.line,
        )
    if "mapping values are not allowed" in problem and at is not None:
        for index in (at, at - 1):
            fixed = quoted_line(lines[index]) if 0 <= index < len(lines) else None
            if fixed is not None:
                return (
                    f'a value containing ": " must be quoted; write it as: {fixed.strip()}',
                    index,
                )
    return None


def quoted_line(line: str) -> str | None:
    """``line`` with its value quoted, when the value holds an unquoted ``: ``."""
    match = _COLON_VALUE.match(line)
    if match is None:
        return None
    value = match["value"].rstrip()
    if not value or value[0] in "\"'[{|>" or not _VALUE_COLON.search(value):
        return None
    if '"' not in value and "\\" not in value:
        quoted = f'"{value}"'
    else:
        quoted = "'" + value.replace("'", "''") + "'"
    return f"{match['lead']}{match['key']}: {quoted}"


def _tab_line(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            return index
    return None


def _quote_at(lines: list[str], line: int, column: int) -> str:
    if 0 <= line < len(lines) and column < len(lines[line]) and lines[line][column] in "'\"":
        return lines[line][column]
    return '"'


def field_name(key_path: tuple[str | int, ...], front: dict[str, Any] | None = None) -> str:
    """``("timeline", 13, "at")`` as people see it: ``event 14 (at)``; an action item by the
    number ``pm show`` prints (its ``number``), or its place when that is not a number."""
    if len(key_path) >= 2 and isinstance(key_path[1], int):
        head, index, rest = key_path[0], key_path[1], key_path[2:]
        if head == "timeline":
            name = f"event {index + 1}"
        elif head == "actions":
            name = f"action item {_item_number(front, index)}"
        else:
            name = f"{head} item {index + 1}"
        tail = ".".join(str(part) for part in rest)
        return f"{name} ({tail})" if tail else name
    return ".".join(str(part) for part in key_path)


def _item_number(front: dict[str, Any] | None, index: int) -> str:
    items = (front or {}).get("actions")
    if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
        number = items[index].get("number")
        if isinstance(number, int) and not isinstance(number, bool):
            return str(number)
    return f"#{index + 1} in the file"


def key_path(field: str) -> tuple[str | int, ...]:
    """``"timeline[13].at"`` as a key path, ``("timeline", 13, "at")``."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field):
        parts.append(int(index) if index else name)
    return tuple(parts)


def schema_error(
    shown: str, raw: bytes, front: dict[str, Any], field: str, reason: str
) -> FileFormatError:
    """A value of the wrong type (``field`` like ``timeline[13].at``) as people see it,
    ``event 14 (at)``, on the line of the value itself: the line ``pm lint`` names too."""
    from pm.frontmatter.lines import locate

    path = key_path(field)
    line = locate(raw).line(path, 0) or None
    return FileFormatError(shown, f"{field_name(path, front)}: {reason}", line)
