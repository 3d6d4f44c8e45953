"""A soak test: three responders, a few hundred random steps, one incident, one origin.

Each step is one responder doing one thing: a pm command (an event, an action item, a
status change, a field), a hand edit of the prose committed by hand, a pull (merge or
rebase, through pm's merge driver) or a push. Where a pull stops on a true conflict, the
responder keeps their own value in the front matter and both sides' lines in the prose,
as the README says, and continues. After every step, in that clone, the postmortem parses
and is lint-clean (``pm lint --strict``), and every event, action item and line of prose
the responder recorded or pulled is still there; at the end all three converge on one
file that holds everything anyone recorded.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from lintclean import LINT_ARGS, findings
from teamrepo import Clone, Team, team  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow  # hundreds of pm commands and pulls through the driver

PID = "2024-01-15-database-down"
FILE = f"postmortems/2024/{PID}.md"
STEPS = 240
SECTIONS = ("Summary", "Root Cause", "What Went Well", "Lessons Learned")


def resolve_conflicts(clone: Clone) -> None:
    """Keep ours in the front matter, both sides in the body; continue until done."""
    git_dir = Path(clone.git("rev-parse", "--absolute-git-dir"))
    while True:
        path = clone.path / FILE
        lines = path.read_text(encoding="utf-8").split("\n")
        closing = lines.index("---", 1)
        out: list[str] = []
        side, in_front = None, False
        for number, line in enumerate(lines):
            if line.startswith("<<<<<<< "):
                side, in_front = "ours", number < closing
            elif line == "=======" and side:
                side = "theirs"
            elif line.startswith(">>>>>>> "):
                side = None
            elif side in (None, "ours") or not in_front:
                out.append(line)
        path.write_text("\n".join(out), encoding="utf-8")
        clone.git("add", FILE)
        rebasing = (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists()
        command = "rebase" if rebasing else "merge"
        result = clone.run_git("-c", "core.editor=true", command, "--continue")
        if result.returncode == 0:
            if not ((git_dir / "rebase-merge").exists() or (git_dir / "MERGE_HEAD").exists()):
                return
            continue
        assert "CONFLICT" in result.stdout + result.stderr, result.stdout + result.stderr


class Responder:
    """One clone and what its responder knows should be in the file."""

    def __init__(self, clone: Clone) -> None:
        self.clone = clone
        self.known: set[str] = set()  # texts of events, items and prose lines

    def data(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.clone.ok("show", PID, "--json").stdout)
        return result

    def check(self) -> None:
        lint = self.clone.pm(*LINT_ARGS)
        assert findings(lint.stdout) == [], lint.stdout + lint.stderr
        data = self.data()
        text = self.clone.read(FILE)
        recorded = {e.get("text", "") for e in data["timeline"]}
        recorded |= {a["text"] for a in data["actions"]}
        missing = {k for k in self.known if k not in recorded and f"\n{k}\n" not in text}
        assert not missing, f"{self.clone.name} lost {sorted(missing)}"
        numbers = [a["number"] for a in data["actions"]]
        assert len(numbers) == len(set(numbers))


def step(rng: random.Random, who: Responder, origin: set[str], counter: int) -> None:
    clone = who.clone
    choice = rng.choices(
        ["event", "action", "status", "field", "prose", "pull", "push"],
        weights=[5, 3, 2, 1, 2, 3, 3],
    )[0]
    if choice == "event":
        text = f"{clone.name} event {counter}"
        kind = rng.choice(["note", "note", "detected", "acknowledged", "mitigated"])
        minute = 6 + rng.randrange(600)
        at = f"2024-01-15T{14 + minute // 60:02d}:{minute % 60:02d}"
        clone.ok("event", PID, text, "-k", kind, "--at", at)
        who.known.add(text)
    elif choice == "action":
        text = f"{clone.name} item {counter}"
        clone.ok("action", "add", PID, text, "--owner", clone.name, "-p", rng.choice(["P0", "P1"]))
        who.known.add(text)
    elif choice == "status":
        open_items = [a for a in who.data()["actions"] if a["status"] in ("open", "in-progress")]
        if open_items:
            item = rng.choice(open_items)
            move = "start" if item["status"] == "open" and rng.random() < 0.5 else "done"
            clone.ok("action", move, PID, str(item["number"]))
    elif choice == "field":
        field, value = rng.choice(
            [("severity", "SEV-1"), ("severity", "SEV-2"), ("impact", f"{clone.name} says")]
        )
        if who.data()[field] != value:
            clone.ok("set", PID, field, value)
    elif choice == "prose":
        line = f"{clone.name} wrote {counter}."
        heading = f"## {rng.choice(SECTIONS)}\n\n"
        path = clone.path / FILE
        path.write_text(
            path.read_text(encoding="utf-8").replace(heading, f"{heading}{line}\n", 1),
            encoding="utf-8",
        )
        clone.git("commit", "--quiet", "-am", f"{clone.name}: prose")
        who.known.add(line)
    elif choice == "pull":
        result = clone.pull(rebase=rng.random() < 0.5)
        if result.returncode != 0:
            assert "CONFLICT" in result.stdout, result.stdout + result.stderr
            resolve_conflicts(clone)
        who.known |= origin
    else:
        pushed = clone.run_git("push", "--quiet", "origin", "HEAD")
        if pushed.returncode == 0:
            origin |= who.known
    assert clone.git("status", "--porcelain") == ""
    who.check()


def test_three_responders_for_hundreds_of_steps_lose_nothing(team: Team) -> None:  # noqa: F811
    alice = team["alice"]
    alice.ok("open", "Database down", "-s", "SEV-1", "--started", "2024-01-15T14:05")
    alice.push()
    for name in ("bob", "carol"):
        assert team[name].pull(rebase=False).returncode == 0
    people = [Responder(team[name]) for name in ("alice", "bob", "carol")]
    origin: set[str] = set()
    rng = random.Random(11)
    for counter in range(STEPS):
        step(rng, rng.choice(people), origin, counter)
    for _ in range(2):  # everyone pulls and pushes until all hold the same file
        for who in people:
            result = who.clone.pull(rebase=False)
            if result.returncode != 0:
                resolve_conflicts(who.clone)
            who.known |= origin
            who.clone.push()
            origin |= who.known
            who.check()
    texts = {who.clone.read(FILE) for who in people}
    assert len(texts) == 1
    final = people[0]
    final.known = origin
    final.check()
