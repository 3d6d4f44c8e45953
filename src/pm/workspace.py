"""The write side of the Python API: one method per change, and the one path each takes.

A change follows one path (``_change``): take the pm lock, check that git can commit now,
read the file, apply a domain function, write atomically, commit that one file. If the
commit fails the file is put back as it was, so a change is either in a commit or nowhere.
Reading (finding, listing, the audit log, what is late, reports) is ``pm.queries``.

Length: eleven changes and the one transaction they share. Each change is a short method
over a domain function; split across modules, a change would no longer sit beside the
path it takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pm import actions, lifecycle, timeline, timeparse
from pm.config import CONFIG_FILE, Config, load_config
from pm.errors import RepoError, UsageError
from pm.fields import Edit, set_field
from pm.model import ActionItem, Change, Event, Postmortem
from pm.store import Record, Store, atomic_write

if TYPE_CHECKING:
    from pm.gitrepo import GitRepo


@dataclass
class Outcome:
    """What a change function reports: the subject's detail and extra commit-body lines."""

    detail: str
    body: list[str] = field(default_factory=list)


class FieldSet(NamedTuple):
    """What ``set_field`` changed. After a severity change ``review`` says where the
    postmortem review stands (``lifecycle.review_state``); None for other fields."""

    record: Record
    edit: Edit
    review: lifecycle.ReviewState | None = None


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

    def parse_time(self, text: str | None) -> datetime:
        return self.now() if text is None else timeparse.parse_time(text, self.tz)

    def get(self, ref: str) -> Record:
        """The postmortem ``ref`` names (id, prefix, slug or path), read and parsed."""
        return self.store.read(self.store.resolve(ref))

    # --- writing ------------------------------------------------------------------------

    def init(self) -> tuple[list[Path], bool]:
        """Create the postmortems folder and a commented .pm.toml; returns (paths, git_init)."""
        root = self.config.root
        initialised = False
        if not (root / ".git").exists():
            from pm.gitrepo import GitRepo

            GitRepo.init(root)
            initialised = True
        created: list[Path] = []
        keep = self.config.postmortems_dir / ".gitkeep"
        config_file = root / CONFIG_FILE
        with self._writing() as git:
            if not keep.exists():
                keep.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(keep, b"", create=True)
                created.append(keep)
            if not config_file.exists() and not self.config.source:
                from pm.templates import builtin_dir

                text = (builtin_dir() / "pm.toml").read_bytes()
                atomic_write(config_file, text, create=True)
                created.append(config_file)
            if created and git is not None:
                from pm.commits import init_message

                git.commit_files(created, init_message(self.config.directory), new=True)
        return created, initialised

    def open(
        self,
        title: str,
        severity: str,
        *,
        services: list[str] | None = None,
        tags: list[str] | None = None,
        impact: str = "",
        started: str | None = None,
        detected: str | None = None,
        edit: Callable[[Path], None] | None = None,
    ) -> Record:
        """Create a postmortem for a new incident (status active) and commit it."""
        rule = lifecycle.check_severity(severity, self.config)
        started_at = self.parse_time(started)
        detected_at = None if detected is None else self.parse_time(detected)
        lifecycle.check_title(title)
        with self._writing() as git:
            taken = {p.stem for p in self.store.paths()}
            postmortem = lifecycle.new_postmortem(
                title=title,
                severity=rule,
                started=started_at,
                detected=detected_at,
                services=services or [],
                tags=tags or [],
                impact=impact,
                taken_ids=taken,
                started_given=started is not None,
            )
            from pm.templates import render_postmortem

            body = render_postmortem(self.config, postmortem)
            path = self.store.path_for(postmortem.id)
            record = Record.new_file(path, postmortem, body)
            self.store.create(record)
            if edit is None:
                self._commit_new(git, record)
                return record
        # The editor runs outside the lock: a person may take minutes, other pm commands
        # must not wait for them. The new file already reserves its id.
        # If the saved file is broken or the commit fails, it stays for the user to fix.
        edit(path)
        with self._writing() as git:
            record = self.store.read(path)
            self._commit_new(git, record, keep_on_failure=True)
        return record

    def _commit_new(
        self, git: GitRepo | None, record: Record, *, keep_on_failure: bool = False
    ) -> None:
        if git is None:
            return
        from pm.commits import message

        postmortem = record.postmortem
        try:
            git.commit_files(
                [record.path], message("open", postmortem.id, postmortem.severity), new=True
            )
        except BaseException:
            if not keep_on_failure:
                record.path.unlink(missing_ok=True)
            raise

    def add_event(
        self, ref: str, text: str, *, at: str | None = None, kind: str = "note"
    ) -> Record:
        moment = self.parse_time(at)

        def change(postmortem: Postmortem) -> Outcome:
            event = lifecycle.add_event(postmortem, moment, kind, text)
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
        moment = None if at is None else self.parse_time(at)
        result: list[tuple[list[Change], int]] = []

        def change(postmortem: Postmortem) -> Outcome:
            rule = self.config.rule_for(postmortem.severity)
            changes, now_number = timeline.edit_event(
                postmortem, number, rule, at=moment, kind=kind, text=text
            )
            result.append((changes, now_number))
            fields = ", ".join(c.field for c in changes)
            moved = f" now #{now_number}" if now_number != number else ""
            return Outcome(f"#{number} {fields}{moved}", [c.line() for c in changes])

        record = self._change(ref, "event-edit", change)
        return record, *result[0]

    def remove_event(self, ref: str, number: int) -> tuple[Record, Event]:
        """Remove event ``number``; the commit body keeps what it said."""
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
        return record, removed[0]

    def resolve(self, ref: str, text: str = "", *, at: str | None = None) -> Record:
        moment = self.parse_time(at)

        def change(postmortem: Postmortem) -> str:
            rule = self.config.rule_for(postmortem.severity)
            lifecycle.resolve(postmortem, moment, text, rule)
            duration = postmortem.duration()
            return timeparse.format_duration(duration) if duration is not None else "resolved"

        return self._change(ref, "resolve", change)

    def reopen(self, ref: str, reason: str) -> tuple[Record, Event, str]:
        """The incident flared up again: resolved -> active, the resolution kept as a note
        (the commit says its old and new text), the review's due date cleared."""
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
        return record, *result[0]

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
            reopened.extend([postmortem.id, postmortem.status] if moved else [])
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
        return record, added[0]

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
        item, changes = result[0]
        if due_date is not None and due_date < today and item.is_open:
            self._notice(f"the due date {due_date.isoformat()} is in the past")
        return record, item, changes

    def remove_action(self, ref: str, number: int) -> tuple[Record, ActionItem]:
        """Remove an action item (a duplicate); its number is never used again."""
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
        return record, removed[0]

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
        return record, moved[0]

    def renumber_actions(self, ref: str) -> list[str]:
        """Commit the renumbering of repeated action-item numbers; [] when there is none."""
        if not actions.duplicate_numbers(self.get(ref).postmortem):
            return []
        before = len(self.notices)
        self._change(ref, "renumber", lambda postmortem: "action items")
        return self.notices[before:]

    def review(self, ref: str, *, at: str | None = None) -> Record:
        """Record the postmortem review as held (status reviewed), if the document is ready."""
        moment = self.parse_time(at)

        def change(record: Record) -> str:
            postmortem = record.postmortem
            rule = self.config.rule_for(postmortem.severity)
            lifecycle.review(postmortem, record.document.body, moment, rule)
            return f"held {moment.strftime('%Y-%m-%d')}"

        return self._change_record(ref, "review", change)

    def close(self, ref: str, *, force: bool = False, reason: str | None = None) -> Record:
        """Close the postmortem; ``force`` (with a reason) closes despite open items."""
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
        edits: list[Edit] = []

        def resolve_id(other: str) -> str:
            return self.store.resolve(other).stem

        def change(postmortem: Postmortem) -> Outcome:
            edit = set_field(
                postmortem,
                name,
                values,
                self.config,
                mode=mode,
                resolve_id=resolve_id,
                parse_time=self.parse_time,
            )
            edits.append(edit)
            line = " ".join(f"{edit.field}: {edit.old} -> {edit.new}".split())
            detail = line if len(line) <= 72 else edit.field
            return Outcome(detail, [line])

        record = self._change(ref, "set", change)
        edit = edits[0]
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

    # --- the one path every change takes ------------------------------------------------

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        if self.on_notice is not None:
            self.on_notice(text)

    def _change(
        self, ref: str, operation: str, change: Callable[[Postmortem], str | Outcome]
    ) -> Record:
        """Apply ``change`` to the postmortem ``ref`` names, as one commit (see _change_record)."""
        return self._change_record(ref, operation, lambda record: change(record.postmortem))

    def _change_record(
        self, ref: str, operation: str, change: Callable[[Record], str | Outcome]
    ) -> Record:
        """Lock, read, change, write, commit; on a failed commit, restore the file.

        Action items that repeat a number (after a merge) are renumbered first; the notes
        go to ``self.notices`` and into the commit body.
        """
        with self._writing() as git:
            record = self.store.read(self.store.resolve(ref))
            notes = actions.renumber_duplicates(record.postmortem)
            outcome = change(record)
            if isinstance(outcome, str):
                outcome = Outcome(outcome)
            self.store.save(record)
            for note in notes:
                self._notice(note)
            if git is not None:
                from pm.commits import message as commit_message

                try:
                    message = commit_message(
                        operation, record.postmortem.id, outcome.detail, [*outcome.body, *notes]
                    )
                    # Untracked after `open --no-commit`, or a crash between create and commit.
                    new = not git.is_tracked(record.path)
                    git.commit_files([record.path], message, new=new)
                except BaseException:
                    atomic_write(record.path, record.raw)
                    raise
        return record

    def _change_pair(
        self,
        ref: str,
        other: str,
        operation: str,
        change: Callable[[Postmortem, Postmortem], bool],
    ) -> tuple[Record, Record, bool]:
        """``_change`` for two files in one commit; on any failure both are restored."""
        with self._writing() as git:
            first = self.store.read(self.store.resolve(ref))
            second = self.store.read(self.store.resolve(other))
            if first.path == second.path:
                second = first
            if not change(first.postmortem, second.postmortem):
                return first, second, False
            written: list[Record] = []
            try:
                for record in (first, second):
                    self.store.save(record)
                    written.append(record)
                if git is not None:
                    from pm.commits import pair_message

                    ids = (first.postmortem.id, second.postmortem.id)
                    message = pair_message(operation, *ids)
                    git.commit_files([first.path, second.path], message, new=False)
            except BaseException:
                for record in written:
                    atomic_write(record.path, record.raw)
                raise
        return first, second, True

    @contextmanager
    def _writing(self) -> Iterator[GitRepo | None]:
        """Hold the pm lock and yield the repository to commit to (None with --no-commit)."""
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
                yield git
            else:
                yield None


def _event_outcome(operation: str, postmortem_id: str, kind: str, text: str) -> Outcome:
    """The subject carries the event's text when it fits (``git log --oneline`` then tells
    the incident); the body carries it whole when the subject could not."""
    from pm.commits import event_detail

    detail, shortened = event_detail(operation, postmortem_id, kind, text)
    return Outcome(detail, [f"{kind}: {text}"] if shortened else [])


def _links(postmortem: Postmortem, key: str) -> list[str]:
    """The list under ``key`` in the postmortem's extra keys, created when missing."""
    value = postmortem.extra.get(key)
    if not isinstance(value, list):
        value = postmortem.extra[key] = []
    return value
