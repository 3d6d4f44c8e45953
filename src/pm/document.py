"""The postmortem file format: YAML front matter, a markdown body, generated blocks.

Reading is strict about what could hide damage (merge-conflict markers, YAML aliases,
non-UTF-8 bytes, an unterminated front matter, huge files) and lenient about what people
do by hand (a byte-order mark, CRLF line endings, comments, keys in another order).

Writing re-emits the front matter in a fixed key order and re-renders only the generated
blocks between ``<!-- pm:begin NAME -->`` and ``<!-- pm:end NAME -->``. Every other byte of
the body, including its line endings, is written back exactly as it was read.

Length: the splitter, the YAML dialect and the generated blocks of one file format; issue
10 gathers them, with ``frontmap`` and ``frontsplice``, into a front-matter package.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pm.errors import FileFormatError

MAX_FILE_BYTES = 2 * 1024 * 1024
BOM = "\ufeff"
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.MULTILINE)


@dataclass
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
        line = text[: conflict.start()].count("\n") + 1
        raise FileFormatError(path, "unresolved merge conflict; resolve it and commit", line)
    newline = "\r\n" if "\r\n" in text.partition("\n")[0] + "\n" else "\n"
    front_text, body, front_lines = _split(text, path)
    front = load_yaml(front_text, path)
    return Document(
        front=front,
        body=body,
        newline=newline,
        bom=bom,
        front_lines=front_lines,
        front_text="\n".join(line.removesuffix("\r") for line in front_text.split("\n"))
        if newline == "\r\n"
        else front_text,
    )


def body_of(raw: bytes) -> str:
    """The body of a file pm has already parsed, split off without parsing the YAML again.

    ``""`` when the file no longer splits (changed or broken since): callers use this for
    prose similarity, where a missing body only means fewer words to compare.
    """
    try:
        text = raw.decode("utf-8").removeprefix(BOM)
        return _split(text, "")[1]
    except (UnicodeDecodeError, FileFormatError):
        return ""


def _may_conflict(text: str) -> bool:
    """A quick substring test before the (much slower) multi-line conflict-marker regex."""
    return "<<<<<<<" in text or "=======" in text or ">>>>>>>" in text


def _split(text: str, path: str) -> tuple[str, str, int]:
    first, sep, rest = text.partition("\n")
    if first.rstrip("\r") != "---" or not sep:
        raise FileFormatError(path, "does not start with a '---' front-matter line", 1)
    # The first line of rest that is "---" or "..." (line endings aside) closes the front
    # matter; searching stops there instead of splitting the whole body into lines.
    close = _CLOSING_FENCE.search("\n" + rest)  # the leading literal makes the search fast
    if close is None:
        raise FileFormatError(path, "front matter is not closed by a '---' line", 1)
    start, end = close.start(), close.end() - 1  # positions in rest
    front = rest[: start - 1] if start else ""
    body = rest[end + 1 :]
    return front, body, rest.count("\n", 0, start)


_CLOSING_FENCE = re.compile(r"\n(?:---|\.\.\.)\r*(?=\n|\Z)")


def load_yaml(text: str, path: str) -> dict[str, Any]:
    """Parse front matter with the C loader when available; refuse anchors and aliases.

    Aliases are refused because a few lines of them can expand to gigabytes (a "billion
    laughs" bomb) and because pm rewrites the file, which would silently expand them.
    """
    import yaml

    loader = _loader()
    text = text.replace("\r\n", "\n")
    if "&" in text or "*" in text:
        _refuse_aliases(text, path)
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark is not None else None
        raise FileFormatError(path, f"invalid YAML: {error.problem}", line) from None
    except yaml.reader.ReaderError as error:
        # A character YAML forbids (DEL, C1 controls...): name it and its line.
        line = text[: error.position].count("\n") + 2
        message = f"invalid YAML: control character U+{error.character:04X} is not allowed"
        raise FileFormatError(path, message + " (write it as an escape)", line) from None
    except yaml.YAMLError as error:
        raise FileFormatError(path, f"invalid YAML: {error}", 2) from None
    except (ValueError, OverflowError) as error:  # PyYAML building a date like 2024-13-01
        raise FileFormatError(
            path, f"invalid date or time: {error}", _bad_date_line(text)
        ) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise FileFormatError(path, f"front matter must be a mapping of keys, not {kind}", 2)
    return data


def _bad_date_line(text: str) -> int | None:
    """The line of the first date-like value that is not a real date, counted in the file."""
    for number, line in enumerate(text.split("\n")):
        for match in re.finditer(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", line):
            try:
                date(*(int(part) for part in match.groups()))
            except ValueError:
                return number + 2
    return None


_LOADER: Any = None
_INT = r"^(?:[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"
_FLOAT = (
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


def _loader() -> Any:
    """The safe loader without YAML 1.1's surprising numbers, refusing duplicate keys.

    YAML 1.1 reads ``14:05`` as the sexagesimal 845 and ``0755`` as the octal 493, so a
    hand-written ``text: 14:05`` became "845". Like YAML 1.2 (and other front-matter
    readers), pm reads those as text; decimal and hex numbers stay numbers.
    """
    global _LOADER  # noqa: PLW0603 - built once, on first use, to keep start-up lean
    if _LOADER is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        numbers = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")

        class Loader(base):  # type: ignore[misc, valid-type]
            def construct_mapping(self, node: Any, deep: bool = False) -> Any:
                # A merge resolved by deleting the conflict markers can leave an action
                # item with two `text:` keys; PyYAML would silently keep the last one and
                # pm's next write would drop the other. Refuse instead.
                if isinstance(node, yaml.MappingNode):
                    seen: set[object] = set()
                    for key_node, _ in node.value:
                        key = getattr(key_node, "value", None)
                        if isinstance(key, str) and key in seen:
                            raise yaml.constructor.ConstructorError(
                                None, None, f"duplicate key {key!r}", key_node.start_mark
                            )
                        seen.add(key)
                return super().construct_mapping(node, deep)

        Loader.yaml_implicit_resolvers = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag not in numbers]
            for first, resolvers in base.yaml_implicit_resolvers.items()
        }
        Loader.add_implicit_resolver(numbers[0], re.compile(_INT), list("-+0123456789"))
        Loader.add_implicit_resolver(numbers[1], re.compile(_FLOAT), list("-+0123456789."))
        _LOADER = Loader
    return _LOADER


def _refuse_aliases(text: str, path: str) -> None:
    import yaml

    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
                line = token.start_mark.line + 2
                raise FileFormatError(path, "YAML anchors and aliases are not allowed", line)
    except yaml.MarkedYAMLError:
        return  # the real parse reports the syntax error with its line


# --- writing ----------------------------------------------------------------------------


def render(document: Document, yaml_text: str | None = None) -> bytes:
    """The file's bytes: fenced front matter (``yaml_text`` or emitted), then the body."""
    nl = document.newline
    yaml_text = (dump_yaml(document.front) if yaml_text is None else yaml_text).replace("\n", nl)
    text = f"---{nl}{yaml_text}---{nl}{document.body}"
    if document.bom:
        text = BOM + text
    return text.encode("utf-8")


def dump_yaml(data: dict[str, Any]) -> str:
    """Emit front matter deterministically: block style, keys in the given order.

    Hand-written rather than ``yaml.safe_dump`` so that the layout never changes with the
    library version, strings are quoted only when YAML would misread them, and a change of
    one value is a change of one line.
    """
    lines: list[str] = []
    _emit_mapping(data, 0, lines)
    return "".join(line + "\n" for line in lines)


# YAML reads an implicit ("key: value") key of at most 1024 characters.
_MAX_SIMPLE_KEY = 1000


def _emit_mapping(data: dict[str, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        key_text = scalar(str(key))
        head = f"{pad}{key_text}:"
        if len(key_text) > _MAX_SIMPLE_KEY:
            head = f"{pad}? {key_text}\n{pad}:"  # YAML's explicit form for long keys
        if isinstance(value, dict):
            if value:
                lines.append(head)
                _emit_mapping(value, indent + 2, lines)
            else:
                lines.append(f"{head} {{}}")
        elif isinstance(value, list):
            if value:
                lines.append(head)
                _emit_sequence(value, indent, lines)
            else:
                lines.append(f"{head} []")
        else:
            lines.append(f"{head} {scalar(value)}")


def _emit_sequence(items: list[Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, dict) and item:
            nested: list[str] = []
            _emit_mapping(item, indent + 2, nested)
            nested[0] = f"{pad}- {nested[0][indent + 2 :]}"
            lines.extend(nested)
        elif isinstance(item, list | dict):
            lines.append(f"{pad}- {_flow(item)}")
        else:
            lines.append(f"{pad}- {scalar(item)}")


def _flow(value: Any) -> str:
    """A nested list or mapping, inline; strings always quoted (commas end flow scalars)."""
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{_flow_key(str(k))}: {_flow(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    return _double_quoted(value) if isinstance(value, str) else scalar(value)


def _flow_key(key: str) -> str:
    text = _double_quoted(key)
    return f"? {text}" if len(text) > _MAX_SIMPLE_KEY else text


_PLAIN = re.compile(r"[A-Za-z][\w .,()/'+@-]*")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9][\w .,()/'+@-]*")


def scalar(value: Any) -> str:
    """One YAML scalar: plain where unambiguous, double-quoted and escaped otherwise."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.microsecond:
            # Other tools' times: keep them as they are (naive stays naive, no rounding).
            return value.isoformat()
        from pm.timeparse import format_time

        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if _is_plain_safe(text):
        return text
    return _double_quoted(text)


def _float(value: float) -> str:
    """A float YAML 1.1 reads back as that float (``1e+100`` alone would be a string)."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text and "." not in text:
        mantissa, _, exponent = text.partition("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def _is_plain_safe(text: str) -> bool:
    if not _PLAIN.fullmatch(text) and not (
        _PLAIN_VALUE.fullmatch(text) and re.search(r"[A-Za-z]", text) and "-" in text
    ):
        return False
    if text != text.strip() or ": " in text or " #" in text or "  " in text:
        return False
    import yaml

    global _RESOLVER  # noqa: PLW0603 - built once, on first use, to keep start-up lean
    if _RESOLVER is None:
        _RESOLVER = yaml.resolver.Resolver()
    resolved = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    return bool(resolved == "tag:yaml.org,2002:str") and text.lower() not in _YAML12_SPECIAL


_RESOLVER: Any = None
_YAML12_SPECIAL = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _double_quoted(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
        elif code in (0xFEFF, 0xFFFE, 0xFFFF) or 0x2028 <= code <= 0x2029:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


# --- generated blocks ------------------------------------------------------------------


def block_markers(name: str) -> tuple[str, str]:
    return f"<!-- pm:begin {name} -->", f"<!-- pm:end {name} -->"


def find_block(body: str, name: str) -> tuple[int, int] | None:
    """The span between the markers of block ``name`` (exclusive), or None when absent."""
    begin, end = block_markers(name)
    start = body.find(begin)
    if start < 0:
        return None
    stop = body.find(end, start)
    if stop < 0:
        return None
    return start + len(begin), stop


def replace_block(body: str, name: str, content: str, newline: str) -> str:
    """Re-render one generated block; the body outside the markers is not touched."""
    span = find_block(body, name)
    if span is None:
        return body
    inner = newline + newline + content.replace("\n", newline) + newline + newline
    return body[: span[0]] + inner + body[span[1] :]


def block_content(body: str, name: str) -> str | None:
    """What a block holds now, normalised to ``\\n``, for lint's in-sync check."""
    span = find_block(body, name)
    if span is None:
        return None
    return body[span[0] : span[1]].replace("\r\n", "\n").strip("\n")
