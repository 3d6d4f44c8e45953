"""Lint files: which files, judged with which names, in how many processes (``parallel``);
each file's lint is ``onefile``. Optionally fix blocks first (``fix``), under pm's lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pm import frontmatter
from pm.config import Config
from pm.errors import (
    DataError,
    FileFormatError,
    NotFoundError,
    UsageError,
)
from pm.lint import schema
from pm.lint.blameless import Checker
from pm.lint.names import case_twins
from pm.lint.onefile import Collector, Context, lint_file
from pm.lint.rules import RULES, Finding, check_disabled
from pm.records import datarecord, field
from pm.store import OUTSIDE, Store

if TYPE_CHECKING:
    from pm.gitrepo import GitRepo


@datarecord
class LintResult:
    """``pm lint``: the findings in file order, how many files were read, which were fixed
    (and what ``--fix`` says about them: rows adopted, timelines sorted, rows dropped)."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    fixed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


def targets(store: Store, given: list[Path]) -> list[Path]:
    """The files to lint: all postmortems, or the given files and folders (recursively).

    Only files inside the repository: ``pm lint /etc/passwd`` (or a link that leads out)
    would print lines of a file pm has no business reading, and ``--fix`` would write it.
    """
    if not given:
        return store.paths()
    root = store.config.root.resolve()
    found: list[Path] = []
    for path in given:
        if "\x00" in str(path):
            raise NotFoundError(f"{path}: no such file or folder")
        try:
            inside, folder = path.resolve().is_relative_to(root), path.is_dir()
        except OSError as error:  # a name too long, a loop of links
            raise NotFoundError(f"{path}: {error.strerror}") from None
        if not inside:
            raise UsageError(f"{path} is outside the repository; pm lint checks files in it")
        if folder:
            found.extend(
                p
                for p in sorted(path.rglob("*.md"))
                if not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise NotFoundError(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))


def lint(
    config: Config,
    paths: Sequence[Path | str] = (),
    *,
    strict: bool = False,
    fix: bool = False,
    discard_block_edits: bool = False,
    people: list[str] | None = None,
    today: date | None = None,
    changed: bool = False,
    base: str | None = None,
    jobs: int | None = None,
) -> LintResult:
    """Lint ``paths`` (all postmortems when empty). ``people`` defaults to git authors.

    ``changed``: only the postmortems git says changed since ``base`` (``changed_files``:
    default the merge-base with the upstream, else HEAD; uncommitted and untracked files
    too), judged as a whole-repository lint judges them: ids are checked against every
    file's name and every action item's owner is a known name.

    ``strict`` makes warnings errors. ``fix`` first repairs what it can (``lint.fix``:
    sorts timelines, adopts typed rows, re-renders generated blocks; written, not
    committed) under pm's lock, then lints the files as they are now;
    ``discard_block_edits`` lets it drop typed rows it cannot adopt. ``today`` (default:
    pm's clock, in the configured zone) is the day an active incident is judged stale on.
    ``jobs``: processes to lint in (``parallel.count``: None or 0 for every core).
    """
    from pm import timeparse
    from pm.lint import fix as fixer

    tz = timeparse.zone(config.timezone)
    if today is None:
        today = timeparse.now().astimezone(tz).date()

    if discard_block_edits and not fix:
        raise UsageError("--discard-block-edits goes with --fix")
    if jobs is not None and jobs < 0:
        raise UsageError(f"--jobs must be 0 (every core) or more, not {jobs}")
    disabled = check_disabled(config.lint_disable)
    store = Store(config)
    if changed:
        if paths:
            raise UsageError("--changed lints the files git names; give it no PATH")  # API use
        from pm.gitrepo import start_index_listing
        from pm.lint.names import known

        listing = start_index_listing(config.root, config.postmortems_dir)
        try:
            files = store.changed_since(base)
        finally:
            indexed = listing()  # git listed the index while the changes were asked for
        wanted = {path.stem.casefold() for path in files}
        owners, others = known(config, indexed, wanted, jobs)
        # The names a lint of every file knows: git's authors (unless given) and owners.
        from pm import gitrepo

        given = gitrepo.authors(config.root) if people is None else people
        people = [*given, *owners]
    else:
        files = targets(store, [Path(p) for p in paths])
        others = None
    # A whole-repository lint also names postmortems pm cannot see.
    unseen = not paths and not changed
    if not fix:
        return _lint(
            config, store, files, disabled, strict, people, None, (today, tz), unseen, others, jobs
        )
    with fixer.locked(config) as git:
        done = fixer.fix_files(config, store, files, git, discard=discard_block_edits)
        result = _lint(
            config, store, files, disabled, strict, people, git, (today, tz), unseen, others
        )
    result.fixed, result.notes = done.files, done.notes
    return result


