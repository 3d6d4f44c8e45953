"""The Python API of pm: every command is a method here, and the CLI only parses and prints.

A change follows one path (``_change``): take the pm lock, check that git can commit now,
read the file, apply a domain function, write atomically, commit that one file. If the
commit fails the file is put back as it was, so a change is either in a commit or nowhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from pm import actions, lifecycle, timeparse
from pm.config import CONFIG_FILE, Config, load_config
from pm.document import Document
from pm.errors import DataError, RepoError, UsageError
from pm.fields import Edit, set_field
from pm.model import ID_PATTERN, ActionItem, Postmortem
from pm.store import Record, Store, atomic_write

if TYPE_CHECKING:
    from pm.gitrepo import GitRepo, LogEntry
    from pm.similar import Match

# ``pm show`` compares with at most this many of the latest earlier postmortems, and
# ``pm open`` reads at most this many candidates, so both answer quickly at 10k files.
SIMILAR_SCAN_LIMIT = 1000
OPEN_CANDIDATES = 100


@dataclass
class Filters:
    status: str | None = None
    severity: str | None = None
    service: str | None = None
    tag: str | None = None
    since: date | None = None

    def match(self, postmortem: Postmortem) -> bool:
        if self.status and postmortem.status != self.status:
            return False
        if self.severity and postmortem.severity != self.severity:
            return False
        if self.service and self.service not in postmortem.services:
            return False
        if self.tag and self.tag not in postmortem.tags:
            return False
        started = postmortem.started
        return not (self.since and (started is None or started.date() < self.since))


@dataclass
class Outcome:
    """What a change function reports: the subject's detail and extra commit-body lines."""

    detail: str
    body: list[str] = field(default_factory=list)


