"""The bodies of the commands for the live incident and for reading: init, open, event,
resolve, edit, list, show, search.

Each is called with the parameters ``commands.py`` declares (by Typer, or by the fast
path without it): it checks what only the command line can get wrong, calls the Python
API (``Workspace``, ``pm.queries``) and prints the result (``pm.render``).

Length: the bodies of the live incident's commands and of the reads, each short; they share the
editor helpers and the one way of saying what happened, split they would not.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pm.cli.shared import committed, reading, unreadable, workspace
from pm.config import CONFIG_FILE
from pm.errors import ExitCode, UsageError
from pm.render import output

if TYPE_CHECKING:
    from pm.workspace import EditResult, Workspace

READ_FORMATS = ("text", "json")  # pm list and pm show: -f/--format, and --json


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
    import shutil

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


def event(
    postmortem_id: str,
    text: str | None,
    at: str | None,
    kind: str | None,
    source: str | None,
    fmt: str | None,
    dry_run: bool,
    no_commit: bool,
) -> None:
    if source is not None:
        if text is not None:
            raise UsageError("give TEXT or --from FILE, not both")
        if at is not None or kind is not None:
            raise UsageError(
                "--from takes each event's time and kind from the file; leave out --at and --kind"
            )
        _import_events(postmortem_id, source, fmt, dry_run, no_commit)
        return
    if fmt is not None or dry_run:
        raise UsageError(f"{'--format' if fmt is not None else '--dry-run'} goes with --from FILE")
    if text is None:
        raise UsageError(
            "pm event needs TEXT: pm event ID TEXT [--at TIME] [--kind KIND], "
            "or many events: pm event ID --from FILE"
        )
    from pm.vocabulary import event_kind

    kind = event_kind(kind or "note")
    if text == "-":
        text = _stdin_text()
    ws = workspace(no_commit)
    moment = ws.incident_time(postmortem_id, at)
    record = ws.add_event(postmortem_id, text, at=moment, kind=kind)
    output.message(
        f"Added event ({kind}) to {record.postmortem.id} at {ws.describe(moment)}; {committed(ws)}."
    )


def _stdin_text() -> str:
    """The event text piped in for ``pm event ID -``: stdin, without its last line break."""
    import sys

    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError(
            "'-' reads the event text from stdin; pipe it in (echo TEXT | pm event ID -)"
        )
    text = sys.stdin.read().removesuffix("\n").removesuffix("\r")
    if not text.strip():
        raise UsageError("no event text on stdin")
    return text


def _import_events(
    postmortem_id: str, source: str, fmt: str | None, dry_run: bool, no_commit: bool
) -> None:
    import sys

    from pm import importing
    from pm.errors import DataError
    from pm.timeparse import local_text, spoken, typed

    if fmt is not None and fmt not in importing.FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; use one of {', '.join(importing.FORMATS)}")
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        raise DataError(f"cannot read {source}: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{source} is not UTF-8 text") from None
    ws = workspace(no_commit)
    started = ws.get(postmortem_id).postmortem.started  # a bare 14:07 is on the start's day
    day = started.astimezone(ws.tz).date() if started is not None else None
    parsed = importing.parse(text, fmt, ws.tz, ws.now(), day)
    for problem in parsed.errors:
        output.error(problem)
    record, plan = ws.import_events(postmortem_id, parsed, dry_run=dry_run)
    postmortem = record.postmortem
    for imported in plan.new:
        output.line(f"  {local_text(imported.at, ws.tz)}  {imported.kind:<12} {imported.text}")
    count = len(plan.new)
    events = f"{count} new event{'' if count == 1 else 's'}"
    already = f"{plan.already} already recorded"
    skipped = (
        f"; {parsed.skipped} skipped (joins, bots, other log entries)" if parsed.skipped else ""
    )
    if dry_run:
        output.message(
            f"Would import {events} into {postmortem.id} from {parsed.format} ({already}"
            f"{skipped}); --dry-run: nothing written."
        )
    elif not count:
        output.message(f"0 new events; {already}{skipped}; nothing to do.")
    else:
        output.message(
            f"Imported {events} into {postmortem.id} from {parsed.format} ({already}{skipped}); "
            f"{committed(ws)}."
        )
    resolutions = [i for i in parsed.events if i.resolution]
    if resolutions and postmortem.status == "active":
        last = max(resolutions, key=lambda i: i.at)
        output.note(
            f"the {parsed.format} import says the incident was resolved at "
            f"{spoken(last.at, ws.tz)}; kept as a note: pm resolves only when told: "
            f"pm resolve {postmortem.id} --at {typed(last.at, ws.tz)}"
        )


def event_edit(
    postmortem_id: str,
    number: str,
    at: str | None,
    kind: str | None,
    text: str | None,
    no_commit: bool,
) -> None:
    from pm.vocabulary import event_kind, item_number

    n = item_number(number, "event")
    kind = None if kind is None else event_kind(kind)
    ws = workspace(no_commit)
    record, changes, now = ws.edit_event(postmortem_id, n, at=at, kind=kind, text=text)
    for change in changes:
        output.message(f"  {change.line()}")
    moved = f" (now event {now})" if now != n else ""
    output.message(f"Edited event {n}{moved} of {record.postmortem.id}; {committed(ws)}.")


def event_rm(postmortem_id: str, number: str, no_commit: bool) -> None:
    from pm.vocabulary import item_number

    n = item_number(number, "event")
    ws = workspace(no_commit)
    record, removed = ws.remove_event(postmortem_id, n)
    output.message(
        f"Removed event {n} ({removed.kind}: {removed.text}) from "
        f"{record.postmortem.id}; {committed(ws)}."
    )


def resolve(postmortem_id: str, text: str, at: str | None, no_commit: bool) -> None:
    from pm.timeparse import format_duration

    ws = workspace(no_commit)
    moment = ws.incident_time(postmortem_id, at)
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
    status: list[str] | None,
    severity: list[str] | None,
    service: list[str] | None,
    tag: list[str] | None,
    since: str | None,
    fmt: str | None,
    as_json: bool,
) -> None:
    from pm import queries
    from pm.vocabulary import output_format

    fmt = output_format(fmt, as_json, READ_FORMATS, "text")
    ws = reading()
    filters = {"status": status, "severity": severity, "service": service, "tag": tag}
    # Each postmortem becomes its row as it is read: only the rows are held (memory).
    if fmt == "json":
        from pm.render import views

        display = ws.store.display
        summaries, errors, _ = queries.list_shown(
            ws, lambda r: views.summary(r.postmortem, display(r.path)), since=since, **filters
        )
        output.print_json(summaries)
    else:
        from pm.render import tables

        now = ws.now()
        rows, errors, used = queries.list_shown(
            ws, lambda r: tables.list_row(r, now), since=since, **filters
        )
        output.table(tables.LIST_HEADERS, rows)
        if not rows and not errors and output.is_terminal():
            output.message("No postmortems match." if used.any() else "No postmortems yet.")
    unreadable(errors)


def show(postmortem_id: str, fmt: str | None, as_json: bool) -> None:
    from pm import queries
    from pm.vocabulary import output_format

    fmt = output_format(fmt, as_json, READ_FORMATS, "text")
    ws = reading()
    entry, body = queries.view(ws, postmortem_id)
    path = ws.store.display(entry.path)
    from pm.location import merge_stopped

    if merge_stopped(ws.config.root):  # a few stats; git only while a merge is stopped
        from pm import gitrepo

        if path in gitrepo.unmerged(ws.config.root):
            output.warn(f"{path}: {gitrepo.UNMERGED}; resolve it, then git add {path}")
    if fmt == "json":
        from pm.render import views

        output.print_json(views.detail(entry.postmortem, path, ws.now()))
        return
    from pm.render.show import printed, render_similar

    width = None
    if output.is_terminal():
        import shutil  # only for a terminal: it imports the compression modules

        width = shutil.get_terminal_size((80, 24)).columns
    for text in printed(entry.postmortem, path, ws.now(), ws.tz, width):
        output.line(text)
    for text in render_similar(queries.similar_by_cause(ws, entry, body), width):
        output.line(output.safe(text))


def search(text: list[str], limit: int, fmt: str | None, as_json: bool) -> int:
    from pm import queries
    from pm.vocabulary import output_format

    fmt = output_format(fmt, as_json, READ_FORMATS, "text")
    if limit < 1:
        raise UsageError(f"--limit must be 1 or more, not {limit}")
    ws = reading()
    found = queries.search(ws, " ".join(text), limit)
    if fmt == "json":
        from pm.render import views

        output.print_json(
            [
                views.search_hit(hit, entry.postmortem, ws.store.display(entry.path))
                for hit, entry in found.hits
            ]
        )
    else:
        import shutil

        from pm.render import found as render

        terminal = output.is_terminal()
        style = render.mark_style(
            terminal=terminal,
            term=os.environ.get("TERM"),
            no_color=bool(os.environ.get("NO_COLOR")),
        )
        width = shutil.get_terminal_size((80, 24)).columns if terminal else 80
        for line in render.lines([hit for hit, _ in found.hits], width=width, style=style):
            output.line(line)
        if found.total > len(found.hits):
            output.message(f"{len(found.hits)} of {found.total} shown; --limit N shows more.")
    unreadable(found.errors)
    return ExitCode.OK if found.hits else ExitCode.FINDINGS
