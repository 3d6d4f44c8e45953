"""The blameless-language rules against sentences written to be flagged, or not.

Run ``pytest tests/test_blameless.py -s -k verdicts`` to see the count of correct and
wrong verdicts; the table is the specification of what the rules should catch. The
measure on real postmortem text is ``tests/test_realtext.py``.
"""

from __future__ import annotations

import pytest

from pm.lint.blameless import PATTERNS, Checker, known_names, prose

# Known people, as lint gathers them: config names, action owners, git authors.
PEOPLE = ["Bob", "Alice Doe", "carol", "Dave Lee", "Mark Chen", "dependabot[bot]"]

# (sentence, the rule that must flag it, or None when nothing may be flagged)
SENTENCES: list[tuple[str, str | None]] = [
    # --- blaming: must be flagged ---------------------------------------------------------
    ("The outage was caused by human error during the migration.", "blameless.human-error"),
    ("This was operator error, plain and simple.", "blameless.human-error"),
    ("It was Bob's fault that the cache was flushed.", "blameless.fault"),
    ("The incident was entirely her fault.", "blameless.fault"),
    ("We blamed Dave for the data loss.", "blameless.fault"),
    ("Bob was to blame for the missing backup.", "blameless.fault"),
    ("Alice should have known that the flag was still on.", "blameless.should-have-known"),
    ("The engineer should have double-checked the config.", "blameless.should-have-known"),
    ("Alice should have paid more attention to the dashboard.", "blameless.should-have-known"),
    ("Frankly, someone should have noticed the disk filling up.", "blameless.should-have-known"),
    ("A careless change to the load balancer took the site down.", "blameless.careless"),
    ("The developer was careless with the production credentials.", "blameless.careless"),
    ("It happened because of the incompetence of the database team.", "blameless.careless"),
    ("The rollout was negligent.", "blameless.negligent"),
    ("We should fire Bob for this.", "blameless.punish"),
    ("Bob should be fired for skipping the checklist.", "blameless.punish"),
    ("The responsible engineer was disciplined after the review.", "blameless.punish"),
    ("Bob deployed buggy code on Friday evening.", "blameless.person-caused"),
    ("Carol forgot to renew the TLS certificate.", "blameless.person-caused"),
    ("Dave broke the build by merging without review.", "blameless.person-caused"),
    ("He missed the page because his phone was on silent.", "blameless.person-caused"),
    ("Someone forgot to update the runbook.", "blameless.person-caused"),
    ("The on-call engineer ignored the alert for an hour.", "blameless.person-caused"),
    ("Alice Doe caused the outage by running the script twice.", "blameless.person-caused"),
    ("The intern accidentally dropped the production table.", "blameless.person-caused"),
    ("carol failed to follow the deploy checklist.", "blameless.person-caused"),
    ("Mark pushed untested changes straight to production.", "blameless.person-caused"),
    ("One of our technicians accidentally unplugged the switch.", "blameless.person-caused"),
    ("An engineer on the network team made a typo in the router config.", "blameless.slip"),
    ("It was a classic fat finger on the load balancer.", "blameless.fat-finger"),
    ("The developer did not notice that the flag was still on.", "blameless.oversight"),
    ("Nobody noticed the disk filling up for a week.", "blameless.nobody-noticed"),
    ("Bob deleted the wrong directory on the primary.", "blameless.wrong-target"),
    ("The review blamed the outage on the on-call engineer.", "blameless.blamed-on"),
    ('The so-called "tired admin" took the fall.', "blameless.blamed-on"),
    # --- systems language, quotes and code: must not be flagged ---------------------------
    ("The deploy caused a spike in 500 errors.", None),
    ("The alert should have fired when the error rate crossed 5%.", None),
    ("The test suite should have caught the regression before merge.", None),
    ("We should have had an alert on replication lag.", None),
    ("Nobody could have known the vendor changed the API.", None),
    ("Bob rolled back the deploy at 14:32 and the error rate recovered.", None),
    ("Alice noticed the spike on the dashboard and paged the database team.", None),
    ("The on-call engineer was paged at 02:14 and acknowledged within three minutes.", None),
    ("Carol added a lint check so the config cannot ship without a timeout.", None),
    ("Bob's change passed review and CI, which did not exercise the failover path.", None),
    ("The retry logic caused a thundering herd against the primary.", None),
    ("Crossing the high-water mark caused the queue to shed load.", None),
    ("We will fire a synthetic alert every week to test paging.", None),
    ("The load balancer was at fault for dropping health checks.", None),
    ("The fault was in the disk controller firmware.", None),
    ("A mistake in the migration script dropped the index.", None),
    ("Lazy loading of the config masked the missing key.", None),
    ("Human review of every config change is now required.", None),
    ("The log line read `ERROR: human error in input validation`.", None),
    ('The error banner said "human error, please retry", which confused users.', None),
    ("> Bob: I forgot to bump the version, sorry", None),
    ("The cause is noted below. <!-- was this Bob's fault? ask in the review -->", None),
    ("The dependabot bot broke nothing; the lockfile update was clean.", None),
    ("The cron job missed its window because the host clock drifted.", None),
    ("Dave paged the network team, who found a failed line card.", None),
    ("Why did the engineer not see the alert? It went to an unmonitored channel.", None),
    ("The person who wrote the runbook had left, so nobody knew the manual step.", None),
    # negations, hypotheticals, the words as concepts, passives: systems language too
    ("No engineer was at fault; the tool accepted the input.", None),
    ("If an operator mistypes the flag, the tool refuses to run.", None),
    ("The human error rate is one of the metrics we track.", None),
    ('The term "human error" does not appear in the report.', None),
    ("This was not human error.", None),
    ("The wrong line was removed from the router policy.", None),
    ("The deploy script did not check which host it was connected to.", None),
    ("Nobody was punished for the change.", None),
]


