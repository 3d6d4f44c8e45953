"""Every pm command, declared once: its name, arguments, options and help, for Typer.

A declaration is a signature and a docstring, nothing else. ``command`` registers it with
Typer and names its body: the one plain function that runs the command, with the same
parameters, in ``incident``, ``followup``, ``reports`` or ``checks``. Typer parses and
calls the body; for ``fast=True`` commands the fast path (``fast.py``) parses instead,
from a table ``python -m pm.cli.fastgen`` generates from these declarations (a test says
when it is stale). To change what a command does, edit its body; its options, here.

The order here is the order of ``pm --help``: the incident as it happens, then the
follow-through, then reports and the CI checks, then what git runs (hidden from help).

Length: every command's declaration, by design in one module (the CLI declared once);
each is a signature and a docstring, and the bodies live elsewhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from pm.cli import (
    checks,
    completion,
    followup,
    incident,
    maintenance,
    meeting,
    reports,
    tracking,
)
from pm.cli.app import ActionGroup, DefaultGroup, JsonFlag, NoCommit, ReviewGroup, app
from pm.cli.helping import PmCommand, help_
from pm.cli.shared import call
from pm.model import ACTION_STATUSES, EVENT_KINDS, STATUSES
from pm.records import datarecord

Declaration = TypeVar("Declaration", bound=Callable[..., None])


@datarecord(frozen=True)
class Declared:
    """A registered command: its words (``("action", "add")``), its body, fast or not."""

    words: tuple[str, ...]
    body: str  # "module:function"
    fast: bool


DECLARED: list[Declared] = []


def command(
    name: str,
    body: Callable[..., Any],
    *,
    group: typer.Typer = app,
    fast: bool = False,
    hidden: bool = False,
) -> Callable[[Declaration], Declaration]:
    """Register the declaration below as ``pm [GROUP] NAME``, running ``body``.

    ``fast`` puts the command on the fast path (then run ``python -m pm.cli.fastgen``);
    ``hidden`` leaves it out of ``pm --help`` (a command git runs, not people).
    The docstring is the help: a one-line summary (``pm --help`` lists it whole: keep it
    under 60 characters), a paragraph or two, and ``Examples:`` with the commands people
    run most, one a line (``helping.py`` prints them as written).
    """
    words = (name,) if group is app else (str(group.info.name), name)
    ref = f"{body.__module__}:{body.__name__}"

    def register(declaration: Declaration) -> Declaration:
        @functools.wraps(declaration)  # Typer reads the declaration's signature and help
        def run(**params: Any) -> None:
            code = call(ref, params)
            if code:
                raise typer.Exit(code)

        group.command(name, hidden=hidden, cls=PmCommand)(run)
        DECLARED.append(Declared(words, ref, fast))
        return declaration

    return register


IdArgument = Annotated[
    str,
    typer.Argument(metavar="ID", help="Id, prefix or slug.", autocompletion=completion.ids),
]


def format_option(*names: str, default: str = "text") -> Any:
    """``-f/--format``, the one option every read command chooses its output with (the
    names are checked, any case, by ``vocabulary.output_format``; ``--json`` is short)."""
    return typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help=f"One of: {', '.join(names)} (default: {default}; --json is short for json).",
    )


def many_option(
    *names: str, metavar: str, help: str, autocompletion: Callable[..., Any] | None = None
) -> Any:
    """A filter taking several values: repeated, or as a comma list (``SEV-1,SEV-2``)."""
    return typer.Option(
        *names,
        metavar=metavar,
        help=f"{help} Several: a,b or repeat it.",
        autocompletion=autocompletion,
    )


Filter = list[str] | None
TimeOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        metavar="TIME",
        help="When it happened, in your zone: 14:05, 2:30pm, 'yesterday 23:30', 13:46Z, "
        "2024-01-15T14:05-08:00, '15m ago' (default: now).",
    ),
]

# --- the incident -----------------------------------------------------------------------------


@command("init", incident.init)
def init() -> None:
    """Set up the repository and this clone's merge driver.

    Creates the postmortems folder, .pm.toml and .gitattributes and commits them; run it
    once in every clone (git does not clone the merge driver's config).

    Examples:
      pm init
      git clone git@example.com:team/postmortems.git && cd postmortems && pm init
    """


@command("open", incident.open_, fast=True)
def open_(
    title: Annotated[
        str, typer.Argument(metavar="TITLE", help="A one-line description of the incident.")
    ],
    severity: Annotated[
        str,
        typer.Option(
            "--severity",
            "-s",
            metavar="SEV",
            help="SEV-1, SEV-2, SEV-3...",
            autocompletion=completion.severities,
        ),
    ],
    service: Annotated[
        list[str] | None,
        typer.Option("--service", metavar="SERVICE", help="An affected service (repeatable)."),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", metavar="TAG", help="A tag (repeatable).")
    ] = None,
    impact: Annotated[
        str, typer.Option("--impact", metavar="TEXT", help="Who or what is affected.")
    ] = "",
    started: Annotated[
        str | None,
        typer.Option("--started", metavar="TIME", help="When it started (default: now)."),
    ] = None,
    detected: Annotated[
        str | None, typer.Option("--detected", metavar="TIME", help="When it was detected.")
    ] = None,
    edit: Annotated[
        bool, typer.Option("--edit", help="Open the new file in $VISUAL/$EDITOR first.")
    ] = False,
    branch: Annotated[
        bool,
        typer.Option(
            "--branch", help="Commit it on a new branch, postmortem/ID, for a pull request."
        ),
    ] = False,
    no_commit: NoCommit = False,
) -> None:
    """Open a postmortem for a new incident and commit it.

    The postmortem is active, with a started event (and a detected one with --detected);
    pm prints its id and path. With --branch pm first switches to a new branch,
    postmortem/ID, so the postmortem is reviewed in a pull request.

    Examples:
      pm open "Checkout returns 502s" -s SEV-2 --service checkout
      pm open "Database pool exhausted" -s SEV-1 --started 14:05 --detected 14:12
      pm open "Login is slow" -s SEV-3 --branch
    """


event_app = typer.Typer(
    name="event",
    cls=DefaultGroup,
    help="""The timeline: add events, or correct one (edit, rm).

    pm event ID TEXT adds an event (the same as pm event add ID TEXT); the timeline is
    kept sorted by time. pm event ID --from FILE imports many. edit and rm correct an
    event by its number in pm show.

    Examples:
      pm event 2024-01-15-database "Paged the on-call" -k acknowledged
      pm event 2024-01-15-database --from slack-export.json
      pm event edit 2024-01-15-database 3 --at 14:14
    """,
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(event_app, name="event")
EventNumber = Annotated[
    str, typer.Argument(metavar="N", help="The event's number, as pm show prints it (2 or #2).")
]


@command("add", incident.event, group=event_app, fast=True)
def event(
    postmortem_id: IdArgument,
    text: Annotated[
        str | None,
        typer.Argument(
            metavar="[TEXT]",
            help="What happened ('-' reads it from stdin; required unless --from).",
        ),
    ] = None,
    at: TimeOption = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            "-k",
            metavar="KIND",
            help=f"One of: {', '.join(EVENT_KINDS)} (any case; ack, mit...; default: note).",
            autocompletion=completion.kinds,
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="FILE",
            help="Import many events in one commit from FILE (- for stdin): TIME TEXT lines, "
            "a Slack export or PagerDuty log entries.",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="With --from: lines, slack or pagerduty (default: detected).",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="With --from: show what would be added; write nothing."),
    ] = False,
    no_commit: NoCommit = False,
) -> None:
    """Add an event to the timeline (also: pm event ID TEXT).

    With --from, many events in one commit: TIME TEXT lines, a Slack export or PagerDuty
    log entries.

    Examples:
      pm event 2024-01-15-database "Rolled back deploy 4521" -k mitigated
      pm event add 2024-01-15-database "Traffic normal again" --at "15m ago"
      pm event 2024-01-15-database --from notes.txt --dry-run
    """


@command("edit", incident.event_edit, group=event_app, fast=True)
def event_edit(
    postmortem_id: IdArgument,
    number: EventNumber,
    at: Annotated[str | None, typer.Option("--at", metavar="TIME", help="The new time.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            "-k",
            metavar="KIND",
            help=f"The new kind: {', '.join(EVENT_KINDS)}.",
            autocompletion=completion.kinds,
        ),
    ] = None,
    text: Annotated[
        str | None, typer.Option("--text", metavar="TEXT", help="The new text.")
    ] = None,
    no_commit: NoCommit = False,
) -> None:
    """Correct an event's time, kind or text.

    The commit says the old and the new value; a new time moves the event to its place.

    Examples:
      pm event edit 2024-01-15-database 3 --at 14:14
      pm event edit 2024-01-15-database 3 --text "Paged the on-call (alice)"
    """


@command("rm", incident.event_rm, group=event_app, fast=True)
def event_rm(postmortem_id: IdArgument, number: EventNumber, no_commit: NoCommit = False) -> None:
    """Remove an event (never the start).

    A resolution goes with pm reopen; the start moves with pm set ID started TIME.

    Examples:
      pm event rm 2024-01-15-database 4
    """


@command("resolve", incident.resolve, fast=True)
def resolve(
    postmortem_id: IdArgument,
    text: Annotated[str, typer.Argument(metavar="[TEXT]", help="How it was resolved.")] = "",
    at: TimeOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Mark the incident resolved and print its duration.

    Sets the review's due date when the severity requires a review.

    Examples:
      pm resolve 2024-01-15-database "Error rate back to baseline"
      pm resolve 2024-01-15-database --at 16:05
    """


@command("edit", incident.edit)
def edit(postmortem_id: IdArgument, no_commit: NoCommit = False) -> None:
    """Edit the postmortem in $VISUAL or $EDITOR.

    A valid save is committed as your hand edit.

    Examples:
      pm edit 2024-01-15-database
      EDITOR=nano pm edit 2024-01-15-database
    """


@command("reopen", incident.reopen)
def reopen(
    postmortem_id: IdArgument,
    reason: Annotated[
        str,
        typer.Option("--reason", metavar="TEXT", help="Why the incident is not over (required)."),
    ] = "",
    no_commit: NoCommit = False,
) -> None:
    """Reopen a resolved incident that flared up again.

    It is active again; its resolution is kept as a note.

    Examples:
      pm reopen 2024-01-15-database --reason "Errors are back after the rollback"
    """


@command("list", incident.list_postmortems, fast=True)
def list_(
    status: Annotated[
        Filter,
        many_option(
            "--status",
            metavar="STATUS",
            help=f"One of: {', '.join(STATUSES)}.",
            autocompletion=completion.statuses,
        ),
    ] = None,
    severity: Annotated[
        Filter,
        many_option(
            "--severity",
            "-s",
            metavar="SEV",
            help="A severity: SEV-1 (any case).",
            autocompletion=completion.severities,
        ),
    ] = None,
    service: Annotated[
        Filter, many_option("--service", metavar="SERVICE", help="Affecting this service.")
    ] = None,
    tag: Annotated[Filter, many_option("--tag", metavar="TAG", help="With this tag.")] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Started on or after: 2024-01-15, 2024-Q3, last-month, 90d (back).",
        ),
    ] = None,
    fmt: Annotated[str | None, format_option(*incident.READ_FORMATS)] = None,
    as_json: JsonFlag = False,
) -> None:
    """List postmortems, oldest first (by start time).

    Files pm cannot read are named on stderr (exit 3).

    Examples:
      pm list
      pm list --status active
      pm list -s SEV-1,SEV-2 --since 90d --json
    """


