"""Lint files: read each one, run every rule, collect findings; optionally fix blocks.

A file that cannot be parsed is a finding (``file.unreadable``) with its line, never a
crash, so one broken file does not hide the problems of the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pm import frontmatter, markdown, sections
from pm.config import Config
from pm.errors import DataError, DuplicateKeyError, FileFormatError, NotFoundError, UsageError
from pm.lint import schema
from pm.lint.blameless import Checker, prose
from pm.lint.rules import RULES, Finding, check_disabled, is_disabled
from pm.model import Postmortem, SchemaError, from_mapping
from pm.store import Store, atomic_write


@dataclass
class LintResult:
    """``pm lint``: the findings in file order, how many files were read, which were fixed."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    fixed: list[str] = field(default_factory=list)

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
    people: list[str] | None = None,
) -> LintResult:
    """Lint ``paths`` (all postmortems when empty). ``people`` defaults to git authors.

    ``strict`` makes warnings errors; ``fix`` re-renders out-of-sync generated blocks
    (written, not committed).
    """
    from pm import gitrepo

    disabled = check_disabled(config.lint_disable)
    store = Store(config)
    files = targets(store, [Path(p) for p in paths])
    root = config.root.resolve()
    loaded = [(path, *_load(path, store.display(path), root)) for path in files]
    names = list(config.blameless_names)
    for _path, _raw, doc, _error in loaded:
        if doc is not None:
            names.extend(_owners(doc.front))
    names.extend(gitrepo.authors(config.root) if people is None else people)
    checker = Checker(names)
    twins = _case_twins(store, files)
    result = LintResult(files=len(files))
    for path, raw, doc, error in loaded:
        shown = store.display(path)
        collect = _Collector(shown, disabled, strict)
        if error is not None or doc is None:
            assert error is not None
            reason = error.reason
            if isinstance(error, DuplicateKeyError):  # pm refuses to read these: name the rule
                collect(error.line or 1, "schema.duplicate-key", reason, "remove one of them")
            else:
                collect(error.line or 1, "file.unreadable", reason)
        else:
            for twin in twins.get(path, []):
                message = (
                    f"id {path.stem} differs from {twin.stem} ({store.display(twin)}) only by "
                    "case: on macOS and Windows the two are one file"
                )
                hint = f"rename one of them and its id (git mv, then the id), e.g. to {path.stem}-2"
                line = frontmatter.locate_top(raw).line(("id",))
                collect(line, "schema.id-case-collision", message, hint)
            fixed = _lint_document(path, raw, doc, config, checker, collect, fix=fix)
            if fixed is not None:
                atomic_write(path, fixed)
                result.fixed.append(shown)
        result.findings.extend(sorted(collect.findings, key=lambda f: (f.line, f.rule)))
    return result


def _case_twins(store: Store, files: list[Path]) -> dict[Path, list[Path]]:
    """For each file to lint, the other postmortems whose id differs from its id only by case."""
    by_folded: dict[str, list[Path]] = {}
    for path in dict.fromkeys([*store.paths(), *files]):
        by_folded.setdefault(path.stem.casefold(), []).append(path)
    return {
        path: [o for o in by_folded[path.stem.casefold()] if o.stem != path.stem]
        for path in files
        if len(by_folded[path.stem.casefold()]) > 1
    }


class _Collector:
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
) -> tuple[bytes, frontmatter.Document | None, FileFormatError | None]:
    if not path.resolve().is_relative_to(root):  # a link in a folder that leads out
        reason = "a symbolic link that leads outside the repository; pm does not read it"
        return b"", None, FileFormatError(shown, reason)
    try:
        raw = path.read_bytes()
    except OSError as error:
        return b"", None, FileFormatError(shown, f"cannot read: {error.strerror}")
    try:
        return raw, frontmatter.parse(raw, shown), None
    except FileFormatError as error:
        return raw, None, error


def _owners(front: dict[str, Any]) -> list[str]:
    actions = front.get("actions")
    if not isinstance(actions, list):
        return []
    return [str(a["owner"]) for a in actions if isinstance(a, dict) and a.get("owner")]


