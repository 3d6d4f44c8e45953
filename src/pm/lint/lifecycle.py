"""Lint rules of the lifecycle: what a postmortem must hold at its status, and an
incident left active too long (the rule that reads the clock)."""

from __future__ import annotations

from datetime import date, tzinfo
from typing import Any

from pm import sections
from pm.config import Config
from pm.model import Postmortem


def check(
    postmortem: Postmortem,
    body: str,
    config: Config,
    body_line: int,
    at: Any,
    report: Any,
) -> None:
    """The rules of the lifecycle: what a reviewed or closed postmortem holds, owners."""
    status = postmortem.status
    closed = postmortem.closed
    # A forced close records why the review and the document were not finished.
    forced = status == "closed" and closed is not None and closed.forced
    if (
        status in ("reviewed", "closed")
        and config.requires_review(postmortem.severity)
        and not (forced)
    ):
        for choices in sections.missing_sections(body, config.review_required):
            names = " or ".join(f"## {h}" for h in choices)
            line = sections.heading_line(body, choices[0])
            report(
                body_line + (line or 1),
                "lifecycle.section",
                f"{postmortem.severity} postmortem is {status} but {names} is empty",
                "write the section (HTML comments are placeholders and do not count)",
            )
        if postmortem.review.held is None:
            at(
                ("review",),
                "lifecycle.review-held",
                f"status is {status} but review.held is not set",
                "set review.held in the front matter to when the review meeting was held",
            )
    for index, item in enumerate(postmortem.actions):
        if not item.owner.strip():
            at(
                ("actions", index),
                "lifecycle.action-owner",
                f"action item {item.number} has no owner",
                f"set actions[{index}].owner in the front matter: one person who drives it",
            )
        if status == "closed" and item.is_open and not forced:
            n, pid = item.number, postmortem.id
            at(
                ("actions", index),
                "lifecycle.closed-open-items",
                f"closed, but action item {n} is still {item.status}",
                f"pm action done {pid} {n}, or pm action wont-do {pid} {n} --reason TEXT",
            )
    if closed is not None and closed.forced and not (closed.reason or "").strip():
        at(
            ("closed",),
            "lifecycle.forced-reason",
            "closed.forced without a reason",
            "say why in closed.reason",
        )


def stale(postmortem: Postmortem, config: Config, today: date, tz: tzinfo, at: Any) -> None:
    """An incident left active past its severity's ``stale_hours`` (a forgotten resolve)."""
    from pm.overdue import stale_from

    rule = config.rule_for(postmortem.severity)
    stale = stale_from(postmortem, rule, tz)
    started = postmortem.started
    if stale is None or started is None or stale >= today:
        return
    days = (today - started.astimezone(tz).date()).days
    at(
        ("status",),
        "lifecycle.stale",
        f"{postmortem.severity} incident is still active {days} days after it started "
        f"(stale after {rule.stale_after}h)",
        "resolve it (pm resolve) if it is over; a longer incident can raise stale_hours "
        f"in [severities.{postmortem.severity}]",
    )
