"""A postmortem file as a whole: read it strictly, write it back byte-exact.

Reading is strict about what could hide damage (merge-conflict markers, YAML aliases,
duplicate keys, non-UTF-8 bytes, an unterminated front matter, huge files) and lenient
about what people do by hand (a byte-order mark, CRLF line endings, comments, keys in
another order). Writing puts the front matter between the fences in the file's own line
endings and its BOM, followed by the body exactly as given.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pm.errors import FileFormatError, NotPostmortemError
from pm.frontmatter.dialect import load_yaml
from pm.frontmatter.fences import (
    BOM,
    NO_OPENING_FENCE,
    SKIPPED,
    looks_like_postmortem,
    split,
    without_cr,
)
from pm.records import datarecord

if TYPE_CHECKING:
    from pm.frontmatter.lines import FrontMap

MAX_FILE_BYTES = 2 * 1024 * 1024
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.MULTILINE)


@datarecord(frozen=True)
class Document:
    """One file split into its parts; ``body`` is kept verbatim."""

    front: dict[str, Any]
    body: str
    newline: str = "\n"
    bom: bool = False
    front_lines: int = 0  # lines of YAML between the fences, for line numbers in errors
    front_text: str | None = None  # the YAML as read (LF), for minimal-diff rewrites


def parse(raw: bytes, path: str) -> Document:
    """Split and parse a postmortem file; ``path`` is only used in error messages."""
    return _parse(raw, path, None)


def parse_located(raw: bytes, path: str) -> tuple[Document, FrontMap]:
    """``parse_postmortem`` and the line of every key and item, from one YAML parse
    (``lines.load_located``): what lint needs of each file, at the cost of a read."""
    where: list[FrontMap] = []
    return _as_postmortem(raw, path, where), where[0]


def _parse(raw: bytes, path: str, where: list[FrontMap] | None) -> Document:
    """``parse``; with ``where``, the lines of the front matter are appended to it."""
    if len(raw) > MAX_FILE_BYTES:
        raise FileFormatError(
            path, f"file is {len(raw)} bytes; pm reads files up to {MAX_FILE_BYTES}"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise FileFormatError(
            path, f"not UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8", line
        ) from None
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    if "\x00" in text:
        raise FileFormatError(
            path, "contains a NUL byte", text[: text.index("\x00")].count("\n") + 1
        )
    if _may_conflict(text) and (conflict := _CONFLICT.search(text)):
        from pm.frontmatter.blocks import conflicted_blocks_cleared

        line = text[: conflict.start()].count("\n") + 1
        if conflicted_blocks_cleared(text, _CONFLICT) is not None:
            raise FileFormatError(
                path,
                "unresolved merge conflict in a generated table only; `pm lint --fix` "
                "re-renders it from the front matter",
                line,
            )
        raise FileFormatError(path, "unresolved merge conflict; resolve it and commit", line)
    newline = "\r\n" if "\r\n" in text.partition("\n")[0] + "\n" else "\n"
    parts = split(text, path)
    if where is None:
        front = load_yaml(parts.front, path)
    else:
        from pm.frontmatter.lines import load_located

        front, lines = load_located(parts.front, path)
        where.append(lines)
    return Document(
        front=front,
        body=parts.body,
        newline=newline,
        bom=bom,
        front_lines=parts.front_lines,
        # A file of LF lines keeps any stray CR: the splice writes such lines back as read.
        front_text=without_cr(parts.front) if newline == "\r\n" else parts.front,
    )


def parse_postmortem(raw: bytes, path: str) -> Document:
    """``parse`` for a file where postmortems live: ``NotPostmortemError`` for one that is
    not a postmortem at all (meeting notes: no front matter, or none of pm's keys), which
    commands skip with a warning; a broken postmortem stays a ``FileFormatError``."""
    return _as_postmortem(raw, path, None)


_ID_NAMED = re.compile(r"(?:^|[/\\])\d{4}-\d{2}-\d{2}-[^/\\]+\.md$")


def _as_postmortem(raw: bytes, path: str, where: list[FrontMap] | None) -> Document:
    if not raw.strip() and _ID_NAMED.search(path):
        # A file named by an id holds a postmortem: emptied, it is damage, not notes.
        how = f"git restore -- {path} brings back its last committed version"
        raise FileFormatError(path, f"the file is empty; {how}", 1)
    try:
        document = _parse(raw, path, where)
    except FileFormatError as error:
        head = raw[:4000].decode("utf-8", "replace")
        if error.reason == NO_OPENING_FENCE and not looks_like_postmortem(head):
            message = f"not a postmortem: it {NO_OPENING_FENCE}; {SKIPPED}"
            raise NotPostmortemError(path, message, 1) from None
        raise
    if not any(key in document.front for key in ("id", "severity", "timeline")):
        message = "not a postmortem: its front matter has no id, severity or timeline"
        raise NotPostmortemError(path, f"{message}; {SKIPPED}", 1)
    return document


def parse_resolving_tables(raw: bytes, path: str) -> tuple[bytes, Document] | None:
    """A file whose only merge conflicts are inside generated blocks, those blocks emptied.

    The front matter is the truth the tables are rendered from; when it holds no conflict,
    the conflicted tables can be re-rendered from it. None for any other file.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    from pm.frontmatter.blocks import conflicted_blocks_cleared

    cleared = conflicted_blocks_cleared(text, _CONFLICT)
    if cleared is None:
        return None
    data = cleared.encode("utf-8")
    try:
        return data, parse(data, path)
    except FileFormatError:
        return None


def conflicted_table_lines(raw: bytes) -> dict[str, list[str]]:
    """``blocks.conflicted_block_lines`` of a file's text (empty if it is not UTF-8)."""
    from pm.frontmatter.blocks import conflicted_block_lines

    try:
        return conflicted_block_lines(raw.decode("utf-8"), _CONFLICT)
    except UnicodeDecodeError:
        return {}


def _may_conflict(text: str) -> bool:
    """A quick substring test before the (much slower) multi-line conflict-marker regex."""
    return "<<<<<<<" in text or "=======" in text or ">>>>>>>" in text


def render(document: Document, yaml_text: str | None = None) -> bytes:
    """The file's bytes: fenced front matter (``yaml_text`` or emitted), then the body."""
    from pm.frontmatter.emit import dump_yaml  # only writes need the emitter

    nl = document.newline
    yaml_text = (dump_yaml(document.front) if yaml_text is None else yaml_text).replace("\n", nl)
    text = f"---{nl}{yaml_text}---{nl}{document.body}"
    if document.bom:
        text = BOM + text
    return text.encode("utf-8")
