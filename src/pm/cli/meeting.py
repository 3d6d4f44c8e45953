"""The body of ``pm review schedule``: the review meeting put on the calendar.

It records ``review.scheduled`` through ``Workspace.schedule_review`` (one commit), reads
the file's history for its authors and earlier schedules (``pm.queries``), and writes the
invite ``pm.invite`` makes: to ``-o FILE``, stdout (``-o -``), or ``<id>-review.ics`` in
the current folder. Everything a user can get wrong is checked before the commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pm.cli.shared import committed, workspace
from pm.errors import RepoError, UsageError
from pm.render import output

if TYPE_CHECKING:
    from pathlib import Path

    from pm.workspace import Workspace


def review_schedule(
    postmortem_id: str,
    at: str,
    duration: str,
    attendees: list[str] | None,
    out: str | None,
    no_commit: bool,
) -> None:
    """``pm review schedule``: record ``review.scheduled`` (one commit), then write the
    invite; everything a user can get wrong is checked before the commit."""
    from pm import invite, queries
    from pm.fields import split_values
    from pm.timeparse import parse_duration

    span = parse_duration(duration)
    ws = workspace(no_commit)
    given = invite.check_entries(split_values(attendees or []), ws.config, "--attendees")
    target = None if out == "-" else _invite_target(out, postmortem_id, ws)
    moment = ws.parse_time(at, ahead=True)
    record, before = ws.schedule_review(postmortem_id, moment)
    postmortem = record.postmortem
    try:  # the history says who wrote it and how often the review was scheduled before
        history = queries.log(ws, postmortem.id).entries
        organizer: invite.Person | None = invite.Person(*queries.identity(ws))
    except RepoError:  # --no-commit outside git: nobody known yet
        history, organizer = [], None
    # SEQUENCE: how many times it was scheduled before; at least 1 for a move (a file
    # whose history is not here, a shallow clone, still had a time to move from).
    schedules = sum(1 for entry in history if entry.operation == "schedule")
    earlier = max(0, schedules - 1) if ws.commit_enabled else schedules
    sequence = max(earlier, 1 if before is not None else 0)
    people, missing = invite.people(
        ws.config,
        [item.owner for item in postmortem.actions],
        [(entry.author, entry.email) for entry in history],
        [*ws.config.review_attendees, *given],
    )
    items = [
        f"#{i.number} {i.text} ({i.owner}, due {i.due.isoformat()})"
        for i in postmortem.actions
        if i.is_open
    ]
    text = invite.calendar(
        invite.Invite(
            postmortem_id=postmortem.id,
            title=postmortem.title,
            start=moment,
            duration=span,
            stamp=ws.now(),
            sequence=sequence,
            organizer=organizer,
            attendees=tuple(people),
            description=invite.description(
                postmortem.id,
                postmortem.severity,
                postmortem.review.due,
                ws.store.display(record.path),
                items,
            ),
        )
    )
    for owner in missing:
        output.warn(f"no email for {owner} in [people] of .pm.toml; not invited")
    moved = f" (moved from {ws.describe(before)})" if before else ""
    output.message(
        f"Review of {postmortem.id} scheduled {ws.describe(moment)}{moved}; {committed(ws)}."
    )
    due = postmortem.review.due
    if due is not None and moment.astimezone(ws.tz).date() > due:
        output.warn(f"that is after the review's due date, {due.isoformat()}")
    if target is None:
        output.write(text)
        return
    from pm.store import atomic_write

    atomic_write(target, text.encode("utf-8"), create=not target.exists())
    output.line(str(target) if out else target.name)
    output.message(
        f"Invite for {len(people)} {'person' if len(people) == 1 else 'people'} "
        f"(SEQUENCE {sequence}); import it or mail it to them."
    )


def _invite_target(out: str | None, postmortem_id: str, ws: Workspace) -> Path:
    """Where the invite goes: ``out``, or ``<id>-review.ics`` in the current folder;
    never a folder, a missing folder, nor the postmortems folder."""
    from pathlib import Path

    if out is not None and "\x00" in out:
        raise UsageError(f"cannot write {out!r}: a file name cannot hold a NUL character")
    path = Path(out) if out else Path(f"{ws.store.resolve(postmortem_id).stem}-review.ics")
    try:
        if path.is_dir():
            raise UsageError(f"{path} is a folder; give a file name for -o")
        if not path.absolute().parent.is_dir():
            raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")
        inside = path.resolve().is_relative_to(ws.config.postmortems_dir.resolve())
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror}") from None
    if inside:
        raise UsageError(f"{path} is in the postmortems folder; write the invite elsewhere")
    return path
