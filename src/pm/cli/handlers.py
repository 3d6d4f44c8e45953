"""The bodies of the commands people run most (list, show, event, log), free of Typer.

``pm/cli/incident.py`` declares these commands for Typer and calls these functions; the
fast path (``pm/cli/fast.py``) calls them directly, without importing Typer at all, which
is most of pm's start-up time. Keep them plain: parse nothing, call the workspace, print.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pm import output
from pm.errors import UsageError
from pm.model import STATUSES

if TYPE_CHECKING:
    from pm.workspace import Workspace


def workspace(no_commit: bool = False) -> Workspace:
    from pm.workspace import Workspace

    ws = Workspace.load(commit=False if no_commit else None)
    ws.on_notice = output.warn  # warnings (renumbered action items...) as they happen
    return ws


def committed(ws: Workspace) -> str:
    return "committed" if ws.commit_enabled else "not committed (--no-commit)"


def add_event(postmortem_id: str, text: str, *, at: str | None, kind: str, no_commit: bool) -> None:
    ws = workspace(no_commit)
    record = ws.add_event(postmortem_id, text, at=at, kind=kind)
    output.message(f"Added event ({kind}) to {record.postmortem.id}; {committed(ws)}.")


def list_postmortems(
    *,
    status: str | None,
    severity: str | None,
    service: str | None,
    tag: str | None,
    since: str | None,
    as_json: bool,
) -> None:
    from pm import views
    from pm.errors import DataError
    from pm.timeparse import parse_date
    from pm.workspace import Filters

    if status is not None and status not in STATUSES:
        raise UsageError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    ws = workspace()
    filters = Filters(
        status=status,
        severity=severity,
        service=service,
        tag=tag,
        since=parse_date(since, ws.today()) if since else None,
    )
    records, errors = ws.find(filters)
    if as_json:
        output.print_json([views.summary(r.postmortem, ws.store.display(r.path)) for r in records])
    else:
        now = ws.now()
        rows = [
            [
                r.postmortem.id,
                r.postmortem.severity,
                r.postmortem.status,
                views.duration_text(r.postmortem, now),
                r.postmortem.title,
            ]
            for r in records
        ]
        output.table(["ID", "SEV", "STATUS", "DURATION", "TITLE"], rows)
        if not records and not errors and output.is_terminal():
            filtered = any((status, severity, service, tag, since))
            output.message("No postmortems match." if filtered else "No postmortems yet.")
    for error in errors:
        output.error(error.message)
    if errors:
        raise DataError(f"{len(errors)} postmortem file(s) could not be read")


def show(postmortem_id: str, *, as_json: bool) -> None:
    from pm import views

    ws = workspace()
    entry, body = ws.view(postmortem_id)
    path = ws.store.display(entry.path)
    if as_json:
        output.print_json(views.detail(entry.postmortem, path, ws.now()))
        return
    from pm.cli.showtext import render_show, render_similar

    for text in render_show(entry.postmortem, path, ws.now()):
        output.line(output.safe(text))
    for text in render_similar(ws.similar_by_cause(entry, body)):
        output.line(output.safe(text))


def show_log(postmortem_id: str, *, as_json: bool) -> None:
    """``pm log``: the audit trail of one file (on the fast path: git is the cost)."""
    ws = workspace()
    path, entries = ws.log(postmortem_id)
    if as_json:
        output.print_json(
            [
                {
                    "commit": entry.commit,
                    "date": entry.date,
                    "author": entry.author,
                    "email": entry.email,
                    "operation": entry.operation,
                    "manual": entry.operation is None,
                    "subject": entry.subject,
                }
                for entry in entries
            ]
        )
        return
    output.table(
        ["COMMIT", "DATE (UTC)", "AUTHOR", "OPERATION", "SUBJECT"],
        [
            [
                entry.commit[:8],
                entry.date.strftime("%Y-%m-%d %H:%M"),
                entry.author,
                entry.operation or "manual",
                entry.subject,
            ]
            for entry in entries
        ],
    )
    if not entries:
        output.message(f"{path.stem} has no commits yet.")
