"""Line numbers of front-matter values, for findings that point into a file.

``yaml.load`` gives values without positions; composing the YAML node tree gives each
key and list item its line. CI annotations and lint findings need the line of the very
item (``- number: 3``), not just of the top-level key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pm.document import BOM

Path = tuple[str | int, ...]
# The front matter starts on line 2: line 1 is the opening ``---``.
FIRST_LINE = 2


@dataclass
class FrontMap:
    """Where each key and list item of the front matter is, and keys given twice."""

    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[tuple[Path, int]] = field(default_factory=list)

    def line(self, path: Path, default: int = 1) -> int:
        """The line of ``path``, else of its nearest located parent, else ``default``."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return default


def front_text(raw: bytes) -> str | None:
    """The YAML between the fences, or None when the file has no closed front matter."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text = text.removeprefix(BOM).replace("\r\n", "\n")
    first, sep, rest = text.partition("\n")
    if first != "---" or not sep:
        return None
    lines = rest.split("\n")
    for index, line in enumerate(lines):
        if line in ("---", "..."):
            return "\n".join(lines[:index])
    return None


def locate(raw: bytes) -> FrontMap:
    """Map every key path to its line; an empty map when the YAML cannot be composed."""
    import yaml

    text = front_text(raw)
    result = FrontMap()
    if text is None:
        return result
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return result
    if node is not None:
        _walk(node, (), result)
    return result


def _walk(node: Any, path: Path, result: FrontMap) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + FIRST_LINE
            if key in seen:
                result.duplicates.append(((*path, key), line))
                continue
            seen.add(key)
            result.lines[(*path, key)] = line
            _walk(value_node, (*path, key), result)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            result.lines[(*path, index)] = item.start_mark.line + FIRST_LINE
            _walk(item, (*path, index), result)
