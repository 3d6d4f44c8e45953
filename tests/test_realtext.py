"""The blameless lint and recurring-cause grouping on real postmortem text (issue 14).

The corpus is tests/data/realtext/ (paraphrased public postmortems, see its README); the
figures come from benchmarks/realtext.py, which prints them with their misses. The
held-out part was never used to tune a rule, a word list or a threshold.

Goals of issue 14 on the held-out part: lint recall >= 0.75 with a false-positive rate
<= 0.05 (met: 0.80 and 0.00); grouping pairwise F1 >= 0.5 (not met) and a same-cause
incident among ``pm show``'s top three for >= 80% (met on the whole held-out part, not on
its earlier rounds alone). The earlier rounds (88 incidents, 15 families) were measured
twice: F1 0.49 (precision 0.52, recall 0.46), top three 0.796 (43/54), 3 groups with no
same-cause pair. Batch 3 (44 incidents, 9 families, 13 singletons) was written and
labelled before anything ran on it and measured once, with the earlier rounds, on code
left unchanged since (no change tried on the tuning part held up): alone F1 0.61
(precision 0.81, recall 0.49), top three 0.968 (30/31), no junk group; together with the
earlier rounds (132 incidents, 24 families) F1 0.35 (precision 0.27, recall 0.51: close
security families merge into large groups), top three 0.871 (74/85), 7 groups with no
same-cause pair. The unmet F1 goal is a strict xfail, so the day it is met the test says
so; the figures reached are floors.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # benchmarks/ is a package at the repository root

from benchmarks import realtext  # noqa: E402

GOALS = realtext.GOALS


@pytest.fixture(scope="module")
def held_out() -> tuple[realtext.LintFigures, realtext.GroupFigures]:
    return (
        realtext.lint_figures(realtext.sentences("held-out")),
        realtext.group_figures(realtext.summaries("held-out")),
    )


def test_the_corpus_is_real_text_from_many_companies() -> None:
    sentences = realtext.load("sentences.jsonl")
    summaries = realtext.load("summaries.jsonl")
    assert len(sentences) >= 400 and len(summaries) >= 260
    assert {s["label"] for s in sentences} == {"blame", "neutral"}
    kinds = Counter(s["kind"] for s in sentences if s["label"] == "neutral")
    for hard in ("negation", "hypothetical", "concept", "passive", "person-neutral"):
        assert kinds[hard] >= 10, hard
    assert len({s["company"] for s in summaries}) >= 100
    for item in [*sentences, *summaries]:
        assert item["company"] and item["year"] and item["source"], item["id"]
    families = Counter(s["family"] for s in summaries if s["family"])
    assert len(families) >= 20 and min(families.values()) >= 2
    assert len({s["id"] for s in sentences}) == len(sentences)


def test_the_split_is_fixed_and_keeps_families_whole() -> None:
    summaries = realtext.load("summaries.jsonl")
    tuning = {s["family"] for s in realtext.summaries("tuning") if s["family"]}
    held = {s["family"] for s in realtext.summaries("held-out") if s["family"]}
    assert tuning and held and not tuning & held
    share = len(realtext.summaries("held-out")) / len(summaries)
    assert 0.25 <= share <= 0.5
    assert realtext.split("manual-wrong-target") == "tuning"  # fixed by the hash, forever
    assert realtext.split("global-rollout") == "held-out"


def test_the_fresh_batch_is_held_out_whole_and_labelled() -> None:
    """Batch 3 (issue 14's fresh held-out data) was labelled before anything ran on it."""
    fresh = [s for s in realtext.load("summaries.jsonl") if s.get("batch") == 3]
    assert 40 <= len(fresh) <= 60
    assert all(realtext.part_of(s) == "held-out" for s in fresh)
    assert realtext.summaries("held-out", fresh=True) == fresh
    earlier = realtext.summaries("held-out", fresh=False)
    assert earlier and not any(s.get("batch") == 3 for s in earlier)
    families = Counter(s["family"] for s in fresh if s["family"])
    assert sum(1 for n in families.values() if n >= 3) >= 6
    singletons = sum(1 for s in fresh if not s["family"])
    assert 0.25 <= singletons / len(fresh) <= 0.4
    everything = realtext.load("summaries.jsonl")
    earlier_families = {s["family"] for s in everything if s.get("batch") != 3}
    assert not set(families) & earlier_families  # new causes, never seen while tuning
    seen = {(s["company"], s["year"], s["title"]) for s in everything}
    assert len(seen) == len(everything)


def test_held_out_lint_goals(held_out: tuple[realtext.LintFigures, realtext.GroupFigures]) -> None:
    lint, _ = held_out
    assert lint.blame >= 40 and lint.neutral >= 100
    assert lint.recall >= GOALS["recall"], lint.recall
    assert lint.fpr <= GOALS["fpr"], lint.fpr


def test_held_out_grouping_does_not_fall_below_todays_figures(
    held_out: tuple[realtext.LintFigures, realtext.GroupFigures],
) -> None:
    _, grouping = held_out
    assert grouping.families >= 24 and grouping.true_pairs >= 132
    assert grouping.f1 >= 0.35, (grouping.precision, grouping.recall)
    assert grouping.empty == 0  # pm show always offers its nearest past incidents
    assert len(grouping.junk) <= 7


@pytest.mark.parametrize(
    ("fresh", "f1", "top3", "junk"),
    [(False, 0.48, 0.79, 3), (True, 0.60, 0.96, 0)],
    ids=["earlier-rounds", "batch-3"],
)
def test_each_held_out_round_keeps_its_figures(
    fresh: bool, f1: float, top3: float, junk: int
) -> None:
    grouping = realtext.group_figures(realtext.summaries("held-out", fresh=fresh))
    assert grouping.f1 >= f1, (grouping.precision, grouping.recall)
    assert grouping.top3 >= top3, grouping.top3
    assert grouping.empty == 0
    assert len(grouping.junk) <= junk


@pytest.mark.xfail(
    strict=True,
    reason="issue 14 goal not met: held-out F1 0.35 (earlier rounds 0.49, batch 3 0.61)",
)
def test_held_out_grouping_f1_goal(
    held_out: tuple[realtext.LintFigures, realtext.GroupFigures],
) -> None:
    assert held_out[1].f1 >= GOALS["f1"]


def test_held_out_show_top_three_goal(
    held_out: tuple[realtext.LintFigures, realtext.GroupFigures],
) -> None:
    """Met on the whole held-out part (0.871, 74 of 85); the earlier rounds alone: 0.796."""
    assert held_out[1].top3 >= GOALS["top3"], held_out[1].top3


def test_tuning_figures() -> None:
    lint = realtext.lint_figures(realtext.sentences("tuning"))
    grouping = realtext.group_figures(realtext.summaries("tuning"))
    assert lint.recall >= 0.9 and lint.fpr <= 0.02
    assert grouping.f1 >= 0.62 and grouping.top3 >= 0.88


def test_the_script_prints_held_out_figures_without_items() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "realtext.py"), "--held-out"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "== held-out part" in result.stdout
    assert "recall" in result.stdout and "F1" in result.stdout
    assert "miss" not in result.stdout  # no held-out item is ever shown
