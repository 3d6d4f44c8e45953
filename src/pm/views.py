"""Plain-data views of postmortems for JSON output and templates.

One place defines what ``--json`` prints, so every command's JSON uses the same names.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pm import metrics
from pm.model import ActionItem, Postmortem, to_mapping
from pm.timeparse import format_duration


def summary(postmortem: Postmortem, path: str) -> dict[str, Any]:
    """The fields ``pm list`` shows."""
    duration = postmortem.duration()
    return {
        "id": postmortem.id,
        "title": postmortem.title,
        "severity": postmortem.severity,
        "status": postmortem.status,
        "started": postmortem.started,
        "resolved": postmortem.resolved_at,
        "duration_minutes": metrics.as_minutes(duration),
        "services": postmortem.services,
        "tags": postmortem.tags,
        "review_due": postmortem.review.due,
        "open_actions": sum(1 for item in postmortem.actions if item.is_open),
        "path": path,
    }


def detail(postmortem: Postmortem, path: str, now: datetime) -> dict[str, Any]:
    """Everything in the front matter, plus the computed metrics and the path."""
    data = to_mapping(postmortem)
    computed = metrics.compute(postmortem, now)
    data["metrics"] = {
        "duration_minutes": metrics.as_minutes(computed.duration),
        **{f"{name}_minutes": metrics.as_minutes(span) for name, span in computed.spans.items()},
    }
    data["path"] = path
    return data


def duration_text(postmortem: Postmortem, now: datetime) -> str:
    duration = postmortem.duration(until=now)
    if duration is None:
        return "-"
    text = format_duration(duration)
    return text if postmortem.resolved_at else f"{text} (ongoing)"


def action(item: ActionItem, today: date) -> dict[str, Any]:
    """One action item as ``pm action list --json`` and the reports print it."""
    return {
        "number": item.number,
        "text": item.text,
        "owner": item.owner,
        "priority": item.priority,
        "due": item.due,
        "status": item.status,
        "ticket": item.ticket,
        "done": item.done,
        "reason": item.reason,
        "days_overdue": item.days_overdue(today),
    }
