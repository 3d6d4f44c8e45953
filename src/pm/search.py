"""Full-text search (``pm search``): which postmortems hold the words typed, ranked, each
with the line that matches best.

A query is words (``pool exhausted``) and quoted phrases (``"connection pool"``), matched
without regard to case anywhere in a word. A postmortem is ranked by where its matches
are (a match in the title weighs most, then the impact, then the prose, the timeline and
the action items alike) and how often they occur; postmortems holding every term come
before those holding only some. Ties: the newest first.

Pure: the caller gives ``Doc`` values built from what it read (``doc_from`` with the
prose ``prose_of`` takes from the body); nothing here reads a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pm.records import NamedTuple

if TYPE_CHECKING:
    from pm.model import Postmortem

# How much one occurrence of a term counts, by where it is.
WEIGHTS = {"title": 8, "impact": 4, "prose": 1, "timeline": 1, "action": 1}

_TERM = re.compile(r'"([^"]*)"|(\S+)')
_BLOCK = re.compile(r"<!-- pm:begin ([A-Za-z0-9_-]+) -->.*?<!-- pm:end \1 -->", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")


class Doc(NamedTuple):
    """What search looks at in one postmortem; ``timeline`` and ``actions`` are lines as
    shown (``#2 Add pool alerts``)."""

    id: str
    title: str
    impact: str
    prose: str
    timeline: tuple[str, ...]
    actions: tuple[str, ...]


class Hit(NamedTuple):
    """One postmortem found: its rank, the line that matches best and where the terms are
    in it (``spans``: start and end offsets in ``line``), and where they are in the title.

    The best line is the one holding the most terms outside the title (``field``:
    "impact", "prose", "timeline" or "action"; ``label`` says which, as ``event 3``,
    ``action #2``), or the title itself (``field`` "title") when nothing else matches."""

    id: str
    title: str
    score: int
    complete: bool  # every term is present
    field: str
    label: str
    line: str
    spans: tuple[tuple[int, int], ...]
    title_spans: tuple[tuple[int, int], ...]


def terms(query: str) -> list[str]:
    """The terms of a query, lowercased, each once: words and quoted phrases."""
    found: list[str] = []
    for phrase, word in _TERM.findall(query):
        term = " ".join((phrase or word).split()).lower()
        if term and term not in found:
            found.append(term)
    return found


def prose_of(body: str) -> str:
    """The lines of a markdown body that people wrote: without the generated tables, the
    template's comments, headings and blank lines."""
    text = _COMMENT.sub("", _BLOCK.sub("", body))
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not _HEADING.match(line))


def doc_from(postmortem: Postmortem, prose: str) -> Doc:
    return Doc(
        postmortem.id,
        postmortem.title,
        postmortem.impact,
        prose,
        tuple(event.text for event in postmortem.timeline),
        tuple(f"#{item.number} {item.text}" for item in postmortem.actions),
    )


def search(docs: Iterable[Doc], query: list[str]) -> list[Hit]:
    """Every doc holding at least one term of ``query`` (``terms``), best first."""
    return best(docs, query)[0]


def best(docs: Iterable[Doc], query: list[str], limit: int | None = None) -> tuple[list[Hit], int]:
    """``search``'s first ``limit`` hits (all of them for None), and how many there were.

    Only the best are kept as the docs go by: a common word matches nearly every one of
    50,000 postmortems, and keeping every hit to sort them at the end costs tens of MB
    for the twenty shown. Sorting is stable and the order total, so the hits kept are
    exactly the first ``limit`` of the whole sorted list."""
    hits: list[Hit] = []
    total = 0
    for doc in docs:
        whole = "\n".join((doc.title, doc.impact, doc.prose, *doc.timeline, *doc.actions))
        lowered = whole.lower()
        if not any(term in lowered for term in query):
            continue
        total += 1
        hits.append(_hit(doc, query))
        if limit is not None and len(hits) >= 2 * limit + 256:
            _order(hits)
            del hits[limit:]
    _order(hits)
    return (hits if limit is None else hits[:limit]), total


def _order(hits: list[Hit]) -> None:
    """Best first: every term present, then the score, then the newest (the id)."""
    hits.sort(key=lambda hit: hit.id, reverse=True)
    hits.sort(key=lambda hit: (not hit.complete, -hit.score))


def _lines(doc: Doc) -> Iterable[tuple[str, str, str]]:
    """(field, label, line) for every line searched, in the order of their weights."""
    yield "title", "", doc.title
    if doc.impact:
        yield "impact", "impact", doc.impact
    if doc.prose:
        for line in doc.prose.split("\n"):
            yield "prose", "", line
    for number, text in enumerate(doc.timeline, 1):
        yield "timeline", f"event {number}", text
    for text in doc.actions:
        item_number, _, item = text.partition(" ")
        yield "action", f"action {item_number}", item


def _hit(doc: Doc, query: list[str]) -> Hit:
    score = 0
    present: set[str] = set()
    best: tuple[int, str, str, str] = (0, "title", "", doc.title)  # terms, field, label, line
    for field, label, line in _lines(doc):
        weight = WEIGHTS[field]
        lowered = line.lower()
        here = 0
        for term in query:
            count = lowered.count(term)
            if count:
                score += weight * count
                present.add(term)
                here += 1
        if field != "title" and here > best[0]:
            best = (here, field, label, line)
    _, field, label, line = best
    return Hit(
        doc.id,
        doc.title,
        score,
        len(present) == len(query),
        field,
        label,
        line,
        spans(line, query),
        spans(doc.title, query),
    )


def spans(line: str, query: list[str]) -> tuple[tuple[int, int], ...]:
    """Where the terms are in ``line``, merged where they overlap; none when lowercasing
    changes the line's length (a rare letter), so offsets would not fit."""
    lowered = line.lower()
    if len(lowered) != len(line):
        return ()
    found: list[tuple[int, int]] = []
    for term in query:
        start = lowered.find(term)
        while start >= 0:
            found.append((start, start + len(term)))
            start = lowered.find(term, start + len(term))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def excerpt(
    line: str, marks: tuple[tuple[int, int], ...], width: int
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """At most ``width`` characters of ``line`` around its first mark, with ``…`` where it is
    cut, and the marks moved to match (those cut off dropped or clipped)."""
    if len(line) <= width:
        return line, marks
    first = marks[0][0] if marks else 0
    start = max(0, min(first - width // 3, len(line) - width + 1))
    end = min(len(line), start + width - (1 if start else 0) - 1)
    text = ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
    shift = (1 if start else 0) - start
    moved = tuple(
        (max(s, start) + shift, min(e, end) + shift) for s, e in marks if e > start and s < end
    )
    return text, moved
