"""Which postmortems tell the same story: text similarity and recurring-cause groups.

Each postmortem becomes a TF-IDF vector over light-stemmed words of its root cause and
contributing factors (weighted most), its title and impact, plus its services and tags as
extra terms. Two postmortems are similar when the cosine of their vectors is high; words
every postmortem uses ("database", "users") weigh little because of the IDF.

Grouping is agglomerative with average linkage: candidate pairs whose similarity reaches
``THRESHOLD`` are taken strongest first, and two groups merge only when the mean similarity
between their members (a sample of up to ``MEAN_SAMPLE`` each) reaches ``LINK_MEAN``, so a
single chance resemblance cannot chain two causes together. Explicit ``related:`` links
join groups too.

It is not quadratic: each document keeps its ``TOP_K`` heaviest terms, an inverted index
maps each such term to the documents that have it among theirs, and only documents sharing
a posting are compared. A posting longer than ``MAX_POSTINGS`` is skipped (a term that
many documents lean on does not identify a cause). The sum over terms of len(posting)**2
is then at most N * TOP_K * MAX_POSTINGS pairs; each pair at or above the threshold that
joins two different groups costs one mean of at most MEAN_SAMPLE**2 comparisons. Grouping N
postmortems is O(total words + N * TOP_K * MAX_POSTINGS * MEAN_SAMPLE**2) in the worst
case (in practice few pairs pass the threshold): linear in N, never N**2.

No I/O here: callers build ``Doc`` values (``doc_from``) from the bodies they have read,
and ``cause_candidates`` / ``title_candidates`` choose which files they should read.

Length: one algorithm, from words to groups and matches (stemming, the TF-IDF index,
grouping, ranking, choosing candidates), whose parts share the index and its constants.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from pm.sections import section_text

if TYPE_CHECKING:
    from pathlib import Path

    from pm.model import Postmortem

# Field name -> (weight, where the text comes from). Causes weigh most: they are what
# recurs; titles and impact describe symptoms, which differ from one time to the next.
FIELD_WEIGHTS = {"root_cause": 3.0, "contributing": 2.0, "title": 1.0, "impact": 1.0}
LABEL_WEIGHT = 1.0
THRESHOLD = 0.2
LINK_MEAN = 0.16
MEAN_SAMPLE = 8
SIMILAR_MIN = 0.12
TOP_K = 12
MAX_POSTINGS = 64

_WORD = re.compile(r"[a-z0-9][a-z0-9']*")
STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just me more most my no nor not now of off on once only or other our
    ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours one two three every
    which whose yet via per us let got get gets getting made make makes many much
    incident incidents postmortem root cause caused causes causing due
    minute minutes hour hours second seconds day days week weeks time times
    """.split()  # noqa: SIM905 - a word list reads better as text
)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: locks/locked/locking -> lock, queries -> query."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # stopped -> stopp -> stop
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]  # expire/expired/expiring -> expir
    return word


def tokens(text: str) -> list[tuple[str, str]]:
    """(stem, surface word) for each word of ``text`` that is not a stop word."""
    found = []
    for raw in _WORD.findall(text.lower()):
        word = raw.strip("'").removesuffix("'s")
        if len(word) < 2 or word in STOP_WORDS or word.isdigit():
            continue
        found.append((stem(word), word))
    return found


@dataclass(frozen=True)
class Doc:
    """What similarity needs to know about one postmortem."""

    id: str
    title: str
    fields: dict[str, str]
    labels: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    started: date | None = None


def labels_of(services: Iterable[str], tags: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"service:{s}" for s in services) + tuple(f"tag:{t}" for t in tags)


def doc_from(postmortem: Postmortem, body: str) -> Doc:
    impact = " ".join(filter(None, [postmortem.impact, section_text(body, "Impact")]))
    started = postmortem.started
    return Doc(
        id=postmortem.id,
        title=postmortem.title,
        fields={
            "title": postmortem.title,
            "impact": impact,
            "root_cause": section_text(body, "Root Cause"),
            "contributing": section_text(body, "Contributing Factors"),
        },
        labels=labels_of(postmortem.services, postmortem.tags),
        related=tuple(postmortem.related),
        started=started.date() if started else None,
    )


def has_cause(doc: Doc) -> bool:
    return bool(doc.fields.get("root_cause") or doc.fields.get("contributing"))


