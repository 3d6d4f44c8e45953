"""Postmortem files: YAML front matter between ``---`` fences, then a markdown body.

What this package guarantees:

- **Byte-exact bodies.** The body is never parsed or normalised: every byte outside the
  generated blocks, line endings and a byte-order mark included, is written back as read.
- **Strict reading.** One splitter (``fences``) cuts every file, and one YAML dialect
  (``dialect``) reads it: YAML 1.2 numbers (``14:05`` and ``0755`` are text), no duplicate
  keys, no anchors or aliases, no merge-conflict markers, UTF-8 only, 2 MB at most. The
  line locator and the splice compose the YAML with that same dialect, so they agree with
  the loader on every key and value.
- **Minimal diffs.** The emitter writes one canonical layout; ``splice`` keeps the text of
  every value a change did not touch, so editing one value changes one line, also in a
  file a person formatted by hand.

Modules: ``fences`` (where the YAML ends and the body starts), ``dialect`` (loading and
composing YAML), ``emit`` (writing YAML), ``document`` (a whole file: checks, parse,
render), ``minimal_diff`` (the splice), ``lines`` (line numbers of keys and items),
``yamlhelp`` (plain words for common YAML mistakes),
``blocks`` (generated blocks). None imports PyYAML until it is used, so importing the
package costs start-up nothing heavy.
"""

from typing import TYPE_CHECKING

from pm.frontmatter.dialect import compose, key_text, load_yaml
from pm.frontmatter.document import (
    MAX_FILE_BYTES,
    Document,
    conflicted_table_lines,
    parse,
    parse_located,
    parse_postmortem,
    parse_resolving_tables,
    render,
)
from pm.frontmatter.fences import BOM, Split, body_of, split, split_bytes, yaml_of

if TYPE_CHECKING:
    from pm.frontmatter.blocks import block_content, block_markers, find_block, replace_block
    from pm.frontmatter.emit import dump_yaml
    from pm.frontmatter.lines import FrontMap, KeyPath, locate, locate_top
    from pm.frontmatter.minimal_diff import splice

# Reading a file needs only the modules above; these load on first use (``__getattr__``),
# so that ``pm list`` and ``pm show`` do not pay for the writer, the splice and the locator.
_ON_FIRST_USE = {
    "block_content": "blocks",
    "block_markers": "blocks",
    "find_block": "blocks",
    "replace_block": "blocks",
    "dump_yaml": "emit",
    "FrontMap": "lines",
    "KeyPath": "lines",
    "locate": "lines",
    "locate_top": "lines",
    "splice": "minimal_diff",
}


def __getattr__(name: str) -> object:
    module = _ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups find it directly
    return value


__all__ = [
    "BOM",
    "MAX_FILE_BYTES",
    "Document",
    "FrontMap",
    "KeyPath",
    "Split",
    "block_content",
    "block_markers",
    "body_of",
    "compose",
    "conflicted_table_lines",
    "dump_yaml",
    "find_block",
    "key_text",
    "load_yaml",
    "locate",
    "locate_top",
    "parse",
    "parse_located",
    "parse_postmortem",
    "parse_resolving_tables",
    "render",
    "replace_block",
    "splice",
    "split",
    "split_bytes",
    "yaml_of",
]