@command("show", incident.show, fast=True)
def show(
    postmortem_id: IdArgument,
    fmt: Annotated[str | None, format_option(*incident.READ_FORMATS)] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show one postmortem with its metrics.

    The duration, and the time to detect, acknowledge, mitigate and resolve.

    Examples:
      pm show 2024-01-15-database
      pm show 2024-01-15-database --json
    """


@command("search", incident.search, fast=True)
def search(
    text: Annotated[
        list[str],
        typer.Argument(metavar="TEXT", help='Words to find (all of them ranks first); "a phrase".'),
    ],
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", help="Show at most N postmortems.")
    ] = 20,
    fmt: Annotated[str | None, format_option(*incident.READ_FORMATS)] = None,
    as_json: JsonFlag = False,
) -> None:
    """Find postmortems by the words in them, best match first.

    Titles, impact, prose, the timeline and action items are searched. Ranked: title
    matches first, then impact, then the rest; postmortems with every word before those
    with some. Exit 1 when nothing matches.

    Examples:
      pm search "connection pool"
      pm search dns timeout --json
    """


# --- the follow-through -----------------------------------------------------------------------

action_app = typer.Typer(
    name="action",
    cls=ActionGroup,
    help="""Action items: add, start, done, list, export, verify and more.

    Examples:
      pm action add 2024-01-15-database "Alert on pool usage" --owner alice -p P0
      pm action done 2024-01-15-database 1
      pm action list --mine
    """,
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(action_app, name="action")

NumberArgument = Annotated[
    str, typer.Argument(metavar="N", help="The action item's number (2 or #2).")
]
ReasonOption = Annotated[
    str | None,
    typer.Option(
        "--reason", metavar="TEXT", help="Why (recorded in the commit; kept for wont-do)."
    ),
]


@command("add", followup.action_add, group=action_app, fast=True)
def action_add(
    postmortem_id: IdArgument,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What will be done, in one line.")],
    owner: Annotated[
        str,
        typer.Option("--owner", metavar="NAME", help="Who owns it (required: a name or team)."),
    ],
    priority: Annotated[
        str | None,
        typer.Option("--priority", "-p", metavar="PRIORITY", help="P0, P1 (default) or P2."),
    ] = None,
    due: Annotated[
        str | None,
        typer.Option(
            "--due",
            metavar="DATE",
            help="YYYY-MM-DD, +7d, 2w, 3mo, today... (default: from priority).",
        ),
    ] = None,
    ticket: Annotated[
        str | None, typer.Option("--ticket", metavar="REF", help="A tracker reference or URL.")
    ] = None,
    no_commit: NoCommit = False,
) -> None:
    """Add an action item; prints its number.

    Items are numbered within the postmortem; the due date follows the priority.

    Examples:
      pm action add 2024-01-15-database "Alert on pool usage" --owner alice -p P0
      pm action add 2024-01-15-database "Load-test the pool" --owner dba --due +14d
    """


@command("start", followup.action_start, group=action_app, fast=True)
def action_start(
    postmortem_id: IdArgument,
    number: NumberArgument,
    reason: ReasonOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Mark an open action item in progress.

    Examples:
      pm action start 2024-01-15-database 1
    """


@command("done", followup.action_done, group=action_app, fast=True)
def action_done(
    postmortem_id: IdArgument,
    number: NumberArgument,
    reason: ReasonOption = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on", metavar="DATE", help="The day it was finished, if not today (YYYY-MM-DD)."
        ),
    ] = None,
    no_commit: NoCommit = False,
) -> None:
    """Mark an action item done (today, or the --on date).

    Examples:
      pm action done 2024-01-15-database 1
      pm action done 2024-01-15-database '#2' --on 2024-01-19
    """


