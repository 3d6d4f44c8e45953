"""The site's data, read once per build: postmortems, their files' digests, history, and
the similar incidents and recurring-cause groups.

Postmortems come from ``Workspace.find`` (the summary cache keeps that fast). A file whose
stat is unchanged since the last build keeps the digests the state remembers, so it is not
read again; a changed file is read once here, and its body kept for its page. Similar
incidents and recurring-cause groups depend only on the texts they compare (title,
impact, root cause, contributing factors, services, tags, related links): while the digest
of all of those is unchanged they are taken from the state, because grouping thousands of
postmortems takes seconds and one ``pm event`` changes none of it.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pm import similar
from pm.cache import RACY_NS, stat_key
from pm.errors import DataError
from pm.site import history

if TYPE_CHECKING:
    from pm.model import Postmortem
    from pm.store import Entry as StoreEntry
    from pm.workspace import Workspace

SIMILAR_LIMIT = 5


@dataclass
class Entry:
    """One readable postmortem and its file."""

    record: StoreEntry
    path: str  # relative to the repository root, with /
    digest: str  # SHA-1 of the file's bytes
    row: str  # digest of what the index shows (title, severity, status, services...)
    acts: str  # digest of what action-item pages show (title, severity, the items)
    body: str | None = None  # the markdown body, when this build has read the file

    id: str = field(init=False)
    postmortem: Postmortem = field(init=False)

    def __post_init__(self) -> None:
        self.postmortem = self.record.postmortem
        self.id = self.postmortem.id


@dataclass
class Group:
    """A recurring-cause group (``similar.group``) and its members' written root causes."""

    ids: list[str]
    terms: list[str]
    labels: list[str]
    stems: list[str]
    linked: list[tuple[str, str]]
    causes: dict[str, str]

    @property
    def key(self) -> str:
        """The group's page name: its first incident's id (stable while it exists)."""
        return self.ids[0]

    def as_similar(self) -> similar.Group:
        return similar.Group(self.ids, self.terms, self.labels, self.stems, self.linked)


