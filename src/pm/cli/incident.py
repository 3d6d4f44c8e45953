"""Commands for the live incident and for reading: init, open, event, resolve, list, show."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from pm import output
from pm.cli import handlers
from pm.cli.app import JsonFlag, NoCommit, app
from pm.errors import UsageError
from pm.model import EVENT_KINDS, STATUSES

TimeOption = Annotated[
    str | None,
    typer.Option("--at", help="When it happened: ISO 8601, HH:MM (today), 'now', or '15m ago'."),
]


_workspace = handlers.workspace
_committed = handlers.committed


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
    matches = ws.similar_at_open(postmortem)
    if matches:
        output.message("Similar past incidents (did this happen before?):")
        for match in matches:
            output.message(f"  {match.id}  {match.title}  (shared: {', '.join(match.shared)})")


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
    handlers.add_event(postmortem_id, text, at=at, kind=kind, no_commit=no_commit)


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
    handlers.list_postmortems(
        status=status, severity=severity, service=service, tag=tag, since=since, as_json=as_json
    )


@app.command()
def show(
    postmortem_id: Annotated[str, typer.Argument(metavar="ID", help="Id, prefix or slug.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one postmortem with its metrics (duration, time to detect/ack/mitigate/resolve)."""
    handlers.show(postmortem_id, as_json=as_json)
