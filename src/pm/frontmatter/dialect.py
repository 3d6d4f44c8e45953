"""pm's YAML dialect: what a front-matter value is, for every reader in pm.

YAML 1.1 (PyYAML's default) reads ``14:05`` as the sexagesimal 845 and ``0755`` as the
octal 493, so a hand-written ``text: 14:05`` became "845". Like YAML 1.2 (and other
front-matter readers), pm reads those as text; decimal and hex numbers stay numbers. A key
given twice is refused (PyYAML would silently keep the last one, and pm's next write would
drop the other), and so are anchors and aliases (a few lines of them can expand to
gigabytes, and a rewrite would silently expand them).

``load_yaml`` builds the values; ``compose`` builds the node tree, with a line for every
key and item, that the line locator and the minimal-diff splice walk. Both come from one
loader class, and ``key_text`` says what a key is for both, so they agree on every value.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pm.errors import DuplicateKeyError, FileFormatError

_INT = r"^(?:[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"
_FLOAT = (
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_LOADER: Any = None


def load_yaml(text: str, path: str) -> dict[str, Any]:
    """The front matter's values (a mapping); ``path`` is only used in error messages.

    Uses PyYAML's C loader when available. Errors name their line in the file, counting
    the opening fence as line 1.
    """
    import yaml

    loader_class = loader()
    text = text.replace("\r\n", "\n")
    if "&" in text or "*" in text:
        _refuse_aliases(text, path)
    try:
        data = yaml.load(text, Loader=loader_class)  # noqa: S506 - a safe loader
    except _DuplicateKey as error:
        message = f"invalid YAML: duplicate key {error.key!r}"
        raise DuplicateKeyError(path, message, error.line) from None
    except yaml.MarkedYAMLError as error:
        from pm.frontmatter.yamlhelp import explain

        human = explain(text, error)
        if human is not None:
            raise FileFormatError(path, f"invalid YAML: {human[0]}", human[1] + 2) from None
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


def compose(text: str) -> Any:
    """The YAML node tree of ``text`` (``\\n`` line endings), or None when it is not YAML.

    Nodes carry their lines (``start_mark.line``, 0 for the first line of ``text``) and
    the tags ``load_yaml`` resolves them to: ``14:05`` is ``tag:yaml.org,2002:str`` here too.
    """
    import yaml

    try:
        return yaml.compose(text, Loader=loader())
    except yaml.YAMLError:
        return None


def key_text(node: Any) -> str | None:
    """What a mapping key node is as pm compares keys: a scalar's text, else None.

    ``a`` and ``"a"`` are one key, for the duplicate check of ``load_yaml`` and for the
    paths of the locator and the splice alike.
    """
    value = node.value
    return value if isinstance(value, str) else None


def _bad_date_line(text: str) -> int | None:
    """The line of the first date-like value that is not a real date, counted in the file."""
    for number, line in enumerate(text.split("\n")):
        for match in re.finditer(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", line):
            try:
                date(*(int(part) for part in match.groups()))
            except ValueError:
                return number + 2
    return None


class _DuplicateKey(Exception):
    """Raised by the loader on a repeated key; ``line`` is counted in the file."""

    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


def loader() -> Any:
    """The safe loader class with YAML 1.2 numbers, refusing duplicate keys; built once."""
    global _LOADER  # noqa: PLW0603 - built once, on first use, to keep start-up lean
    if _LOADER is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        numbers = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")

        class Loader(base):  # type: ignore[misc, valid-type]
            def construct_mapping(self, node: Any, deep: bool = False) -> Any:
                # A merge resolved by deleting the conflict markers can leave an action
                # item with two `text:` keys: refuse rather than keep one of them.
                if isinstance(node, yaml.MappingNode):
                    seen: set[str] = set()
                    for key_node, _ in node.value:
                        key = key_text(key_node)
                        if key is not None and key in seen:
                            raise _DuplicateKey(key, key_node.start_mark.line + 2)
                        if key is not None:
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