@command("wont-do", followup.action_wont_do, group=action_app)
def action_wont_do(
    postmortem_id: IdArgument,
    number: NumberArgument,
    reason: ReasonOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Drop an action item; --reason is required and kept.

    Examples:
      pm action wont-do 2024-01-15-database 3 --reason "Replaced by item 4"
    """


@command("reopen", followup.action_reopen, group=action_app)
def action_reopen(
    postmortem_id: IdArgument,
    number: NumberArgument,
    reason: ReasonOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Reopen a done or dropped action item.

    Examples:
      pm action reopen 2024-01-15-database 2 --reason "The alert never fired"
    """


@command("edit", followup.action_edit, group=action_app)
def action_edit(
    postmortem_id: IdArgument,
    number: NumberArgument,
    text: Annotated[
        str | None, typer.Option("--text", metavar="TEXT", help="The new text.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="NAME", help="The new owner.")
    ] = None,
    priority: Annotated[
        str | None,
        typer.Option(
            "--priority",
            "-p",
            metavar="PRIORITY",
            help="The new priority (keeps the due date).",
        ),
    ] = None,
    due: Annotated[
        str | None,
        typer.Option("--due", metavar="DATE", help="The new due date: YYYY-MM-DD, +7d, 2w..."),
    ] = None,
    ticket: Annotated[
        str | None,
        typer.Option("--ticket", metavar="REF", help="The new ticket ('' removes it)."),
    ] = None,
    no_commit: NoCommit = False,
) -> None:
    """Correct an action item's text, owner, priority, due or ticket.

    The commit says each old and new value.

    Examples:
      pm action edit 2024-01-15-database 1 --owner bob
      pm action edit 2024-01-15-database 1 --due 2024-02-01 --ticket OPS-123
    """


@command("rm", followup.action_rm, group=action_app)
def action_rm(
    postmortem_id: IdArgument, number: NumberArgument, no_commit: NoCommit = False
) -> None:
    """Remove an action item (a duplicate).

    Its number is never used again.

    Examples:
      pm action rm 2024-01-15-database 4
    """


@command("renumber", followup.action_renumber, group=action_app)
def action_renumber(postmortem_id: IdArgument, no_commit: NoCommit = False) -> None:
    """Give repeated action-item numbers fresh ones.

    A merge can leave two items with one number; this renumbers them in one commit.

    Examples:
      pm action renumber 2024-01-15-database
    """


@command("list", followup.action_list, group=action_app, fast=True)
def action_list(
    postmortem_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="Only this postmortem's items.")
    ] = None,
    owner: Annotated[
        Filter, many_option("--owner", metavar="NAME", help="Owned by this name.")
    ] = None,
    status: Annotated[
        Filter,
        many_option("--status", metavar="STATUS", help=f"One of: {', '.join(ACTION_STATUSES)}."),
    ] = None,
    priority: Annotated[
        Filter,
        many_option(
            "--priority", "-p", metavar="PRIORITY", help="A priority: P0, P1, P2 (any case)."
        ),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open items past their due date.")
    ] = False,
    mine: Annotated[
        bool, typer.Option("--mine", help="Owned by you (your git user.name or user.email).")
    ] = False,
    fmt: Annotated[str | None, format_option(*followup.READ_FORMATS)] = None,
    as_json: JsonFlag = False,
) -> None:
    """Action items across all postmortems, by due date.

    Examples:
      pm action list --mine
      pm action list --overdue
      pm action list 2024-01-15-database
    """


