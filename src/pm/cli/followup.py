"""The bodies of the commands for the follow-through: action items, review, close, set,
log, related.

Each is called with the parameters ``commands.py`` declares: it checks what only the
command line can get wrong, calls the Python API (``Workspace``, ``pm.queries``) and
prints the result (``pm.render``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pm.cli.shared import committed, reading, unreadable, workspace
from pm.errors import UsageError
from pm.render import output

if TYPE_CHECKING:
    from pm.lifecycle import ReviewState
    from pm.workspace import Workspace

READ_FORMATS = ("text", "json")  # pm action list and pm log: -f/--format, and --json


def action_add(
    postmortem_id: str,
    text: str,
    owner: str,
    priority: str | None,
    due: str | None,
    ticket: str | None,
    no_commit: bool,
) -> None:
    ws = workspace(no_commit)
    record, item = ws.add_action(
        postmortem_id, text, owner=owner, priority=priority, due=due, ticket=ticket
    )
    output.line(str(item.number))
    output.message(
        f"Added action item {item.number} ({item.priority}, {item.owner}, due "
        f"{item.due.isoformat()}) to {record.postmortem.id}; {committed(ws)}."
    )


def _move(
    postmortem_id: str,
    number: str,
    name: str,
    reason: str | None,
    no_commit: bool,
    on: str | None = None,
) -> None:
    from pm.vocabulary import item_number

    n = item_number(number)
    ws = workspace(no_commit)
    record, item = ws.action_status(postmortem_id, n, name, reason=reason, on=on)
    status = f"done on {item.done.isoformat()}" if on and item.done else item.status
    output.message(
        f"Action item {item.number} of {record.postmortem.id} is {status}; {committed(ws)}."
    )


def action_start(postmortem_id: str, number: str, reason: str | None, no_commit: bool) -> None:
    _move(postmortem_id, number, "start", reason, no_commit)


def action_done(
    postmortem_id: str, number: str, reason: str | None, on: str | None, no_commit: bool
) -> None:
    _move(postmortem_id, number, "done", reason, no_commit, on)


def action_wont_do(postmortem_id: str, number: str, reason: str | None, no_commit: bool) -> None:
    _move(postmortem_id, number, "wont-do", reason, no_commit)


def action_reopen(postmortem_id: str, number: str, reason: str | None, no_commit: bool) -> None:
    _move(postmortem_id, number, "reopen", reason, no_commit)


def action_edit(
    postmortem_id: str,
    number: str,
    text: str | None,
    owner: str | None,
    priority: str | None,
    due: str | None,
    ticket: str | None,
    no_commit: bool,
) -> None:
    from pm.vocabulary import item_number

    n = item_number(number)
    ws = workspace(no_commit)
    record, item, changes = ws.edit_action(
        postmortem_id, n, text=text, owner=owner, priority=priority, due=due, ticket=ticket
    )
    for change in changes:
        output.message(f"  {change.line()}")
    output.message(f"Edited action item {item.number} of {record.postmortem.id}; {committed(ws)}.")
    if priority is not None and due is None and any(c.field == "priority" for c in changes):
        output.message(f"The due date stays {item.due.isoformat()} (to change it: --due DATE).")


def action_rm(postmortem_id: str, number: str, no_commit: bool) -> None:
    from pm.vocabulary import item_number

    n = item_number(number)
    ws = workspace(no_commit)
    record, item = ws.remove_action(postmortem_id, n)
    output.message(
        f"Removed action item {item.number} ({item.text}) from {record.postmortem.id}; "
        f"number {item.number} is not used again; {committed(ws)}."
    )


def action_renumber(postmortem_id: str, no_commit: bool) -> None:
    ws = workspace(no_commit)
    notes = ws.renumber_actions(postmortem_id)
    if not notes:
        output.message("No repeated action-item numbers; nothing to renumber.")
        return
    output.message(f"Renumbered {len(notes)} action item(s); {committed(ws)}.")


def action_list(
    postmortem_id: str | None,
    owner: list[str] | None,
    status: list[str] | None,
    priority: list[str] | None,
    overdue: bool,
    mine: bool,
    fmt: str | None,
    as_json: bool,
) -> None:
    from pm import queries
    from pm.render import tables, views
    from pm.vocabulary import output_format

    fmt = output_format(fmt, as_json, READ_FORMATS, "text")
    ws = reading()
    found = queries.action_rows(
        ws,
        postmortem_id,
        owner=owner,
        status=status,
        priority=priority,
        overdue=overdue,
        mine=mine,
    )
    if fmt == "json":
        output.print_json(
            [
                views.action_row(place.id, item, found.today, ws.store.display(place.path))
                for place, item in found.rows
            ]
        )
    else:
        output.table(tables.ACTION_HEADERS, tables.action_rows(found.rows, found.today))
        if not found.rows and output.is_terminal():
            output.message("No action items match.")
    for repeated_id, repeated in found.repeated.items():
        numbers = ", ".join(str(n) for n in repeated)
        output.warn(
            f"{repeated_id} has repeated action-item numbers ({numbers}) after a merge; "
            f"the next pm change renumbers them (or: pm action renumber {repeated_id})"
        )
    unreadable(found.errors)


def review(postmortem_id: str, at: str | None, no_commit: bool) -> None:
    from pm import queries
    from pm.lifecycle import days_review_late
    from pm.render.show import render_similar

    ws = workspace(no_commit)
    moment = ws.parse_time(at)
    record = ws.review(postmortem_id, at=moment)
    postmortem = record.postmortem
    due, late = postmortem.review.due, days_review_late(postmortem, ws.tz)
    if due is None or late is None:
        timing = ""
    elif late == 0:
        timing = f", on time (due {due.isoformat()})"
    else:
        days = "1 day" if late == 1 else f"{late} days"
        timing = f", {days} after it was due on {due.isoformat()}"
    output.message(
        f"Review of {postmortem.id} recorded, held {ws.describe(moment)}{timing}; {committed(ws)}."
    )
    # The question reviewers are told to ask: did this root cause bite us before?
    for line in render_similar(queries.similar_by_cause(ws, record, record.document.body)):
        output.message(line)


def close(postmortem_id: str, force: bool, reason: str | None, no_commit: bool) -> None:
    ws = workspace(no_commit)
    record = ws.close(postmortem_id, force=force, reason=reason)
    forced = " (forced)" if force else ""
    output.message(f"Closed {record.postmortem.id}{forced}; {committed(ws)}.")


_REVIEW_AFTER_SEVERITY: dict[ReviewState, str] = {
    "held": "The review was already held.",
    "due": "Postmortem review due {due}.",
    "not-required": "{severity} requires no postmortem review.",
    "on-resolve": "The review due date is set when the incident is resolved.",
}


def _echo_time(ws: Workspace, value: str) -> str:
    from datetime import datetime

    return value if value == "none" else ws.describe(datetime.fromisoformat(value))


def set_field(
    postmortem_id: str,
    field: str,
    values: list[str] | None,
    add: bool,
    remove: bool,
    no_commit: bool,
) -> None:
    if add and remove:
        raise UsageError("use --add or --remove, not both")
    if not values:
        raise UsageError(f"give a value for {field} ('' clears a list)")
    ws = workspace(no_commit)
    mode = "add" if add else "remove" if remove else "set"
    result = ws.set_field(postmortem_id, field, values, mode=mode)
    postmortem, edit = result.record.postmortem, result.edit
    old, new = edit.old, edit.new
    from pm.fields import TIME_FIELDS

    if edit.field in TIME_FIELDS:  # the commit keeps UTC; people read the time as echoed
        old, new = (_echo_time(ws, value) for value in (old, new))
    output.message(f"Set {edit.field} of {postmortem.id}: {old} -> {new}; {committed(ws)}.")
    if result.review is not None:
        due = postmortem.review.due
        output.message(
            _REVIEW_AFTER_SEVERITY[result.review].format(
                due=due.isoformat() if due else "", severity=postmortem.severity
            )
        )


def log(postmortem_id: str, fmt: str | None, as_json: bool) -> None:
    """``pm log``: the audit trail of one file (on the fast path: git is the cost)."""
    from pm import queries
    from pm.vocabulary import output_format

    fmt = output_format(fmt, as_json, READ_FORMATS, "text")
    ws = reading()
    history = queries.log(ws, postmortem_id)
    if history.shallow:
        output.warn(
            "this clone is shallow, so the history shown may be cut short (its oldest "
            "commit can look like the file's creation); fetch it all with git fetch "
            "--unshallow (GitHub Actions: actions/checkout with fetch-depth: 0)"
        )
    if fmt == "json":
        from pm.render import views

        output.print_json([views.log_entry(entry) for entry in history.entries])
        return
    from pm.render import tables

    headers = tables.log_headers(history.entries, ws.tz, ws.now())
    if output.table_width(len(history.entries)) is None:  # a pipe: whole subjects
        output.table(headers, tables.log_rows(history.entries, ws.tz))
    else:  # a terminal: the change alone, as the id is the command's own
        of = history.path.stem
        rows = tables.log_rows(history.entries, ws.tz, of)
        output.table(tables.change_headers(headers), rows)
    if not history.entries:
        output.message(f"{history.path.stem} has no commits yet.")


def related(
    postmortem_id: str, other: str, same_cause: bool, remove: bool, no_commit: bool
) -> None:
    ws = workspace(no_commit)
    what = " as sharing a cause" if same_cause else ""
    if remove:
        first, second, changed = ws.unrelate(postmortem_id, other, same_cause_only=same_cause)
        done, unchanged = "Unlinked", "not related"
    else:
        first, second, changed = ws.relate(postmortem_id, other, same_cause=same_cause)
        done, unchanged = "Related", "already related"
    a, b = first.postmortem.id, second.postmortem.id
    if not changed:
        output.message(f"{a} and {b} are {unchanged}{what}; nothing to do.")
        return
    output.message(f"{done} {a} and {b}{what}; {committed(ws)}.")
