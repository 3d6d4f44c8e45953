"""Commands for the live incident and for reading: init, open, event, resolve, list, show."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pm import output
from pm.cli.app import JsonFlag, NoCommit, app
from pm.errors import UsageError
from pm.model import EVENT_KINDS, STATUSES

TimeOption = Annotated[
    str | None,
    typer.Option("--at", help="When it happened: ISO 8601, HH:MM (today), 'now', or '15m ago'."),
]


if TYPE_CHECKING:
    from pm.workspace import Workspace


def _workspace(no_commit: bool = False) -> Workspace:
    from pm.workspace import Workspace

    return Workspace.load(commit=False if no_commit else None)


def _committed(ws: Workspace) -> str:
    return "committed" if ws.commit_enabled else "not committed (--no-commit)"


@app.command()
def init() -> None:
    """Create the postmortems folder and a commented .pm.toml, and commit them."""
    ws = _workspace()
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


@app.command("open")
def open_(
    title: Annotated[str, typer.Argument(help="A one-line description of the incident.")],
    severity: Annotated[str, typer.Option("--severity", "-s", help="SEV-1, SEV-2, SEV-3...")],
    service: Annotated[
        list[str] | None, typer.Option("--service", help="An affected service (repeatable).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")] = None,
    impact: Annotated[str, typer.Option("--impact", help="Who or what is affected.")] = "",
    started: Annotated[
        str | None, typer.Option("--started", help="When it started (default: now).")
    ] = None,
    detected: Annotated[
        str | None, typer.Option("--detected", help="When it was detected.")
    ] = None,
    edit: Annotated[
        bool, typer.Option("--edit", help="Open the new file in $VISUAL/$EDITOR first.")
    ] = False,
    no_commit: NoCommit = False,
) -> None:
    """Open a postmortem for a new incident (status active) and commit it."""
    if edit and not (os.environ.get("VISUAL") or os.environ.get("EDITOR")):
        raise UsageError("--edit needs $VISUAL or $EDITOR to name your editor")
    ws = _workspace(no_commit)
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
    output.message(f"Opened {postmortem.severity} {postmortem.id}; {_committed(ws)}.")


def _run_editor(path: Path) -> None:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    result = subprocess.run([*shlex.split(editor), str(path)], check=False)
    if result.returncode != 0:
        raise UsageError(
            f"the editor exited with {result.returncode}; {path} is kept, not committed"
        )


@app.command()
def event(
    postmortem_id: Annotated[str, typer.Argument(metavar="ID", help="Id, prefix or slug.")],
    text: Annotated[str, typer.Argument(help="What happened.")],
    at: TimeOption = None,
    kind: Annotated[
        str, typer.Option("--kind", "-k", help=f"One of: {', '.join(EVENT_KINDS)}.")
    ] = "note",
    no_commit: NoCommit = False,
) -> None:
    """Add an event to the timeline (kept sorted by time)."""
    ws = _workspace(no_commit)
    record = ws.add_event(postmortem_id, text, at=at, kind=kind)
    output.message(f"Added event ({kind}) to {record.postmortem.id}; {_committed(ws)}.")


@app.command()
def resolve(
    postmortem_id: Annotated[str, typer.Argument(metavar="ID", help="Id, prefix or slug.")],
    text: Annotated[str, typer.Argument(help="How it was resolved.")] = "",
    at: TimeOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Mark the incident resolved, set the review due date, and print the duration."""
    from pm.timeparse import format_duration

    ws = _workspace(no_commit)
    record = ws.resolve(postmortem_id, text, at=at)
    postmortem = record.postmortem
    duration = postmortem.duration()
    output.line(format_duration(duration) if duration is not None else "-")
    due = postmortem.review.due
    review = f"postmortem review due {due.isoformat()}" if due else "no review required"
    output.message(f"Resolved {postmortem.id}; {review}; {_committed(ws)}.")


@app.command("list")
def list_(
    status: Annotated[
        str | None, typer.Option("--status", help=f"One of: {', '.join(STATUSES)}.")
    ] = None,
    severity: Annotated[str | None, typer.Option("--severity", "-s")] = None,
    service: Annotated[str | None, typer.Option("--service")] = None,
    tag: Annotated[str | None, typer.Option("--tag")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Started on or after this date.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List postmortems, oldest first; broken files are named on stderr (exit 3)."""
    from pm import views
    from pm.errors import DataError
    from pm.timeparse import parse_date
    from pm.workspace import Filters

    if status is not None and status not in STATUSES:
        raise UsageError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    ws = _workspace()
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


@app.command()
def show(
    postmortem_id: Annotated[str, typer.Argument(metavar="ID", help="Id, prefix or slug.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one postmortem with its metrics (duration, time to detect/ack/mitigate/resolve)."""
    from pm import views

    ws = _workspace()
    record = ws.get(postmortem_id)
    path = ws.store.display(record.path)
    if as_json:
        output.print_json(views.detail(record.postmortem, path, ws.now()))
        return
    from pm.cli.showtext import render_show

    for text in render_show(record.postmortem, path, ws.now()):
        output.line(output.safe(text))