@command("export", tracking.action_export, group=action_app)
def action_export(
    postmortem_id: IdArgument,
    numbers: Annotated[
        list[str] | None,
        typer.Argument(metavar="[N]...", help="Only these items (default: every open one)."),
    ] = None,
    to: Annotated[
        str, typer.Option("--to", metavar="TRACKER", help="github, gitlab or jira.")
    ] = "github",
    create: Annotated[
        bool,
        typer.Option("--create", help="File them with gh or glab and record each ticket."),
    ] = False,
    repo: Annotated[
        str | None,
        typer.Option("--repo", metavar="REPO", help="OWNER/REPO to file in (with --create)."),
    ] = None,
) -> None:
    """Open action items as tracker issues (JSON), or file them.

    Title, markdown body linking back to the postmortem, labels and the assignee
    ([people] in .pm.toml). Items with a ticket are skipped. --create runs gh or glab
    and records each created issue as the item's ticket, one commit per item.

    Examples:
      pm action export 2024-01-15-database --to github
      pm action export 2024-01-15-database 2 --to gitlab --create
    """


@command("verify", tracking.action_verify, group=action_app)
def action_verify(
    repo: Annotated[
        str | None,
        typer.Option("--repo", metavar="REPO", help="The repository's folder (default: this one)."),
    ] = None,
    branch: Annotated[
        str | None,
        typer.Option("--branch", metavar="BRANCH", help="The branch to read (default: HEAD)."),
    ] = None,
) -> None:
    """Close items named by Pm-Action trailers on a branch.

    A commit whose message ends with the trailer `Pm-Action: ID#N` does item N: it is
    marked done with the evidence (repository, commit, date), one commit per item. A
    fix since reverted, or no longer on the branch, opens the item again. Run it in CI
    after each merge; a second run changes nothing.

    Examples:
      pm action verify --repo ../payments-api --branch main
      pm action verify
    """


