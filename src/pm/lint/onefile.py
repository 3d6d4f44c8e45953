"""The lint of one file: read it, parse it once, run every rule, collect the findings.

A file that cannot be parsed is a finding (``file.unreadable``) with its line, never a
crash, so one broken file does not hide the problems of the others. ``runner`` decides
which files and with which names; this module judges one file, in any process.
"""

from __future__ import annotations

from datetime import date, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pm import frontmatter
from pm.config import Config
from pm.errors import DataError, DuplicateKeyError, FileFormatError, NotPostmortemError, RepoError
from pm.lint import lifecycle as lifecycle_rules
from pm.lint import schema
from pm.lint.blameless import Checker, prose
from pm.lint.rules import RULES, Finding, is_disabled
from pm.model import Postmortem, SchemaError, from_mapping
from pm.store import Store

if TYPE_CHECKING:
    from pm.gitrepo import GitRepo


def lint_file(
    path: Path,
    context: Context,
    twins: list[Path],
    disabled: tuple[str, ...],
    strict: bool,
) -> tuple[list[Finding], list[str]]:
    """The findings of one file, in line order, and its action items' owners;
    ``twins``: the other files whose id differs from its id only by case."""
    store = context.store
    shown = store.display(path)
    raw, doc, where, error = _load(path, shown, context.root)
    collect = Collector(shown, disabled, strict)
    if error is not None or doc is None or where is None:
        assert error is not None
        reason = error.reason
        if isinstance(error, DuplicateKeyError):  # pm refuses to read these: name the rule
            collect(error.line or 1, "schema.duplicate-key", reason, "remove one of them")
        elif isinstance(error, NotPostmortemError):
            collect(1, "layout.unseen-file", reason)
        else:
            collect(error.line or 1, "file.unreadable", reason)
        return collect.findings, []
    for twin in twins:
        message = (
            f"id {path.stem} differs from {twin.stem} ({store.display(twin)}) only by "
            "case: on macOS and Windows the two are one file"
        )
        hint = f"rename one of them and its id (git mv, then the id), e.g. to {path.stem}-2"
        line = frontmatter.locate_top(raw).line(("id",))
        collect(line, "schema.id-case-collision", message, hint)
    _lint_document(path, doc, where, context, collect)
    return sorted(collect.findings, key=lambda f: (f.line, f.rule)), _owners(doc.front)


class Context:
    """What every file's lint needs: the config, the store, the names, git (found lazily),
    and the day (in the team's zone) staleness is judged on."""

    def __init__(
        self,
        config: Config,
        store: Store,
        checker: Checker | None,
        git: GitRepo | None,
        day: tuple[date, tzinfo],
    ) -> None:
        self.config = config
        self.root = config.root.resolve()
        self.today, self.tz = day
        self.store = store
        self.checker = checker
        self._git = git
        self._looked = git is not None

    def previous(self, path: Path) -> Postmortem | None:
        """The postmortem as HEAD holds it, when git is at hand."""
        from pm.lint.fix import committed

        if not self._looked:
            from pm.gitrepo import GitRepo

            self._looked = True
            try:
                self._git = GitRepo.discover(self.config.root)
            except RepoError:
                self._git = None
        return committed(self.store, self._git, path)


class Collector:
    """Turns (line, rule, message) into findings of one file, minus disabled rules."""

    def __init__(self, shown: str, disabled: tuple[str, ...], strict: bool) -> None:
        self.shown = shown
        self.disabled = disabled
        self.strict = strict
        self.findings: list[Finding] = []

    def __call__(self, line: int, rule: str, message: str, suggestion: str = "") -> None:
        if is_disabled(rule, self.disabled):
            return
        severity = "error" if self.strict else RULES[rule].severity
        self.findings.append(Finding(self.shown, line, rule, severity, message, suggestion))


def _load(
    path: Path, shown: str, root: Path
) -> tuple[bytes, frontmatter.Document | None, frontmatter.FrontMap | None, FileFormatError | None]:
    if not path.resolve().is_relative_to(root):  # a link in a folder that leads out
        reason = "a symbolic link that leads outside the repository; pm does not read it"
        return b"", None, None, FileFormatError(shown, reason)
    try:
        raw = path.read_bytes()
    except OSError as error:
        return b"", None, None, FileFormatError(shown, f"cannot read: {error.strerror}")
    try:
        return (raw, *frontmatter.parse_located(raw, shown), None)
    except FileFormatError as error:
        return raw, None, None, error


def _owners(front: dict[str, Any]) -> list[str]:
    actions = front.get("actions")
    if not isinstance(actions, list):
        return []
    return [str(a["owner"]) for a in actions if isinstance(a, dict) and a.get("owner")]


def _lint_document(
    path: Path,
    doc: frontmatter.Document,
    where: frontmatter.FrontMap,
    context: Context,
    report: Collector,
) -> None:
    """Run every rule on one parsed file; ``where`` holds the lines of its front matter."""

    def at(key_path: frontmatter.KeyPath, rule: str, message: str, suggestion: str) -> None:
        report(where.line(key_path), rule, message, suggestion)

    for key_path, line in where.duplicates:
        message = f"{schema.dotted(key_path)} is given twice; YAML keeps only the last"
        report(line, "schema.duplicate-key", message, "remove one of them")
    schema.check(doc.front, path, context.config, at)
    body_line = doc.front_lines + 2  # the closing fence; body line k is body_line + k
    assert context.checker is not None, "a file is judged with the names known"
    _blameless(doc, where, context.checker, body_line, report)
    try:
        postmortem = from_mapping(doc.front)
    except (SchemaError, DataError):
        return  # schema findings already say why; the rest needs a readable model
    lifecycle_rules.check(postmortem, doc.body, context.config, body_line, at, report)
    lifecycle_rules.stale(postmortem, context.config, context.today, context.tz, at)
    _blocks(postmortem, path, doc, context, body_line, report)


def _blameless(
    doc: frontmatter.Document,
    where: frontmatter.FrontMap,
    checker: Checker,
    body_line: int,
    report: Any,
) -> None:
    from pm.frontmatter.yamlhelp import field_name

    text = prose(doc.body)
    texts: list[tuple[str, int, str]] = []  # (key, index, the item's prose)
    for key in ("timeline", "actions"):
        items = doc.front.get(key)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            value = item.get("text") if isinstance(item, dict) else None
            if isinstance(value, str):
                texts.append((key, index, prose(value)))
    candidates = checker.candidates("\n".join([text, *(value for _, _, value in texts)]))
    if not candidates:
        return
    for pattern, offset, phrase in checker.scan(text, candidates):
        line = body_line + 1 + text.count("\n", 0, offset)
        report(line, pattern.id, f'"{phrase}" {pattern.message}', pattern.suggestion)
    for key, index, value in texts:
        for pattern, _offset, phrase in checker.scan(value, candidates):
            line = where.line((key, index, "text"))
            name = field_name((key, index, "text"), doc.front)
            message = f'{name}: "{phrase}" {pattern.message}'
            report(line, pattern.id, message, pattern.suggestion)


def _blocks(
    postmortem: Postmortem,
    path: Path,
    doc: frontmatter.Document,
    context: Context,
    body_line: int,
    report: Any,
) -> None:
    from pm import blockedits
    from pm.lint.fix import describe

    if not blockedits.differs(postmortem, doc.body):
        return
    previous = context.previous(path)
    for line, message, suggestion in describe(postmortem, doc.body, context.config, previous):
        report(body_line + line, "blocks.out-of-sync", message, suggestion)
