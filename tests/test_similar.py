"""Similarity and recurring-cause grouping on the planted corpus (tests/corpus.py)."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

import corpus
from pm import similar
from pm.config import Config
from pm.sections import section_text


def corpus_docs() -> list[similar.Doc]:
    config = Config(root=Path("/nonexistent"))
    docs = []
    for entry in corpus.GROUPING:
        postmortem = corpus.postmortem_of(entry)
        docs.append(similar.doc_from(postmortem, corpus.body_of(config, postmortem, entry)))
    return docs


def pairs(groups: list[set[str]]) -> set[tuple[str, str]]:
    return {pair for ids in groups for pair in itertools.combinations(sorted(ids), 2)}


def precision_recall(found: list[set[str]], truth: list[set[str]]) -> tuple[float, float]:
    """Pairwise: of the pairs put in one group, how many share a planted cause, and back."""
    got, want = pairs(found), pairs(truth)
    hits = len(got & want)
    return (hits / len(got) if got else 1.0), (hits / len(want) if want else 1.0)


def test_the_corpus_is_big_enough() -> None:
    assert len(corpus.GROUPING) >= 40
    assert [len(f) for f in corpus.families(corpus.GROUPING)] == [6, 4, 4, 3, 3]


# The thresholds come from each repository's own similarity distribution since issue 14:
# the fixed numbers that made this corpus come out exactly (precision and recall 1.0) were
# written together with it and grouped 8% of same-cause pairs on real postmortems. On
# this corpus the data-driven threshold now lets some hard negatives in; the figures below
# pin what it does here, and tests/test_realtext.py measures it on real text.


def test_groups_find_the_planted_families() -> None:
    groups, _ = similar.group(corpus_docs())
    found = [set(g.ids) for g in groups]
    for family in corpus.families(corpus.GROUPING):
        best = max(len(family & ids) for ids in found)
        assert best >= len(family) - 1, sorted(family)  # at most one member missed
    seed = groups[0]
    payments = corpus.families(corpus.GROUPING)[0]
    assert len(payments & set(seed.ids)) == 5
    assert seed.ids[-1] == "2024-06-25-slow-reconciliation-query"
    assert seed.terms[:2] == ["payments", "database"]
    assert "service:payments-db" in seed.labels


def test_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    """The pairwise figures on the planted corpus, printed with -s."""
    groups, index = similar.group(corpus_docs())
    precision, recall = precision_recall([set(g.ids) for g in groups],
                                         corpus.families(corpus.GROUPING))  # fmt: skip
    with capsys.disabled():
        print(f"\ngrouping on {len(corpus.GROUPING)} postmortems: precision {precision:.2f}, "
              f"recall {recall:.2f}, pairs compared {index.pairs_compared}")  # fmt: skip
    assert precision >= 0.7 and recall >= 0.8, (precision, recall)


def test_hard_negatives_mostly_stay_out() -> None:
    """Pairs that share words or services but not a cause are rarely grouped."""
    groups, _ = similar.group(corpus_docs())
    grouped = {i for g in groups for i in g.ids}
    negatives = [e["id"] for e in corpus.GROUPING if e["family"] is None]
    assert len(negatives) >= 20
    assert sum(1 for n in negatives if n in grouped) <= 5


def test_sensitivity_to_the_threshold() -> None:
    """Not a knife edge: nearby fixed thresholds and spreads still find the families."""
    docs, truth = corpus_docs(), corpus.families(corpus.GROUPING)
    for threshold in (0.18, 0.2, 0.22):
        groups, _ = similar.group(docs, threshold)
        precision, recall = precision_recall([set(g.ids) for g in groups], truth)
        assert precision >= 0.7 and recall >= 0.8, (threshold, precision, recall)
    for spread in (2.5, 3.0, 3.5):
        groups, _ = similar.group(docs, tuning=similar.Tuning(spread=spread))
        precision, recall = precision_recall([set(g.ids) for g in groups], truth)
        assert precision >= 0.65 and recall >= 0.7, (spread, precision, recall)


def test_same_cause_links_join_groups_and_related_links_do_not() -> None:
    docs = corpus_docs()
    by_id = {d.id: d for d in docs}
    dns, bgp = by_id["2024-05-21-dns-provider-outage"], "2024-02-20-bgp-route-leak"
    see_also = similar.Doc(dns.id, dns.title, dns.fields, dns.labels, (bgp,), dns.started)
    groups, _ = similar.group([see_also if d.id == dns.id else d for d in docs])
    assert not [g for g in groups if dns.id in g.ids and bgp in g.ids]
    same = similar.Doc(dns.id, dns.title, dns.fields, dns.labels, (), dns.started,
                       same_cause=(bgp,))  # fmt: skip
    groups, _ = similar.group([same if d.id == dns.id else d for d in docs])
    joined = [g for g in groups if dns.id in g.ids]
    assert len(joined) == 1
    assert joined[0].ids == [bgp, dns.id]
    assert joined[0].linked == [(dns.id, bgp)]


def test_structured_causes_outweigh_the_prose() -> None:
    """Two write-ups in different words group when they name the same ``causes:``."""
    first = similar.Doc("2024-01-01-a", "Checkout slow", {"root_cause": "Queries queued."},
                        causes=("capacity",))  # fmt: skip
    second = similar.Doc("2024-02-01-b", "Login errors", {"root_cause": "Pods evicted."},
                         causes=("capacity",))  # fmt: skip
    others = [
        similar.Doc(f"2024-03-{n:02d}-x", f"Other {n}", {"root_cause": f"word{n} thing{n}"})
        for n in range(1, 20)
    ]
    groups, index = similar.group([first, second, *others])
    assert [g.ids for g in groups] == [["2024-01-01-a", "2024-02-01-b"]]
    assert index.similarity(0, 1) > 0.8
    plain = [similar.Doc(d.id, d.title, d.fields) for d in (first, second)]
    assert similar.group([*plain, *others])[0] == []


def test_a_link_rests_on_more_than_two_words() -> None:
    """Two write-ups alike in two words only do not group; in three they do.

    On the real-text tuning part, pairs above the threshold that share two terms or fewer
    were mostly chance (34 of 46); ``support`` (3) asks for a third.
    """
    others = [
        similar.Doc(f"2024-03-{n:02d}-x", f"Other {n}", {"root_cause": f"word{n} thing{n}"})
        for n in range(1, 20)
    ]

    def pair(first: str, second: str) -> list[similar.Doc]:
        return [
            similar.Doc("2024-01-01-a", "A", {"root_cause": first}),
            similar.Doc("2024-02-01-b", "B", {"root_cause": second}),
        ]

    two = pair("kafka rebalance alpha bravo", "kafka rebalance charlie delta")
    groups, index = similar.group([*two, *others])
    assert groups == [] and index.similarity(0, 1) > index.threshold()
    loose = similar.Tuning(support=2)
    assert [g.ids for g in similar.group([*two, *others], tuning=loose)[0]] == [
        ["2024-01-01-a", "2024-02-01-b"]
    ]
    three = pair("kafka rebalance partition alpha", "kafka rebalance partition delta")
    assert [g.ids for g in similar.group([*three, *others])[0]] == [
        ["2024-01-01-a", "2024-02-01-b"]
    ]


def test_similar_by_cause_finds_the_seed_family() -> None:
    docs = corpus_docs()
    target = next(d for d in docs if d.id == "2024-06-25-slow-reconciliation-query")
    matches = similar.similar_docs(docs, target, limit=3)
    family = corpus.families(corpus.GROUPING)[0]
    assert len(matches) == 3 and all(m.id in family for m in matches)
    assert all(m.started is not None and m.started < target.started for m in matches)  # type: ignore[operator]
    empty = similar.Doc("x", "Nothing written", {"title": "Nothing written"})
    assert similar.similar_docs(docs, empty) == []  # no cause written: nothing to compare


def test_a_hub_yields_to_a_specific_match() -> None:
    """``pm show`` ranks by CSLS: a write-up near everything (a hub) yields to a specific one.

    The hub shares more words with the target (cosine 0.46 against 0.44), but they are the
    words a dozen other write-ups share too; the specific match shares the target's cause.
    """
    words = ["queue worker", "cache shard", "queue shard", "worker cache"]
    others = [
        similar.Doc(f"2024-03-{n:02d}-o", f"Other {n}", {"root_cause": f"{words[n % 4]} word{n}"})
        for n in range(1, 13)
    ]
    hub = similar.Doc("2024-02-01-hub", "Hub", {"root_cause": "queue worker cache shard stalled"})
    specific = similar.Doc(
        "2024-02-02-specific", "Specific", {"root_cause": "certificate renewal lapsed gateway"}
    )
    target = similar.Doc(
        "2024-04-01-t", "Now", {"root_cause": "queue worker cache shard certificate renewal"}
    )
    index = similar.Index([target, hub, specific, *others])
    assert index.similarity(0, 1) > index.similarity(0, 2)  # by cosine, the hub comes first
    assert index.hubness(1) > 5 * index.hubness(2)
    tuning = similar.Tuning(threshold=0.1)
    matches = similar.similar_docs([hub, specific, *others, target], target, tuning=tuning)
    assert [m.id for m in matches[:2]] == [specific.id, hub.id]
    assert matches[1].score > matches[0].score  # the score shown stays the cosine
    # a match below the threshold (weak) never goes before a strong one
    strict = similar.Tuning(threshold=0.45)
    ranked = similar.similar_docs([hub, specific, *others, target], target, tuning=strict)
    assert [(m.id, m.weak) for m in ranked[:2]] == [(hub.id, False), (specific.id, True)]


def test_similar_by_title_uses_services_and_tags() -> None:
    docs = corpus_docs()
    found = similar.similar_by_title(docs, "Payments database timing out", ["payments-db"], [])
    assert found and all("payment" in m.title.lower() for m in found)
    assert similar.similar_by_title(docs, "Quantum flux capacitor", [], []) == []


def test_stemming_and_stop_words() -> None:
    assert {similar.stem(w) for w in ("lock", "locks", "locked", "locking")} == {"lock"}
    assert similar.stem("queries") == "query"
    assert similar.stem("stopped") == "stop"
    assert similar.stem("expired") == similar.stem("expire") == similar.stem("expiring")
    assert [t for t, _ in similar.tokens("The root cause was the database's locks")] == [
        "databas", "lock",
    ]  # fmt: skip
    # general English (quantities, frequency, "everything", "expected") tells no cause
    text = "Thousands of writes hit everything, a rarely seen and unexpected lock"
    assert [t for t, _ in similar.tokens(text)] == ["writ", "hit", "lock"]


def test_candidate_generation_is_bounded_at_scale() -> None:
    """10,000 postmortems: pairs compared stay under N * TOP_K * MAX_POSTINGS, far below N^2/2."""
    rng = random.Random(7)
    vocabulary = [f"word{n}" for n in range(20_000)]
    causes = [" ".join(rng.sample(vocabulary, 12)) for _ in range(2000)]
    docs = []
    for n in range(10_000):
        cause = causes[n % len(causes)] + " " + " ".join(rng.sample(vocabulary, 6))
        docs.append(similar.Doc(f"pm-{n:05d}", f"incident {n}", {"root_cause": cause}))
    groups, index = similar.group(docs)
    n = len(docs)
    assert index.pairs_compared <= n * similar.TOP_K * similar.MAX_POSTINGS
    assert index.pairs_compared < n * n // 2 // 20  # under 5% of all pairs
    # the 2,000 planted causes (5 postmortems each) are found; average linkage merges a few
    # that share random words
    assert len(groups) >= 1750


def test_section_text() -> None:
    body = (
        "## Root Cause\n\n<!-- hint -->\nA slow query.\n\n### Detail\n\nLocks.\n\n"
        "## Contributing Factors\n\n<!-- only a hint -->\n\n```\n## not a heading\n```\n"
    )
    assert section_text(body, "Root Cause") == "A slow query.\n\n### Detail\n\nLocks."
    assert section_text(body, "root cause") == section_text(body, "Root Cause")
    assert section_text(body, "Contributing Factors") == "```\n## not a heading\n```"
    assert section_text(body, "Lessons Learned") == ""
    assert section_text("## Impact\r\n\r\n<!-- x -->\r\n", "Impact") == ""


def test_background_frequencies_correct_a_biased_sample() -> None:
    """Candidates read at ``pm open`` were picked for sharing the title's words, so their
    own IDF calls those words common; frequencies over every id slug say they are rare."""
    from collections import Counter

    sample = [
        similar.Doc(
            f"2024-01-{n:02d}-p",
            f"Payments database {word}",
            {"title": f"Payments database {word}"},
        )
        for n, word in enumerate(
            ["latency", "timeouts", "replication", "locked", "vacuum", "failover"], 1
        )
    ]
    sample.append(
        similar.Doc("2024-02-01-cron", "Cron timing drift", {"title": "Cron timing drift"})
    )
    title = "Payments database timing"
    biased = similar.similar_by_title(sample, title, [], [], limit=1, minimum=0.0)
    assert [m.id for m in biased] == ["2024-02-01-cron"]  # "timing" looks like the rare word
    background = (5000, Counter({"payment": 3, "databas": 40, "tim": 900}))
    fixed = similar.similar_by_title(
        sample, title, [], [], limit=1, minimum=0.0, background=background
    )
    assert fixed[0].id.endswith("-p") and fixed[0].shared == ["payments", "database"]