review_app = typer.Typer(
    name="review",
    cls=ReviewGroup,
    help="""The review meeting: record it held, or schedule it (schedule).

    pm review ID records the review as held (the same as pm review held ID); pm review
    schedule ID --at TIME schedules it and writes a calendar invite. For a postmortem
    whose slug is held or schedule, give its full id.

    Examples:
      pm review 2024-01-15-database
      pm review schedule 2024-01-15-database --at "tomorrow 15:00"
    """,
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(review_app, name="review")


@command("held", followup.review, group=review_app)
def review(postmortem_id: IdArgument, at: TimeOption = None, no_commit: NoCommit = False) -> None:
    """Record the postmortem review as held (status reviewed).

    The document must be complete first. Also: pm review ID.

    Examples:
      pm review 2024-01-15-database
      pm review held 2024-01-15-database --at "yesterday 15:00"
    """


@command("schedule", meeting.review_schedule, group=review_app)
def review_schedule(
    postmortem_id: IdArgument,
    at: Annotated[
        str,
        typer.Option(
            "--at",
            metavar="TIME",
            help="When the meeting starts, in your zone: 'tomorrow 15:00', "
            "'2024-01-22 10:00', 16:30 (today).",
        ),
    ],
    duration: Annotated[
        str,
        typer.Option("--duration", metavar="DURATION", help="How long: 30m, 1h, 1h30m."),
    ] = "60m",
    attendees: Annotated[
        list[str] | None,
        many_option(
            "--attendees",
            metavar="WHO",
            help="Also invite: names in [people] of .pm.toml or email addresses.",
        ),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the invite here; - for stdout (default: ID-review.ics).",
        ),
    ] = None,
    no_commit: NoCommit = False,
) -> None:
    """Schedule the review meeting and write its invite (.ics).

    Records review.scheduled in one commit and writes an iCalendar invite for the
    action-item owners, the authors of the file's commits and [review] attendees.
    Running it again reschedules: the same event (UID), a higher SEQUENCE.

    Examples:
      pm review schedule 2024-01-15-database --at "tomorrow 15:00"
      pm review schedule 2024-01-15-database --at "2024-01-22 10:00" --duration 45m
      pm review schedule 2024-01-15-database --at 16:00 --attendees bob -o -
    """


