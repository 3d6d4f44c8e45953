"""The postmortem as data: incident, timeline events, action items, review.

No I/O here. ``from_mapping`` turns the YAML front matter (already parsed) into these
classes, naming the field when a value has the wrong type; ``to_mapping`` gives the
mapping back in the fixed key order that keeps a one-value change a one-line diff.
Keys pm does not know are kept, after the known ones, so other tools' data survives.

Length: the data classes and the one reading and writing of each front-matter key sit
together, so a new key (``review.scheduled``) is added in one place.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pm.errors import DataError
from pm.records import datarecord, field

EVENT_KINDS = (
    "started",
    "detected",
    "acknowledged",
    "identified",
    "mitigated",
    "resolved",
    "note",
)
# An id is ``<start date>-<slug>``: it names the file and goes into commit messages, so it
# is exactly this and nothing else (no path separators, no spaces, no line breaks).
ID_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}-[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
STATUSES = ("active", "resolved", "reviewed", "closed")
ACTION_STATUSES = ("open", "in-progress", "done", "wont-do")
OPEN_ACTION_STATUSES = ("open", "in-progress")

TOP_KEYS = (
    "id",
    "title",
    "severity",
    "status",
    "impact",
    "services",
    "tags",
    "related",
    "review",
    "closed",
    "timeline",
    "actions",
)
# Keys pm knows that are kept in ``Postmortem.extra`` and written after the fixed keys,
# only when set: the structured cause (``pm set ID causes ...``) and the incidents that
# share it (``pm related --same-cause``), both read by recurring-cause grouping; the
# numbers of removed action items (``pm action rm``), never handed out again; the explicit
# impact an error budget counts (``pm set ID impact_minutes N``, see ``pm.slo``).
REMOVED_ACTIONS = "removed_actions"
IMPACT_MINUTES = "impact_minutes"
EXTRA_KEYS = ("causes", "same_cause", REMOVED_ACTIONS, IMPACT_MINUTES)
EVENT_KEYS = ("at", "kind", "text")
# An imported event's origin (``slack:<ts>``, ``pagerduty:<id>``, ``lines:<sha1>``): kept in
# ``Event.extra`` and written after the fixed keys, so an import adds each event once.
EVENT_SOURCE = "source"
EVIDENCE = "evidence"  # an item's fixing commit, in ActionItem.extra (see evidence.py)
ACTION_KEYS = ("number", "text", "owner", "priority", "due", "status", "ticket", "done", "reason")


@datarecord(frozen=True)
class Change:
    """One value changed by a correction, shown as text: the commit says old and new."""

    field: str
    old: str
    new: str

    def line(self) -> str:
        return f"{self.field}: {self.old} -> {self.new}"


@datarecord
class Event:
    at: datetime
    kind: str
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # other tools' keys, kept


@datarecord
class ActionItem:
    number: int
    text: str
    owner: str
    priority: str
    due: date
    status: str = "open"
    ticket: str | None = None
    done: date | None = None
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def days_overdue(self, today: date) -> int:
        """Days past due for an open item; 0 when done, dropped, or not yet due."""
        return max(0, (today - self.due).days) if self.is_open else 0


@datarecord
class Review:
    """The postmortem meeting: when it is due (a date), when it is scheduled for (``pm
    review schedule``) and when it was held."""

    due: date | None = None
    held: datetime | None = None
    scheduled: datetime | None = None


@datarecord
class Closure:
    """How a postmortem was closed; ``forced`` with a reason when items were still open."""

    at: datetime
    forced: bool = False
    reason: str | None = None


@datarecord
class Postmortem:
    id: str
    title: str
    severity: str
    status: str = "active"
    impact: str = ""
    services: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    review: Review = field(default_factory=Review)
    closed: Closure | None = None
    timeline: list[Event] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def first(self, kind: str) -> datetime | None:
        """The time of the first event of ``kind``, if any."""
        for event in self.timeline:
            if event.kind == kind:
                return event.at
        return None

    @property
    def started(self) -> datetime | None:
        return self.first("started")

    @property
    def resolved_at(self) -> datetime | None:
        return self.first("resolved")

    def add_event(self, event: Event) -> None:
        """Add keeping the timeline sorted; equal times keep the order they were added.

        The whole timeline is sorted (stably), not the event inserted by bisection: an
        event appended out of order by hand is put in its place too."""
        self.timeline.append(event)
        self.timeline.sort(key=lambda e: e.at)

    def duration(self, until: datetime | None = None) -> timedelta | None:
        """Started to resolved, or to ``until`` while the incident is still active."""
        start = self.started
        end = self.resolved_at or until
        if start is None or end is None:
            return None
        return end - start

    def action(self, number: int) -> ActionItem:
        for item in self.actions:
            if item.number == number:
                return item
        known = ", ".join(str(i.number) for i in self.actions) or "none"
        if number in self.removed_actions():
            raise DataError(f"action item {number} of {self.id} was removed (items: {known})")
        raise DataError(f"{self.id} has no action item {number} (items: {known})")

    def removed_actions(self) -> list[int]:
        """The numbers of removed action items (``removed_actions:``), whole numbers only."""
        value = self.extra.get(REMOVED_ACTIONS)
        if not isinstance(value, list):
            return []
        return [n for n in value if isinstance(n, int) and not isinstance(n, bool)]

    @property
    def impact_minutes(self) -> float | None:
        """``impact_minutes:``, the explicit impact on its services (None: from the timeline)."""
        value = self.extra.get(IMPACT_MINUTES)
        return float(value) if isinstance(value, int | float) and minutes_value(value) else None

    def next_action_number(self) -> int:
        """One more than any number an item has or had: a number is never reused."""
        used = [item.number for item in self.actions] + self.removed_actions()
        return max(used, default=0) + 1


# --- reading the front matter -----------------------------------------------------------


def minutes_value(value: object) -> bool:
    """Whether ``value`` is a number of minutes pm accepts: 0 or more (not NaN, not huge)."""
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 <= value < 1e8


class SchemaError(DataError):
    """A front-matter value has the wrong type; ``field`` is its dotted path."""

    def __init__(self, field_path: str, message: str) -> None:
        super().__init__(f"{field_path}: {message}")
        self.field = field_path
        self.reason = message  # what is wrong, without the field


def _str(data: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise SchemaError(f"{where}{key}", "is missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SchemaError(f"{where}{key}", f"must be text, not {type(value).__name__}")
    return str(value)


def _str_list(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise SchemaError(key, "must be a list of text values")
    return [str(v) for v in value]


def _time(value: object, where: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise SchemaError(where, f"{value!r} is not an ISO 8601 time") from None
    else:
        raise SchemaError(where, f"must be an ISO 8601 time, not {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise SchemaError(where, f"{value!r} is out of range") from None


def as_date(value: object, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise SchemaError(where, f"must be a date (YYYY-MM-DD), not {value!r}")


def _optional(value: object, where: str, convert: Any) -> Any:
    return None if value is None or value == "" else convert(value, where)


def _mapping(value: object, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SchemaError(where, f"must be a mapping, not {type(value).__name__}")
    return value


def _list_of_mappings(value: object, where: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SchemaError(where, f"must be a list, not {type(value).__name__}")
    return [_mapping(item, f"{where}[{i}]") for i, item in enumerate(value)]


def from_mapping(data: dict[str, Any]) -> Postmortem:
    """Build a Postmortem from parsed front matter; raises SchemaError naming the field."""
    timeline = []
    for i, raw in enumerate(_list_of_mappings(data.get("timeline"), "timeline")):
        where = f"timeline[{i}]."
        if "at" not in raw:
            raise SchemaError(f"{where}at", "is missing")
        timeline.append(
            Event(
                at=_time(raw["at"], f"{where}at"),
                kind=_str(raw, "kind", where, required=True),
                text=_str(raw, "text", where),
                extra={k: v for k, v in raw.items() if k not in EVENT_KEYS},
            )
        )
    actions = []
    for i, raw in enumerate(_list_of_mappings(data.get("actions"), "actions")):
        where = f"actions[{i}]."
        number = raw.get("number")
        if isinstance(number, bool) or not isinstance(number, int):
            raise SchemaError(f"{where}number", f"must be a whole number, not {number!r}")
        if "due" not in raw:
            raise SchemaError(f"{where}due", "is missing")
        actions.append(
            ActionItem(
                number=number,
                text=_str(raw, "text", where),
                owner=_str(raw, "owner", where),
                priority=_str(raw, "priority", where),
                due=as_date(raw["due"], f"{where}due"),
                status=_str(raw, "status", where) or "open",
                ticket=_str(raw, "ticket", where) or None,
                done=_optional(raw.get("done"), f"{where}done", as_date),
                reason=_str(raw, "reason", where) or None,
                extra={k: v for k, v in raw.items() if k not in ACTION_KEYS},
            )
        )
    minutes = data.get(IMPACT_MINUTES)
    if minutes is not None and not minutes_value(minutes):
        raise SchemaError(
            IMPACT_MINUTES, f"must be a number of minutes, 0 or more, not {minutes!r}"
        )
    review_raw = _mapping(data.get("review"), "review")
    closed_raw = data.get("closed")
    closure = None
    if closed_raw is not None:
        closed = _mapping(closed_raw, "closed")
        closure = Closure(
            at=_time(closed.get("at"), "closed.at"),
            forced=bool(closed.get("forced", False)),
            reason=_str(closed, "reason", "closed.") or None,
        )
    return Postmortem(
        id=_str(data, "id", "", required=True),
        title=_str(data, "title", "", required=True),
        severity=_str(data, "severity", "", required=True),
        status=_str(data, "status", "") or "active",
        impact=_str(data, "impact", ""),
        services=_str_list(data, "services"),
        tags=_str_list(data, "tags"),
        related=_str_list(data, "related"),
        review=Review(
            due=_optional(review_raw.get("due"), "review.due", as_date),
            held=_optional(review_raw.get("held"), "review.held", _time),
            scheduled=_optional(review_raw.get("scheduled"), "review.scheduled", _time),
        ),
        closed=closure,
        timeline=timeline,
        actions=actions,
        extra={k: v for k, v in data.items() if k not in TOP_KEYS},
    )


def to_mapping(postmortem: Postmortem) -> dict[str, Any]:
    """The front matter in its fixed key order (see TOP_KEYS), unknown keys last."""
    data: dict[str, Any] = {
        "id": postmortem.id,
        "title": postmortem.title,
        "severity": postmortem.severity,
        "status": postmortem.status,
        "impact": postmortem.impact,
        "services": list(postmortem.services),
        "tags": list(postmortem.tags),
        "related": list(postmortem.related),
        "review": _review_mapping(postmortem.review),
    }
    if postmortem.closed is not None:
        closed: dict[str, Any] = {"at": postmortem.closed.at}
        if postmortem.closed.forced:
            closed["forced"] = True
            closed["reason"] = postmortem.closed.reason
        data["closed"] = closed
    data["timeline"] = [
        {"at": e.at, "kind": e.kind, **({"text": e.text} if e.text else {}), **e.extra}
        for e in postmortem.timeline
    ]
    data["actions"] = [_action_mapping(item) for item in postmortem.actions]
    data.update(postmortem.extra)
    return data


def _review_mapping(review: Review) -> dict[str, Any]:
    """``due``, ``scheduled`` (only once a review is scheduled: files that never had one
    keep their two lines), ``held``."""
    data: dict[str, Any] = {"due": review.due}
    if review.scheduled is not None:
        data["scheduled"] = review.scheduled
    data["held"] = review.held
    return data


def _action_mapping(item: ActionItem) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": item.number,
        "text": item.text,
        "owner": item.owner,
        "priority": item.priority,
        "due": item.due,
        "status": item.status,
    }
    for key in ("ticket", "done", "reason"):
        value = getattr(item, key)
        if value is not None:
            data[key] = value
    data.update(item.extra)
    return data
