"""``pm recall``'s reads: the changed files (given, or from git), the postmortems and their
prose, and the recurring-cause group of each incident recalled.

Fast at scale through the caches other commands fill: front matter from the summary
cache (``Store.read_many``), prose from ``pm search``'s prose cache (``Store.texts``), and
each line is searched only when it holds a changed file's name (``pm.recall``).

Recurring-cause groups are found as ``pm report`` finds them (``pm.similar.group``,
described by ``pm.recurring``), over every postmortem while there are at most
``GROUP_LIMIT``; in a larger repository, over the ``GROUP_LIMIT`` newest of those that
share a service or tag with an incident recalled (and those ``same_cause`` links), so
that the answer stays quick. ``pm report`` is the place for the whole repository's groups.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pm.errors import DataError, RepoError, UsageError
from pm.recall import Change, Recalled, Services, recall
from pm.records import NamedTuple

if TYPE_CHECKING:
    from pm.shapes import RecurringGroup
    from pm.store import Entry
    from pm.workspace import Workspace

GROUP_LIMIT = 500


class RecallResult(NamedTuple):
    """The files looked for, every incident recalled (best first), unreadable files."""

    changes: list[Change]
    recalled: list[Recalled]
    errors: list[DataError]


def given_paths(paths: list[str]) -> list[Change]:
    """``--paths``: paths as git names them, from the top of the repository."""
    changes: dict[str, Change] = {}
    for typed in paths:
        text = typed.strip().replace("\\", "/")
        if not text:
            continue
        path = PurePosixPath(text)
        if path.is_absolute() or ".." in path.parts:
            raise UsageError(
                f"--paths {typed}: give paths from the top of the repository "
                "(src/payments/api.py), not absolute or with .."
            )
        name = str(path)
        if name != ".":
            changes.setdefault(name, Change(name))
    return list(changes.values())


def diff_changes(rev: str, repo: str | None) -> list[Change]:
    """``--diff REV [--repo PATH]``: what the branch changed since it left REV
    (``gitrepo.diff_names``), in the repository at PATH (default: this one)."""
    from pm import gitrepo

    if not rev.strip() or rev.startswith("-") or len(rev) > 1000 or any(ord(c) < 32 for c in rev):
        shown = rev if len(rev) <= 80 else rev[:77] + "..."
        raise UsageError(f"--diff {shown!r}: not a branch, tag or commit name")
    where = Path.cwd() if repo is None else Path(repo)
    if repo is not None:
        try:
            found = where.is_dir()
        except (OSError, ValueError):  # a name too long for the system, a NUL
            found = False
        if not found:
            shown = repo if len(repo) <= 80 else repo[:77] + "..."
            raise UsageError(f"--repo {shown!r}: no such directory")
    try:
        names = gitrepo.diff_names(where, rev)
    except RepoError as error:
        if repo is not None and "common ancestor" not in error.message:
            raise RepoError(f"--repo {repo}: not a git repository") from None
        raise
    return [Change(path, status, old) for status, path, old in names]


def read(ws: Workspace, changes: list[Change], limit: int) -> RecallResult:
    """The incidents that name ``changes``; the first ``limit`` (0: all) get their group."""
    from pm.search import prose_of

    entries, errors = ws.store.read_many(ws.store.paths(), save=True)
    if not changes:
        return RecallResult(changes, [], errors)
    texts = ws.store.texts([e.path for e in entries], prose_of)
    services = Services(ws.config.services)
    found = recall(
        [(e.postmortem, text) for e, text in zip(entries, texts, strict=True)], changes, services
    )
    shown = found[:limit] if limit else found
    _place_prose(ws, entries, shown)
    _groups(ws, entries, shown)
    return RecallResult(changes, found, errors)


def _place_prose(ws: Workspace, entries: list[Entry], shown: list[Recalled]) -> None:
    """Name the section each prose mention is in (``Root Cause``), reading only these."""
    from pm.recall import Reason, section_of

    paths = {e.postmortem.id: e.path for e in entries}
    for item in shown:
        if not any(r.where == "prose" for r in item.reasons):
            continue
        body = ws.store.read_body(paths[item.postmortem.id])
        item.reasons = [
            Reason(r.file, r.kind, r.name, section_of(body, r.text) or "prose", r.text)
            if r.where == "prose"
            else r
            for r in item.reasons
        ]


def _groups(ws: Workspace, entries: list[Entry], shown: list[Recalled]) -> None:
    """Set each shown incident's recurring-cause group (None when it has none)."""
    if not shown:
        return
    from pm import recurring, similar
    from pm.report import Period

    members = _neighbourhood(entries, shown)
    docs = [similar.doc_from(e.postmortem, ws.store.read_body(e.path)) for e in members]
    found, _ = similar.group(docs, tuning=similar.tuning_of(ws.config))
    causes = {d.id: d.fields.get("root_cause", "") for d in docs}
    wanted = [g for g in found if any(item.postmortem.id in g.ids for item in shown)]
    described: list[RecurringGroup] = recurring.describe_groups(
        wanted, [e.postmortem for e in members], causes, Period(None, date.max)
    )
    by_id = {i["id"]: g for g in described for i in g["incidents"]}
    for item in shown:
        group = by_id.get(item.postmortem.id)
        item.group = group


def _neighbourhood(entries: list[Entry], shown: list[Recalled]) -> list[Entry]:
    """Every postmortem while there are at most ``GROUP_LIMIT``; else the newest
    ``GROUP_LIMIT`` sharing a service or tag with (or linked to) one shown, and those."""
    if len(entries) <= GROUP_LIMIT:
        return entries
    from pm.report import same_cause_ids

    ids = {item.postmortem.id for item in shown}
    labels = {s for item in shown for s in item.postmortem.services}
    tags = {t for item in shown for t in item.postmortem.tags}
    linked = {i for item in shown for i in same_cause_ids(item.postmortem)}
    near = [
        e
        for e in entries
        if e.postmortem.id in ids
        or e.postmortem.id in linked
        or labels.intersection(e.postmortem.services)
        or tags.intersection(e.postmortem.tags)
    ]
    keep = {e.postmortem.id for e in near if e.postmortem.id in ids or e.postmortem.id in linked}
    newest = sorted(near, key=lambda e: e.postmortem.id, reverse=True)
    chosen = [e for e in newest if e.postmortem.id in keep]
    chosen += [e for e in newest if e.postmortem.id not in keep][: GROUP_LIMIT - len(chosen)]
    return sorted(chosen, key=lambda e: e.postmortem.id)