@command("close", followup.close)
def close(
    postmortem_id: IdArgument,
    force: Annotated[
        bool, typer.Option("--force", help="Close despite open items or a missing review.")
    ] = False,
    reason: Annotated[
        str | None,
        typer.Option("--reason", metavar="TEXT", help="Why it is closed anyway (with --force)."),
    ] = None,
    no_commit: NoCommit = False,
) -> None:
    """Close the postmortem.

    Every action item must be done or wont-do, and the review held if the severity
    requires one; --force --reason closes it anyway.

    Examples:
      pm close 2024-01-15-database
      pm close 2024-01-15-database --force --reason "Items moved to the Q3 plan"
    """


@command("set", followup.set_field)
def set_(
    postmortem_id: IdArgument,
    field: Annotated[
        str,
        typer.Argument(
            metavar="FIELD",
            help=(
                "title, severity, impact, services, tags, related, causes, same_cause, "
                "started or detected (a time: moves that event), impact_minutes."
            ),
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
    """Change one front-matter field.

    The commit says the old and the new value; started and detected move their events.

    Examples:
      pm set 2024-01-15-database severity SEV-2
      pm set 2024-01-15-database tags capacity --add
      pm set 2024-01-15-database started 13:58
    """


@command("log", followup.log, fast=True)
def log(
    postmortem_id: IdArgument,
    fmt: Annotated[str | None, format_option(*followup.READ_FORMATS)] = None,
    as_json: JsonFlag = False,
) -> None:
    """The audit trail: every commit that touched the postmortem.

    Each with its author and pm's operation.

    Examples:
      pm log 2024-01-15-database
      pm log 2024-01-15-database --json
    """


# --- reports and the CI checks ----------------------------------------------------------------


@command("report", reports.report, fast=True)
def report(
    postmortem_id: Annotated[
        str | None,
        typer.Argument(metavar="[ID]", help="Report on one postmortem; omit for a period."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Period start (incidents started on or after): 2024-01-15, 2024, 2024-10, "
            "2024-Q3, last-quarter, 90d (back).",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="DATE",
            help="Period end, inclusive (default: today); a period means its last day.",
        ),
    ] = None,
    service: Annotated[
        str | None,
        typer.Option("--service", metavar="SERVICE", help="Only incidents affecting this service."),
    ] = None,
    as_of_commit: Annotated[
        str | None,
        typer.Option(
            "--as-of-commit",
            metavar="REV",
            help="The report as it was at this commit: its files, its config, its time.",
        ),
    ] = None,
    as_of_date: Annotated[
        str | None,
        typer.Option(
            "--as-of-date",
            metavar="DATE",
            help="The report at the end of DATE, from the branch's last commit by then.",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="One of: text, md, html, json, pdf, slack (default: text; md for one ID; "
            "--json is short for json).",
        ),
    ] = None,
    as_json: JsonFlag = False,
    out: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to this file instead of stdout."
        ),
    ] = None,
) -> None:
    """Render a postmortem or a period's incidents for readers.

    For people who were not there: text, markdown, HTML, JSON or PDF.

    Examples:
      pm report 2024-01-15-database
      pm report --since last-quarter -f html -o quarter.html
      pm report --since 2024-Q3 --until 2024-Q3 --as-of-date 2024-09-30
      pm report 2024-01-15-database -f pdf -o database.pdf
    """


@command("site", reports.site)
def site(
    out: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="The folder to build the site in (default: [site] output, _site).",
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Render every page again, changed or not.")
    ] = False,
) -> None:
    """Build a static website of every postmortem.

    Browse, filter and search them offline; a rebuild renders only what changed.

    Examples:
      pm site
      pm site -o public --full
    """


