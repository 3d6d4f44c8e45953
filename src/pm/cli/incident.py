"""The bodies of the commands for the live incident and for reading: init, open, event,
resolve, edit, list, show.

Each is called with the parameters ``commands.py`` declares (by Typer, or by the fast
path without it): it checks what only the command line can get wrong, calls the Python
API (``Workspace``, ``pm.queries``) and prints the result (``pm.render``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from pm.cli.shared import committed, reading, unreadable, workspace
from pm.config import CONFIG_FILE
from pm.errors import UsageError
from pm.render import output

if TYPE_CHECKING:
    from pm.workspace import EditResult, Workspace


def init() -> None:
    ws = workspace()
    done = ws.init()
    if done.git_init:
        output.message(f"Initialised an empty git repository in {ws.config.root}")
    for path in done.written:
        output.line(ws.store.display(path))
    config = ws.config
    if any(path.name == CONFIG_FILE for path in done.written):
        if config.timezone_problem:
            output.note(
                f'{config.timezone_problem}; {CONFIG_FILE} says timezone = "UTC": '
                'write your team\'s zone there (e.g. "America/Los_Angeles")'
            )
        else:
            output.message(
                f"Time zone: {config.timezone} (from {config.timezone_source}), written to "
                f"{CONFIG_FILE}; times are typed and shown in it, stored in UTC."
            )
    if done.driver_keys:
        output.message(
            "Installed pm's merge driver in this clone's git config "
            f"({', '.join(done.driver_keys)}); git does not clone it: run `pm init` in "
            "every clone"
        )
    if done.driver_keys and shutil.which("pm") is None:
        output.warn(
            "git runs `pm merge-driver` when it merges postmortems, but `pm` is not on "
            "PATH here; put it there (pipx install, or the venv's bin folder) before you pull"
        )
    if not done.written:
        if not done.driver_keys:
            output.message(
                f"Already initialised: {ws.config.directory}/, the config and the merge "
                "driver exist."
            )
        return
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
    branch: bool,
    no_commit: bool,
) -> None:
    from pm import queries
    from pm.workspace import incident_branch

    if edit:
        _need_editor("--edit")
    ws = workspace(no_commit)
    started_at = ws.parse_time(started)
    detected_at = None if detected is None else ws.parse_time(detected)
    record = ws.open(
        title,
        severity,
        services=service,
        tags=tag,
        impact=impact,
        started=started_at,
        detected=detected_at,
        started_given=started is not None,
        branch=branch,
    )
    postmortem = record.postmortem
    output.line(f"{postmortem.id}\t{ws.store.display(record.path)}")
    when = f"started {ws.describe(started_at)}"
    if detected_at is not None:
        when += f", detected {ws.describe(detected_at)}"
    where = f" on a new branch, {incident_branch(postmortem.id)}" if branch else ""
    output.message(f"Opened {postmortem.severity} {postmortem.id}, {when}; {committed(ws)}{where}.")
    matches = queries.similar_at_open(ws, postmortem)
    if matches:
        output.message("Similar past incidents (did this happen before?):")
        for match in matches:
            output.message(f"  {match.id}  {match.title}  (shared: {', '.join(match.shared)})")
    if edit:  # what the person writes is their hand edit, committed after the open
        _said(ws, postmortem.id, ws.edit(postmortem.id, _run_editor, why="pm open --edit"))


def _said(ws: Workspace, postmortem_id: str, result: EditResult) -> None:
    if result == "unchanged":
        output.message(f"No changes to {postmortem_id}; nothing to commit.")
    elif result == "committed":
        output.message(f"Saved your edit of {postmortem_id}; committed as your hand edit.")
    elif ws.commit_enabled:
        output.message(f"Saved your edit of {postmortem_id}; it is as last committed.")
    else:
        output.message(f"Saved your edit of {postmortem_id}; {committed(ws)}.")


def _run_editor(path: Path) -> int:
    """Run $VISUAL (or $EDITOR) on ``path`` and wait for it; its exit code."""
    import shlex
    import subprocess

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return subprocess.run([*shlex.split(editor), str(path)], check=False).returncode


def _need_editor(option: str) -> None:
    if not (os.environ.get("VISUAL") or os.environ.get("EDITOR")):
        raise UsageError(f"{option} needs $VISUAL or $EDITOR to name your editor")


def edit(postmortem_id: str, no_commit: bool) -> None:
    _need_editor("pm edit")
    ws = workspace(no_commit)
    path = ws.store.resolve(postmortem_id)
    _said(ws, path.stem, ws.edit(postmortem_id, _run_editor))


def event(postmortem_id: str, text: str, at: str | None, kind: str, no_commit: bool) -> None:
    ws = workspace(no_commit)
    moment = ws.parse_time(at)
    record = ws.add_event(postmortem_id, text, at=moment, kind=kind)
    output.message(
        f"Added event ({kind}) to {record.postmortem.id} at {ws.describe(moment)}; {committed(ws)}."
    )


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
    moment = ws.parse_time(at)
    postmortem = ws.resolve(postmortem_id, text, at=moment).postmortem
    duration = postmortem.duration()
    output.line(format_duration(duration) if duration is not None else "-")
    due = postmortem.review.due
    review = f"postmortem review due {due.isoformat()}" if due else "no review required"
    output.message(f"Resolved {postmortem.id} at {ws.describe(moment)}; {review}; {committed(ws)}.")


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

    ws = reading()
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

    ws = reading()
    entry, body = queries.view(ws, postmortem_id)
    path = ws.store.display(entry.path)
    if as_json:
        from pm.render import views

        output.print_json(views.detail(entry.postmortem, path, ws.now()))
        return
    from pm.render.show import render_show, render_similar

    for text in render_show(entry.postmortem, path, ws.now(), ws.tz):
        output.line(output.safe(text))
    for text in render_similar(queries.similar_by_cause(ws, entry, body)):
        output.line(output.safe(text))
