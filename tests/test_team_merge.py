"""Responders on several clones of one origin: pulls merge through pm's merge driver.

Each test is a team (``teamrepo.team``: a bare origin, clones alice, bob and carol, each
initialised with ``pm init``) recording one incident at the same time. Pulls run the real
git, with merge (``pull.rebase=false``) and with rebase (``pull.rebase=true``); git runs
the installed ``pm merge-driver``. After every merge the file is lint-clean
(``pm lint --strict``) and holds every change each side committed, or, where the sides
truly disagree, git stops with a conflict that pm names by file and line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lintclean import LINT_ARGS, findings
from teamrepo import Clone, Team, team  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow  # git runs the installed pm as its merge driver

PID = "2024-01-15-database-down"
FILE = f"postmortems/2024/{PID}.md"
PULLS = [pytest.param(False, id="merge"), pytest.param(True, id="rebase")]


def shown(clone: Clone, pid: str = PID) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(clone.ok("show", pid, "--json").stdout)
    return data


def events(clone: Clone, pid: str = PID) -> list[tuple[str, str, str]]:
    return [(e["at"], e["kind"], e.get("text", "")) for e in shown(clone, pid)["timeline"]]


def items(clone: Clone, pid: str = PID) -> dict[int, tuple[str, str, str]]:
    return {a["number"]: (a["text"], a["owner"], a["status"]) for a in shown(clone, pid)["actions"]}


def lint_clean(clone: Clone) -> None:
    result = clone.pm(*LINT_ARGS)
    assert findings(result.stdout) == [], result.stdout + result.stderr
    assert "<<<<<<<" not in clone.read(FILE)


def pulled(clone: Clone, rebase: bool) -> str:
    """Pull, which must merge cleanly; git's output (the driver's notes are on stderr)."""
    result = clone.pull(rebase=rebase)
    assert result.returncode == 0, result.stdout + result.stderr
    assert clone.git("status", "--porcelain") == ""
    return result.stderr


@pytest.fixture
def incident(team: Team) -> Team:  # noqa: F811 - the fixture
    """Alice opened the incident and pushed; bob and carol pulled it."""
    alice = team["alice"]
    alice.ok("open", "Database down", "-s", "SEV-1", "--started", "2024-01-15T14:05")
    alice.push()
    for name in ("bob", "carol"):
        pulled(team[name], rebase=False)
    return team


@pytest.mark.parametrize("rebase", PULLS)
def test_events_added_on_two_clones_merge_into_one_sorted_timeline(
    incident: Team, rebase: bool
) -> None:
    alice, bob = incident["alice"], incident["bob"]
    alice.ok("event", PID, "Paged the DBA", "-k", "acknowledged", "--at", "2024-01-15T14:12")
    alice.ok("event", PID, "Failed over to the replica", "--at", "2024-01-15T14:30")
    bob.ok("event", PID, "Error rate at 40%", "-k", "detected", "--at", "2024-01-15T14:10")
    bob.ok("event", PID, "Checkout recovering", "--at", "2024-01-15T14:40")
    alice.push()
    pulled(bob, rebase)
    expected = [
        ("2024-01-15T14:05:00Z", "started", "Incident started"),
        ("2024-01-15T14:10:00Z", "detected", "Error rate at 40%"),
        ("2024-01-15T14:12:00Z", "acknowledged", "Paged the DBA"),
        ("2024-01-15T14:30:00Z", "note", "Failed over to the replica"),
        ("2024-01-15T14:40:00Z", "note", "Checkout recovering"),
    ]
    assert events(bob) == expected
    lint_clean(bob)
    bob.push()
    pulled(alice, rebase)
    assert alice.read(FILE) == bob.read(FILE)
    # The history keeps every pm commit of both responders.
    subjects = bob.subjects()
    assert sum(s.startswith(f"pm: event {PID}") for s in subjects) == 4


@pytest.mark.parametrize("rebase", PULLS)
def test_action_items_that_took_one_number_the_pushed_one_keeps_it(
    incident: Team, rebase: bool
) -> None:
    alice, bob = incident["alice"], incident["bob"]
    alice.ok("action", "add", PID, "Alert on pool saturation", "--owner", "alice")
    bob.ok("action", "add", PID, "Make the pool size configurable", "--owner", "bob", "-p", "P0")
    bob.ok("action", "add", PID, "Load-test checkout", "--owner", "bob")
    alice.push()  # alice's item 1 is on the origin first
    notes = pulled(bob, rebase)
    mine = ("Make the pool size configurable", "Load-test checkout")
    # A rebase replays bob's commits one by one: his items follow alice's in his order.
    # A merge renumbers only the item that collided.
    order = mine if rebase else mine[::-1]
    assert items(bob) == {
        1: ("Alert on pool saturation", "alice", "open"),
        2: (order[0], "bob", "open"),
        3: (order[1], "bob", "open"),
    }
    assert (
        f"pm: {FILE}: action item 1 ('Make the pool size configurable') of {PID} repeated "
        f"number 1 after a merge; it is now {2 if rebase else 3}"
    ) in notes
    lint_clean(bob)
    bob.ok("action", "done", PID, "3")  # the new numbers work at once
    bob.push()
    pulled(alice, rebase)
    assert items(alice)[3] == (order[1], "bob", "done")


@pytest.mark.parametrize("rebase", PULLS)
def test_one_item_changed_on_both_clones_merges_field_by_field(
    incident: Team, rebase: bool
) -> None:
    alice, bob = incident["alice"], incident["bob"]
    alice.ok("action", "add", PID, "Alert on pool saturation", "--owner", "alice")
    alice.push()
    pulled(bob, rebase)
    alice.ok("action", "done", PID, "1")
    # Bob hands the item to the DBA team by editing the file, and commits that.
    text = bob.read(FILE).replace("  owner: alice\n", "  owner: dba-team\n", 1)
    (bob.path / FILE).write_text(text, encoding="utf-8")
    bob.git("commit", "--quiet", "-am", "Hand the alert to the DBA team")
    alice.push()
    notes = pulled(bob, rebase)
    assert items(bob) == {1: ("Alert on pool saturation", "dba-team", "done")}
    # Bob's table was only out of date (he edited the front matter): re-rendered, not
    # taken for rows typed by hand.
    assert "typed by hand" not in notes
    assert "| Alert on pool saturation | dba-team |" in bob.read(FILE)
    lint_clean(bob)


@pytest.mark.parametrize("rebase", PULLS)
def test_field_changes_merge_three_way(incident: Team, rebase: bool) -> None:
    alice, bob = incident["alice"], incident["bob"]
    alice.ok("set", PID, "severity", "SEV-2")
    alice.ok("set", PID, "services", "payments-api", "--add")
    bob.ok("set", PID, "severity", "SEV-2")  # the same change on both sides
    bob.ok("set", PID, "title", "Primary database down")
    bob.ok("set", PID, "services", "checkout", "--add")
    alice.push()
    pulled(bob, rebase)
    data = shown(bob)
    assert (data["title"], data["severity"]) == ("Primary database down", "SEV-2")
    assert data["services"] == ["checkout", "payments-api"]
    lint_clean(bob)


@pytest.mark.parametrize("rebase", PULLS)
def test_a_field_both_changed_differently_stops_the_pull_and_pm_names_the_line(
    incident: Team, rebase: bool
) -> None:
    alice, bob = incident["alice"], incident["bob"]
    alice.ok("set", PID, "severity", "SEV-2")
    alice.ok("event", PID, "Failed over", "--at", "2024-01-15T14:30")
    bob.ok("set", PID, "severity", "SEV-3")
    bob.ok("event", PID, "Checkout recovering", "--at", "2024-01-15T14:40")
    alice.push()
    result = bob.pull(rebase=rebase)
    assert result.returncode != 0
    text = bob.read(FILE)
    lines = text.split("\n")
    line = lines.index("<<<<<<< ours") + 1
    ours, theirs = ("SEV-2", "SEV-3") if rebase else ("SEV-3", "SEV-2")  # a rebase swaps sides
    assert lines[line - 1 : line + 4] == [
        "<<<<<<< ours",
        f"severity: {ours}",
        "=======",
        f"severity: {theirs}",
        ">>>>>>> theirs",
    ]
    assert (
        f"pm: {FILE}:{line}: both sides changed severity: ours '{ours}', theirs '{theirs}'; "
        "keep one version and delete the markers"
    ) in result.stderr
    assert f"CONFLICT (content): Merge conflict in {FILE}" in result.stdout
    # Everything else merged, in the table too, and no marker in the body. (A rebase
    # stops at bob's first commit: his event comes with the next one.)
    assert "| Failed over |" in text
    assert ("| Checkout recovering |" in text) != rebase
    assert text.count("<<<<<<<") == 1
    # pm names the file and line; lint makes it a finding with the line.
    refused = bob.pm("show", PID)
    assert (refused.exit_code, refused.stderr) == (
        3,
        f"pm: {FILE}:{line}: unresolved merge conflict; resolve it and commit\n",
    )
    linted = bob.pm("lint")
    assert linted.exit_code == 1
    assert linted.stdout.startswith(f"{FILE}:{line}: error: unresolved merge conflict")
    # Resolved as the README says: keep one line, delete the markers, add, continue.
    kept = [*lines[: line - 1], "severity: SEV-2", *lines[line + 4 :]]
    (bob.path / FILE).write_text("\n".join(kept), encoding="utf-8")
    bob.git("add", FILE)
    bob.git("-c", "core.editor=true", "rebase" if rebase else "merge", "--continue")
    assert shown(bob)["severity"] == "SEV-2"
    assert len(events(bob)) == 3
    lint_clean(bob)
    bob.ok("event", PID, "After the merge", "--at", "2024-01-15T14:50")


@pytest.mark.parametrize("rebase", PULLS)
def test_prose_in_different_sections_merges_and_the_same_line_conflicts_only_there(
    incident: Team, rebase: bool
) -> None:
    alice, bob = incident["alice"], incident["bob"]
    summary = "<!-- What happened, in two or three sentences, for someone who was not there. -->"
    cause = '<!-- The conditions that made this possible. Ask "why?" until you reach a system. -->'

    def write(clone: Clone, old: str, new: str, message: str) -> None:
        (clone.path / FILE).write_text(clone.read(FILE).replace(old, new), encoding="utf-8")
        clone.git("commit", "--quiet", "-am", message)

    write(alice, summary, "The primary ran out of connections.", "Summary")
    alice.ok("event", PID, "Failed over", "--at", "2024-01-15T14:30")
    write(bob, cause, "The pool size was fixed at 10.", "Root cause")
    bob.ok("event", PID, "Checkout recovering", "--at", "2024-01-15T14:40")
    alice.push()
    pulled(bob, rebase)
    text = bob.read(FILE)
    assert "The primary ran out of connections." in text
    assert "The pool size was fixed at 10." in text
    assert "| Failed over |" in text and "| Checkout recovering |" in text
    lint_clean(bob)
    bob.push()
    pulled(alice, rebase)
    # Now both write the same line of the summary.
    write(alice, "The primary ran out of connections.", "Alice's summary.", "Summary a")
    write(bob, "The primary ran out of connections.", "Bob's summary.", "Summary b")
    alice.ok("event", PID, "Postmortem drafted", "--at", "2024-01-15T16:00")
    alice.push()
    result = bob.pull(rebase=rebase)
    assert result.returncode != 0
    lines = bob.read(FILE).split("\n")
    line = lines.index("<<<<<<< ours") + 1
    assert f"pm: {FILE}:{line}: the prose: both sides changed these lines" in result.stderr
    assert sum(x.startswith("<<<<<<<") for x in lines) == 1  # none in the front matter or tables
    assert lines.index("## Summary") < line < lines.index("## Impact")
    assert any("| Postmortem drafted |" in x for x in lines)


@pytest.mark.parametrize("rebase", PULLS)
def test_two_clones_that_open_the_same_incident_merge_into_one(team: Team, rebase: bool) -> None:  # noqa: F811
    alice, bob = team["alice"], team["bob"]
    alice.ok("open", "Database down", "-s", "SEV-1", "--started", "2024-01-15T14:07")
    alice.ok("event", PID, "Failed over", "--at", "2024-01-15T14:30")
    alice.ok("action", "add", PID, "Alert on pool saturation", "--owner", "alice")
    bob.ok("open", "Database down", "-s", "SEV-1", "--started", "2024-01-15T14:05")
    bob.ok("event", PID, "Error rate at 40%", "-k", "detected", "--at", "2024-01-15T14:10")
    bob.ok("action", "add", PID, "Load-test checkout", "--owner", "bob")
    alice.push()
    notes = pulled(bob, rebase)
    assert (
        f"pm: {FILE}: both sides created {PID} (the same title on the same day): merged as "
        "one incident"
    ) in notes
    assert events(bob) == [
        ("2024-01-15T14:05:00Z", "started", "Incident started"),
        ("2024-01-15T14:10:00Z", "detected", "Error rate at 40%"),
        ("2024-01-15T14:30:00Z", "note", "Failed over"),
    ]
    assert items(bob) == {
        1: ("Alert on pool saturation", "alice", "open"),
        2: ("Load-test checkout", "bob", "open"),
    }
    lint_clean(bob)


def test_three_clones_pulling_and_pushing_in_turn_lose_nothing(incident: Team) -> None:
    alice, bob, carol = incident["alice"], incident["bob"], incident["carol"]
    people = (alice, bob, carol)
    for round_, minute in enumerate((10, 20, 30)):
        for offset, clone in enumerate(people):
            at = f"2024-01-15T14:{minute + offset:02d}"
            clone.ok("event", PID, f"{clone.name} round {round_}", "--at", at)
            clone.ok("action", "add", PID, f"{clone.name} item {round_}", "--owner", clone.name)
        for clone in people:  # each pulls (alternating merge and rebase) and pushes
            pulled(clone, rebase=clone.name != "bob")
            lint_clean(clone)
            clone.push()
    for clone in people:
        pulled(clone, rebase=False)
    texts = {clone.read(FILE) for clone in people}
    assert len(texts) == 1
    recorded = [text for _, _, text in events(alice)]
    assert sorted(recorded[1:]) == sorted(f"{c.name} round {r}" for c in people for r in range(3))
    numbered = items(alice)
    assert sorted(numbered) == list(range(1, 10))
    assert sorted(t for t, _, _ in numbered.values()) == sorted(
        f"{c.name} item {r}" for c in people for r in range(3)
    )
    lint_clean(alice)


def test_closing_while_a_teammate_adds_an_item_is_a_conflict(incident: Team) -> None:
    alice, bob = incident["alice"], incident["bob"]
    alice.ok("resolve", PID, "Back to normal", "--at", "2024-01-15T16:00")
    alice.ok("set", PID, "severity", "SEV-3")  # SEV-3 closes without a review
    alice.push()
    pulled(bob, rebase=False)
    alice.ok("close", PID)
    bob.ok("action", "add", PID, "Alert on pool saturation", "--owner", "bob")
    alice.push()
    result = bob.pull(rebase=False)
    assert result.returncode != 0
    assert (
        "status: theirs closed it, the other side has action item 1 "
        "('Alert on pool saturation') open"
    ) in result.stderr
    assert "status: closed" in bob.read(FILE) and "status: resolved" in bob.read(FILE)


@pytest.mark.parametrize("rebase", PULLS)
def test_two_responders_who_both_resolve_leave_one_resolution(incident: Team, rebase: bool) -> None:
    """Alice and Bob each run ``pm resolve`` before pulling: the merged timeline keeps the
    earliest resolution and Bob's later one as a note, so the duration has one answer and
    ``pm reopen`` reopens the incident."""
    alice, bob = incident["alice"], incident["bob"]
    alice.ok("resolve", PID, "--at", "2024-01-15T15:00")
    bob.ok("resolve", PID, "--at", "2024-01-15T15:05")
    alice.push()
    notes = pulled(bob, rebase)
    assert "both sides resolved it; kept the earliest" in notes
    assert [e for e in events(bob) if e[1] in ("resolved", "note")] == [
        ("2024-01-15T15:00:00Z", "resolved", "Resolved"),
        ("2024-01-15T15:05:00Z", "note", "Resolved"),
    ]
    assert shown(bob)["metrics"]["duration_minutes"] == 55
    lint_clean(bob)
    bob.ok("reopen", PID, "--reason", "errors are back")
    assert shown(bob)["status"] == "active"
    assert not [e for e in events(bob) if e[1] == "resolved"]


def test_a_merge_git_stopped_without_pm_s_driver_is_no_clean_file(incident: Team) -> None:
    """With pm missing from the PATH git sees, git cannot run the driver: it stops with the
    file unmerged but holding only Bob's side, which reads as a whole postmortem. ``pm
    show`` warns and ``pm lint`` fails on it (``file.unmerged``) until it is resolved."""
    alice, bob = incident["alice"], incident["bob"]
    alice.ok("event", PID, "Paged the DBA", "-k", "acknowledged", "--at", "2024-01-15T14:12")
    alice.push()
    bob.ok("event", PID, "Failed over", "--at", "2024-01-15T14:30")
    scripts = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != scripts)
    pull = subprocess.run(
        ["git", "-c", "pull.rebase=false", "pull", "--quiet"],
        cwd=bob.path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": path},
    )
    assert pull.returncode != 0
    assert bob.git("status", "--porcelain") == f"UU {FILE}"
    shown = bob.pm("show", PID)
    assert f"pm: warning: {FILE}: git has not finished merging this file" in shown.stderr
    lint = bob.pm("lint")
    assert lint.exit_code == 1
    assert f"{FILE}:1: error: git has not finished merging" in lint.stdout
    assert "[file.unmerged]" in lint.stdout
    bob.git("merge", "--abort")
    assert "file.unmerged" not in bob.pm("lint").stdout
