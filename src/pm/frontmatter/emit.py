"""The front-matter emitter: pm's one way of writing YAML, byte for byte stable.

Hand-written rather than ``yaml.safe_dump`` so that the layout never changes with the
library version, strings are quoted only when a reader would misread them, and a change of
one value is a change of one line. "Misread" is judged for every reader of pm's files, not
only for pm's own dialect (``dialect.py``): a string is left plain only when YAML 1.1
(PyYAML, python-frontmatter) reads it as a string too and it is none of the words other
readers take for a boolean or null, so ``0755`` and ``14:05`` are written quoted.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any


def dump_yaml(data: dict[str, Any]) -> str:
    """Emit front matter deterministically: block style, keys in the given order."""
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
