"""Commands for the follow-through: action items, review, close, set, log."""

from __future__ import annotations

from typing import Annotated

import typer

from pm import output
from pm.cli import handlers
from pm.cli.app import JsonFlag, NoCommit, app
from pm.cli.incident import TimeOption, _committed, _workspace
from pm.errors import UsageError
from pm.model import ACTION_STATUSES

action_app = typer.Typer(
    name="action",
    help="Action items: add, start, done, wont-do, reopen, list.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(action_app, name="action")

IdArgument = Annotated[str, typer.Argument(metavar="ID", help="Id, prefix or slug.")]
NumberArgument = Annotated[int, typer.Argument(metavar="N", help="The action item's number.")]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="Why (recorded in the commit; kept for wont-do).")
]


@action_app.command("add")
def action_add(
    postmortem_id: IdArgument,
    text: Annotated[str, typer.Argument(help="What will be done, in one line.")],
    owner: Annotated[
        str, typer.Option("--owner", "-o", help="Who owns it (required: a name or team).")
    ],
    priority: Annotated[
        str | None, typer.Option("--priority", "-p", help="P0, P1 (default) or P2.")
    ] = None,
    due: Annotated[
        str | None,
        typer.Option("--due", help="YYYY-MM-DD, +7d, 2w, today... (default: from priority)."),
    ] = None,
    ticket: Annotated[
        str | None, typer.Option("--ticket", help="A tracker reference or URL.")
    ] = None,
    no_commit: NoCommit = False,
) -> None:
    """Add an action item, numbered within the postmortem; prints its number."""
    ws = _workspace(no_commit)
    record, item = ws.add_action(
        postmortem_id, text, owner=owner, priority=priority, due=due, ticket=ticket
    )
    output.line(str(item.number))
    output.message(
        f"Added action item {item.number} ({item.priority}, {item.owner}, due "
        f"{item.due.isoformat()}) to {record.postmortem.id}; {_committed(ws)}."
    )


def _move(postmortem_id: str, number: int, name: str, reason: str | None, no_commit: bool) -> None:
    ws = _workspace(no_commit)
    record, item = ws.action_status(postmortem_id, number, name, reason=reason)
    output.message(
        f"Action item {item.number} of {record.postmortem.id} is {item.status}; {_committed(ws)}."
    )