@command("related", followup.related)
def related(
    postmortem_id: IdArgument,
    other: Annotated[str, typer.Argument(metavar="OTHER", help="The incident to link to.")],
    same_cause: Annotated[
        bool,
        typer.Option("--same-cause", help="They share a cause: one recurring-cause group."),
    ] = False,
    remove: Annotated[
        bool,
        typer.Option(
            "--remove", help="Unlink them instead (both sides; with --same-cause only that link)."
        ),
    ] = False,
    no_commit: NoCommit = False,
) -> None:
    """Link two incidents both ways (or unlink them), in one commit.

    Each lists the other under related; --remove takes the link away on both sides.

    Examples:
      pm related 2024-01-15-database 2024-03-02-pool-exhausted
      pm related 2024-01-15-database 2024-03-02-pool-exhausted --same-cause
      pm related 2024-01-15-database 2024-03-02-pool-exhausted --remove
    """


DueWithin = Annotated[
    str | None,
    typer.Option(
        "--due-within",
        metavar="DAYS",
        help="Also list open items due within 3d, 2w (notices: never exit 1).",
    ),
]

# The filters pm overdue and pm notify share (notify posts what overdue finds).
OwnerFilter = Annotated[
    Filter, many_option("--owner", metavar="NAME", help="Only this owner's items.")
]
SeverityFilter = Annotated[
    Filter,
    many_option(
        "--severity",
        "-s",
        metavar="SEV",
        help="Only postmortems of this severity.",
        autocompletion=completion.severities,
    ),
]


@command("overdue", checks.overdue, fast=True)
def overdue(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Judge lateness on this date: 2024-09-30, +7d, 7d ago (default: today).",
        ),
    ] = None,
    owner: OwnerFilter = None,
    severity: SeverityFilter = None,
    fmt: Annotated[str | None, format_option(*checks.OVERDUE_FORMATS)] = None,
    as_json: JsonFlag = False,
    fail_on: Annotated[
        str, typer.Option("--fail-on", metavar="LEVEL", help="Exit 1 on: any, escalated, never.")
    ] = "any",
    due_within: DueWithin = None,
    group_by: Annotated[
        str | None,
        typer.Option(
            "--group-by", metavar="KEY", help="With -f email: owner (one message each, mbox)."
        ),
    ] = None,
) -> None:
    """Late action items, reviews and stale incidents.

    Exits 1 while anything is late (see --fail-on): run it in CI.

    Examples:
      pm overdue
      pm overdue --owner alice
      pm overdue -f github --fail-on escalated
      pm overdue -f slack --due-within 3d
    """


@command("notify", checks.notify)
def notify(
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook", metavar="URL", help="Post here (better: --webhook-env or PM_WEBHOOK_URL)."
        ),
    ] = None,
    webhook_env: Annotated[
        str | None,
        typer.Option("--webhook-env", metavar="NAME", help="Read the URL from this variable."),
    ] = None,
    fmt: Annotated[str | None, format_option(*checks.NOTIFY_FORMATS, default="slack")] = None,
    changed_since: Annotated[
        str | None,
        typer.Option("--changed-since", metavar="REV", help="Only what is new since this commit."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Judge lateness on this date."),
    ] = None,
    owner: OwnerFilter = None,
    severity: SeverityFilter = None,
    due_within: DueWithin = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the message instead of posting it.")
    ] = False,
) -> None:
    """Post what pm overdue finds to a Slack or Teams webhook.

    The URL is never printed. Nothing late: nothing is posted. A failed post exits 6.

    Examples:
      PM_WEBHOOK_URL=https://hooks.slack.com/services/... pm notify --due-within 3d
      pm notify --webhook-env TEAMS_WEBHOOK -f teams
      pm notify --changed-since last-run --dry-run
    """


