"""The write side of the Python API: one method per change, and the one path each takes.

A change follows one path (``_change``): take the pm lock, check that git can commit now,
read the file, apply a domain function, write atomically, commit that one file. If the
commit fails the file is put back as it was, so a change is either in a commit or nowhere.
Reading (finding, listing, the audit log, what is late, reports) is ``pm.queries``.

Length: twelve changes and the one transaction they share. Each change is a short method
over a domain function; split across modules, a change would no longer sit beside the
path it takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pm import timeparse
from pm.config import CONFIG_FILE, Config, load_config
from pm.errors import DataError, PmError, RepoError, UsageError
from pm.location import git_dir, git_location
from pm.model import ActionItem, Change, Event, Postmortem
from pm.records import NamedTuple
from pm.store import Record, Store, atomic_write

if TYPE_CHECKING:
    # Imported where a change needs them: a read (pm list, pm show) loads none of these.
    from pm import importing, lifecycle
    from pm.evidence import Branch, Verdict
    from pm.fields import Edit
    from pm.gitrepo import GitRepo
    from pm.transaction import Outcome


EditResult = Literal["unchanged", "committed", "written"]


class FieldSet(NamedTuple):
    """What ``set_field`` changed. After a severity change ``review`` says where the
    postmortem review stands (``lifecycle.review_state``); None for other fields."""

    record: Record
    edit: Edit
    review: lifecycle.ReviewState | None = None


class Initialised(NamedTuple):
    """What ``init`` did: files written (and committed), whether it ran ``git init``, and
    the merge driver's git-config keys it installed in this clone."""

    written: list[Path]
    git_init: bool
    driver_keys: list[str]


