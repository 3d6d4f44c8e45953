"""Line numbers of front-matter values, for findings that point into a file.

Values come without positions; the node tree of the same YAML gives each key and list item
its line. CI annotations and lint findings need the line of the very item (``- number:
3``), not just of the top-level key. The file is cut by ``split`` and the YAML composed by
``dialect``, as the parser does, so a line found here is the line of the value pm read.
"""

from __future__ import annotations

import re
from typing import Any

from pm.frontmatter.dialect import compose, key_text
from pm.frontmatter.fences import yaml_of
from pm.records import datarecord, field

# A key path into the front matter: mapping keys and list indexes, ("actions", 2, "text").
KeyPath = tuple[str | int, ...]
# The front matter starts on line 2: line 1 is the opening ``---``.
FIRST_LINE = 2


@datarecord
class FrontMap:
    """Where each key and list item of the front matter is, and keys given twice."""

    lines: dict[KeyPath, int] = field(default_factory=dict)
    duplicates: list[tuple[KeyPath, int]] = field(default_factory=list)

    def line(self, path: KeyPath, default: int = 1) -> int:
        """The line of ``path``, else of its nearest located parent, else ``default``."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return default


def locate(raw: bytes) -> FrontMap:
    """Map every key path to its line; an empty map when the YAML cannot be composed."""
    text = yaml_of(raw)
    result = FrontMap()
    node = compose(text) if text is not None else None
    if node is not None:
        _walk(node, (), result)
    return result


def load_located(text: str, path: str) -> tuple[dict[str, Any], FrontMap]:
    """``load_yaml`` and ``locate`` from one composition: the values and their lines.

    Loading composes the YAML into nodes and builds the values from them; ``locate``
    composed it again for the lines, 14% of a whole lint. Here one node tree gives both.
    Whatever the quick way does not read cleanly (a YAML error, a key given twice, an
    anchor, a bad date) is read by ``load_yaml`` itself, so every error stays as it was.
    """
    from pm.frontmatter.dialect import load_yaml, loader

    text = text.replace("\r\n", "\n")
    result = FrontMap()
    data: Any = None
    if "&" not in text and "*" not in text:  # load_yaml refuses aliases: let it
        reader = loader()(text)
        try:
            node = reader.get_single_node()
            if node is not None and node.id == "mapping":
                data = _build(node, (), result, reader)
        except Exception:  # noqa: BLE001 - load_yaml below says what is wrong, as always
            data = None
        finally:
            reader.dispose()
    if isinstance(data, dict):
        return data, result
    data = load_yaml(text, path)  # raises for every file the quick way could not read
    result = FrontMap()
    node = compose(text)
    if node is not None:
        _walk(node, (), result)
    return data, result


_TAG = "tag:yaml.org,2002:"
_MAP, _SEQ, _STR = _TAG + "map", _TAG + "seq", _TAG + "str"
_SCALARS = frozenset(_TAG + name for name in ("null", "bool", "int", "float", "timestamp"))


class _Unusual(Exception):
    """A node the quick build leaves to PyYAML's constructor (and its errors)."""


def _build(node: Any, path: KeyPath, result: FrontMap, reader: Any) -> Any:
    """The value of ``node`` as PyYAML's safe constructor builds it, and the line of each
    key and item in ``result``: ``_walk`` and ``construct_document`` in one pass.

    Plain maps, lists and scalars only: a key given twice, a merge key (``<<``), an
    explicit tag or a complex key raise ``_Unusual``, and the caller reads the file the
    careful way. Scalars other than text are built by the loader's own constructors.
    """
    tag = node.tag
    if node.id == "scalar":
        if tag == _STR:
            return node.value
        if tag in _SCALARS:
            return reader.yaml_constructors[tag](reader, node)
        raise _Unusual(tag)
    if node.id == "mapping" and tag == _MAP:
        mapping: dict[Any, Any] = {}
        seen: set[str] = set()
        for key_node, value_node in node.value:
            name = key_text(key_node)
            if key_node.id != "scalar" or name is None or name in seen:
                raise _Unusual("a complex key or a key given twice")
            seen.add(name)
            key = _build(key_node, path, FrontMap(), reader)
            result.lines[(*path, name)] = key_node.start_mark.line + FIRST_LINE
            mapping[key] = _build(value_node, (*path, name), result, reader)
        return mapping
    if node.id == "sequence" and tag == _SEQ:
        items: list[Any] = []
        for index, item in enumerate(node.value):
            result.lines[(*path, index)] = item.start_mark.line + FIRST_LINE
            items.append(_build(item, (*path, index), result, reader))
        return items
    raise _Unusual(tag)


def _walk(node: Any, path: KeyPath, result: FrontMap) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_text(key_node)
            if key is None:
                continue  # a complex key: the loader refuses those (unhashable)
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


