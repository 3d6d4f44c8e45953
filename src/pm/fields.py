"""Front-matter edits through ``pm set``: which fields may change, and how each is checked.

No I/O. Each edit returns the old and the new value as text, for the commit message. The
id never changes (a title change keeps the file name and id: links and history stay).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from pm import lifecycle, timeline, timeparse
from pm.config import Config
from pm.errors import DataError, UsageError
from pm.model import Postmortem, minutes_value
from pm.records import datarecord

SCALAR_FIELDS = ("title", "severity", "impact")
LIST_FIELDS = ("services", "tags", "related", "causes", "same_cause")
EXTRA_FIELDS = ("causes", "same_cause")  # kept in Postmortem.extra (see model.EXTRA_KEYS)
TIME_FIELDS = ("started", "detected")  # milestones of the timeline (see timeline.py)
NUMBER_FIELDS = ("impact_minutes",)  # kept in Postmortem.extra; '' clears it
FIELDS = SCALAR_FIELDS + LIST_FIELDS + TIME_FIELDS + NUMBER_FIELDS


@datarecord(frozen=True)
class Edit:
    """One field changed: its name and the old and new values, shown as text."""

    field: str
    old: str
    new: str


def split_values(values: list[str]) -> list[str]:
    """``a,b c`` -> ``[a, b, c]``: list values may be comma-separated or repeated."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _show(value: str | list[str]) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return value or '""'


def set_field(
    postmortem: Postmortem,
    name: str,
    values: list[str],
    config: Config,
    *,
    mode: str = "set",
    resolve_id: Callable[[str], str] | None = None,
    parse_time: Callable[[str], datetime] | None = None,
    tz: tzinfo = UTC,
) -> Edit:
    """Change one field. ``mode`` is ``set``, or ``add``/``remove`` for list fields.

    ``started`` and ``detected`` move their timeline event to the time ``parse_time``
    reads from the value (``timeline.move_start``, ``timeline.move_detected``).
    """
    if name not in FIELDS:
        raise UsageError(f"cannot set {name!r}; settable fields: {', '.join(FIELDS)}")
    if name in TIME_FIELDS:
        if mode != "set":
            raise UsageError(f"--{mode} works on list fields ({', '.join(LIST_FIELDS)})")
        if len(values) != 1 or parse_time is None:
            raise UsageError(f"{name} takes one time (like 2024-01-15T14:05 or 14:05)")
        at = parse_time(values[0])
        move = timeline.move_start if name == "started" else timeline.move_detected
        change = move(postmortem, at, tz)
        return Edit(name, change.old, change.new)
    if name in NUMBER_FIELDS:
        if mode != "set":
            raise UsageError(f"--{mode} works on list fields ({', '.join(LIST_FIELDS)})")
        if len(values) != 1:
            raise UsageError(f"{name} takes one number of minutes ('' clears it)")
        return _set_minutes(postmortem, name, values[0])
    if name in SCALAR_FIELDS:
        if mode != "set":
            raise UsageError(f"--{mode} works on list fields ({', '.join(LIST_FIELDS)})")
        if len(values) != 1:
            raise UsageError(f"{name} takes one value (quote it if it has spaces)")
        return _set_scalar(postmortem, name, values[0], config)
    return _set_list(postmortem, name, values, config, mode, resolve_id)


def _set_list(
    postmortem: Postmortem,
    name: str,
    values: list[str],
    config: Config,
    mode: str,
    resolve_id: Callable[[str], str] | None,
) -> Edit:
    old = _list_of(postmortem, name)
    given = split_values(values)
    if name in ("related", "same_cause"):
        given = _related(postmortem, given, resolve_id, removing=mode == "remove", name=name)
    elif name == "causes":
        given = _causes(given, config)
    else:
        given = lifecycle.check_names(given, name.rstrip("s"))
    if mode == "add":
        new = old + [v for v in given if v not in old]
    elif mode == "remove":
        absent = [v for v in given if v not in old]
        if absent:
            raise DataError(f"{name} of {postmortem.id} has no {', '.join(absent)}")
        new = [v for v in old if v not in given]
    else:
        new = given
    if new == old:
        raise DataError(f"{name} of {postmortem.id} is already {_show(old)}; nothing to change")
    if name in EXTRA_FIELDS:
        if new:
            postmortem.extra[name] = new
        else:
            postmortem.extra.pop(name, None)
    else:
        setattr(postmortem, name, new)
    return Edit(name, _show(old), _show(new))


def _list_of(postmortem: Postmortem, name: str) -> list[str]:
    if name in EXTRA_FIELDS:
        value = postmortem.extra.get(name)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    return list(getattr(postmortem, name))


def _causes(given: list[str], config: Config) -> list[str]:
    """Structured causes: one-word names, from ``[recurring] causes`` when it lists some."""
    names = lifecycle.check_names(given, "cause")
    taxonomy = config.recurring.causes
    unknown = [n for n in names if taxonomy and n not in taxonomy]
    if unknown:
        raise UsageError(
            f"unknown cause {unknown[0]!r}; [recurring] causes lists {', '.join(taxonomy)}"
        )
    return names


def _set_scalar(postmortem: Postmortem, name: str, value: str, config: Config) -> Edit:
    old: str = getattr(postmortem, name)
    if name == "title":
        new = lifecycle.check_title(value)
    elif name == "impact":
        new = lifecycle.check_text(value, "impact")
    else:
        rule = lifecycle.check_severity(value, config)
        new = rule.name
        if postmortem.review.held is None:
            resolved = postmortem.resolved_at
            postmortem.review.due = (
                lifecycle.review_due(resolved, rule, timeparse.zone(config.timezone))
                if resolved is not None
                else None
            )
    if new == old:
        raise DataError(f"{name} of {postmortem.id} is already {old!r}; nothing to change")
    setattr(postmortem, name, new)
    return Edit(name, _show(old), _show(new))


def _set_minutes(postmortem: Postmortem, name: str, value: str) -> Edit:
    """``impact_minutes``: a number of minutes (0 or more), or '' to take it from the timeline."""
    old = postmortem.extra.get(name)
    new: int | float | None = None
    if value.strip():
        try:
            number = float(value.strip().removesuffix("m"))
        except ValueError:
            number = -1.0
        if not minutes_value(number) or number < 0:
            raise UsageError(f"{name} must be a number of minutes, 0 or more, not {value!r}")
        new = int(number) if number.is_integer() else number
    if new == old:
        shown = '""' if old is None else str(old)
        raise DataError(f"{name} of {postmortem.id} is already {shown}; nothing to change")
    if new is None:
        postmortem.extra.pop(name, None)
    else:
        postmortem.extra[name] = new
    return Edit(name, '""' if old is None else str(old), '""' if new is None else str(new))


def _related(
    postmortem: Postmortem,
    refs: list[str],
    resolve_id: Callable[[str], str] | None,
    *,
    removing: bool = False,
    name: str = "related",
) -> list[str]:
    """Related (or same-cause) postmortems by id, prefix or slug, stored as full ids; never
    itself.

    Removing accepts a stored id as it is, since the other file may be gone.
    """
    result: list[str] = []
    stored = _list_of(postmortem, name)
    for ref in refs:
        keep = resolve_id is None or (removing and ref in stored)
        full = ref if keep or resolve_id is None else resolve_id(ref)
        if full == postmortem.id:
            raise UsageError(f"{postmortem.id} cannot be related to itself")
        if full not in result:
            result.append(full)
    return result
