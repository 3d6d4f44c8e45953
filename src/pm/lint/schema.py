"""Schema rules over the raw front matter, with the line of every problem.

``model.from_mapping`` is lenient on purpose (pm must read what people write); lint is
where the same file is held to the documented schema: unknown keys, wrong types, values
the config does not know, dates that are not ISO, duplicate action numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pm.config import Config
from pm.model import (
    ACTION_KEYS,
    ACTION_STATUSES,
    EVENT_KINDS,
    EVENT_SOURCE,
    EXTRA_KEYS,
    IMPACT_MINUTES,
    REMOVED_ACTIONS,
    STATUSES,
    TOP_KEYS,
    minutes_value,
)

Report = Callable[[tuple[str | int, ...], str, str, str], None]

REQUIRED = ("id", "title", "severity", "status")
EVENT_KEYS = ("at", "kind", "text", EVENT_SOURCE)
REVIEW_KEYS = ("due", "scheduled", "held")
CLOSED_KEYS = ("at", "forced", "reason")
ACTION_REQUIRED = ("number", "text", "priority", "due")
# The front matter being checked, so that an action item is named by its number.
_FRONT: ContextVar[dict[str, Any] | None] = ContextVar("front", default=None)


def check(front: dict[str, Any], path: Path, config: Config, report: Report) -> None:
    """Report every schema problem of one file's front matter through ``report``."""
    token = _FRONT.set(front)
    try:
        _check(front, path, config, report)
    finally:
        _FRONT.reset(token)


def _check(front: dict[str, Any], path: Path, config: Config, report: Report) -> None:
    for key in REQUIRED:
        if front.get(key) in (None, ""):
            report(
                (key,), "schema.required", f"{key} is missing", f"add `{key}:` to the front matter"
            )
    _unknown(front, (), TOP_KEYS + EXTRA_KEYS, report)
    for key in ("id", "title", "severity", "status", "impact"):
        _text(front, (key,), report)
    for key in ("services", "tags", "related", *EXTRA_KEYS):
        value = front.get(key)
        if key == IMPACT_MINUTES:
            continue  # a number: see _values
        if key == REMOVED_ACTIONS:
            if value is not None and not (
                isinstance(value, list)
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            ):
                report((key,), "schema.type", f"{key} must be a list of action numbers", "")
        elif value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            report((key,), "schema.type", f"{key} must be a list of text values", "")
    _values(front, config, report)
    _id_matches_file(front, path, report)
    review = _mapping(front, ("review",), report)
    if review is not None:
        _unknown(review, ("review",), REVIEW_KEYS, report)
        _date_value(review.get("due"), ("review", "due"), report)
        _time_value(review.get("held"), ("review", "held"), report)
        _time_value(review.get("scheduled"), ("review", "scheduled"), report)
    closed = _mapping(front, ("closed",), report)
    if closed is not None:
        _unknown(closed, ("closed",), CLOSED_KEYS, report)
        if closed.get("at") is None:
            report(("closed",), "schema.required", "closed.at is missing", "")
        _time_value(closed.get("at"), ("closed", "at"), report)
        if not isinstance(closed.get("forced", False), bool):
            report(("closed", "forced"), "schema.type", "closed.forced must be true or false", "")
    _timeline(front, report)
    _actions(front, config, report)


def dotted(key_path: tuple[str | int, ...]) -> str:
    """A value named as people see it: ``event 14 (at)``, ``action item 3 (due)``."""
    from pm.frontmatter.yamlhelp import field_name

    return field_name(key_path, _FRONT.get())


def _unknown(
    data: dict[str, Any], at: tuple[str | int, ...], known: tuple[str, ...], report: Report
) -> None:
    import difflib

    for key in data:
        if str(key) not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean `{close[0]}`?" if close else "remove it or fix its spelling"
            name = dotted((*at, str(key)))
            report((*at, str(key)), "schema.unknown-key", f"unknown key {name}", hint)


def _text(data: dict[str, Any], key_path: tuple[str | int, ...], report: Report) -> None:
    value = data.get(str(key_path[-1]))
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)):
        report(key_path, "schema.type", f"{dotted(key_path)} must be text", "")


def _mapping(
    data: dict[str, Any], key_path: tuple[str | int, ...], report: Report
) -> dict[str, Any] | None:
    value = data.get(str(key_path[-1]))
    if value is None:
        return None
    if not isinstance(value, dict):
        report(key_path, "schema.type", f"{dotted(key_path)} must be a mapping", "")
        return None
    return value


def _list_of_mappings(
    data: dict[str, Any], key: str, report: Report
) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        report((key,), "schema.type", f"{key} must be a list", "")
        return []
    items = []
    for index, item in enumerate(value):
        if isinstance(item, dict):
            items.append((index, item))
        else:
            report((key, index), "schema.type", f"{dotted((key, index))} must be a mapping", "")
    return items


def _values(front: dict[str, Any], config: Config, report: Report) -> None:
    minutes = front.get(IMPACT_MINUTES)
    if minutes is not None and not minutes_value(minutes):
        report((IMPACT_MINUTES,), "schema.type", "impact_minutes must be a number of minutes", "")
    severity = front.get("severity")
    if isinstance(severity, str) and severity and config.severity(severity) is None:
        known = ", ".join(config.severity_names)
        report(
            ("severity",), "schema.value", f"unknown severity {severity!r}", f"use one of {known}"
        )
    status = front.get("status")
    if isinstance(status, str) and status and status not in STATUSES:
        report(
            ("status",),
            "schema.value",
            f"unknown status {status!r}",
            f"use one of {', '.join(STATUSES)}",
        )
    causes, taxonomy = front.get("causes"), config.recurring.causes
    if isinstance(causes, list) and taxonomy:
        for n, cause in enumerate(causes):
            if isinstance(cause, str) and cause not in taxonomy:
                report(
                    ("causes", n),
                    "schema.value",
                    f"unknown cause {cause!r}",
                    f"use one of {', '.join(taxonomy)} ([recurring] causes in the config)",
                )


