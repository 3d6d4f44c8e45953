"""``pm overdue`` in each of its formats: text, json, md (markdown), github (chat and
email: ``pm.render.chat``).

Text groups the findings by owner on a terminal (one table each) and prints plain rows
in a pipe; ``github`` writes one workflow command per finding and, under GitHub Actions,
the markdown summary to the job's summary page. Items due soon (``--due-within``) follow
the late ones: state ``due soon``, a ``::notice`` in GitHub, a table of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pm.errors import NotPostmortemError
from pm.render import ci, output, views

if TYPE_CHECKING:
    from pm.overdue import Finding
    from pm.queries import OverdueResult

FORMATS = ("text", "json", "github", "md")
HEADERS = ["OWNER", "KIND", "POSTMORTEM", "ITEM", "PRI", "DUE", "LATE", "STATE", "FILE", "TEXT"]
FILE = HEADERS.index("FILE")
_TITLES = {
    "action": "Overdue action item",
    "review": "Overdue postmortem review",
    "review-unscheduled": "Postmortem review not scheduled",
    "review-scheduled-late": "Postmortem review scheduled after its due date",
    "follow-up": "Open after review",
    "stale": "Stale incident",
    "due-soon": "Action item due soon",
    "budget": "Error budget exhausted",
    "evidence": "Done without evidence",
}


def render(result: OverdueResult, fmt: str) -> None:
    """Print ``result`` in ``fmt`` (one of FORMATS)."""
    if fmt == "json":
        output.print_json(views.overdue(result))
    elif fmt == "md":
        output.write(summary_markdown(result))
    elif fmt == "github":
        found = [*result.findings, *result.soon]
        output.write(ci.github([annotation(f) for f in found]))
        ci.append_step_summary(summary_markdown(result))
    else:
        text(result)


def by_owner(findings: Sequence[Finding]) -> list[Finding]:
    """Grouped by owner (reviews, which have none, last), most late first within a group."""
    return sorted(
        findings,
        key=lambda f: (not f.owner, f.owner.lower(), -f.days_late, f.postmortem_id, f.item or 0),
    )


def annotation(finding: Finding) -> ci.Annotation:
    level = "error" if finding.escalated else "warning"
    if finding.kind == "due-soon":
        level = "notice"
    return ci.Annotation(level, finding.path, finding.line, _TITLES[finding.kind], finding.message)


def plain_rows(findings: Sequence[Finding]) -> list[list[str]]:
    return [
        [
            f.owner or "-",
            f.kind,
            f.postmortem_id,
            str(f.item) if f.item is not None else "-",
            f.priority or "-",
            f.due.isoformat(),
            f"in {-f.days_late}d" if f.kind in AHEAD else f"{f.days_late}d",
            _state(f),
            f"{f.path}:{f.line}",
            f.text,
        ]
        for f in by_owner(findings)
    ]


# Kinds about something not due yet: LATE says how long is left ("in 2d").
AHEAD = ("due-soon", "review-unscheduled", "review-scheduled-late")
STATES = {"review-unscheduled": "unscheduled", "review-scheduled-late": "scheduled late"}


def _state(finding: Finding) -> str:
    if finding.kind in STATES:
        return STATES[finding.kind]
    if finding.kind == "due-soon":
        return "due soon"
    if finding.kind == "budget":
        return "exhausted"
    if finding.kind == "evidence":
        return "no evidence"
    return "escalated" if finding.escalated else "late"


def text(result: OverdueResult) -> None:
    """A table per owner on a terminal (blocks per owner where it is too narrow for the
    tables), plain rows in a pipe (owner first, so no row loses its owner), and a
    one-line verdict.

    The terminal tables leave out FILE (``path:line``, for editors and CI annotations):
    beside a whole id it would push every table past 150 columns."""
    rows = plain_rows(result.findings) + plain_rows(result.soon)
    groups: dict[str, list[list[str]]] = {}
    for row in rows:
        groups.setdefault(row[0] if row[0] != "-" else "(no owner)", []).append(
            row[1:FILE] + row[FILE + 1 :]
        )
    headers = HEADERS[1:FILE] + HEADERS[FILE + 1 :]
    if rows and output.table_width(len(rows)) is not None:
        drawn = all(output.fits(headers, group) for group in groups.values())
        for first, (owner_name, owner_rows) in enumerate(groups.items()):
            stacked = not drawn  # blocks: the column names once, above the first owner
            output.table(headers, owner_rows, title=owner_name, stacked=stacked, heading=first == 0)
    else:
        output.table(HEADERS, rows)
    day = result.as_of
    soon = ""
    if result.due_within is not None:
        days = "1 day" if result.due_within == 1 else f"{result.due_within} days"
        soon = f", {len(result.soon)} due within {days}"
    if result.findings:
        output.message(
            f"{len(result.findings)} late ({result.escalated} escalated){soon} as of {day}."
        )
    elif soon:
        output.message(f"Nothing is late{soon} as of {day}.")
    elif not [e for e in result.errors if not isinstance(e, NotPostmortemError)]:
        output.message(f"Nothing is late as of {day}.")
    else:  # never "nothing" while a broken file may hide a late item
        output.message(f"Nothing is late in the files pm could read as of {day}.")


def summary_markdown(result: OverdueResult) -> str:
    """A summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment."""
    findings = result.findings
    head = f"## pm overdue: {result.as_of.isoformat()}\n\n"
    if not findings:
        return head + "Nothing is late.\n" + _soon_markdown(result)
    head += f"{len(findings)} late, {result.escalated} escalated.\n\n"
    rows = [
        [
            f.owner or "-",
            f.kind,
            f.postmortem_id,
            str(f.item) if f.item is not None else "-",
            f.priority or "-",
            f.due.isoformat(),
            str(f.days_late),
            "yes" if f.escalated else "no",
            f.text,
        ]
        for f in by_owner(findings)
    ]
    headers = [
        "Owner",
        "Kind",
        "Postmortem",
        "Item",
        "Priority",
        "Due",
        "Days late",
        "Escalated",
        "What",
    ]
    return head + ci.markdown_table(headers, rows) + _soon_markdown(result)


def _soon_markdown(result: OverdueResult) -> str:
    if result.due_within is None:
        return ""
    head = f"\n### Due within {result.due_within} days\n\n"
    if not result.soon:
        return head + "Nothing.\n"
    headers = ["Owner", "Postmortem", "Item", "Priority", "Due", "What"]
    rows = [
        [f.owner or "-", f.postmortem_id, str(f.item), f.priority or "-", f.due.isoformat(), f.text]
        for f in by_owner(result.soon)
    ]
    return head + ci.markdown_table(headers, rows)