def _lint(
    config: Config,
    store: Store,
    files: list[Path],
    disabled: tuple[str, ...],
    strict: bool,
    people: list[str] | None,
    git: GitRepo | None,
    day: tuple[date, tzinfo],
    unseen: bool = False,
    others: dict[str, list[str]] | None = None,
    jobs: int | None = None,
) -> LintResult:
    """Lint ``files`` in ``parallel.count(jobs)`` processes, streaming: one file at a time.

    The blameless rules must know every action item's owner before any file is judged.
    A quick scan of the text finds them (``owners.scanned``); each file's lint returns
    its real owners from the parse, and when the two differ (a hand-written file that
    fools the scan) the files are linted again with the real names, so the verdicts are
    always those of the names the files hold.
    """
    from pm import gitrepo
    from pm.lint import parallel

    names = [*config.blameless_names, *(gitrepo.authors(config.root) if people is None else people)]
    twins = case_twins(store, files, others)
    context = Context(config, store, None, git, day)
    job = _Job(context, disabled, strict, twins)
    workers = 1 if git is not None else parallel.count(jobs, len(files))
    with parallel.Workers(job, workers) as pool:
        guessed: set[str] = set()
        for _chunk, found in pool.map(files, None):
            guessed.update(found)
        result, owners = _judged(pool, files, (*names, *sorted(guessed)))
        if owners != guessed:  # the quick scan misread a file: judge again, by the parse
            result, _ = _judged(pool, files, (*names, *sorted(owners)))
    stopped = gitrepo.unmerged(config.root)
    marked = {f.path for f in result.findings if f.rule == "file.unreadable"}  # markers named
    for path in files if stopped else ():
        shown = store.display(path)
        if shown in stopped and shown not in marked:
            collect = Collector(shown, disabled, strict)
            collect(1, "file.unmerged", gitrepo.UNMERGED, f"resolve it, then git add {shown}")
            result.findings.extend(collect.findings)
    if unseen:
        for path in store.unseen():
            collect = Collector(store.display(path), disabled, strict)
            collect(1, "layout.unseen-file", OUTSIDE, store.move_hint(path))
            result.findings.extend(collect.findings)
            result.files += 1
    return result


def _judged(pool: Any, files: list[Path], names: tuple[str, ...]) -> tuple[LintResult, set[str]]:
    result = LintResult(files=len(files))
    owners: set[str] = set()
    for _chunk, (findings, found) in pool.map(files, names):
        result.findings.extend(findings)
        owners.update(found)
    return result, owners


class _Job:
    """One chunk of files' lint, run by a worker or here: ``names`` None is the quick scan
    for owners; else the findings of each file in order, and the owners the parse found."""

    def __init__(
        self,
        context: Context,
        disabled: tuple[str, ...],
        strict: bool,
        twins: dict[Path, list[Path]],
    ) -> None:
        self.context = context
        self.disabled = disabled
        self.strict = strict
        self.twins = twins
        self.names: tuple[str, ...] | None = None

    def __call__(self, chunk: Sequence[Path], names: tuple[str, ...] | None) -> Any:
        from pm.owners import scanned

        if names is None:
            found: set[str] = set()
            for path in chunk:
                try:
                    found |= scanned(path.read_bytes())
                except OSError:
                    continue  # the lint says why it cannot read it
            return found
        if names != self.names:
            self.context.checker, self.names = Checker(names), names
        findings: list[Finding] = []
        owners: set[str] = set()
        for path in chunk:
            found_findings, found_owners = lint_file(
                path, self.context, self.twins.get(path, []), self.disabled, self.strict
            )
            findings.extend(found_findings)
            owners.update(found_owners)
        return findings, owners


def validate(raw: bytes, path: Path, config: Config) -> list[str]:
    """Why ``raw`` cannot be committed as the file at ``path``; [] when it can.

    What ``pm edit`` checks on save: the file parses as pm reads it, and no schema rule
    (``schema.*``, ``timeline.*``) finds an error. Each problem names its line.
    """
    store = Store(config)
    shown = store.display(path)
    try:
        doc = frontmatter.parse(raw, shown)
    except FileFormatError as error:
        return [error.message]
    where = frontmatter.locate(raw)
    problems = [
        f"{shown}:{line}: {schema.dotted(key_path)} is given twice"
        for key_path, line in where.duplicates
    ]

    def at(key_path: frontmatter.KeyPath, rule: str, message: str, suggestion: str) -> None:
        if RULES[rule].severity == "error":
            hint = f" ({suggestion})" if suggestion else ""
            problems.append(f"{shown}:{where.line(key_path)}: {message}{hint}")

    schema.check(doc.front, path, config, at)
    if not problems:
        try:
            store.parse(path, raw)
        except DataError as error:
            problems.append(error.message)
    return problems