def _id_matches_file(front: dict[str, Any], path: Path, report: Report) -> None:
    postmortem_id = front.get("id")
    if not isinstance(postmortem_id, str) or not postmortem_id:
        return
    if postmortem_id != path.stem:
        report(
            ("id",),
            "schema.id-filename",
            f"id {postmortem_id!r} does not match the file name {path.name!r}",
            f"rename the file to {postmortem_id}.md or fix the id",
        )
    elif path.parent.name != postmortem_id[:4]:
        report(
            ("id",),
            "schema.id-filename",
            f"{path.name} is in folder {path.parent.name!r}, not its year {postmortem_id[:4]!r}",
            f"move it to {postmortem_id[:4]}/",
        )


def parse_time(value: object) -> datetime | None:
    """A front-matter time as pm reads it, or None when it is not ISO 8601."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _time_value(value: object, key_path: tuple[str | int, ...], report: Report) -> None:
    if value is not None and value != "" and parse_time(value) is None:
        report(
            key_path,
            "schema.date",
            f"{dotted(key_path)}: {value!r} is not an ISO 8601 time",
            "write it like 2024-01-15T14:05:00Z",
        )


def _date_value(value: object, key_path: tuple[str | int, ...], report: Report) -> None:
    if value is None or value == "" or isinstance(value, date):
        return
    if isinstance(value, str):
        try:
            date.fromisoformat(value.strip())
            return
        except ValueError:
            pass
    report(
        key_path,
        "schema.date",
        f"{dotted(key_path)}: {value!r} is not a date (YYYY-MM-DD)",
        "write it like 2024-01-31",
    )


def _timeline(front: dict[str, Any], report: Report) -> None:
    started: datetime | None = None
    previous: datetime | None = None
    resolved = False
    for index, event in _list_of_mappings(front, "timeline", report):
        at = ("timeline", index)
        _unknown(event, at, EVENT_KEYS, report)
        for key in ("at", "kind"):
            if event.get(key) in (None, ""):
                report((*at, key), "schema.required", f"{dotted((*at, key))} is missing", "")
        _text(event, (*at, "text"), report)
        _text(event, (*at, EVENT_SOURCE), report)
        kind = event.get("kind")
        if kind is not None and kind not in EVENT_KINDS:
            report(
                (*at, "kind"),
                "schema.value",
                f"unknown event kind {kind!r}",
                f"use one of {', '.join(EVENT_KINDS)}",
            )
        resolved = resolved or kind == "resolved"
        _time_value(event.get("at"), (*at, "at"), report)
        moment = parse_time(event.get("at"))
        if moment is None:
            continue
        if kind == "started" and started is None:
            started = moment
        if previous is not None and moment < previous:
            report(
                (*at, "at"),
                "timeline.order",
                f"{dotted(at)} is earlier than the event before it",
                "`pm lint --fix` sorts the timeline by time",
            )
        previous = moment
    for index, event in _list_of_mappings(front, "timeline", report):
        moment = parse_time(event.get("at"))
        if started is not None and moment is not None and moment < started:
            report(
                ("timeline", index, "at"),
                "timeline.before-start",
                f"{dotted(('timeline', index))} ({event.get('kind')}) is before the incident "
                "started",
                "fix the time, or move the started event earlier",
            )
    status = front.get("status")
    if status in ("resolved", "reviewed", "closed") and not resolved:
        report(
            ("status",),
            "timeline.resolved",
            f"status is {status} but the timeline has no resolved event",
            "add a `kind: resolved` event with its time to the timeline "
            "(pm resolve adds one only while the status is active)",
        )


def _actions(front: dict[str, Any], config: Config, report: Report) -> None:
    seen: dict[int, int] = {}
    renumber = (
        f"`pm action renumber {front.get('id') or 'ID'}` gives the repeated ones fresh numbers"
    )
    for index, item in _list_of_mappings(front, "actions", report):
        at = ("actions", index)
        _unknown(item, at, ACTION_KEYS, report)
        for key in ACTION_REQUIRED:
            if item.get(key) in (None, ""):
                report((*at, key), "schema.required", f"{dotted((*at, key))} is missing", "")
        for key in ("text", "owner", "priority", "status", "ticket", "reason"):
            _text(item, (*at, key), report)
        number = item.get("number")
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
            report(
                (*at, "number"),
                "schema.type",
                f"{dotted((*at, 'number'))} must be a whole number",
                "",
            )
        elif isinstance(number, int):
            if number in seen:
                report(
                    (*at, "number"),
                    "schema.action-number",
                    f"action number {number} is used twice "
                    f"(items {seen[number] + 1} and {index + 1} in the file)",
                    renumber,
                )
            else:
                seen[number] = index
        priority = item.get("priority")
        if isinstance(priority, str) and priority and priority not in config.priorities:
            known = ", ".join(config.priorities)
            report(
                (*at, "priority"),
                "schema.value",
                f"unknown priority {priority!r}",
                f"use one of {known}",
            )
        status = item.get("status")
        if isinstance(status, str) and status and status not in ACTION_STATUSES:
            report(
                (*at, "status"),
                "schema.value",
                f"unknown action status {status!r}",
                f"use one of {', '.join(ACTION_STATUSES)}",
            )
        _date_value(item.get("due"), (*at, "due"), report)
        _date_value(item.get("done"), (*at, "done"), report)
