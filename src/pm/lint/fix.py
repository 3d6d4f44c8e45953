"""``pm lint --fix``: what lint repairs, and what it says about a generated block.

Under pm's lock (so no pm change runs meanwhile), and only in a file that still holds
the bytes lint read:

- a timeline out of order is sorted (in the front matter);
- rows typed into a generated table are adopted into the front matter
  (``blockedits``); rows that cannot be read are kept in the table and reported, and
  dropped only with ``--discard-block-edits``, which names each one;
- generated blocks are re-rendered from the front matter, also a block holding
  merge-conflict markers when the front matter holds none (after a merge by hand).

Nothing is committed: lint writes the files for the person to review and commit.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pm import blockedits, frontmatter
from pm.config import Config
from pm.errors import DataError, FileFormatError, RepoError
from pm.model import Postmortem, SchemaError, from_mapping
from pm.records import datarecord, field
from pm.store import Store, atomic_write

if TYPE_CHECKING:
    from pm.gitrepo import GitRepo


@datarecord
class Fixed:
    """What ``--fix`` did: the files it wrote and what it says about them."""

    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@contextmanager
def locked(config: Config) -> Iterator[GitRepo | None]:
    """pm's lock on the repository (none outside git), and the repository."""
    from pm.gitrepo import GitRepo

    try:
        git: GitRepo | None = GitRepo.discover(config.root)
    except RepoError:
        git = None
    with git.lock() if git is not None else nullcontext():
        yield git


def fix_files(
    config: Config, store: Store, files: list[Path], git: GitRepo | None, *, discard: bool
) -> Fixed:
    """Repair each file that needs it (call holding ``locked``)."""
    done = Fixed()
    for path in files:
        shown = store.display(path)
        try:
            raw = path.read_bytes()
        except OSError:
            continue  # the lint pass names it
        try:
            source, document = raw, frontmatter.parse(raw, shown)
            resolved = False
        except FileFormatError:
            found = frontmatter.parse_resolving_tables(raw, shown)
            if found is None:
                continue  # only a person can resolve it; the lint pass names it
            (source, document), resolved = found, True
        try:
            postmortem = from_mapping(document.front)
        except (SchemaError, DataError):
            continue
        if resolved:
            typed = blockedits.unrendered_rows(postmortem, frontmatter.conflicted_table_lines(raw))
            if typed:  # re-rendering would drop them: a person resolves this conflict
                done.notes.append(
                    f"{shown}: not fixed: a conflicted table holds rows the front matter does "
                    f"not render (typed by hand?), such as `{typed[0]}`; resolve that "
                    "conflict by hand (keep the rows, delete the markers), then pm lint --fix "
                    "adopts the rows it can read"
                )
                continue
        differs = blockedits.differs(postmortem, document.body)
        previous = committed(store, git, path) if differs else None
        data, notes = repair(postmortem, document, source, config, previous, discard=discard)
        if resolved:
            notes.insert(0, "re-rendered the conflicted tables from the front matter")
        if data == raw:
            continue
        if store.file_bytes(path) != raw:
            done.notes.append(f"{shown} changed while pm lint ran; not fixed: run it again")
            continue
        store.check_inside(path)
        atomic_write(path, data)
        done.files.append(shown)
        done.notes.extend(f"{shown}: {note}" for note in notes)
    return done


def repair(
    postmortem: Postmortem,
    document: frontmatter.Document,
    raw: bytes,
    config: Config,
    previous: Postmortem | None,
    *,
    discard: bool,
) -> tuple[bytes, list[str]]:
    """The repaired bytes of one file, and a note for each thing repaired or dropped."""
    from pm import rewrite

    notes: list[str] = []
    order = sorted(postmortem.timeline, key=lambda event: event.at)
    if order != postmortem.timeline:
        postmortem.timeline = order
        notes.append("sorted the timeline by time")
    adoption = blockedits.adopt(
        postmortem,
        document.body,
        priorities=config.priorities,
        today=_today(config),
        previous=previous,
        partial=True,
    )
    notes.extend(adoption.notes)
    offset = document.front_lines + 2
    overrides: dict[str, str] = {}
    for block in adoption.blocks:
        if not block.problems:
            continue
        if discard:
            notes.extend(
                f"discarded from the {block.name} table: line {p.line + offset} `{p.row}` "
                f"({p.reason})"
                for p in block.problems
            )
        elif block.edited:
            overrides[block.name] = frontmatter.block_content(document.body, block.name) or ""
        else:
            from pm import markdown

            kept = "\n".join(p.row for p in block.problems)
            overrides[block.name] = markdown.blocks(postmortem)[block.name] + "\n" + kept
    data = rewrite.render(postmortem, document, overrides)
    return (raw if data == raw else data), notes


def describe(
    postmortem: Postmortem, body: str, config: Config, previous: Postmortem | None
) -> list[tuple[int, str, str]]:
    """(body line, message, suggestion) for each generated block that differs."""
    trial = copy.deepcopy(postmortem)
    adoption = blockedits.adopt(
        trial,
        body,
        priorities=config.priorities,
        today=_today(config),
        previous=previous,
        partial=True,
    )
    found: list[tuple[int, str, str]] = []
    by_name = {block.name: block for block in adoption.blocks}
    for name in ("timeline", "actions"):
        block = by_name.get(name)
        what = "timeline" if name == "timeline" else "action-items"
        if block is not None and block.problems:
            for problem in block.problems:
                found.append(
                    (
                        problem.line,
                        f"the {what} table has a row pm cannot adopt: `{problem.row}`: "
                        f"{problem.reason}",
                        "fix the row or move it into the front matter; "
                        "`pm lint --fix --discard-block-edits` drops it",
                    )
                )
            continue
        if block is not None and block.adopted:
            rows = sum(1 for note in block.adopted if note.startswith("Adopted"))
            if rows:
                found.append(
                    (
                        _block_line(body, name),
                        f"the {what} table has {rows} row(s) not in the front matter "
                        "(typed by hand?)",
                        "`pm lint --fix` (or the next pm change) adopts them into the front matter",
                    )
                )
                continue
        if blockedits.differs(postmortem, _only(body, name)):
            found.append(
                (
                    _block_line(body, name),
                    f"the {name} block does not match the front matter",
                    "`pm lint --fix` re-renders it from the front matter",
                )
            )
    return found


def _only(body: str, name: str) -> str:
    """The body with only block ``name`` (so ``differs`` looks at that one)."""
    span = frontmatter.find_block(body, name)
    if span is None:
        return ""
    begin, end = frontmatter.block_markers(name)
    return begin + body[span[0] : span[1]] + end


def _block_line(body: str, name: str) -> int:
    span = frontmatter.find_block(body, name)
    return body.count("\n", 0, span[0]) + 1 if span else 1


def _today(config: Config) -> date:
    from pm import timeparse

    return timeparse.now().astimezone(timeparse.zone(config.timezone)).date()


def committed(store: Store, git: GitRepo | None, path: Path) -> Postmortem | None:
    """The postmortem as HEAD holds it: rows rendered from it are pm's, not typed."""
    if git is None:
        return None
    try:
        blob = git.head_state([path]).blobs[path]
        return store.parse(path, git.blob_bytes(blob)).postmortem if blob else None
    except (DataError, RepoError):
        return None
