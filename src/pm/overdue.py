"""Late follow-through: action items past due, reviews not held, P0/P1 items left open.

No I/O and no clock: ``late`` judges one postmortem on a given date (so a CI run with
``--as-of`` is reproducible), and ``placed`` finds the lines of one file's findings in the
bytes the caller read, which it needs to read only for files with findings. This module
says what is late, by how much, and where in which file; ``pm.render.overdue`` prints it
for people and CI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from pm import frontmatter
from pm.config import Config
from pm.model import ActionItem, Postmortem

# Open items of these priorities are chased again this long after the review was held.
FOLLOW_UP_PRIORITIES = ("P0", "P1")
FOLLOW_UP_DAYS = 30
# When a CI run fails (``--fail-on``): on any finding, only escalated ones, or never.
FAIL_ON = ("any", "escalated", "never")


@dataclass(frozen=True)
class Finding:
    """One late thing. ``item`` is the action number (None for a review).

    ``key`` is the front-matter key it is about; ``path`` and ``line`` are its place,
    empty until ``placed`` fills them in.
    """

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
    key: frontmatter.KeyPath = ()


def placed(findings: Sequence[Finding], path: str, raw: bytes) -> list[Finding]:
    """One file's ``findings``, at ``path`` (as shown) and the line of each in ``raw``.

    Most files need no YAML parse for that (see ``frontmatter.locate_top``); lines are 1
    where ``raw`` no longer holds the key (the file changed or is unreadable since).
    """
    where = frontmatter.locate_top(raw)
    return [replace(f, path=path, line=where.line(f.key)) for f in findings]


def late(postmortem: Postmortem, as_of: date, config: Config) -> list[Finding]:
    """The late things of one postmortem on ``as_of``, in front-matter order, not placed."""
    review = postmortem.review
    found: list[Finding] = []

    def add(
        key: frontmatter.KeyPath, kind: str, item: ActionItem | None, due: date, message: str
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
            key=key,
        )
        found.append(finding)

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