@dataclass
class SiteData:
    root: Path
    now: datetime
    today: date
    entries: list[Entry]
    errors: list[DataError]
    history: dict[str, list[history.Change]]
    similar: dict[str, list[tuple[str, float, list[str]]]]
    groups: list[Group]
    by_id: dict[str, Entry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {entry.id: entry for entry in self.entries}

    def group_of(self) -> dict[str, Group]:
        return {postmortem_id: g for g in self.groups for postmortem_id in g.ids}


def collect(ws: Workspace, saved: dict[str, Any]) -> tuple[SiteData, dict[str, Any]]:
    """Read everything the site shows; returns the data and the state to save."""
    from pm import queries

    records, errors = queries.find(ws)
    root = ws.config.root
    files: dict[str, Any] = saved.get("files") if isinstance(saved.get("files"), dict) else {}  # type: ignore[assignment]
    kept: dict[str, tuple[Any, str, str, str, str]] = {}
    entries: list[Entry] = []
    fresh = time.time_ns() - RACY_NS
    for record in sorted(records, key=lambda r: r.postmortem.id):
        name = str(record.path)
        try:
            stat = os.stat(name)
        except OSError:
            continue  # gone since it was listed
        key = stat_key(stat)
        known = files.get(name)
        relative = ws.store.display(record.path)
        if known and known[0] == key and stat.st_mtime_ns < fresh and stat.st_ctime_ns < fresh:
            entries.append(Entry(record, relative, known[1], known[3], known[4]))
            kept[name] = known
            continue
        try:
            raw, body = read_file(record.path)
        except OSError as error:
            errors.append(DataError(f"{relative}: cannot read: {error.strerror}"))
            continue
        p = record.postmortem
        row = _digest(p.title, p.severity, p.status, p.services, p.tags, p.started, p.resolved_at)
        acts = _digest(p.title, p.severity, p.status, p.actions)
        entry = Entry(record, relative, hashlib.sha1(raw).hexdigest(), row, acts, body)  # noqa: S324
        entries.append(entry)
        sim = similar.doc_from(p, body)
        kept[name] = (
            key,
            entry.digest,
            _digest(sim.title, sorted(sim.fields.items()), sim.labels, sim.related, sim.started),
            row,
            acts,
        )
    saved_history = saved.get("history") if isinstance(saved.get("history"), dict) else {}
    histories = history.histories(root, ws.config.postmortems_dir, saved_history or {})
    tuning = similar.tuning_of(ws.config)
    corpus = hashlib.sha1(  # noqa: S324 - a digest for change detection, not security
        "\n".join(
            [repr(tuning), *(f"{e.id}:{kept[str(e.record.path)][2]}" for e in entries)]
        ).encode()
    ).hexdigest()
    cause = saved.get("cause")
    if not (isinstance(cause, dict) and cause.get("corpus") == corpus):
        cause = _group(entries, corpus, tuning)
    data = SiteData(
        root=root,
        now=ws.now(),
        today=ws.today(),
        entries=entries,
        errors=errors,
        history=histories["files"],
        similar=cause["similar"],
        groups=[
            Group(ids, terms, labels, stems, [(a, b) for a, b in linked], causes)
            for ids, terms, labels, stems, linked, causes in cause["groups"]
        ],
    )
    state = {"files": kept, "history": histories, "cause": cause}
    return data, state


def read_file(path: Path) -> tuple[bytes, str]:
    """A postmortem file's bytes and its markdown body (the front matter split off)."""
    from pm.frontmatter import body_of

    raw = path.read_bytes()
    return raw, body_of(raw)


def body(entry: Entry) -> str:
    """The entry's body, read now if this build has not read it yet."""
    if entry.body is None:
        try:
            entry.body = read_file(entry.record.path)[1]
        except OSError:
            entry.body = ""
    return entry.body


def _digest(*parts: object) -> str:
    """A digest of plain values for change detection (their repr is deterministic)."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()  # noqa: S324


def _group(entries: list[Entry], corpus: str, tuning: similar.Tuning) -> dict[str, Any]:
    """Recurring-cause groups and the similar incidents of each postmortem, from scratch.

    One TF-IDF index over every postmortem serves both. Similar incidents are those whose
    written causes score at least the weak share of the repository's threshold
    (``tuning.weak``) among the pairs the grouping compares (documents that share one of
    their heaviest terms), earlier or later.
    """
    docs = [similar.doc_from(e.postmortem, body(e)) for e in entries]
    found, index = similar.group(docs, tuning=tuning)
    lowest = tuning.weak * index.threshold(tuning)
    groups = [
        (
            g.ids,
            g.terms,
            g.labels,
            g.stems,
            [list(pair) for pair in g.linked],
            {i: docs[index.position[i]].fields.get("root_cause", "") for i in g.ids},
        )
        for g in found
    ]
    with_cause = [similar.has_cause(doc) for doc in docs]
    best: dict[int, list[tuple[float, int]]] = {}
    for i, j in index.candidate_pairs():
        if not (with_cause[i] and with_cause[j]):
            continue
        score = index.similarity(i, j)
        if score >= lowest:
            best.setdefault(i, []).append((score, j))
            best.setdefault(j, []).append((score, i))
    matches: dict[str, list[tuple[str, float, list[str]]]] = {}
    for i, scored in best.items():
        scored.sort(key=lambda pair: (-pair[0], docs[pair[1]].id))
        vector = index.vectors[i]
        found_here = []
        for score, j in scored[:SIMILAR_LIMIT]:
            other = index.vectors[j]
            common = sorted((t for t in vector if t in other), key=lambda t: -vector[t] * other[t])
            shared = [index.word(t) for t in common if ":" not in t][:4]
            found_here.append((docs[j].id, round(score, 3), shared))
        matches[docs[i].id] = found_here
    return {"corpus": corpus, "groups": groups, "similar": matches}
