"""The Python API of pm: every command is a method here, and the CLI only parses and prints.

A change follows one path (``_change``): take the pm lock, check that git can commit now,
read the file, apply a domain function, write atomically, commit that one file. If the
commit fails the file is put back as it was, so a change is either in a commit or nowhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from pm import lifecycle, timeparse
from pm.config import CONFIG_FILE, Config, load_config
from pm.document import Document
from pm.errors import DataError, RepoError
from pm.gitrepo import GitRepo
from pm.model import Postmortem
from pm.store import Record, Store, atomic_write


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


class Workspace:
    """A repository of postmortems and the operations on it."""

    def __init__(self, config: Config, *, commit: bool | None = None) -> None:
        self.config = config
        self.store = Store(config)
        self.commit_enabled = config.commit if commit is None else commit

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

    # --- writing ------------------------------------------------------------------------

    def init(self) -> tuple[list[Path], bool]:
        """Create the postmortems folder and a commented .pm.toml; returns (paths, git_init)."""
        root = self.config.root
        initialised = False
        if not (root / ".git").exists():
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
            from pm.templates import render

            body = render(self.config, "postmortem.md.j2", **_template_context(postmortem))
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
            rule = self.config.severity(postmortem.severity)
            lifecycle.resolve(postmortem, moment, text, rule)
            duration = postmortem.duration()
            return timeparse.format_duration(duration) if duration is not None else "resolved"

        return self._change(ref, "resolve", change)

    # --- the one path every change takes ------------------------------------------------

    def _change(self, ref: str, operation: str, change: Callable[[Postmortem], str]) -> Record:
        """Lock, read, change, write, commit; on a failed commit, restore the file."""
        with self._writing() as git:
            record = self.store.read(self.store.resolve(ref))
            detail = change(record.postmortem)
            self.store.save(record)
            if git is not None:
                try:
                    message = _message(operation, record.postmortem.id, detail)
                    # Untracked after `open --no-commit`, or a crash between create and commit.
                    new = not git.is_tracked(record.path)
                    git.commit_files([record.path], message, new=new)
                except BaseException:
                    atomic_write(record.path, record.raw)
                    raise
        return record

    @contextmanager
    def _writing(self) -> Iterator[GitRepo | None]:
        """Hold the pm lock and yield the repository to commit to (None with --no-commit)."""
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


def _template_context(postmortem: Postmortem) -> dict[str, object]:
    return {
        "id": postmortem.id,
        "title": postmortem.title,
        "severity": postmortem.severity,
        "impact": postmortem.impact,
        "services": postmortem.services,
        "tags": postmortem.tags,
        "started": postmortem.started,
    }


def _message(operation: str, postmortem_id: str, detail: str) -> str:
    """A one-line subject plus trailers; ``git log --grep 'Pm-Id: <id>'`` finds them."""
    subject = f"pm: {operation} {postmortem_id}"
    if detail:
        subject += f" ({detail})"
    subject = " ".join(subject.split())  # never more than one line, whatever the input
    return f"{subject}\n\nPm-Id: {postmortem_id}\nPm-Operation: {operation}\n"