@dataclass
class ActionFilters:
    """Which action items ``pm action list`` shows; ``owners`` match name or email."""

    owners: tuple[str, ...] = ()
    status: str | None = None
    priority: str | None = None
    overdue: bool = False

    def match(self, item: ActionItem, today: date) -> bool:
        if self.owners and item.owner.casefold() not in {o.casefold() for o in self.owners}:
            return False
        if self.status and item.status != self.status:
            return False
        if self.priority and item.priority != self.priority:
            return False
        return not (self.overdue and item.days_overdue(today) == 0)


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

    # --- reading ------------------------------------------------------------------------

    def get(self, ref: str) -> Record:
        return self.store.read(self.store.resolve(ref))

    def find(self, filters: Filters | None = None) -> tuple[list[Record], list[DataError]]:
        records, errors = self.store.read_all()
        if filters is not None:
            records = [r for r in records if filters.match(r.postmortem)]
        return records, errors

    def view(self, ref: str) -> Record:
        """``get`` for ``pm show``, which reads and may compare causes.

        When the body has a written cause, ``similar_by_cause`` loads the summary cache
        anyway, so the postmortem comes from it too and nothing is parsed while the file
        is unchanged. Otherwise parsing the one file is cheaper than loading the cache.
        """
        from pm.document import body_of
        from pm.sections import section_text

        path = self.store.resolve(ref)
        try:
            body = body_of(path.read_bytes())
        except OSError:
            body = ""
        if not (section_text(body, "Root Cause") or section_text(body, "Contributing Factors")):
            return self.store.read(path)
        records, errors = self.store.read_many([path])
        if errors or not records:
            return self.store.read(path)  # raises what is wrong with the file
        return records[0]

    def titles(self, ids: list[str]) -> dict[str, str]:
        """Titles of the postmortems with these exact ids; missing or broken ones are left out."""
        found = {}
        for postmortem_id in ids:
            if not ID_PATTERN.fullmatch(postmortem_id):
                continue  # hand-edited related ids are data, never a path
            path = self.store.path_for(postmortem_id)
            try:
                found[postmortem_id] = self.store.read(path).postmortem.title
            except DataError:
                continue
        return found

    def similar_by_cause(self, record: Record, limit: int = 3) -> list[Match]:
        """Earlier postmortems whose written cause reads like ``record``'s (``pm show``).

        Nothing is read unless the record has a root cause or contributing factors; then
        the latest SIMILAR_SCAN_LIMIT earlier files are compared. Unreadable files are
        skipped here: ``pm list`` and ``pm lint`` are where they are reported.
        """
        from pm import similar

        target = similar.doc_from_record(record)
        if not similar.has_cause(target):
            return []
        day = record.postmortem.id[:10]
        paths = [p for p in self.store.paths() if p.stem[:10] <= day and p != record.path]
        # Front matter from the summary cache where it is fresh; bodies split off the bytes.
        earlier, _unreadable = self.store.read_many(paths[-SIMILAR_SCAN_LIMIT:])
        docs = [similar.doc_from_record(other) for other in earlier]
        return similar.similar_docs(docs, target, limit, tuning=similar.tuning_of(self.config))

    def similar_at_open(self, postmortem: Postmortem, limit: int = 3) -> list[Match]:
        """Past incidents like a new one, by title, services and tags (``pm open``).

        Candidates are the OPEN_CANDIDATES files whose id slug shares the most title words,
        plus the OPEN_CANDIDATES most recent ones (which share services and tags more
        often); only those are read, so the cost does not grow with the repository.
        """
        from collections import Counter

        from pm import similar

        paths = [p for p in self.store.paths() if p.stem != postmortem.id]
        wanted = {term for term, _ in similar.tokens(postmortem.title)}
        # Word frequencies over every id slug (the title's words) give the IDF: the few
        # files read are picked for sharing words, so their own frequencies are biased.
        frequency: Counter[str] = Counter()
        scored = []
        for n, path in enumerate(paths):
            words = {term for term, _ in similar.tokens(path.stem[11:].replace("-", " "))}
            frequency.update(words)
            common = len(words & wanted)
            if common:
                scored.append((-common, -n, path))
        scored.sort()
        chosen = {path for _, _, path in scored[:OPEN_CANDIDATES]}
        chosen.update(paths[-OPEN_CANDIDATES:])
        docs = []
        for path in sorted(chosen):
            try:
                docs.append(similar.doc_from_record(self.store.read(path)))
            except DataError:
                continue
        return similar.similar_by_title(
            docs,
            postmortem.title,
            postmortem.services,
            postmortem.tags,
            limit,
            background=(len(paths), frequency),
        )

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
                message = f"pm: init {self.config.directory}\n\nPm-Operation: init\n"
                git.commit_files(created, message, new=True)
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
            )
            from pm.templates import render_postmortem

            body = render_postmortem(self.config, postmortem)
            path = self.store.path_for(postmortem.id)
            record = Record(path, Document(front={}, body=body), postmortem, b"")
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
        postmortem = record.postmortem
        try:
            git.commit_files(
                [record.path], _message("open", postmortem.id, postmortem.severity), new=True
            )
        except BaseException:
            if not keep_on_failure:
                record.path.unlink(missing_ok=True)
            raise

    def add_event(
        self, ref: str, text: str, *, at: str | None = None, kind: str = "note"
    ) -> Record:
        moment = self.parse_time(at)

        def change(postmortem: Postmortem) -> str:
            lifecycle.add_event(postmortem, moment, kind, text)
            return kind

        return self._change(ref, "event", change)

    def resolve(self, ref: str, text: str = "", *, at: str | None = None) -> Record:
        moment = self.parse_time(at)

        def change(postmortem: Postmortem) -> str:
            rule = self.config.rule_for(postmortem.severity)
            lifecycle.resolve(postmortem, moment, text, rule)
            duration = postmortem.duration()
            return timeparse.format_duration(duration) if duration is not None else "resolved"

        return self._change(ref, "resolve", change)

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

        def change(postmortem: Postmortem) -> str:
            item = actions.add(
                postmortem, text=text, owner=owner, priority=chosen, due=due_date, ticket=ticket
            )
            added.append(item)
            return f"#{item.number} {item.priority} {item.owner}"

        record = self._change(ref, "action-add", change)
        if due_date < today:
            self._notice(f"the due date {due_date.isoformat()} is in the past")
        return record, added[0]

    def action_status(
        self, ref: str, number: int, name: str, *, reason: str | None = None
    ) -> tuple[Record, ActionItem]:
        """Move an action item: ``start``, ``done``, ``wont-do`` or ``reopen``."""
        today = self.today()
        # Checked before the change renumbers repeated numbers: never guess which is meant.
        actions.check_unambiguous(self.get(ref).postmortem, number)
        moved: list[ActionItem] = []

        def change(postmortem: Postmortem) -> Outcome:
            item = actions.transition(postmortem, number, name, today=today, reason=reason)
            moved.append(item)
            body = [f"Reason: {reason}"] if reason and reason.strip() and name != "wont-do" else []
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
            lifecycle.review(postmortem, record.doc.body, moment, rule)
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

    def set_field(
        self, ref: str, name: str, values: list[str], *, mode: str = "set"
    ) -> tuple[Record, Edit]:
        """Change one front-matter field; the commit records the old and the new value."""
        edits: list[Edit] = []

        def resolve_id(other: str) -> str:
            return self.store.resolve(other).stem

        def change(postmortem: Postmortem) -> Outcome:
            edit = set_field(
                postmortem, name, values, self.config, mode=mode, resolve_id=resolve_id
            )
            edits.append(edit)
            line = " ".join(f"{edit.field}: {edit.old} -> {edit.new}".split())
            detail = line if len(line) <= 72 else edit.field
            return Outcome(detail, [line])

        record = self._change(ref, "set", change)
        return record, edits[0]

    def log(self, ref: str) -> tuple[Path, list[LogEntry]]:
        """The audit trail: every commit that touched the postmortem's file, newest first.

        The file is found but not parsed: the history matters most when the file is broken.
        """
        path = self.store.resolve(ref)
        from pm.gitrepo import GitRepo

        git = GitRepo.discover(self.config.root)
        return path, git.file_log(path)

    def find_actions(
        self, filters: ActionFilters | None = None, ref: str | None = None
    ) -> tuple[list[tuple[Record, ActionItem]], list[DataError]]:
        """Action items across postmortems (or of one), sorted by due date; a pure read."""
        errors: list[DataError] = []
        if ref is not None:
            records = [self.get(ref)]
        else:
            records, errors = self.store.read_all()
        today = self.today()
        rows = [
            (record, item)
            for record in records
            for item in record.postmortem.actions
            if filters is None or filters.match(item, today)
        ]
        rows.sort(key=lambda row: (row[1].due, row[0].postmortem.id, row[1].number))
        return rows, errors

    def identity(self) -> tuple[str, str]:
        """The git user's name and email (for ``--mine``)."""
        from pm.gitrepo import GitRepo

        return GitRepo.discover(self.config.root).identity()

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        if self.on_notice is not None:
            self.on_notice(text)

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
                try:
                    message = _message(
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
                    ids = (first.postmortem.id, second.postmortem.id)
                    git.commit_files(
                        [first.path, second.path], _pair_message(operation, *ids), new=False
                    )
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


# Words in a commit message that make CI systems skip the pipeline of the push (GitHub,
# GitLab, Bitbucket, Azure, CircleCI, Travis): user text must not be able to say them.
_SKIP_CI = re.compile(r"\[([^\[\]\n]*\b(?:skip|no)\b[^\[\]\n]*)\]|\*\*\*(NO_CI)\*\*\*", re.I)


def _defuse(line: str) -> str:
    """One line of a commit message, whitespace runs joined, ``[skip ci]`` made ``(skip ci)``."""
    return _SKIP_CI.sub(lambda m: f"({m.group(1) or m.group(2)})", " ".join(line.split()))


def _pair_message(operation: str, first: str, second: str) -> str:
    """A change to two postmortems: both ids in the subject and as Pm-Id trailers."""
    subject = " ".join(f"pm: {operation} {first} {second}".split())
    return f"{subject}\n\nPm-Id: {first}\nPm-Id: {second}\nPm-Operation: {operation}\n"


def _message(operation: str, postmortem_id: str, detail: str, body: Sequence[str] = ()) -> str:
    """A one-line subject, optional body lines, trailers; ``git log --grep 'Pm-Id: <id>'``.

    User text can never add a line (so never a trailer): every whitespace run, line breaks
    included, becomes one space, in the subject and in each body line. Nor can it skip
    the CI run of the push: ``[skip ci]`` and its kin are written ``(skip ci)``.
    """
    subject = f"pm: {operation} {postmortem_id}"
    if detail:
        subject += f" ({detail})"
    subject = _defuse(subject)  # never more than one line, whatever the input
    lines = [_defuse(line) for line in body]
    text = "".join(f"{line}\n" for line in lines if line)
    paragraph = f"{text}\n" if text else ""
    return f"{subject}\n\n{paragraph}Pm-Id: {postmortem_id}\nPm-Operation: {operation}\n"


def _links(postmortem: Postmortem, key: str) -> list[str]:
    """The list under ``key`` in the postmortem's extra keys, created when missing."""
    value = postmortem.extra.get(key)
    if not isinstance(value, list):
        value = postmortem.extra[key] = []
    return value
