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
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import typer

from pm.cli import checks, completion, followup, incident, maintenance, reports
from pm.cli.app import ActionGroup, DefaultGroup, JsonFlag, NoCommit, app
from pm.cli.shared import call
from pm.model import ACTION_STATUSES, EVENT_KINDS, STATUSES

Declaration = TypeVar("Declaration", bound=Callable[..., None])


@dataclass(frozen=True)
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
    """
    words = (name,) if group is app else (str(group.info.name), name)
    ref = f"{body.__module__}:{body.__name__}"

    def register(declaration: Declaration) -> Declaration:
        @functools.wraps(declaration)  # Typer reads the declaration's signature and help
        def run(**params: Any) -> None:
            code = call(ref, params)
            if code:
                raise typer.Exit(code)

        group.command(name, hidden=hidden)(run)
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
        help="When it happened, in your zone: 14:05, 2:30pm, 'yesterday 23:30', 13:46Z, "
        "2024-01-15T14:05-08:00, '15m ago' (default: now).",
    ),
]

# --- the incident -----------------------------------------------------------------------------


@command("init", incident.init)
def init() -> None:
    """Set up the repository (folder, .pm.toml, .gitattributes) and this clone's merge driver."""


@command("open", incident.open_)
def open_(
    title: Annotated[str, typer.Argument(help="A one-line description of the incident.")],
    severity: Annotated[
        str,
        typer.Option(
            "--severity",
            "-s",
            help="SEV-1, SEV-2, SEV-3...",
            autocompletion=completion.severities,
        ),
    ],
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


event_app = typer.Typer(
    name="event",
    cls=DefaultGroup,
    help=(
        "The timeline: pm event ID TEXT adds an event (kept sorted by time); "
        "pm event ID --from FILE imports many; "
        "edit and rm correct one by its number in pm show."
    ),
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
    """Add an event to the timeline (the default: pm event ID TEXT)."""


@command("edit", incident.event_edit, group=event_app, fast=True)
def event_edit(
    postmortem_id: IdArgument,
    number: EventNumber,
    at: Annotated[str | None, typer.Option("--at", help="The new time.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            "-k",
            help=f"The new kind: {', '.join(EVENT_KINDS)}.",
            autocompletion=completion.kinds,
        ),
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="The new text.")] = None,
    no_commit: NoCommit = False,
) -> None:
    """Correct an event's time, kind or text; the commit says the old and the new value."""


@command("rm", incident.event_rm, group=event_app, fast=True)
def event_rm(postmortem_id: IdArgument, number: EventNumber, no_commit: NoCommit = False) -> None:
    """Remove an event (never the start; a resolution goes with pm reopen)."""


@command("resolve", incident.resolve)
def resolve(
    postmortem_id: IdArgument,
    text: Annotated[str, typer.Argument(help="How it was resolved.")] = "",
    at: TimeOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Mark the incident resolved, set the review due date, and print the duration."""


@command("edit", incident.edit)
def edit(postmortem_id: IdArgument, no_commit: NoCommit = False) -> None:
    """Edit the file in $VISUAL/$EDITOR; a valid save is committed as your hand edit."""


@command("reopen", incident.reopen)
def reopen(
    postmortem_id: IdArgument,
    reason: Annotated[
        str, typer.Option("--reason", help="Why the incident is not over (required).")
    ] = "",
    no_commit: NoCommit = False,
) -> None:
    """Reopen a resolved incident that flared up again: active, the resolution kept as a note."""


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
            "--since", help="Started on or after: 2024-01-15, 2024-Q3, last-month, 90d (back)."
        ),
    ] = None,
    fmt: Annotated[str | None, format_option(*incident.READ_FORMATS)] = None,
    as_json: JsonFlag = False,
) -> None:
    """List postmortems, oldest first (by start time); broken files are named on stderr (exit 3)."""


@command("show", incident.show, fast=True)
def show(
    postmortem_id: IdArgument,
    fmt: Annotated[str | None, format_option(*incident.READ_FORMATS)] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show one postmortem with its metrics (duration, time to detect/ack/mitigate/resolve)."""


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
    """Find postmortems by text in titles, impact, prose, timeline and action items.

    Ranked: title matches first, then impact, then the rest; postmortems with every word
    before those with some. Exit 1 when nothing matches.

    Examples:

      pm search "connection pool"
      pm search dns timeout --json
    """


# --- the follow-through -----------------------------------------------------------------------

action_app = typer.Typer(
    name="action",
    cls=ActionGroup,
    help="Action items: add, start, done, wont-do, reopen, edit, rm, list.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(action_app, name="action")

NumberArgument = Annotated[
    str, typer.Argument(metavar="N", help="The action item's number (2 or #2).")
]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="Why (recorded in the commit; kept for wont-do).")
]


@command("add", followup.action_add, group=action_app)
def action_add(
    postmortem_id: IdArgument,
    text: Annotated[str, typer.Argument(help="What will be done, in one line.")],
    owner: Annotated[str, typer.Option("--owner", help="Who owns it (required: a name or team).")],
    priority: Annotated[
        str | None, typer.Option("--priority", "-p", help="P0, P1 (default) or P2.")
    ] = None,
    due: Annotated[
        str | None,
        typer.Option("--due", help="YYYY-MM-DD, +7d, 2w, 3mo, today... (default: from priority)."),
    ] = None,
    ticket: Annotated[
        str | None, typer.Option("--ticket", help="A tracker reference or URL.")
    ] = None,
    no_commit: NoCommit = False,
) -> None:
    """Add an action item, numbered within the postmortem; prints its number."""


@command("start", followup.action_start, group=action_app)
def action_start(
    postmortem_id: IdArgument,
    number: NumberArgument,
    reason: ReasonOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Mark an open action item in progress."""


@command("done", followup.action_done, group=action_app)
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
    """Mark an action item done; records today's date (or the --on date)."""


@command("wont-do", followup.action_wont_do, group=action_app)
def action_wont_do(
    postmortem_id: IdArgument,
    number: NumberArgument,
    reason: ReasonOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Drop an action item; --reason is required and kept in the file."""


@command("reopen", followup.action_reopen, group=action_app)
def action_reopen(
    postmortem_id: IdArgument,
    number: NumberArgument,
    reason: ReasonOption = None,
    no_commit: NoCommit = False,
) -> None:
    """Reopen a done or dropped action item."""


@command("edit", followup.action_edit, group=action_app)
def action_edit(
    postmortem_id: IdArgument,
    number: NumberArgument,
    text: Annotated[str | None, typer.Option("--text", help="The new text.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="The new owner.")] = None,
    priority: Annotated[
        str | None, typer.Option("--priority", "-p", help="The new priority (keeps the due date).")
    ] = None,
    due: Annotated[
        str | None, typer.Option("--due", help="The new due date: YYYY-MM-DD, +7d, 2w...")
    ] = None,
    ticket: Annotated[
        str | None, typer.Option("--ticket", help="The new ticket ('' removes it).")
    ] = None,
    no_commit: NoCommit = False,
) -> None:
    """Correct an action item; the commit says each old and new value."""


@command("rm", followup.action_rm, group=action_app)
def action_rm(
    postmortem_id: IdArgument, number: NumberArgument, no_commit: NoCommit = False
) -> None:
    """Remove an action item (a duplicate); its number is never used again."""


@command("renumber", followup.action_renumber, group=action_app)
def action_renumber(postmortem_id: IdArgument, no_commit: NoCommit = False) -> None:
    """Give repeated action-item numbers (left by a merge) fresh numbers, in one commit."""


@command("list", followup.action_list, group=action_app)
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
        many_option("--priority", "-p", metavar="PRI", help="A priority: P0, P1, P2 (any case)."),
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
    """Action items across all postmortems, sorted by due date."""


@command("review", followup.review)
def review(postmortem_id: IdArgument, at: TimeOption = None, no_commit: NoCommit = False) -> None:
    """Record the postmortem review as held (status reviewed) once the document is complete."""


@command("close", followup.close)
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


@command("set", followup.set_field)
def set_(
    postmortem_id: IdArgument,
    field: Annotated[
        str,
        typer.Argument(
            metavar="FIELD",
            help=(
                "title, severity, impact, services, tags, related, causes, same_cause, "
                "started or detected (a time: moves that event)."
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
    """Change one front-matter field; the commit says the old and the new value."""


@command("log", followup.log, fast=True)
def log(
    postmortem_id: IdArgument,
    fmt: Annotated[str | None, format_option(*followup.READ_FORMATS)] = None,
    as_json: JsonFlag = False,
) -> None:
    """The audit trail: every commit that touched the file, with its author and operation."""


# --- reports and the CI checks ----------------------------------------------------------------


@command("report", reports.report)
def report(
    postmortem_id: Annotated[
        str | None,
        typer.Argument(metavar="[ID]", help="Report on one postmortem; omit for a period."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Period start (incidents started on or after): 2024-01-15, 2024, 2024-10, "
            "2024-Q3, last-quarter, 90d (back).",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="Period end, inclusive (default: today); a period means its last day.",
        ),
    ] = None,
    service: Annotated[
        str | None, typer.Option("--service", help="Only incidents affecting this service.")
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
        str | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Render a postmortem, or a period's incidents, for people who were not there."""


@command("site", reports.site)
def site(
    out: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="The folder to build the site in (default: [site] output, _site).",
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Render every page again, changed or not.")
    ] = False,
) -> None:
    """Build a static website of every postmortem: browse, filter and search them offline."""


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
    """Link two incidents both ways (each lists the other under related), in one commit."""


DueWithin = Annotated[
    str | None,
    typer.Option(
        "--due-within",
        metavar="DAYS",
        help="Also list open items due within 3d, 2w (notices: never exit 1).",
    ),
]


@command("overdue", checks.overdue)
def overdue(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Judge lateness on this date: 2024-09-30, +7d, 7d ago (default: today).",
        ),
    ] = None,
    owner: Annotated[
        Filter, many_option("--owner", metavar="NAME", help="Only this owner's items.")
    ] = None,
    severity: Annotated[
        Filter,
        many_option(
            "--severity",
            "-s",
            metavar="SEV",
            help="Only postmortems of this severity.",
            autocompletion=completion.severities,
        ),
    ] = None,
    fmt: Annotated[str | None, format_option(*checks.OVERDUE_FORMATS)] = None,
    as_json: JsonFlag = False,
    fail_on: Annotated[
        str, typer.Option("--fail-on", metavar="LEVEL", help="Exit 1 on: any, escalated, never.")
    ] = "any",
    due_within: DueWithin = None,
    group_by: Annotated[
        str | None,
        typer.Option(
            "--group-by", metavar="owner", help="With --format email: one message per owner (mbox)."
        ),
    ] = None,
) -> None:
    """Late action items, reviews and stale incidents; exit 1 while anything is late."""


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
    owner: Annotated[
        Filter, many_option("--owner", metavar="NAME", help="Only this owner's items.")
    ] = None,
    severity: Annotated[
        Filter,
        many_option(
            "--severity",
            "-s",
            metavar="SEV",
            help="Only postmortems of this severity.",
            autocompletion=completion.severities,
        ),
    ] = None,
    due_within: DueWithin = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the message instead of posting it.")
    ] = False,
) -> None:
    """Post what pm overdue finds to a Slack or Teams webhook; the URL is never printed."""


@command("lint", checks.lint)
def lint(
    paths: Annotated[
        list[str] | None,  # not Path: Typer's Path type crashes on a NUL before pm sees it
        typer.Argument(
            metavar="[PATH]...", help="Files or folders to check (default: every postmortem)."
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
) -> None:
    """Check postmortems: schema, lifecycle, generated blocks, blameless language."""


@command("completion", completion.completion)
def completion_(
    shell: Annotated[
        str,
        typer.Argument(
            metavar="SHELL", help="bash, zsh or fish.", autocompletion=completion.shells
        ),
    ],
) -> None:
    """Print the shell completion script for bash, zsh or fish (see README: Completion).

    Examples:

      eval "$(pm completion bash)"          # in ~/.bashrc
      pm completion fish > ~/.config/fish/completions/pm.fish
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
    """Merge two versions of a postmortem for git (installed by pm init); exit 1 on a conflict."""


__all__ = ["DECLARED", "app"]
