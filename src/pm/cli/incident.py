"""The bodies of the commands for the live incident and for reading: init, open, event,
resolve, list, show.

Each is called with the parameters ``commands.py`` declares (by Typer, or by the fast
path without it): it checks what only the command line can get wrong, calls the Python
API (``Workspace``, ``pm.queries``) and prints the result (``pm.render``).
"""

from __future__ import annotations

import os
from pathlib import Path

from pm.cli.shared import committed, unreadable, workspace
from pm.errors import UsageError
from pm.render import output


def init() -> None:
    ws = workspace()
    created, initialised = ws.init()
    if initialised:
        output.message(f"Initialised an empty git repository in {ws.config.root}")
    if not created:
        output.message(f"Already initialised: {ws.config.directory}/ and the config exist.")
        return
    for path in created:
        output.line(ws.store.display(path))
    output.message(
        f'Ready: open an incident with  pm open "<title>" -s {ws.config.severity_names[0]}'
    )


def open_(
    title: str,
    severity: str,
    service: list[str] | None,
    tag: list[str] | None,
    impact: str,
    started: str | None,
    detected: str | None,
    edit: bool,
    no_commit: bool,
) -> None:
    from pm import queries

    if edit and not (os.environ.get("VISUAL") or os.environ.get("EDITOR")):
        raise UsageError("--edit needs $VISUAL or $EDITOR to name your editor")
    ws = workspace(no_commit)
    record = ws.open(
        title,
        severity,
        services=service,
        tags=tag,
        impact=impact,
        started=started,
        detected=detected,
        edit=_run_editor if edit else None,
    )
    postmortem = record.postmortem
    output.line(f"{postmortem.id}\t{ws.store.display(record.path)}")
    output.message(f"Opened {postmortem.severity} {postmortem.id}; {committed(ws)}.")
    matches = queries.similar_at_open(ws, postmortem)
    if matches:
        output.message("Similar past incidents (did this happen before?):")
        for match in matches:
            output.message(f"  {match.id}  {match.title}  (shared: {', '.join(match.shared)})")


def _run_editor(path: Path) -> None:
    import shlex
    import subprocess

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    result = subprocess.run([*shlex.split(editor), str(path)], check=False)
    if result.returncode != 0:
        raise UsageError(
            f"the editor exited with {result.returncode}; {path} is kept, not committed"
        )


def event(postmortem_id: str, text: str, at: str | None, kind: str, no_commit: bool) -> None:
    ws = workspace(no_commit)
    record = ws.add_event(postmortem_id, text, at=at, kind=kind)
    output.message(f"Added event ({kind}) to {record.postmortem.id}; {committed(ws)}.")


def event_edit(
    postmortem_id: str,
    number: int,
    at: str | None,
    kind: str | None,
    text: str | None,
    no_commit: bool,
) -> None:
    ws = workspace(no_commit)
    record, changes, now = ws.edit_event(postmortem_id, number, at=at, kind=kind, text=text)
    for change in changes:
        output.message(f"  {change.line()}")
    moved = f" (now event {now})" if now != number else ""
    output.message(f"Edited event {number}{moved} of {record.postmortem.id}; {committed(ws)}.")


def event_rm(postmortem_id: str, number: int, no_commit: bool) -> None:
    ws = workspace(no_commit)
    record, removed = ws.remove_event(postmortem_id, number)
    output.message(
        f"Removed event {number} ({removed.kind}: {removed.text}) from "
        f"{record.postmortem.id}; {committed(ws)}."
    )


def resolve(postmortem_id: str, text: str, at: str | None, no_commit: bool) -> None:
    from pm.timeparse import format_duration

    ws = workspace(no_commit)
    postmortem = ws.resolve(postmortem_id, text, at=at).postmortem
    duration = postmortem.duration()
    output.line(format_duration(duration) if duration is not None else "-")
    due = postmortem.review.due
    review = f"postmortem review due {due.isoformat()}" if due else "no review required"
    output.message(f"Resolved {postmortem.id}; {review}; {committed(ws)}.")


def reopen(postmortem_id: str, reason: str, no_commit: bool) -> None:
    from pm.timeline import number_of

    ws = workspace(no_commit)
    record, note, _ = ws.reopen(postmortem_id, reason)
    number = number_of(record.postmortem, note)
    output.message(
        f"Reopened {record.postmortem.id}: active again; the resolution is kept as a note "
        f"(event {number}); {committed(ws)}."
    )


def list_postmortems(
    status: str | None,
    severity: str | None,
    service: str | None,
    tag: str | None,
    since: str | None,
    as_json: bool,
) -> None:
    from pm import queries

    ws = workspace()
    found = queries.list_postmortems(
        ws, status=status, severity=severity, service=service, tag=tag, since=since
    )
    if as_json:
        from pm.render import views

        output.print_json(
            [views.summary(r.postmortem, ws.store.display(r.path)) for r in found.records]
        )
    else:
        from pm.render import tables

        output.table(tables.LIST_HEADERS, tables.list_rows(found.records, ws.now()))
        if not found.records and not found.errors and output.is_terminal():
            output.message(
                "No postmortems match." if found.filters.any() else "No postmortems yet."
            )
    unreadable(found.errors)


def show(postmortem_id: str, as_json: bool) -> None:
    from pm import queries

    ws = workspace()
    entry, body = queries.view(ws, postmortem_id)
    path = ws.store.display(entry.path)
    if as_json:
        from pm.render import views

        output.print_json(views.detail(entry.postmortem, path, ws.now()))
        return
    from pm.render.show import render_show, render_similar

    for text in render_show(entry.postmortem, path, ws.now()):
        output.line(output.safe(text))
    for text in render_similar(queries.similar_by_cause(ws, entry, body)):
        output.line(output.safe(text))