def _verdict(checker: Checker, sentence: str) -> set[str]:
    return {pattern.id for pattern, _offset, _phrase in checker.scan(prose(sentence))}


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(PEOPLE)


def test_the_table_is_balanced() -> None:
    flagged = sum(1 for _, rule in SENTENCES if rule)
    assert len(SENTENCES) >= 40
    assert flagged == len(SENTENCES) - flagged
    used = {rule for _, rule in SENTENCES if rule}
    assert used == {p.id for p in PATTERNS}, "every rule has sentences it must catch"


@pytest.mark.parametrize(("sentence", "rule"), SENTENCES)
def test_sentence(checker: Checker, sentence: str, rule: str | None) -> None:
    found = _verdict(checker, sentence)
    if rule is None:
        assert found == set(), f"false positive on {sentence!r}"
    else:
        assert rule in found, f"missed {sentence!r} (found {found or 'nothing'})"


def test_verdicts(checker: Checker, capsys: pytest.CaptureFixture[str]) -> None:
    """The closing figure: correct and wrong verdicts over the whole table."""
    correct = wrong = 0
    for sentence, rule in SENTENCES:
        found = _verdict(checker, sentence)
        right = (rule in found) if rule else not found
        correct += right
        wrong += not right
    with capsys.disabled():
        print(f"\nblameless verdicts: {correct} correct, {wrong} wrong of {len(SENTENCES)}")
    assert wrong == 0


def test_names_keep_their_case_and_bots_are_skipped() -> None:
    names = known_names(["Mark Chen", "carol", "renovate[bot]", "@erin"])
    assert "Mark" in names and "mark" not in names
    assert "carol" in names and "Carol" in names
    assert "erin" in names
    assert not any("bot" in n for n in names)


def test_without_known_names_only_generic_people_are_matched() -> None:
    plain = Checker()
    assert _verdict(plain, "Bob broke the build.") == set()
    assert _verdict(plain, "Someone broke the build.") == {"blameless.person-caused"}


def test_prose_masks_keep_lines_and_offsets() -> None:
    body = (
        "Intro\n<!-- Bob broke it -->\n```\nBob forgot\n```\n"
        "<!-- pm:begin actions -->\n| Bob forgot |\n<!-- pm:end actions -->\nBob forgot"
    )
    masked = prose(body)
    assert len(masked) == len(body)
    assert masked.count("\n") == body.count("\n")
    assert "Bob" not in masked[: masked.rindex("\n")]
    assert masked.endswith("\nBob forgot")