@command("lint", checks.lint, fast=True)
def lint(
    paths: Annotated[
        list[str] | None,  # not Path: Typer's Path type crashes on a NUL before pm sees it
        typer.Argument(
            metavar="[PATH]...",
            help="Files or folders to check (default: every postmortem); with --changed, BASE.",
        ),
    ] = None,
    fmt: Annotated[str | None, format_option(*checks.LINT_FORMATS)] = None,
    as_json: JsonFlag = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat warnings (blameless language...) as errors.")
    ] = False,
    fix: Annotated[
        bool,
        typer.Option("--fix", help="Sort, adopt typed rows, re-render tables (not committed)."),
    ] = False,
    discard_block_edits: Annotated[
        bool,
        typer.Option("--discard-block-edits", help="With --fix: drop typed rows pm cannot read."),
    ] = False,
    rules: Annotated[bool, typer.Option("--rules", help="List the rules and exit.")] = False,
    changed: Annotated[
        bool,
        typer.Option(
            "--changed",
            help="Only files changed since BASE, the one argument (default: the merge-base "
            "with the upstream, else HEAD), uncommitted and untracked ones too.",
        ),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            help="Processes to lint in (default 0: every core; one for a small lint).",
        ),
    ] = 0,
) -> None:
    """Check postmortems: schema, lifecycle, tables, language.

    The schema, the lifecycle, the generated blocks and blameless language: run it in CI.

    Examples:
      pm lint --fix
      pm lint -f github --strict
      pm lint --changed                    # before a commit: what you changed
      pm lint --changed origin/main        # a pull request: what the branch changed
    """


@command("recall", checks.recall)
def recall(
    paths: Annotated[
        list[str] | None,
        typer.Option(
            "--paths",
            metavar="FILE",
            help="A changed file, from the top of its repository (more may follow).",
        ),
    ] = None,
    files: Annotated[
        list[str] | None,
        typer.Argument(metavar="[FILE]...", help="More changed files, as for --paths."),
    ] = None,
    diff: Annotated[
        str | None,
        typer.Option(
            "--diff",
            metavar="REV",
            help="The files changed since the branch left REV (REV...HEAD).",
        ),
    ] = None,
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo", metavar="PATH", help="The code repository --diff reads (default: this one)."
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", help="Show at most N incidents (0: all).")
    ] = 10,
    fmt: Annotated[str | None, format_option(*checks.RECALL_FORMATS)] = None,
    as_json: JsonFlag = False,
    fail_on_open: Annotated[
        bool,
        typer.Option("--fail-on-open", help="Exit 1 when an incident recalled has open items."),
    ] = False,
) -> None:
    """Past incidents that name the files a change touches.

    For each: why (a service's paths, a tag, or its prose naming the file), its
    recurring cause and its open action items. Advice: exits 0 (see --fail-on-open).

    Examples:
      pm recall --paths reports/reconcile.sql
      pm recall --diff origin/main -f md
      pm -C ../postmortems recall --diff origin/main --repo "$PWD" -f github
    """


@command("completion", completion.completion)
def completion_(
    shell: Annotated[
        str,
        typer.Argument(
            metavar="SHELL", help="bash, zsh or fish.", autocompletion=completion.shells
        ),
    ],
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    The README's Completion section has the line for each shell's startup file.

    Examples:
      eval "$(pm completion bash)"
      pm completion fish > ~/.config/fish/completions/pm.fish
    """


@command("help", help_)
def help_command(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[COMMAND]...", help="The command, as you would type it."),
    ] = None,
) -> None:
    """Show the help of pm or of one of its commands.

    The same as pm COMMAND --help.

    Examples:
      pm help open
      pm help action add
    """


# --- maintenance: what git runs -----------------------------------------------------------------


@command("merge-driver", maintenance.merge_driver, hidden=True)
def merge_driver(
    base: Annotated[str, typer.Argument(metavar="ANCESTOR", help="The common ancestor (%O).")],
    ours: Annotated[
        str, typer.Argument(metavar="OURS", help="Our version; the merge is written here (%A).")
    ],
    theirs: Annotated[str, typer.Argument(metavar="THEIRS", help="Their version (%B).")],
    path: Annotated[
        str, typer.Argument(metavar="PATH", help="The file's path, for messages (%P).")
    ],
) -> None:
    """Merge two versions of a postmortem for git (installed by pm init); exit 1 on a conflict.

    Examples:
      pm merge-driver %O %A %B %P
    """


__all__ = ["DECLARED", "app"]
