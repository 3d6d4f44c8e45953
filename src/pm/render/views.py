"""Plain-data views: the one shape of each thing pm prints as JSON or hands to templates.

One function per shape, so every command's JSON uses the same names for the same thing.
Each returns a ``TypedDict`` of ``pm.shapes``: mypy checks every field a renderer or the
report reads. Dates and times stay ``date``/``datetime`` here; ``output.to_json`` writes
them as text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from pm import metrics
from pm.model import EVIDENCE, ActionItem, Postmortem, to_mapping

if TYPE_CHECKING:
    from pm.commits import LogEntry
    from pm.lint import Finding as LintFinding
    from pm.lint import LintResult
    from pm.overdue import Finding
    from pm.queries import OverdueResult
    from pm.search import Hit
    from pm.shapes import (
        ActionRowView,
        ActionView,
        AddressingView,
        FindingView,
        LateActionView,
        LintFindingView,
        LintView,
        LogEntryView,
        OverdueView,
        SearchHitView,
        SummaryView,
    )


# --- postmortems --------------------------------------------------------------------------


def summary(postmortem: Postmortem, path: str) -> SummaryView:
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


def search_hit(hit: Hit, postmortem: Postmortem, path: str) -> SearchHitView:
    """A postmortem ``pm search`` found: who it is, its rank and its best line."""
    return {
        "id": postmortem.id,
        "title": postmortem.title,
        "severity": postmortem.severity,
        "status": postmortem.status,
        "started": postmortem.started,
        "path": path,
        "score": hit.score,
        "all_terms": hit.complete,
        "field": hit.field,
        "label": hit.label,
        "line": hit.line,
    }


def detail(postmortem: Postmortem, path: str, now: datetime) -> dict[str, Any]:
    """Everything in the front matter (other tools' keys too), the metrics and the path;
    timeline events carry their ``number``."""
    data = to_mapping(postmortem)
    # Numbered as `pm show` numbers them, for `pm event edit|rm ID N`.
    data["timeline"] = [{"number": n, **event} for n, event in enumerate(data["timeline"], 1)]
    computed = metrics.compute(postmortem, now)
    data["metrics"] = {
        "duration_minutes": metrics.as_minutes(computed.duration),
        **{f"{name}_minutes": metrics.as_minutes(span) for name, span in computed.spans.items()},
    }
    data["path"] = path
    return data


# --- action items -------------------------------------------------------------------------


def action(item: ActionItem, today: date) -> ActionView:
    """One action item in full, as ``pm report ID`` lists a postmortem's items."""
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


def action_row(postmortem_id: str, item: ActionItem, today: date, path: str) -> ActionRowView:
    """One row of ``pm action list --json``: the item in full, its postmortem and file,
    and the evidence ``pm action verify`` recorded, when there is some."""
    row: dict[str, Any] = {"id": postmortem_id, **action(item, today), "path": path}
    recorded = item.extra.get(EVIDENCE)
    if isinstance(recorded, dict):
        row["evidence"] = recorded
    return cast("ActionRowView", row)


def late_action(postmortem_id: str, item: ActionItem, as_of: date) -> LateActionView:
    """An overdue item in the period report's follow-through."""
    return {
        "id": postmortem_id,
        "number": item.number,
        "text": item.text,
        "owner": item.owner,
        "priority": item.priority,
        "due": item.due,
        "days_overdue": item.days_overdue(as_of),
    }


def addressing_action(postmortem_id: str, item: ActionItem) -> AddressingView:
    """An item that addresses a recurring cause, in the period report."""
    return {
        "id": postmortem_id,
        "number": item.number,
        "text": item.text,
        "owner": item.owner,
        "status": item.status,
        "due": item.due,
    }


# --- the audit trail ------------------------------------------------------------------------


def log_entry(entry: LogEntry) -> LogEntryView:
    """One commit of ``pm log --json``; ``manual`` when the change is a person's own:
    a commit made by hand, or a hand edit pm committed for them (``hand-edit``)."""
    from pm.commits import HAND_EDIT

    return {
        "commit": entry.commit,
        "date": entry.date,
        "author": entry.author,
        "email": entry.email,
        "operation": entry.operation,
        "manual": entry.operation in (None, HAND_EDIT),
        "subject": entry.subject,
    }


# --- the checks -----------------------------------------------------------------------------


def finding(f: Finding) -> FindingView:
    """One late thing, as ``pm overdue --format json`` prints it."""
    return {
        "kind": f.kind,
        "id": f.postmortem_id,
        "item": f.item,
        "text": f.text,
        "owner": f.owner,
        "priority": f.priority,
        "due": f.due.isoformat(),
        "days_late": f.days_late,
        "escalated": f.escalated,
        "path": f.path,
        "line": f.line,
        "message": f.message,
    }


def overdue(result: OverdueResult) -> OverdueView:
    """``pm overdue --format json``."""
    view: OverdueView = {
        "version": 1,
        "as_of": result.as_of.isoformat(),
        "escalation_days": result.escalation_days,
        "total": len(result.findings),
        "escalated": result.escalated,
        "findings": [finding(f) for f in result.findings],
    }
    if result.due_within is not None:  # only with --due-within: the schema is otherwise as it was
        view["due_within"] = result.due_within
        view["due_soon"] = [finding(f) for f in result.soon]
    return view


def lint_finding(f: LintFinding) -> LintFindingView:
    return {
        "path": f.path,
        "line": f.line,
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "suggestion": f.suggestion,
    }


def lint(result: LintResult) -> LintView:
    """``pm lint --format json``."""
    return {
        "version": 1,
        "files": result.files,
        "errors": result.count("error"),
        "warnings": result.count("warning"),
        "fixed": result.fixed,
        "findings": [lint_finding(f) for f in result.findings],
    }