class Index:
    """TF-IDF vectors (unit length) for a set of documents."""

    def __init__(
        self,
        docs: Sequence[Doc],
        weights: dict[str, float] | None = None,
        *,
        background: tuple[int, Counter[str]] | None = None,
    ) -> None:
        """``background`` (documents, document frequency of each word) replaces the IDF of
        words when ``docs`` is a biased sample, such as candidates picked for sharing words.
        """
        weights = FIELD_WEIGHTS if weights is None else weights
        self.docs = list(docs)
        self.position = {doc.id: i for i, doc in enumerate(self.docs)}
        surface: dict[str, Counter[str]] = defaultdict(Counter)
        raw: list[dict[str, float]] = []
        df: Counter[str] = Counter()
        for doc in self.docs:
            counts: dict[str, float] = defaultdict(float)
            for name, weight in weights.items():
                for term, word in tokens(doc.fields.get(name, "")):
                    counts[term] += weight
                    surface[term][word] += 1
            for label in doc.labels:
                counts[label] += LABEL_WEIGHT
            raw.append(counts)
            df.update(counts.keys())
        n = len(self.docs)
        self.idf = {term: math.log((n + 1) / (count + 1)) + 1.0 for term, count in df.items()}
        if background is not None:
            total, seen = background
            for term in self.idf:
                if ":" not in term:  # words, not service:/tag: labels
                    self.idf[term] = math.log((total + 1) / (seen.get(term, 0) + 1)) + 1.0
        self.vectors: list[dict[str, float]] = []
        for counts in raw:
            vector = {t: math.log1p(tf) * self.idf[t] for t, tf in counts.items()}
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            self.vectors.append({t: v / norm for t, v in vector.items()})
        self._surface = {term: words.most_common(1)[0][0] for term, words in surface.items()}
        self.pairs_compared = 0

    def word(self, term: str) -> str:
        """How people wrote a stemmed term (``databas`` -> ``database``)."""
        return self._surface.get(term, term)

    def similarity(self, i: int, j: int) -> float:
        self.pairs_compared += 1
        a, b = self.vectors[i], self.vectors[j]
        if len(a) > len(b):
            a, b = b, a
        return sum(v * b[t] for t, v in a.items() if t in b)

    def shared(self, members: Sequence[int], limit: int = 5) -> list[str]:
        """The terms (and labels) that most of ``members`` carry, heaviest first."""
        need = max(2, math.ceil(len(members) / 2))
        presence: Counter[str] = Counter()
        weight: dict[str, float] = defaultdict(float)
        for i in members:
            for term, value in self.vectors[i].items():
                presence[term] += 1
                weight[term] += value
        chosen = [t for t, count in presence.items() if count >= need]
        chosen.sort(key=lambda t: (-presence[t], -weight[t], t))
        return chosen[:limit]

    def candidate_pairs(self) -> set[tuple[int, int]]:
        """Pairs of documents that share one of their TOP_K heaviest terms (bounded)."""
        postings: dict[str, list[int]] = defaultdict(list)
        for i, vector in enumerate(self.vectors):
            top = sorted(vector, key=lambda t: (-vector[t], t))[:TOP_K]
            for term in top:
                postings[term].append(i)
        pairs: set[tuple[int, int]] = set()
        for members in postings.values():
            if len(members) > MAX_POSTINGS:
                continue
            for a, first in enumerate(members):
                for second in members[a + 1 :]:
                    pairs.add((first, second))
        return pairs


@dataclass
class Group:
    """Postmortems that share a cause, with what ties them."""

    ids: list[str]
    terms: list[str]
    labels: list[str]
    stems: list[str] = field(default_factory=list)
    linked: list[tuple[str, str]] = field(default_factory=list)


def group(docs: Sequence[Doc], threshold: float = THRESHOLD) -> tuple[list[Group], Index]:
    """Recurring-cause groups (two or more postmortems), largest and latest first."""
    index = Index(docs)
    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    # Average linkage: strongest pairs first, and two groups merge only when their members
    # are, on average, alike too; one chance resemblance cannot chain two causes together.
    members: dict[int, list[int]] = {i: [i] for i in range(len(docs))}
    scores: dict[tuple[int, int], float] = {}
    for i, j in index.candidate_pairs():
        score = index.similarity(i, j)
        if score >= threshold:
            scores[(i, j)] = score
    for (i, j), _score in sorted(scores.items(), key=lambda item: (-item[1], item[0])):
        a, b = find(i), find(j)
        if a == b:
            continue
        if _mean_similarity(index, members[a], members[b]) >= LINK_MEAN:
            parent[a] = b
            members[b].extend(members.pop(a))
    links: list[tuple[int, int]] = []
    for i, doc in enumerate(docs):
        for other in doc.related:
            linked = index.position.get(other)
            if linked is not None and linked != i and (linked, i) not in links:
                links.append((i, linked))
                union(i, linked)
    components: dict[int, list[int]] = defaultdict(list)
    for i in range(len(docs)):
        components[find(i)].append(i)
    groups = []
    for indices in components.values():
        if len(indices) < 2:
            continue
        indices.sort(key=lambda i: (docs[i].started or date.min, docs[i].id))
        inside = set(indices)
        shared = index.shared(indices, limit=8)
        groups.append(
            Group(
                ids=[docs[i].id for i in indices],
                terms=[index.word(t) for t in shared if ":" not in t][:5],
                labels=[t for t in shared if ":" in t],
                stems=[t for t in shared if ":" not in t][:5],
                linked=[(docs[i].id, docs[j].id) for i, j in links if i in inside],
            )
        )
    groups.sort(key=lambda g: g.ids[-1], reverse=True)  # latest first...
    groups.sort(key=lambda g: -len(g.ids))  # ...within the largest first (a stable sort)
    return groups, index