# --- a quick locator for the top level ------------------------------------------------------

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def locate_top(raw: bytes) -> FrontMap:
    """Lines of the top-level keys and of their list items, cheaply when that is exact.

    ``pm overdue`` points at action items (``actions``, n) in thousands of files; composing
    the YAML costs about as much as parsing it again. In block-style front matter, as pm
    writes it, a top-level key is a line ``key:`` at column 0 and an item of its list is a
    line ``- ...`` at the list's indent, so a scan of the lines finds them. Only a quoted
    scalar or a flow collection can carry a line break that makes a line at column 0 part
    of a value; when any line might (or anything else is unusual), this composes the YAML
    like ``locate``. For the keys it answers, the result equals ``locate``'s.
    """
    text = yaml_of(raw)
    if text is None:
        return FrontMap()
    quick = _scan_top(text)
    return quick if quick is not None else locate(raw)


def _scan_top(text: str) -> FrontMap | None:
    """``locate`` restricted to top-level keys and list items; None when unsure."""
    if "\t" in text or not _values_close_on_their_line(text):
        return None
    result = FrontMap()
    lines = text.split("\n")
    keys: list[tuple[int, str, bool]] = []  # (line index, key, value on the lines below)
    for number, line in enumerate(lines):
        content = line.lstrip(" ")
        if not content or content[0] == "#":
            continue
        if line[0] == " " or line[:2] == "- " or line == "-":
            if not keys:
                return None  # a value before any key
            continue
        found = _top_key(line)  # column 0: a top-level key, or something unusual
        if found is None or (found[0],) in result.lines:
            return None
        result.lines[(found[0],)] = number + FIRST_LINE
        keys.append((number, *found))
    ends = [number for number, _, _ in keys[1:]] + [len(lines)] * bool(keys)
    for (number, key, below), end in zip(keys, ends, strict=True):
        items = _list_items(lines, number + 1, end) if below else []
        if items is None:
            return None
        for index, line_index in enumerate(items):
            result.lines[(key, index)] = line_index + FIRST_LINE
    return result


def _list_items(lines: list[str], start: int, end: int) -> list[int] | None:
    """The line indexes of the list items in ``lines[start:end]``, [] if it is no list."""
    item_indent: int | None = None
    found: list[int] = []
    for number in range(start, end):
        line = lines[number]
        content = line.lstrip(" ")
        if not content or content[0] == "#":
            continue
        indent = len(line) - len(content)
        if item_indent is None:  # the first line below the key says what its value is
            if content[:2] != "- ":
                return None if content[0] == "-" else []  # "-" alone: unusual
            item_indent = indent
        if indent > item_indent:
            continue
        if indent < item_indent or content[:2] != "- ":
            return None  # something at or left of the items' indent that is no item
        if content[2:].strip(" ")[:1] in ("", "#"):
            return None  # the item's value starts on a later line: let YAML say where
        found.append(number)
    return found


def _top_key(line: str) -> tuple[str, bool] | None:
    """A top-level ``key:`` line's key, and whether its value is on the lines below."""
    name, colon, value = line.partition(":")
    if not colon or not _PLAIN_KEY.fullmatch(name):
        return None  # quoted or complex keys: let YAML say
    if value and value[0] != " ":
        return None  # "key:value" is not a key in YAML
    value = value.strip(" ")
    if value[:1] in ("#", "[", "{") and value not in ("[]", "{}"):
        return None  # a comment or a flow list where the value would be: unusual
    return name, not value


# A line whose value (after any "- " and "key: ") starts with a quote, a bracket or a mark.
_OPENS = re.compile(r"""(?:^ *(?:- +)*|: +)(['"\[{&*!?|>])(.*)$""", re.MULTILINE)


def _values_close_on_their_line(text: str) -> bool:
    """Whether every quoted scalar and flow collection ends on the line it starts on.

    Conservative: a value that starts with a quote or bracket must end the line with its
    closing mark (a trailing comment counts as unsure); anchors, tags and explicit keys
    are unsure too. Block scalars (``|``, ``>``) are fine: their lines are indented.
    """
    for match in _OPENS.finditer(text):
        mark, rest = match.groups()
        if mark in "&*!?":
            return False
        if mark in "|>":
            continue
        if not _value_closed(mark + rest):
            return False
    return True


def _value_closed(value: str) -> bool:
    value = value.rstrip(" ")
    if value.startswith("'"):
        inner = value[1:].replace("''", "")
        return inner.endswith("'") and inner.count("'") == 1
    if value.startswith('"'):
        inner = value[1:]
        position = 0
        while position < len(inner):
            char = inner[position]
            if char == "\\":
                position += 2
                continue
            if char == '"':
                return position == len(inner) - 1
            position += 1
        return False
    closing = "]" if value.startswith("[") else "}"
    return value.endswith(closing) and not any(q in value for q in "\"'") and _balanced(value)


def _balanced(value: str) -> bool:
    depth = 0
    for char in value:
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0