def _lint_document(
    path: Path,
    raw: bytes,
    doc: frontmatter.Document,
    config: Config,
    checker: Checker,
    report: _Collector,
    *,
    fix: bool,
) -> bytes | None:
    """Run every rule on one parsed file; returns new bytes when ``fix`` repaired blocks."""
    where = frontmatter.locate(raw)

    def at(key_path: frontmatter.KeyPath, rule: str, message: str, suggestion: str) -> None:
        report(where.line(key_path), rule, message, suggestion)

    for key_path, line in where.duplicates:
        message = f"{schema.dotted(key_path)} is given twice; YAML keeps only the last"
        report(line, "schema.duplicate-key", message, "remove one of them")
    schema.check(doc.front, path, config, at)
    body_line = doc.front_lines + 2  # the closing fence; body line k is body_line + k
    _blameless(doc, where, checker, body_line, report)
    try:
        postmortem = from_mapping(doc.front)
    except (SchemaError, DataError):
        return None  # schema findings already say why; the rest needs a readable model
    _lifecycle(postmortem, doc.body, config, body_line, at, report)
    return _blocks(postmortem, raw, doc, body_line, report, fix=fix)


def _blameless(
    doc: frontmatter.Document,
    where: frontmatter.FrontMap,
    checker: Checker,
    body_line: int,
    report: Any,
) -> None:
    text = prose(doc.body)
    for pattern, offset, phrase in checker.scan(text):
        line = body_line + 1 + text.count("\n", 0, offset)
        report(line, pattern.id, f'"{phrase}" {pattern.message}', pattern.suggestion)
    for key in ("timeline", "actions"):
        items = doc.front.get(key)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            value = item.get("text") if isinstance(item, dict) else None
            if not isinstance(value, str):
                continue
            for pattern, _offset, phrase in checker.scan(prose(value)):
                line = where.line((key, index, "text"))
                message = f'{key}[{index}].text: "{phrase}" {pattern.message}'
                report(line, pattern.id, message, pattern.suggestion)


def _lifecycle(
    postmortem: Postmortem,
    body: str,
    config: Config,
    body_line: int,
    at: Any,
    report: Any,
) -> None:
    status = postmortem.status
    if status in ("reviewed", "closed") and config.requires_review(postmortem.severity):
        for choices in sections.missing_sections(body):
            names = " or ".join(f"## {h}" for h in choices)
            line = sections.heading_line(body, choices[0])
            report(
                body_line + (line or 1),
                "lifecycle.section",
                f"{postmortem.severity} postmortem is {status} but {names} is empty",
                "write the section (HTML comments are placeholders and do not count)",
            )
        if postmortem.review.held is None:
            at(
                ("review",),
                "lifecycle.review-held",
                f"status is {status} but review.held is not set",
                "record when the review meeting was held",
            )
    for index, item in enumerate(postmortem.actions):
        if not item.owner.strip():
            at(
                ("actions", index),
                "lifecycle.action-owner",
                f"action item {item.number} has no owner",
                "every action item needs one person who drives it",
            )
        if (
            status == "closed"
            and item.is_open
            and not (postmortem.closed and postmortem.closed.forced)
        ):
            at(
                ("actions", index),
                "lifecycle.closed-open-items",
                f"closed, but action item {item.number} is still {item.status}",
                "finish or drop the item (done / wont-do with a reason), or reopen",
            )
    closed = postmortem.closed
    if closed is not None and closed.forced and not (closed.reason or "").strip():
        at(("closed",), "lifecycle.forced-reason", "closed.forced without a reason", "say why")


def _blocks(
    postmortem: Postmortem,
    raw: bytes,
    doc: frontmatter.Document,
    body_line: int,
    report: Any,
    *,
    fix: bool,
) -> bytes | None:
    expected = markdown.blocks(postmortem)
    body = doc.body
    changed = False
    for name, table in expected.items():
        current = frontmatter.block_content(body, name)
        if current is None or current == table:
            continue
        if fix:
            body = frontmatter.replace_block(body, name, table, doc.newline)
            changed = True
            continue
        span = frontmatter.find_block(body, name)
        line = body_line + 1 + body.count("\n", 0, span[0]) if span else body_line + 1
        report(
            line,
            "blocks.out-of-sync",
            f"the {name} block does not match the front matter (edited by hand?)",
            "edit the front matter (or use pm), then run pm lint --fix to re-render the block",
        )
    if not changed:
        return None
    text = raw.decode("utf-8")
    head = text[: len(text) - len(doc.body)]
    return (head + body).encode("utf-8")
