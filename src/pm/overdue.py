"""Late follow-through: action items past due, reviews not held, P0/P1 items left open.

Judged from records and a date alone: ``find`` reads no clock, so a CI run with
``--as-of`` is reproducible, and reads from disk only the bytes of files with findings, for
line numbers. This module says what is late, by how much, and where in which file;
``pm.render.overdue`` prints it for people and CI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from pm import frontmap
from pm.config import Config
from pm.model import ActionItem
from pm.store import Record

# Open items of these priorities are chased again this long after the review was held.
FOLLOW_UP_PRIORITIES = ("P0", "P1")
FOLLOW_UP_DAYS = 30
KINDS = ("action", "review", "follow-up")
# When a CI run fails (``--fail-on``): on any finding, only escalated ones, or never.
FAIL_ON = ("any", "escalated", "never")


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


def find(
    records: Sequence[Record], as_of: date, config: Config, *, display: Any = str
) -> list[Finding]:
    """Everything late on ``as_of``, in file order. ``display`` turns a path into text."""
    findings: list[Finding] = []
    for record in records:
        late = _late(record, as_of, config)
        if not late:
            continue
        # Only files with findings pay for line numbers, and most need no YAML parse.
        where = frontmap.locate_top(record.file_bytes())
        path = display(record.path)
        for key, finding in late:
            findings.append(replace(finding, path=path, line=where.line(key)))
    return findings


def _late(record: Record, as_of: date, config: Config) -> list[tuple[frontmap.Path, Finding]]:
    """The late things of one postmortem, each with the front-matter key it points at."""
    postmortem = record.postmortem
    review = postmortem.review
    found: list[tuple[frontmap.Path, Finding]] = []

    def add(
        key: frontmap.Path, kind: str, item: ActionItem | None, due: date, message: str
    ) -> None:
        days = (as_of - due).days
        finding = Finding(
            kind=kind,
            postmortem_id=postmortem.id,
            item=item.number if item else None,
            text=item.text if item else postmortem.title,
            owner=item.owner if item else "",
            priority=item.priority if item else "",
            due=due,
            days_late=days,
            escalated=days > config.escalation_days,
            path="",
            line=0,
            message=message,
        )
        found.append((key, finding))

    if (
        postmortem.status == "resolved"
        and config.requires_review(postmortem.severity)
        and review.held is None
        and review.due is not None
        and review.due < as_of
    ):
        add(
            ("review",),
            "review",
            None,
            review.due,
            f"The postmortem review of {postmortem.id} ({postmortem.severity}) is "
            f"{_days_late(as_of, review.due)} (due {review.due.isoformat()}): {postmortem.title}",
        )
    held = review.held.date() if review.held is not None else None
    for index, item in enumerate(postmortem.actions):
        if not item.is_open:
            continue
        owner = item.owner or "(no owner)"
        if item.due < as_of:
            add(
                ("actions", index),
                "action",
                item,
                item.due,
                f"Action item {item.number} of {postmortem.id} ({item.priority}, {owner}) is "
                f"{_days_late(as_of, item.due)} (due {item.due.isoformat()}): {item.text}",
            )
        elif held is not None and item.priority in FOLLOW_UP_PRIORITIES:
            window_end = held + timedelta(days=FOLLOW_UP_DAYS)
            if window_end < as_of:
                add(
                    ("actions", index),
                    "follow-up",
                    item,
                    window_end,
                    f"{item.priority} action item {item.number} of {postmortem.id} ({owner}) "
                    f"is still {item.status} {(as_of - held).days} days after the review of "
                    f"{held.isoformat()}: {item.text}",
                )
    return found


def _days_late(as_of: date, due: date) -> str:
    days = (as_of - due).days
    return f"{days} day late" if days == 1 else f"{days} days late"


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
