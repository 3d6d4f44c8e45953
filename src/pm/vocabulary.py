"""The words every command accepts the same way: names from a known set, event kinds,
comma lists, item numbers and output formats.

Pure (no I/O): each function takes what was typed and returns the canonical value, or
raises a UsageError (exit 2) that names what would have been accepted.
"""

from __future__ import annotations

from collections.abc import Iterable

from pm.errors import UsageError
from pm.model import EVENT_KINDS

# Every output format any command has, by its one name; aliases people also type.
FORMAT_ALIASES = {"markdown": "md"}


def one_of(value: str, known: Iterable[str], what: str) -> str:
    """The known name ``value`` spells, without regard to case (``sev-1`` is ``SEV-1``);
    a usage error naming the known ones otherwise."""
    names = tuple(known)
    wanted = value.strip().casefold()
    for name in names:
        if name.casefold() == wanted:
            return name
    raise UsageError(f"unknown {what} {value!r}; use one of {', '.join(names)}")


def event_kind(value: str, kinds: tuple[str, ...] = EVENT_KINDS) -> str:
    """An event kind, by name or a unique prefix (``ack``, ``mit``), any case."""
    wanted = value.strip().casefold()
    if wanted in kinds:
        return wanted
    matches = [kind for kind in kinds if wanted and kind.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(
            f"event kind {value!r} is ambiguous: it could be {', '.join(matches)}; type more of it"
        )
    raise UsageError(f"unknown event kind {value!r}; use one of {', '.join(kinds)}")


def many(values: str | Iterable[str] | None) -> tuple[str, ...]:
    """The values of a list option, given repeated or as a comma list (``SEV-1,SEV-2``),
    in order, without blanks or repeats."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    found: dict[str, None] = {}
    for value in values:
        for part in value.split(","):
            if part := part.strip():
                found[part] = None
    return tuple(found)


def item_number(value: str | int, what: str = "action item") -> int:
    """The number of an action item or event as typed: ``2`` or the ``#2`` reports print."""
    if isinstance(value, int):
        return value
    text = value.strip().removeprefix("#")
    if not text.isascii() or not text.isdigit():
        raise UsageError(f"{what} number {value!r} is not a number (e.g. 2 or #2)")
    return int(text)


def output_format(fmt: str | None, as_json: bool, known: tuple[str, ...], default: str) -> str:
    """The format asked for with ``--format`` (any case, ``markdown`` for ``md``) or
    ``--json``; ``default`` when neither. Both, disagreeing, is a usage error."""
    chosen = default
    if fmt is not None:
        wanted = fmt.strip().casefold()
        chosen = one_of(FORMAT_ALIASES.get(wanted, wanted), known, "format")
    if as_json:
        if fmt is not None and chosen != "json":
            raise UsageError(f"--json and --format {fmt} disagree; give one of them")
        if "json" not in known:
            raise UsageError(f"--json is not a format here; use one of {', '.join(known)}")
        return "json"
    return chosen