@action_app.command("start")
def action_start(
    postmortem_id: IdArgument,
    number: NumberArgument,
    reason: ReasonOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Mark an open action item in progress."""
    _move(postmortem_id, number, "start", reason, no_commit)


@action_app.command("done")
def action_done(
    postmortem_id: IdArgument,
    number: NumberArgument,
    reason: ReasonOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Mark an action item done; records today's date."""
    _move(postmortem_id, number, "done", reason, no_commit)


@action_app.command("wont-do")
def action_wont_do(
    postmortem_id: IdArgument,
    number: NumberArgument,
    reason: ReasonOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Drop an action item; --reason is required and kept in the file."""
    _move(postmortem_id, number, "wont-do", reason, no_commit)


@action_app.command("reopen")
def action_reopen(
    postmortem_id: IdArgument,
    number: NumberArgument,
    reason: ReasonOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Reopen a done or dropped action item."""
    _move(postmortem_id, number, "reopen", reason, no_commit)


@action_app.command("renumber")
def action_renumber(postmortem_id: IdArgument, no_commit: NoCommit = False) -> None:
    """Give repeated action-item numbers (left by a merge) fresh numbers, in one commit."""
    ws = _workspace(no_commit)
    notes = ws.renumber_actions(postmortem_id)
    if not notes:
        output.message("No repeated action-item numbers; nothing to renumber.")
        return
    output.message(f"Renumbered {len(notes)} action item(s); {_committed(ws)}.")


@action_app.command("list")
def action_list(
    postmortem_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="Only this postmortem's items.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owned by this name.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help=f"One of: {', '.join(ACTION_STATUSES)}.")
    ] = None,
    priority: Annotated[str | None, typer.Option("--priority", "-p")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open items past their due date.")
    ] = False,
    mine: Annotated[
        bool, typer.Option("--mine", help="Owned by you (your git user.name or user.email).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Action items across all postmortems, sorted by due date."""
    from pm import actions, views
    from pm.errors import DataError
    from pm.workspace import ActionFilters

    if status is not None:
        actions.check_status(status)
    ws = _workspace()
    if priority is not None:
        priority = actions.check_priority(priority, ws.config.priorities)
    owners: tuple[str, ...] = (owner,) if owner else ()
    if mine:
        name, email = ws.identity()
        owners += (name, email, email.partition("@")[0])
    filters = ActionFilters(owners=owners, status=status, priority=priority, overdue=overdue)
    rows, errors = ws.find_actions(filters, postmortem_id)
    today = ws.today()
    if as_json:
        output.print_json(
            [
                {
                    "id": record.postmortem.id,
                    **views.action(item, today),
                    "path": ws.store.display(record.path),
                }
                for record, item in rows
            ]
        )
    else:
        output.table(
            ["ID", "#", "OWNER", "PRIORITY", "DUE", "STATUS", "OVERDUE", "ACTION"],
            [
                [
                    record.postmortem.id,
                    str(item.number),
                    item.owner,
                    item.priority,
                    item.due.isoformat(),
                    item.status,
                    str(item.days_overdue(today)),
                    item.text,
                ]
                for record, item in rows
            ],
        )
        if not rows and output.is_terminal():
            output.message("No action items match.")
    seen: set[str] = set()
    for record, _ in rows:
        postmortem = record.postmortem
        if postmortem.id in seen:
            continue  # one check (and at most one warning) per postmortem, not per item
        seen.add(postmortem.id)
        repeated = actions.duplicate_numbers(postmortem)
        if repeated:
            numbers = ", ".join(str(n) for n in repeated)
            output.warn(
                f"{postmortem.id} has repeated action-item numbers ({numbers}) after a merge; "
                f"the next pm change renumbers them (or: pm action renumber {postmortem.id})"
            )
    for error in errors:
        output.error(error.message)
    if errors:
        raise DataError(f"{len(errors)} postmortem file(s) could not be read")


@app.command()
def review(postmortem_id: IdArgument, at: TimeOption = None, no_commit: NoCommit = False) -> None:
    """Record the postmortem review as held (status reviewed) once the document is complete."""
    from pm.cli.showtext import render_similar

    ws = _workspace(no_commit)
    record = ws.review(postmortem_id, at=at)
    output.message(f"Review of {record.postmortem.id} recorded; {_committed(ws)}.")
    # The question reviewers are told to ask: did this root cause bite us before?
    for line in render_similar(record, ws.similar_by_cause):
        output.message(line)


@app.command()
def close(
    postmortem_id: IdArgument,
    force: Annotated[
        bool, typer.Option("--force", help="Close despite open items or a missing review.")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it is closed anyway (with --force).")
    ] = None,
    no_commit: NoCommit = False,
) -> None:
    """Close the postmortem: every action item done or wont-do, the review held if required."""
    ws = _workspace(no_commit)
    record = ws.close(postmortem_id, force=force, reason=reason)
    forced = " (forced)" if force else ""
    output.message(f"Closed {record.postmortem.id}{forced}; {_committed(ws)}.")


@app.command("set")
def set_(
    postmortem_id: IdArgument,
    field: Annotated[
        str,
        typer.Argument(
            metavar="FIELD",
            help="title, severity, impact, services, tags, related, causes or same_cause.",
        ),
    ],
    values: Annotated[
        list[str] | None,
        typer.Argument(metavar="VALUE...", help="The new value; lists take a,b or several values."),
    ] = None,
    add: Annotated[bool, typer.Option("--add", help="Add the values to a list field.")] = False,
    remove: Annotated[
        bool, typer.Option("--remove", help="Remove the values from a list field.")
    ] = False,
    no_commit: NoCommit = False,
) -> None:
    """Change one front-matter field; the commit says the old and the new value."""
    if add and remove:
        raise UsageError("use --add or --remove, not both")
    if not values:
        raise UsageError(f"give a value for {field} ('' clears a list)")
    ws = _workspace(no_commit)
    mode = "add" if add else "remove" if remove else "set"
    record, edit = ws.set_field(postmortem_id, field, values, mode=mode)
    postmortem = record.postmortem
    output.message(
        f"Set {edit.field} of {postmortem.id}: {edit.old} -> {edit.new}; {_committed(ws)}."
    )
    if edit.field == "severity":
        due = postmortem.review.due
        if postmortem.review.held:
            output.message("The review was already held.")
        elif due:
            output.message(f"Postmortem review due {due.isoformat()}.")
        elif not ws.config.requires_review(postmortem.severity):
            output.message(f"{postmortem.severity} requires no postmortem review.")
        else:
            output.message("The review due date is set when the incident is resolved.")


@app.command()
def log(postmortem_id: IdArgument, as_json: JsonFlag = False) -> None:
    """The audit trail: every commit that touched the file, with its author and operation."""
    handlers.show_log(postmortem_id, as_json=as_json)