class Workspace:
    """A repository of postmortems and the operations on it."""

    def __init__(self, config: Config, *, commit: bool | None = None) -> None:
        self.config = config
        self.store = Store(config)
        self.commit_enabled = config.commit if commit is None else commit
        # Warnings for the person (past due dates, renumbered items). The CLI sets
        # ``on_notice`` to print them as they happen; the API keeps them in ``notices``.
        self.notices: list[str] = []
        self.on_notice: Callable[[str], None] | None = None
        # Notes: what pm assumed reading a typed time (yesterday's 23:30, UTC for want of
        # a zone); printed by ``on_note`` as they happen, kept in ``notes``.
        self.notes: list[str] = []
        self.on_note: Callable[[str], None] | None = None
        self._driver_checked = False

    @classmethod
    def load(cls, cwd: Path | None = None, *, commit: bool | None = None) -> Workspace:
        return cls(load_config(cwd), commit=commit)

    @property
    def tz(self) -> tzinfo:
        return timeparse.zone(self.config.timezone)

    def now(self) -> datetime:
        return timeparse.now()

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def parse_time(self, text: str | datetime | None, *, ahead: bool = False) -> datetime:
        """A TIME as a person types it (None: now), or a datetime (naive: in the zone), in
        UTC. What pm assumed (an ``HH:MM`` later than now is yesterday's) is a note.
        ``ahead``: a time to come (a meeting), so the future is allowed, ``tomorrow`` too."""
        if text is None:
            return self.now()
        if isinstance(text, datetime):
            return timeparse.to_utc(text, self.tz)
        reading = timeparse.read_time(text, self.tz, self.now(), allow_future=ahead)
        return self._noted(text, reading)

    def incident_time(self, ref: str, text: str | None) -> datetime:
        """A TIME typed about incident ``ref`` (``pm event``, ``pm resolve``): as
        ``parse_time``, except for a clock without a day. About an incident that has ended
        it is read on the incident's own day (``timeparse.read_clock_in_incident``), not
        today; about one still active that began before yesterday it is refused, since a
        long live incident (today's) and a past one written up now (its day) cannot be
        told apart."""
        if text is None or not timeparse.is_clock(text):
            return self.parse_time(text)
        postmortem = self.get(ref).postmortem
        started = postmortem.started
        if started is None:
            return self.parse_time(text)
        if postmortem.status == "active":
            reading = timeparse.read_time(text, self.tz, self.now())  # cannot be: its error
            began = started.astimezone(self.tz).date()
            if began >= self.today() - timedelta(days=1):
                return self._noted(text, reading)
            raise UsageError(
                f"time {text!r} has no day, and {postmortem.id} began on {began.isoformat()} "
                f"({(self.today() - began).days} days ago); give the day: 'today {text}' or "
                f"'{began.isoformat()} {text}'"
            )
        ended = max(postmortem.resolved_at or started, started)
        reading = timeparse.read_clock_in_incident(text, self.tz, self.now(), started, ended)
        return self._noted(text, reading)

    def _noted(self, text: str, reading: timeparse.Reading) -> datetime:
        """``reading``'s moment, its note (and a missing time zone's) kept for the user."""
        if reading.note:
            self._note(reading.note)
        problem = self.config.timezone_problem
        if not reading.zoned and problem and not any(problem in n for n in self.notes):
            self._note(
                f"{problem}: {text!r} is read as UTC (set timezone in .pm.toml, e.g. "
                "timezone = 'America/Los_Angeles')"
            )
        return reading.at

    def describe(self, moment: datetime) -> str:
        """A recorded time as pm echoes it: ``13:45 UTC (06:45 PDT)``."""
        return timeparse.describe(moment, self.tz, self.today())

    def get(self, ref: str) -> Record:
        """The postmortem ``ref`` names (id, prefix, slug or path), read and parsed."""
        return self.store.read(self.store.resolve(ref))

    # --- writing ------------------------------------------------------------------------

    def init(self) -> Initialised:
        """Create the postmortems folder, a commented .pm.toml and the merge driver's
        ``.gitattributes`` line (committed), and install the driver in this clone and turn
        on git's commit-graph there."""
        from pm import mergesetup
        from pm.gitrepo import GitRepo

        root = self.config.root
        initialised = False
        # Only where git finds no repository at all: never one nested in the repository a
        # .pm.toml in a subfolder belongs to, never over GIT_DIR's.
        if git_dir(root) is None and not git_location():
            GitRepo.init(root)
            initialised = True
        created: list[Path] = []
        keep = self.config.postmortems_dir / ".gitkeep"
        config_file = root / CONFIG_FILE
        with self._writing("init", check_driver=False) as git:
            if not keep.exists():
                keep.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(keep, b"", create=True)
                created.append(keep)
            if not config_file.exists() and not self.config.source:
                from pm.templates import builtin_dir

                text = (builtin_dir() / "pm.toml").read_bytes()
                # The zone pm found for this system (UTC when none), for the whole team.
                zone_line = f'timezone = "{self.config.timezone}"'.encode()
                text = text.replace(b'timezone = "UTC"', zone_line, 1)
                if git is not None:  # CRLF where git checks text out so (core.safecrlf)
                    text = text.replace(b"\n", git.newline_for(config_file).encode())
                atomic_write(config_file, text, create=True)
                created.append(config_file)
            newline = git.newline_for(root / ".gitattributes") if git is not None else "\n"
            attributes = mergesetup.add_attribute(root, self.config.directory, newline)
            if attributes is not None:
                created.append(attributes)
            if created and git is not None:
                from pm.commits import init_message

                git.commit_files(created, init_message(self.config.directory), new=True)
            # Not committing (commit = false): this clone's config is still pm's to set.
            clone = git or GitRepo.discover(root)
            installed = mergesetup.install_driver(clone)
            mergesetup.install_commit_graph(clone)  # for pm log; says nothing
        return Initialised(created, initialised, installed)

    def open(
        self,
        title: str,
        severity: str,
        *,
        services: list[str] | None = None,
        tags: list[str] | None = None,
        impact: str = "",
        started: str | datetime | None = None,
        detected: str | datetime | None = None,
        started_given: bool | None = None,
        branch: bool = False,
    ) -> Record:
        """Create a postmortem for a new incident (status active) and commit it.
        ``started_given`` says the start was typed, not "now" (default: ``started`` given).

        ``branch``: commit it on a new branch, ``postmortem/<id>`` (``incident_branch``),
        switched to first, for review in a pull request. RepoError when the branch exists
        or git cannot switch; if the commit is refused, pm switches back and deletes the
        branch again."""
        from pm import lifecycle

        rule = lifecycle.check_severity(severity, self.config)
        started_at = self.parse_time(started)
        detected_at = None if detected is None else self.parse_time(detected)
        lifecycle.check_title(title)
        if branch and not self.commit_enabled:
            raise UsageError("--branch commits the new postmortem; it cannot go with --no-commit")
        with self._writing("open") as git:
            # Only the ids of the new one's start day can collide with it.
            taken = self.store.ids_on(started_at.astimezone(self.tz).date().isoformat())
            postmortem = lifecycle.new_postmortem(
                title=title,
                severity=rule,
                started=started_at,
                detected=detected_at,
                services=services or [],
                tags=tags or [],
                impact=impact,
                taken_ids=taken,
                tz=self.tz,
                started_given=started is not None if started_given is None else started_given,
            )
            from pm.templates import render_postmortem

            body = render_postmortem(self.config, postmortem)
            path = self.store.path_for(postmortem.id)
            record = Record.new_file(path, postmortem, body)
            if branch and git is not None:
                self._create_on_branch(git, record)
            else:
                self._create_and_commit(git, record)
        return record

    def _create_on_branch(self, git: GitRepo, record: Record) -> None:
        """Switch to a new ``postmortem/<id>`` branch and commit the new file there; a
        refused commit leaves no branch behind and HEAD where it was."""
        name = incident_branch(record.postmortem.id)
        if git.branch_exists(name):
            raise RepoError(
                f"branch {name} exists already; switch to it (git switch {name}) or "
                "open the postmortem without --branch"
            )
        previous = git.current_branch()
        git.switch(name, create=True)
        try:
            self._create_and_commit(git, record)
        except BaseException:
            with suppress(RepoError):
                git.switch(previous)
                git.delete_branch(name)
            raise

    def _create_and_commit(self, git: GitRepo | None, record: Record) -> None:
        """Create the new file and commit it; a failed commit removes it again."""
        if git is None:
            self.store.create(record)
            return
        from pm import journal
        from pm.commits import message

        postmortem = record.postmortem
        text = message("open", postmortem.id, postmortem.severity)
        newline = git.newline_for(record.path)  # CRLF where git checks text out so
        data = self.store.render(record).replace(b"\n", newline.encode("ascii"))
        # The folders made for it go again with it if the commit is refused.
        path = record.path
        made = [f for f in (path.parent, path.parent.parent) if not f.exists()]
        journal.record(git.git_dir, text, {git.relative(path): data})
        try:
            self.store.create(record, newline=newline)
        except BaseException:
            journal.clear(git.git_dir)
            raise
        try:
            git.commit_files([path], text, new=True)
        except RepoError:
            path.unlink(missing_ok=True)
            for folder in made:
                with suppress(OSError):
                    folder.rmdir()  # only if empty: never anything else's
            journal.clear(git.git_dir)
            raise
        journal.clear(git.git_dir)

    def edit(self, ref: str, editor: Callable[[Path], int], *, why: str = "pm edit") -> EditResult:
        """Let a person edit the file in ``editor`` and commit what they save as a hand edit.

        The editor works on a buffer (``pm.buffers``), outside pm's lock. What is saved is
        validated (parse, schema) and applied only if the file still holds what the editor
        started from; otherwise the buffer is kept and the error names it. The result:
        ``unchanged`` (nothing saved), ``committed``, or ``written`` (not committed: with
        ``--no-commit``, or the file is now as the last commit holds it).
        """
        from pm import buffers

        path = self.store.resolve(ref)
        shown = self.store.display(path)
        with self._writing("edit"):  # after any interrupted change is committed
            try:
                base = path.read_bytes()  # not parsed: a broken file is what one fixes here
            except OSError as error:
                raise DataError(f"{shown}: cannot read: {error.strerror}") from None
        buffer = buffers.buffer_for(self.config, path.stem, base)
        for other in buffers.kept(self.config, path.stem):
            if other != buffer:
                self._notice(f"an earlier edit of {path.stem} that was not applied: {other}")
        if buffer.exists():
            self._notice(f"reopening your earlier edit of {path.stem}, kept in {buffer}")
        else:
            buffer.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(buffer, base, create=True)
        code = editor(buffer)
        saved = buffer.read_bytes()
        kept = f"your text is kept in {buffer}"
        if code != 0:
            if saved == base:
                buffer.unlink()
                kept = "nothing was changed"
            raise UsageError(f"the editor exited with {code}; nothing was committed; {kept}")
        if saved == base:
            buffer.unlink()
            return "unchanged"
        from pm.lint import validate

        saved, zoned = self._zoned(path, saved)
        problems = validate(saved, path, self.config)
        if problems:
            # The lines are of the saved text, kept in the buffer: the file is unchanged.
            import re

            named = re.compile(rf"^{re.escape(shown)}:(\d+): ")
            problems = [named.sub(r"line \1 of your text: ", p, count=1) for p in problems]
            listed = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")
            raise DataError(
                f"{listed}; nothing was committed; {kept} (`pm edit {path.stem}` reopens it)"
            )
        moved = f"{shown} changed while you edited it; {kept}"
        committed = self._apply_edit(path, base, saved, why, moved, zoned)
        buffer.unlink()
        return "committed" if committed else "written"

    def _zoned(self, path: Path, saved: bytes) -> tuple[bytes, list[str]]:
        """The saved text with event times typed without an offset read in the team's
        zone (``transaction.zone_naive_times``), and a note for each; as saved when it
        has none, or does not parse (``validate`` names why)."""
        from pm import transaction

        try:
            record = self.store.parse(path, saved)
        except PmError:
            return saved, []
        notes: dict[Path, list[str]] = {}
        transaction.zone_naive_times(self.store, [record], notes)
        if not notes:
            return saved, []
        return self.store.render(record), notes[path]

    def _apply_edit(
        self, path: Path, base: bytes, saved: bytes, why: str, moved: str, zoned: list[str]
    ) -> bool:
        """Adopt rows typed into the tables, then write and commit the saved text."""
        from pm import blockedits, transaction
        from pm.commits import hand_edit_message

        record = self.store.parse(path, saved)
        adoption = blockedits.adopt(
            record.postmortem,
            record.document.body,
            priorities=self.config.priorities,
            today=self.today(),
        )
        shown = self.store.display(path)
        if adoption.problems:
            offset = record.document.front_lines + 2
            raise DataError(blockedits.refusal(shown, adoption.problems, offset))
        notes = [*adoption.notes, *zoned]
        data = self.store.render(record) if adoption.notes else saved
        for note in notes:
            self._notice(note)
        message = hand_edit_message(record.postmortem.id, why, notes)
        with self._writing("edit") as git:
            try:
                return transaction.replace(self.store, git, path, base, data, message, "edit")
            except transaction.Conflict:
                raise DataError(moved) from None

    def add_event(
        self, ref: str, text: str, *, at: str | datetime | None = None, kind: str = "note"
    ) -> Record:
        from pm import lifecycle

        moment = self.parse_time(at)

        def change(postmortem: Postmortem) -> Outcome:
            event = lifecycle.add_event(postmortem, moment, kind, text, self.tz)
            return _event_outcome("event", postmortem.id, event.kind, event.text)

        return self._change(ref, "event", change)

    def edit_event(
        self,
        ref: str,
        number: int,
        *,
        at: str | None = None,
        kind: str | None = None,
        text: str | None = None,
    ) -> tuple[Record, list[Change], int]:
        """Correct event ``number`` (as ``pm show`` numbers them); the changes, and the
        event's number after (a new time may move it)."""
        from pm import timeline
        from pm.transaction import Outcome

        moment = None if at is None else self.incident_time(ref, at)
        result: list[tuple[list[Change], int]] = []

        def change(postmortem: Postmortem) -> Outcome:
            rule = self.config.rule_for(postmortem.severity)
            changes, now_number = timeline.edit_event(
                postmortem, number, rule, at=moment, kind=kind, text=text, tz=self.tz
            )
            result.append((changes, now_number))
            fields = ", ".join(c.field for c in changes)
            moved = f" now #{now_number}" if now_number != number else ""
            return Outcome(f"#{number} {fields}{moved}", [c.line() for c in changes])

        record = self._change(ref, "event-edit", change)
        return record, *result[-1]

    def remove_event(self, ref: str, number: int) -> tuple[Record, Event]:
        """Remove event ``number``; the commit body keeps what it said."""
        from pm import timeline

        removed: list[Event] = []

        def change(postmortem: Postmortem) -> Outcome:
            event = timeline.remove_event(postmortem, number)
            removed.append(event)
            outcome = _event_outcome(
                "event-rm", postmortem.id, f"#{number} {event.kind}", event.text
            )
            outcome.body = [
                f"Removed: {timeparse.format_time(event.at)} {event.kind}: {event.text}"
            ]
            return outcome

        record = self._change(ref, "event-rm", change)
        return record, removed[-1]

    def import_events(
        self, ref: str, parsed: importing.Parsed, *, dry_run: bool = False
    ) -> tuple[Record, importing.Plan]:
        """Add the events ``parsed`` holds that ``ref`` does not have yet, in one commit
        (none when there is nothing new); ``dry_run`` writes nothing. The events ``pm
        event`` would refuse (before the start) refuse the whole import."""
        from pm import importing
        from pm.transaction import Outcome

        if parsed.errors:
            raise DataError(f"{len(parsed.errors)} line(s) could not be read; nothing was imported")
        for note in parsed.notes:
            self._note(note)
        plans: list[importing.Plan] = []

        def change(postmortem: Postmortem) -> Outcome | None:
            plan = importing.plan(postmortem, parsed.events)
            importing.check(postmortem, plan.new, self.tz)
            plans.append(plan)
            if not plan.new:
                return None
            for imported in plan.new:
                postmortem.add_event(importing.event(imported, postmortem))
            count = len(plan.new)
            detail = f"imported {count} event{'s' if count != 1 else ''} from {parsed.format}"
            body = [f"{timeparse.format_time(i.at)} {i.kind}: {i.text}" for i in plan.new]
            return Outcome(detail, body)

        if dry_run:
            record = self.get(ref)
            change(record.postmortem)
            return self.get(ref), plans[-1]
        record = self._change(ref, "event", change)
        return record, plans[-1]

    def resolve(self, ref: str, text: str = "", *, at: str | datetime | None = None) -> Record:
        from pm import lifecycle

        moment = self.parse_time(at)

        def change(postmortem: Postmortem) -> str:
            rule = self.config.rule_for(postmortem.severity)
            lifecycle.resolve(postmortem, moment, text, rule, self.tz)
            duration = postmortem.duration()
            return timeparse.format_duration(duration) if duration is not None else "resolved"

        return self._change(ref, "resolve", change)

    def reopen(self, ref: str, reason: str) -> tuple[Record, Event, str]:
        """The incident flared up again: resolved -> active, the resolution kept as a note
        (the commit says its old and new text), the review's due date cleared."""
        from pm import timeline
        from pm.transaction import Outcome

        result: list[tuple[Event, str]] = []

        def change(postmortem: Postmortem) -> Outcome:
            due = postmortem.review.due
            note, old = timeline.reopen(postmortem, reason)
            result.append((note, old))
            body = [
                f"Reason: {reason.strip()}",
                f"resolved {timeparse.format_time(note.at)}: {old} -> note: {note.text}",
            ]
            if due is not None:
                body.append(f"review due: {due.isoformat()} -> none")
            return Outcome("resolved -> active", body)

        record = self._change(ref, "reopen", change)
        return record, *result[-1]

    # --- follow-through: action items, review, close, edits, audit log ------------------

    def add_action(
        self,
        ref: str,
        text: str,
        *,
        owner: str,
        priority: str | None = None,
        due: str | None = None,
        ticket: str | None = None,
    ) -> tuple[Record, ActionItem]:
        """Add an open action item; the due date defaults from the priority's deadline."""
        from pm import actions
        from pm.transaction import Outcome

        priorities = self.config.priorities
        default = "P1" if "P1" in priorities else next(iter(priorities))
        chosen = actions.check_priority(priority or default, priorities)
        today = self.today()
        due_date = (
            timeparse.parse_date(due, today)
            if due is not None
            else actions.default_due(chosen, priorities, today)
        )
        added: list[ActionItem] = []
        reopened: list[str] = []

        def change(postmortem: Postmortem) -> Outcome:
            item = actions.add(
                postmortem, text=text, owner=owner, priority=chosen, due=due_date, ticket=ticket
            )
            added.append(item)
            moved = actions.reopen_for_follow_up(postmortem)
            body = [f"Status: {moved} (a follow-up found after the close)"] if moved else []
            reopened[:] = [postmortem.id, postmortem.status] if moved else []
            return Outcome(f"#{item.number} {item.priority} {item.owner}", body)

        record = self._change(ref, "action-add", change)
        if due_date < today:
            self._notice(f"the due date {due_date.isoformat()} is in the past")
        if reopened:
            pid, status = reopened
            self._notice(
                f"{pid} was closed; it is {status} again until the new item is done "
                f"(then: pm close {pid})"
            )
        return record, added[-1]

    def edit_action(
        self,
        ref: str,
        number: int,
        *,
        text: str | None = None,
        owner: str | None = None,
        priority: str | None = None,
        due: str | None = None,
        ticket: str | None = None,
    ) -> tuple[Record, ActionItem, list[Change]]:
        """Correct an action item; the commit body says each old and new value."""
        from pm import actions
        from pm.transaction import Outcome

        today = self.today()
        due_date = None if due is None else timeparse.parse_date(due, today)
        actions.check_unambiguous(self.get(ref).postmortem, number)
        result: list[tuple[ActionItem, list[Change]]] = []

        def change(postmortem: Postmortem) -> Outcome:
            item, changes = actions.edit(
                postmortem,
                number,
                self.config.priorities,
                text=text,
                owner=owner,
                priority=priority,
                due=due_date,
                ticket=ticket,
            )
            result.append((item, changes))
            fields = ", ".join(c.field for c in changes)
            return Outcome(f"#{number} {fields}", [c.line() for c in changes])

        record = self._change(ref, "action-edit", change)
        item, changes = result[-1]
        if due_date is not None and due_date < today and item.is_open:
            self._notice(f"the due date {due_date.isoformat()} is in the past")
        return record, item, changes

    def remove_action(self, ref: str, number: int) -> tuple[Record, ActionItem]:
        """Remove an action item (a duplicate); its number is never used again."""
        from pm import actions
        from pm.transaction import Outcome

        actions.check_unambiguous(self.get(ref).postmortem, number)
        removed: list[ActionItem] = []

        def change(postmortem: Postmortem) -> Outcome:
            item = actions.remove(postmortem, number)
            removed.append(item)
            line = (
                f"Removed: #{item.number} {item.priority} {item.owner}, due "
                f"{item.due.isoformat()}, {item.status}: {item.text}"
            )
            return Outcome(f"#{number}", [line])

        record = self._change(ref, "action-rm", change)
        return record, removed[-1]

    def action_status(
        self,
        ref: str,
        number: int,
        name: str,
        *,
        reason: str | None = None,
        on: str | None = None,
    ) -> tuple[Record, ActionItem]:
        """Move an action item: ``start``, ``done``, ``wont-do`` or ``reopen``; ``on`` is the
        day a ``done`` item was finished, when not today."""
        from pm import actions
        from pm.transaction import Outcome

        today = self.today()
        day = None if on is None else timeparse.parse_date(on, today)
        # Checked before the change renumbers repeated numbers: never guess which is meant.
        actions.check_unambiguous(self.get(ref).postmortem, number)
        moved: list[ActionItem] = []

        def change(postmortem: Postmortem) -> Outcome:
            started = postmortem.started
            item = actions.transition(
                postmortem,
                number,
                name,
                today=today,
                reason=reason,
                on=day,
                started=None if started is None else started.astimezone(self.tz).date(),
            )
            moved.append(item)
            body = [f"Reason: {reason}"] if reason and reason.strip() and name != "wont-do" else []
            if day is not None and day != today:
                body.append(f"Done on: {day.isoformat()}")
            detail = f"#{number} {item.status}"
            if item.reason:
                body.append(f"Reason: {item.reason}")
            return Outcome(detail, body)

        record = self._change(ref, f"action-{name}", change)
        return record, moved[-1]

    def renumber_actions(self, ref: str) -> list[str]:
        """Commit the renumbering of repeated action-item numbers; [] when there is none."""
        from pm import actions

        if not actions.duplicate_numbers(self.get(ref).postmortem):
            return []
        before = len(self.notices)
        self._change(ref, "renumber", lambda postmortem: "action items")
        return self.notices[before:]

    def verify_action(self, ref: str, number: int, branch: Branch) -> Verdict | None:
        """Record what ``branch`` proves about item ``number`` (``pm action verify``): done
        with its evidence, or open again when the fix was withdrawn; one commit. None when
        the file already says so (nothing is written)."""
        from pm import evidence
        from pm.transaction import Outcome

        found: list[Verdict] = []

        def change(postmortem: Postmortem) -> Outcome | None:
            verdict = evidence.judge(postmortem, number, branch, self.day_of)
            found[:] = [verdict] if verdict else []
            return None if verdict is None else Outcome(verdict.detail, verdict.body)

        self._change(ref, "action-verify", change)
        return found[0] if found else None

    def day_of(self, moment: datetime) -> date:
        """The day ``moment`` falls on in the team's zone."""
        return moment.astimezone(self.tz).date()

    def review(self, ref: str, *, at: str | datetime | None = None) -> Record:
        """Record the postmortem review as held (status reviewed), if the document is ready
        (the sections ``[review] required`` names are written)."""
        from pm import lifecycle

        moment = self.parse_time(at)

        def change(record: Record) -> str:
            postmortem = record.postmortem
            rule = self.config.rule_for(postmortem.severity)
            required = self.config.review_required
            lifecycle.review(postmortem, record.document.body, moment, rule, required)
            return f"held {moment.astimezone(self.tz):%Y-%m-%d}"

        return self._change_record(ref, "review", change)

    def schedule_review(self, ref: str, at: datetime) -> tuple[Record, datetime | None]:
        """Set (or move) when the review meeting is to be held; the previous time too."""
        from pm import lifecycle
        from pm.transaction import Outcome

        before: list[datetime | None] = []

        def change(postmortem: Postmortem) -> Outcome:
            before.append(postmortem.review.scheduled)
            rule = self.config.rule_for(postmortem.severity)
            lifecycle.schedule_review(postmortem, at, rule, self.now())
            old = timeparse.format_time(before[-1]) if before[-1] else "none"
            line = f"review.scheduled: {old} -> {timeparse.format_time(at)}"
            return Outcome(f"review {timeparse.format_time(at)}", [line])

        return self._change(ref, "schedule", change), before[-1]

    def close(self, ref: str, *, force: bool = False, reason: str | None = None) -> Record:
        """Close the postmortem; ``force`` (with a reason) closes despite open items."""
        from pm import lifecycle
        from pm.transaction import Outcome

        moment = self.now()

        def change(postmortem: Postmortem) -> Outcome:
            rule = self.config.rule_for(postmortem.severity)
            blockers = lifecycle.close(postmortem, moment, rule, force=force, reason=reason)
            if not force:
                return Outcome("")
            closure = postmortem.closed
            body = [f"Reason: {closure.reason if closure else reason}"]
            body += [f"Closed despite: {blocker}" for blocker in blockers]
            return Outcome("forced", body)

        return self._change(ref, "close", change)

    def set_field(self, ref: str, name: str, values: list[str], *, mode: str = "set") -> FieldSet:
        """Change one front-matter field; the commit records the old and the new value."""
        from pm import lifecycle
        from pm.fields import set_field
        from pm.transaction import Outcome

        edits: list[Edit] = []

        def resolve_id(other: str) -> str:
            return self.store.resolve(other).stem

        def change(record: Record) -> Outcome:
            postmortem = record.postmortem
            edit = set_field(
                postmortem,
                name,
                values,
                self.config,
                mode=mode,
                resolve_id=resolve_id,
                parse_time=self.parse_time,
                tz=self.tz,
            )
            if edit.field == "severity":
                rule = self.config.rule_for(postmortem.severity)
                lifecycle.check_finished_record(
                    postmortem, record.document.body, rule, self.config.review_required
                )
            edits.append(edit)
            line = " ".join(f"{edit.field}: {edit.old} -> {edit.new}".split())
            detail = line if len(line) <= 72 else edit.field
            return Outcome(detail, [line])

        record = self._change_record(ref, "set", change)
        edit = edits[-1]
        if edit.field != "severity":
            return FieldSet(record, edit)
        rule = self.config.rule_for(record.postmortem.severity)
        return FieldSet(record, edit, lifecycle.review_state(record.postmortem, rule))

    def relate(
        self, ref: str, other: str, *, same_cause: bool = False
    ) -> tuple[Record, Record, bool]:
        """Link two incidents both ways in one commit; False when they already were.

        ``related:`` is "see also"; ``same_cause:`` says the two share a cause, which
        makes them one recurring-cause group whatever their text says.
        """
        key = "same_cause" if same_cause else "related"

        def change(first: Postmortem, second: Postmortem) -> bool:
            if first.id == second.id:
                raise UsageError(f"{first.id} cannot be related to itself")
            changed = False
            for one, two in ((first, second), (second, first)):
                links = one.related if key == "related" else _links(one, key)
                if two.id not in links:
                    links.append(two.id)
                    changed = True
            return changed

        return self._change_pair(ref, other, key, change)

    def unrelate(
        self, ref: str, other: str, *, same_cause_only: bool = False
    ) -> tuple[Record, Record, bool]:
        """Unlink two incidents both ways in one commit; False when they were not linked.

        Removes the ``related:`` and the ``same_cause:`` link (only the latter with
        ``same_cause_only``), from both files, whichever side listed the other.
        """
        keys = ("same_cause",) if same_cause_only else ("related", "same_cause")

        def change(first: Postmortem, second: Postmortem) -> bool:
            if first.id == second.id:
                raise UsageError(f"{first.id} cannot be related to itself")
            changed = False
            for one, two in ((first, second), (second, first)):
                for key in keys:
                    if key == "related":
                        if two.id in one.related:
                            one.related[:] = [i for i in one.related if i != two.id]
                            changed = True
                        continue
                    value = one.extra.get(key)
                    if isinstance(value, list) and two.id in value:
                        kept = [i for i in value if i != two.id]
                        if kept:
                            one.extra[key] = kept
                        else:
                            del one.extra[key]
                        changed = True
            return changed

        return self._change_pair(ref, other, "related-rm", change)

    # --- the one path every change takes ------------------------------------------------

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        if self.on_notice is not None:
            self.on_notice(text)

    def _note(self, text: str) -> None:
        self.notes.append(text)
        if self.on_note is not None:
            self.on_note(text)

    def _change(
        self, ref: str, operation: str, change: Callable[[Postmortem], str | Outcome | None]
    ) -> Record:
        """Apply ``change`` to the postmortem ``ref`` names, as one commit (see _change_record)."""
        return self._change_record(ref, operation, lambda record: change(record.postmortem))

    def _change_record(
        self, ref: str, operation: str, change: Callable[[Record], str | Outcome | None]
    ) -> Record:
        """Apply ``change`` to one file as one commit, through ``pm.transaction``.

        The change may run more than once (pm re-applies it when someone else changed
        the file meanwhile), so it must only edit the record it is given. A change that
        returns None changed nothing: nothing is written or committed.
        """
        from pm import transaction
        from pm.transaction import Outcome

        def apply(records: list[Record]) -> Outcome | None:
            outcome = change(records[0])
            return Outcome(outcome) if isinstance(outcome, str) else outcome

        def message(records: list[Record], outcome: Outcome, notes: list[str]) -> str:
            from pm.commits import message as commit_message

            postmortem_id = records[0].postmortem.id
            return commit_message(operation, postmortem_id, outcome.detail, [*outcome.body, *notes])

        with self._writing(operation) as git:
            path = self.store.resolve(ref)
            records, _ = transaction.run(
                self.store, git, [path], operation, apply, message, self._notice
            )
        return records[0]

    def _change_pair(
        self,
        ref: str,
        other: str,
        operation: str,
        change: Callable[[Postmortem, Postmortem], bool],
    ) -> tuple[Record, Record, bool]:
        """``_change`` for two files in one commit; on any failure both are restored."""
        from pm import transaction
        from pm.transaction import Outcome

        def apply(records: list[Record]) -> Outcome | None:
            first, second = records[0], records[-1]
            return Outcome("") if change(first.postmortem, second.postmortem) else None

        def message(records: list[Record], outcome: Outcome, notes: list[str]) -> str:
            from pm.commits import pair_message

            ids = (records[0].postmortem.id, records[-1].postmortem.id)
            return pair_message(operation, *ids, notes)

        with self._writing(operation) as git:
            paths = [self.store.resolve(ref), self.store.resolve(other)]
            records, changed = transaction.run(
                self.store, git, paths, operation, apply, message, self._notice
            )
        return records[0], records[-1], changed

    def _check_driver(self, git: GitRepo, operation: str) -> None:
        from pm import mergesetup

        if mergesetup.driver_missing(git):
            self._notice(mergesetup.MISSING_DRIVER)
        elif operation == "open" and mergesetup.shared_without_setup(git):
            self._notice(mergesetup.NOT_SET_UP)

    @contextmanager
    def _writing(
        self, operation: str = "", *, check_driver: bool = True
    ) -> Iterator[GitRepo | None]:
        """Hold the pm lock and yield the repository to commit to (None with --no-commit).

        A change pm was interrupted before committing is committed first (``journal``).
        Warns (once per workspace) when this clone lacks the merge driver the repository
        declares: its next pull of a teammate's change to the same postmortem conflicts.
        """
        from pm import transaction
        from pm.gitrepo import GitRepo  # only writes run git: reads start faster without it

        try:
            git = GitRepo.discover(self.config.root)
        except RepoError:
            if self.commit_enabled:
                raise
            git = None
        with git.lock() if git is not None else nullcontext():
            if git is not None and self.commit_enabled:
                git.ensure_writable()
                transaction.recover(self.store, git, operation, self._notice)
                if check_driver and not self._driver_checked:
                    self._driver_checked = True
                    self._check_driver(git, operation)
                yield git
            else:
                yield None


def incident_branch(postmortem_id: str) -> str:
    """The branch ``pm open --branch`` commits a new postmortem on, for its review."""
    return f"postmortem/{postmortem_id}"


def _event_outcome(operation: str, postmortem_id: str, kind: str, text: str) -> Outcome:
    """The subject carries the event's text when it fits (``git log --oneline`` then tells
    the incident); the body carries it whole when the subject could not."""
    from pm.commits import event_detail
    from pm.transaction import Outcome

    detail, shortened = event_detail(operation, postmortem_id, kind, text)
    return Outcome(detail, [f"{kind}: {text}"] if shortened else [])


def _links(postmortem: Postmortem, key: str) -> list[str]:
    """The list under ``key`` in the postmortem's extra keys, created when missing."""
    value = postmortem.extra.get(key)
    if not isinstance(value, list):
        value = postmortem.extra[key] = []
    return value