def _mean_similarity(index: Index, first: list[int], second: list[int]) -> float:
    """Mean similarity between two groups, over at most MEAN_SAMPLE members of each."""
    a, b = first[:MEAN_SAMPLE], second[:MEAN_SAMPLE]
    total = sum(index.similarity(i, j) for i in a for j in b)
    return total / (len(a) * len(b))


@dataclass(frozen=True)
class Match:
    """A similar postmortem: its id and title, the score, and the terms both share."""

    id: str
    title: str
    score: float
    shared: list[str]
    started: date | None


def _ranked(index: Index, target: int, limit: int, minimum: float) -> list[Match]:
    vector = index.vectors[target]
    results = []
    for j, doc in enumerate(index.docs):
        if j == target:
            continue
        score = index.similarity(target, j)
        if score < minimum:
            continue
        other = index.vectors[j]
        common = sorted((t for t in vector if t in other), key=lambda t: -vector[t] * other[t])
        results.append(
            Match(
                id=doc.id,
                title=doc.title,
                score=round(score, 3),
                shared=[index.word(t) for t in common[:4]],
                started=doc.started,
            )
        )
    results.sort(key=lambda m: m.id, reverse=True)  # equal scores: the latest first
    results.sort(key=lambda m: -m.score)
    return results[:limit]


def similar_docs(
    docs: Sequence[Doc], target: Doc, limit: int = 3, *, minimum: float = SIMILAR_MIN
) -> list[Match]:
    """Past postmortems whose root cause and contributing factors read like ``target``'s.

    Empty when the target has no written cause yet; only postmortems that started before
    the target (or on the same day) count as past. ``pm show`` and ``pm review`` use this
    (through ``queries.similar_by_cause``).
    """
    if not has_cause(target):
        return []
    past = [
        d
        for d in docs
        if d.id != target.id
        and has_cause(d)
        and (target.started is None or d.started is None or d.started <= target.started)
    ]
    index = Index([target, *past])
    return _ranked(index, 0, limit, minimum)


TITLE_WEIGHTS = {"title": 1.0}


def similar_by_title(
    docs: Sequence[Doc],
    title: str,
    services: Sequence[str],
    tags: Sequence[str],
    limit: int = 3,
    *,
    exclude: str | None = None,
    minimum: float = 0.2,
    background: tuple[int, Counter[str]] | None = None,
) -> list[Match]:
    """Past postmortems like a new incident, from what is known when it opens."""
    probe = Doc(id="\0new", title=title, fields={"title": title}, labels=labels_of(services, tags))
    others = [d for d in docs if d.id != exclude]
    index = Index([probe, *others], weights=TITLE_WEIGHTS, background=background)
    return _ranked(index, 0, limit, minimum)


# --- which files to compare (paths in, paths out: the caller reads them) -----------------

# ``pm show`` compares with at most this many of the latest earlier postmortems, and
# ``pm open`` reads at most this many candidates, so both answer quickly at 10k files.
SIMILAR_SCAN_LIMIT = 1000
OPEN_CANDIDATES = 100


def cause_candidates(
    paths: Sequence[Path], target: Path, limit: int = SIMILAR_SCAN_LIMIT
) -> list[Path]:
    """The files ``similar_docs`` compares ``target`` with: the latest ``limit`` that
    started on or before it (by the date in the id, so ``paths`` sorted by id)."""
    day = target.stem[:10]
    return [p for p in paths if p.stem[:10] <= day and p != target][-limit:]


def title_candidates(
    paths: Sequence[Path], title: str, limit: int = OPEN_CANDIDATES
) -> tuple[list[Path], tuple[int, Counter[str]]]:
    """The files ``similar_by_title`` compares a new incident with, and its background.

    Candidates are the ``limit`` files whose id slug shares the most title words, plus the
    ``limit`` most recent ones (which share services and tags more often); only those are
    read, so the cost does not grow with the repository. Word frequencies over every id
    slug (the title's words) give the IDF (``background``): the few files read are picked
    for sharing words, so their own frequencies are biased.
    """
    wanted = {term for term, _ in tokens(title)}
    frequency: Counter[str] = Counter()
    scored = []
    for n, path in enumerate(paths):
        words = {term for term, _ in tokens(path.stem[11:].replace("-", " "))}
        frequency.update(words)
        common = len(words & wanted)
        if common:
            scored.append((-common, -n, path))
    scored.sort()
    chosen = {path for _, _, path in scored[:limit]}
    chosen.update(paths[-limit:])
    return sorted(chosen), (len(paths), frequency)
