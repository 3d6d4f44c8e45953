"""Late follow-through: action items past due, reviews not held, P0/P1 items left open.

Pure over records and a date: ``find`` reads nothing from disk or the clock, so a CI run
with ``--as-of`` is reproducible. Rendering for CI lives in ``ci_output``; this module
says what is late, by how much, and where in which file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pm import frontmap
from pm.ci_output import Annotation, markdown_table
from pm.config import Config
from pm.store import Record

# Open items of these priorities are chased again this long after the review was held.
FOLLOW_UP_PRIORITIES = ("P0", "P1")
FOLLOW_UP_DAYS = 30
KINDS = ("action", "review", "follow-up")
_TITLES = {
    "action": "Overdue action item",
    "review": "Overdue postmortem review",
    "follow-up": "Open after review",
}


@dataclass(frozen=True)
class Finding:
    """One late thing. ``item`` is the action number (None for a review)."""

    kind: str
    postmortem_id: str
    item: int | None
    text: str
    owner: str
    priority: str
    due: date
    days_late: int
    escalated: bool
    path: str
    line: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.postmortem_id,
            "item": self.item,
            "text": self.text,
            "owner": self.owner,
            "priority": self.priority,
            "due": self.due.isoformat(),
            "days_late": self.days_late,
            "escalated": self.escalated,
            "path": self.path,
            "line": self.line,
            "message": self.message,
        }

    def annotation(self) -> Annotation:
        level = "error" if self.escalated else "warning"
        return Annotation(level, self.path, self.line, _TITLES[self.kind], self.message)


def find(
    records: Sequence[Record], as_of: date, config: Config, *, display: Any = str
) -> list[Finding]:
    """Everything late on ``as_of``, in file order. ``display`` turns a path into text."""
    findings: list[Finding] = []
    for record in records:
        found = list(_late(record, as_of, config))
        if not found:
            continue
        where = frontmap.locate(record.raw)
        path = display(record.path)
        for kind, item_index, values in found:
            key: frontmap.Path = ("actions", item_index) if item_index is not None else ("review",)
            line = where.line(key)
            days = values["days_late"]
            escalated = days > config.escalation_days
            findings.append(Finding(kind=kind, path=path, line=line, escalated=escalated, **values))
    return findings


def _late(record: Record, as_of: date, config: Config) -> list[tuple[str, int | None, Any]]:
    postmortem = record.postmortem
    found: list[tuple[str, int | None, Any]] = []
    review = postmortem.review
    rule = config.severity(postmortem.severity)
    if (
        postmortem.status == "resolved"
        and rule is not None
        and rule.requires_postmortem
        and review.held is None
        and review.due is not None
        and review.due < as_of
    ):
        days = (as_of - review.due).days
        message = (
            f"The postmortem review of {postmortem.id} ({postmortem.severity}) is {days} "
            f"{_days(days)} late (due {review.due.isoformat()}): {postmortem.title}"
        )
        found.append(
            (
                "review",
                None,
                _values(postmortem.id, None, postmortem.title, "", "", review.due, days, message),
            )
        )
    follow_up_from = None
    if review.held is not None:
        follow_up_from = review.held.date() + timedelta(days=FOLLOW_UP_DAYS)
    for index, item in enumerate(postmortem.actions):
        if not item.is_open:
            continue
        owner = item.owner or "(no owner)"
        if item.due < as_of:
            days = (as_of - item.due).days
            message = (
                f"Action item {item.number} of {postmortem.id} ({item.priority}, {owner}) is "
                f"{days} {_days(days)} late (due {item.due.isoformat()}): {item.text}"
            )
            kind = "action"
            due = item.due
        elif (
            follow_up_from is not None
            and item.priority in FOLLOW_UP_PRIORITIES
            and follow_up_from < as_of
        ):
            days = (as_of - follow_up_from).days
            assert review.held is not None
            message = (
                f"{item.priority} action item {item.number} of {postmortem.id} ({owner}) is "
                f"still {item.status} {days + FOLLOW_UP_DAYS} days after the review of "
                f"{review.held.date().isoformat()}: {item.text}"
            )
            kind = "follow-up"
            due = follow_up_from
        else:
            continue
        values = _values(
            postmortem.id, item.number, item.text, item.owner, item.priority, due, days, message
        )
        found.append((kind, index, values))
    return found


def _values(
    postmortem_id: str,
    item: int | None,
    text: str,
    owner: str,
    priority: str,
    due: date,
    days: int,
    message: str,
) -> dict[str, Any]:
    return {
        "postmortem_id": postmortem_id,
        "item": item,
        "text": text,
        "owner": owner,
        "priority": priority,
        "due": due,
        "days_late": days,
        "message": message,
    }


def _days(n: int) -> str:
    return "day" if n == 1 else "days"


def for_owner(findings: Sequence[Finding], owner: str) -> list[Finding]:
    """One owner's findings; case and a leading ``@`` do not matter."""
    wanted = owner.strip().lstrip("@").lower()
    return [f for f in findings if f.owner.strip().lstrip("@").lower() == wanted]


def fails(findings: Sequence[Finding], fail_on: str) -> bool:
    """Whether the run should exit 1: ``any`` finding, only ``escalated`` ones, or ``never``."""
    if fail_on == "never":
        return False
    if fail_on == "escalated":
        return any(f.escalated for f in findings)
    return bool(findings)


# --- rendering ------------------------------------------------------------------------------


def by_owner(findings: Sequence[Finding]) -> list[Finding]:
    """Grouped by owner (reviews, which have none, last), most late first within a group."""
    return sorted(
        findings,
        key=lambda f: (not f.owner, f.owner.lower(), -f.days_late, f.postmortem_id, f.item or 0),
    )


def json_view(findings: Sequence[Finding], as_of: date, config: Config) -> dict[str, Any]:
    return {
        "version": 1,
        "as_of": as_of.isoformat(),
        "escalation_days": config.escalation_days,
        "total": len(findings),
        "escalated": sum(1 for f in findings if f.escalated),
        "findings": [f.as_dict() for f in findings],
    }


def plain_rows(findings: Sequence[Finding]) -> list[list[str]]:
    return [
        [
            f.owner or "-",
            f.kind,
            f.postmortem_id,
            str(f.item) if f.item is not None else "-",
            f.priority or "-",
            f.due.isoformat(),
            f"{f.days_late}d",
            "escalated" if f.escalated else "late",
            f"{f.path}:{f.line}",
            f.text,
        ]
        for f in by_owner(findings)
    ]


HEADERS = ["OWNER", "KIND", "POSTMORTEM", "ITEM", "PRI", "DUE", "LATE", "STATE", "FILE", "TEXT"]


def summary_markdown(findings: Sequence[Finding], as_of: date) -> str:
    """A summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment."""
    head = f"## pm overdue: {as_of.isoformat()}\n\n"
    if not findings:
        return head + "Nothing is late.\n"
    escalated = sum(1 for f in findings if f.escalated)
    head += f"{len(findings)} late, {escalated} escalated.\n\n"
    rows = [
        [
            f.owner or "-",
            f.postmortem_id,
            str(f.item) if f.item is not None else "review",
            f.priority or "-",
            f.due.isoformat(),
            str(f.days_late),
            "yes" if f.escalated else "no",
            f.text,
        ]
        for f in by_owner(findings)
    ]
    headers = ["Owner", "Postmortem", "Item", "Priority", "Due", "Days late", "Escalated", "What"]
    return head + markdown_table(headers, rows)
