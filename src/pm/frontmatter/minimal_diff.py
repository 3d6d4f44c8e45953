"""Minimal-diff front matter: change only the lines of the values that changed.

pm's emitter writes front matter in one canonical form. A file a person wrote by hand
(comments, another key order, times with offsets, indented lists) would be rewritten
whole on its first change. Instead, ``splice`` keeps the original text of every top-level
key whose value did not change, and of every unchanged item of a changed list (so a new
timeline event adds only its own lines); only the changed parts are emitted canonically.

The caller must verify the result reads back to the new data and fall back to the
canonical form otherwise; ``splice`` returns None where it cannot tell the layout. It reads
the layout through ``dialect.compose``, so it sees the same keys and values as the loader.
"""

from __future__ import annotations

import re
from typing import Any

from pm.frontmatter.dialect import compose, key_text
from pm.frontmatter.emit import dump_yaml

_KEEP_AFTER = re.compile(r"^\s*(#.*)?$")  # blank and comment lines stay where they are
_MISSING = object()


def splice(original: str, old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """``original`` (LF text) edited from ``old`` to ``new`` data, or None to re-emit all."""
    import yaml

    root = compose(original)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        return None
    lines = original.split("\n")
    pairs = root.value
    names = [name for k, _ in pairs if (name := key_text(k)) is not None]
    if len(names) != len(pairs) or len(set(names)) != len(names):
        return None
    starts = [k.start_mark.line for k, _ in pairs]
    out: list[str] = lines[: starts[0]] if starts else list(lines)
    placed: set[str] = set()
    for index, (name, (_, node)) in enumerate(zip(names, pairs, strict=True)):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        chunk, trailing = _split_trailing(lines[starts[index] : end])
        before, after = old.get(name, _MISSING), new.get(name, _MISSING)
        if before == after:
            out.extend(chunk)  # unchanged (or a key the model ignores, like `closed: null`)
        elif after is _MISSING:
            pass  # the value was removed
        else:
            spliced = None
            if isinstance(before, list) and isinstance(after, list):
                spliced = _splice_list(chunk, node, starts[index], before, after)
            out.extend(spliced if spliced is not None else _emit(name, after))
        out.extend(trailing)
        placed.add(name)
    return _insert_new_keys(out, names, placed, old, new)


def _insert_new_keys(
    out: list[str], names: list[str], placed: set[str], old: dict[str, Any], new: dict[str, Any]
) -> str:
    """Keys the original lacks are added at the end, unless the model's default is unchanged."""
    for name, value in new.items():
        if name not in placed and old.get(name, _MISSING) != value:
            out.extend(_emit(name, value))
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _split_trailing(chunk: list[str]) -> tuple[list[str], list[str]]:
    """Blank and comment lines at the end of a key's lines belong to what follows."""
    cut = len(chunk)
    while cut > 1 and _KEEP_AFTER.match(chunk[cut - 1]):
        cut -= 1
    return chunk[:cut], chunk[cut:]


def _emit(name: str, value: Any) -> list[str]:
    return dump_yaml({name: value}).rstrip("\n").split("\n")


def _splice_list(
    chunk: list[str], node: Any, first_line: int, before: list[Any], after: list[Any]
) -> list[str] | None:
    """Keep the original lines of unchanged items; emit only inserted or changed ones."""
    from difflib import SequenceMatcher

    import yaml

    if not isinstance(node, yaml.SequenceNode) or node.flow_style:
        return None
    if len(node.value) != len(before) or not before:
        return None
    item_starts = [item.start_mark.line - first_line for item in node.value]
    dash = chunk[item_starts[0]]
    if not dash.lstrip().startswith("- ") or any(
        not chunk[s].lstrip().startswith("- ") for s in item_starts
    ):
        return None
    indent = " " * (len(dash) - len(dash.lstrip()))
    bounds = [*item_starts, len(chunk)]
    items: list[list[str]] = []
    leading: list[str] = []  # comments above an item go with it, so inserts land above them
    for i in range(len(before)):
        body, trailing = _split_trailing(chunk[bounds[i] : bounds[i + 1]])
        items.append(leading + body)
        leading = trailing
    items[-1].extend(leading)
    result = chunk[: item_starts[0]]
    matcher = SequenceMatcher(
        a=[_identity(v) for v in before], b=[_identity(v) for v in after], autojunk=False
    )
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            for item in items[a1:a2]:
                result.extend(item)
        else:
            for value in after[b1:b2]:
                result.extend(indent + line for line in _emit("x", [value])[1:])
    return result


def _identity(value: Any) -> str:
    return dump_yaml({"x": [value]})
