"""The bodies of the commands that tie action items to trackers and to the commits that
fix them: ``pm action export``.

Each is called with the parameters ``commands.py`` declares, calls the domain
(``pm.trackers``) and the write path (``Workspace``), and prints the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pm.cli.shared import committed, reading, workspace
from pm.errors import PmError, UsageError
from pm.render import output

if TYPE_CHECKING:
    from pm.store import Record
    from pm.workspace import Workspace


def _link(ws: Workspace, record: Record) -> str:
    """Where the postmortem is read: its site page (``[site] url``), else its file on the
    repository's web pages (``[site] repository_url``), else its repository path."""
    from pm.site.links import WebLinks

    relative = record.path.relative_to(ws.config.root).as_posix()
    links = WebLinks.of(ws.config)
    return links.page(record.postmortem.id) or links.file(relative) or relative


def action_export(
    postmortem_id: str, numbers: list[str] | None, to: str, create: bool, repo: str | None
) -> None:
    from pm import trackers
    from pm.vocabulary import item_number

    tracker = to.strip().lower()
    if tracker not in trackers.TRACKERS:
        raise UsageError(f"unknown tracker {to!r}; use one of {', '.join(trackers.TRACKERS)}")
    if create and tracker not in trackers.CREATE_TOOLS:
        raise UsageError(
            f"--create files issues with gh or glab; {tracker} has no such tool: file the "
            f"printed JSON through its REST API, then record each key with "
            f"pm action edit ID N --ticket KEY"
        )
    if repo is not None and not create:
        raise UsageError("--repo goes with --create: the repository gh or glab files in")
    wanted = [item_number(n) for n in numbers or []]
    ws = workspace() if create else reading()
    record = ws.get(postmortem_id)
    postmortem = record.postmortem
    items, notes = trackers.exportable(postmortem, wanted)
    for note in notes:
        output.note(note)
    link = _link(ws, record)
    issues = [
        (
            item,
            trackers.issue(
                postmortem,
                item,
                tracker=tracker,
                link=link,
                assignee=ws.config.person(item.owner).tracker_user(tracker) or None,
            ),
        )
        for item in items
    ]
    if not create:
        output.print_json([issue for _, issue in issues])
        if not issues:
            output.message(f"No open action items of {postmortem.id} to export.")
        return
    from pm import filing

    if not issues:
        output.message(f"No open action items of {postmortem.id} to file; nothing created.")
    for item, issue in issues:
        url = filing.create(tracker, issue, repo=repo, cwd=ws.config.root)
        try:
            ws.edit_action(postmortem.id, item.number, ticket=url)
        except PmError as error:  # filed, but not recorded: say where the issue is
            error.message += (
                f" (the issue was filed: {url}; record it with pm action edit "
                f"{postmortem.id} {item.number} --ticket {url})"
            )
            raise
        output.line(url)
        output.message(
            f"Filed {trackers.short(url)} for action item {item.number} of {postmortem.id}; "
            f"{committed(ws)}."
        )
