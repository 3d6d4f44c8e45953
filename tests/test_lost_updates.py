"""pm's commit never reverts a change someone else made: a pull while pm works.

Two clones of one origin. Bob changes the incident's title and pushes; Alice runs
``pm event`` while her clone pulls Bob's commit. The pull is put into a window of the
command with ``faults.run(meanwhile=...)``: between pm's read and its write, and between
its write and its commit. Whatever the window, Alice's branch ends with Bob's title and
her event, and no commit of pm's takes Bob's title back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import faults
from clones import Team
from lintclean import LINT_ARGS, findings

TITLE = "Checkout API returns 500s"
PULL = ["git", "pull", "--quiet", "--no-edit"]


@pytest.fixture(autouse=True)
def pm_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """git runs ``pm merge-driver`` during a pull, as in a responder's shell: the installed
    pm must be on PATH even when the suite runs from a venv nobody activated (CI)."""
    scripts = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", scripts + os.pathsep + os.environ.get("PATH", ""))


@pytest.fixture
def team(tmp_path: Path) -> Team:
    team = Team.make(tmp_path, "alice", "bob")
    team.ok("alice", "init")
    team.ok("alice", "open", "Checkout down", "-s", "SEV-1", "--started", "2024-01-15T14:05")
    team.sync("alice")
    team.clone("bob").git("pull", "--quiet")
    team.ok("bob", "set", "checkout-down", "title", TITLE)
    team.clone("bob").git("push", "--quiet", "origin", "HEAD:main")
    return team


def event_args() -> list[str]:
    return ["event", "checkout-down", "Rolled back the deploy", "--at", "2024-01-15T14:40"]


def check_nothing_lost(team: Team, label: str) -> None:
    alice = team.clone("alice")
    if alice.git("rev-list", "--count", "HEAD..origin/main") != "0":
        alice.git("pull", "--quiet", "--no-edit")  # pm's write made the pull refuse: again
    relative = "postmortems/2024/2024-01-15-checkout-down.md"
    text = alice.git("show", f"HEAD:{relative}")
    assert f"title: {TITLE}" in text, f"{label}: Bob's title was reverted"
    assert "text: Rolled back the deploy" in text, f"{label}: Alice's event is missing"
    assert "| 2024-01-15 14:40 | note | Rolled back the deploy |" in text, label
    assert alice.git("status", "--porcelain") == "", label
    # No commit on the branch takes the title back.
    patch = alice.git("log", "-p", "--format=%s", "--", relative)
    assert f"-title: {TITLE}" not in patch, f"{label}: a commit reverts Bob's title"
    lint = team.pm("alice", *LINT_ARGS)
    assert findings(lint.stdout) == [], f"{label}: {lint.stdout}"


def points(team: Team, tmp_path: Path) -> tuple[list[str], str]:
    alice = team.clone("alice")
    head = alice.git("rev-parse", "HEAD")
    trace = tmp_path / "trace.txt"
    result = faults.run(alice.path, *event_args(), trace=trace)
    assert result.returncode == 0, result.stderr
    alice.git("reset", "--quiet", "--hard", head)
    return trace.read_text(encoding="utf-8").splitlines(), head


def test_a_pull_between_read_and_write_is_not_reverted(team: Team, tmp_path: Path) -> None:
    """The window of the bug report: after pm read the file, before it wrote it."""
    alice = team.clone("alice")
    traced, head = points(team, tmp_path)
    writes = [i for i, name in enumerate(traced, start=1) if name == "mkstemp"]
    assert writes
    for index in writes:
        label = f"pull before mkstemp #{index}"
        result = faults.run(alice.path, *event_args(), meanwhile=(index, "before", PULL))
        assert result.returncode == 0, f"{label}: {result.stderr}"
        check_nothing_lost(team, label)
        alice.git("reset", "--quiet", "--hard", head)


@pytest.mark.slow
def test_a_pull_in_any_window_of_a_change_is_never_reverted(team: Team, tmp_path: Path) -> None:
    """Bob's commit arrives before and after every file operation and git call of pm."""
    alice = team.clone("alice")
    traced, head = points(team, tmp_path)
    for index, name in enumerate(traced, start=1):
        for when in faults.WHEN:
            label = f"pull {when} #{index} {name}"
            result = faults.run(alice.path, *event_args(), meanwhile=(index, when, PULL))
            # A pull into the moment git commits can make the commit fail (index.lock):
            # then pm says so and changed nothing; it never reverts.
            assert result.returncode in (0, 4), f"{label}: {result.stderr}"
            if result.returncode == 4:
                assert result.stderr.startswith("pm: ") and result.stderr.count("\n") == 1
                assert run_again(team), label
            check_nothing_lost(team, label)
            alice.git("reset", "--quiet", "--hard", head)


def run_again(team: Team) -> bool:
    return team.pm("alice", *event_args()).returncode == 0


def test_an_edit_of_the_file_meanwhile_is_kept_and_the_change_reapplied(
    team: Team, tmp_path: Path
) -> None:
    """Not a pull: another program rewrites the file between pm's read and its write."""
    alice = team.clone("alice")
    alice.git("pull", "--quiet")
    path = alice.postmortem_path("2024-01-15-checkout-down")
    traced, _ = points(team, tmp_path)
    first_write = traced.index("mkstemp") + 1
    script = (
        "import pathlib,sys; p=pathlib.Path(sys.argv[1]); "
        "p.write_text(p.read_text().replace('impact: \"\"', 'impact: Half of checkouts'))"
    )
    edit = [sys.executable, "-c", script, str(path)]
    result = faults.run(alice.path, *event_args(), meanwhile=(first_write, "before", edit))
    assert result.returncode == 0, result.stderr
    committed = alice.git("show", f"HEAD:{path.relative_to(alice.path).as_posix()}")
    assert "impact: Half of checkouts" in committed
    assert "text: Rolled back the deploy" in committed
    # The edit was someone's, not pm's: it is its own commit, before pm's.
    assert alice.git("log", "-2", "--format=%s") == (
        "pm: event 2024-01-15-checkout-down (note: Rolled back the deploy)\n"
        "2024-01-15-checkout-down: hand edit (committed by pm before 'event')"
    )
    assert json.loads(team.ok("alice", "log", "checkout-down", "--json"))[1]["manual"] is True


def test_a_write_between_pm_s_write_and_its_commit_is_kept_aside(
    team: Team, tmp_path: Path
) -> None:
    """``git commit --only`` takes the file from the work tree: a pull's merge written
    there after pm's write and before its commit would be committed under pm's name,
    without pm's change. pm checks that its commit holds what it wrote; if it does not,
    pm takes the commit back, keeps the other text in ``.git/pm/kept/`` (a pull's
    half-made merge committed as a hand edit would make the next pull conflict; an
    editor's save must not be lost) and makes its change on the file as committed."""
    alice = team.clone("alice")
    alice.git("pull", "--quiet")
    path = alice.postmortem_path("2024-01-15-checkout-down")
    relative = path.relative_to(alice.path).as_posix()
    traced, head = points(team, tmp_path)
    commit = traced.index("git commit") + 1
    script = (
        "import pathlib,sys; p=pathlib.Path(sys.argv[1]); "
        "p.write_text(p.read_text().replace('impact: \"\"', 'impact: Half of checkouts'))"
    )
    edit = [sys.executable, "-c", script, str(path)]
    result = faults.run(alice.path, *event_args(), meanwhile=(commit, "before", edit))
    assert result.returncode == 0, result.stderr
    kept = list((alice.path / ".git" / "pm" / "kept").iterdir())
    assert len(kept) == 1 and kept[0].name.startswith("2024-01-15-checkout-down.")
    assert "impact: Half of checkouts" in kept[0].read_text(encoding="utf-8")
    assert result.stderr.startswith(
        f"pm: warning: {relative} was rewritten by another program while pm committed "
        f"(a git pull's merge, or an editor's save): its text is kept in {kept[0]}, and pm "
        "made its change on the file as committed\n"
    )
    assert alice.git("log", f"{head}..HEAD", "--format=%s") == (
        "pm: event 2024-01-15-checkout-down (note: Rolled back the deploy)"
    )
    committed = alice.git("show", f"HEAD:{relative}")
    assert "text: Rolled back the deploy" in committed and "Half of checkouts" not in committed
    assert alice.git("status", "--porcelain") == ""


def test_a_pull_that_fails_part_way_does_not_undo_pm_s_change(team: Team) -> None:
    """git merge, when its strategy finds a file being written, resets the index and the
    work tree to the HEAD it read at its start (``git read-tree --reset -u``): from
    before pm's commit that landed meanwhile. The next pm command puts HEAD's version
    back instead of committing that as a hand edit."""
    alice = team.clone("alice")
    relative = "postmortems/2024/2024-01-15-checkout-down.md"
    team.ok("alice", *event_args())
    pm_commit = alice.git("rev-parse", "--short=8", "HEAD")
    alice.git("read-tree", "--reset", "-u", "HEAD^")  # what the failed merge runs
    assert alice.git("status", "--porcelain") == f"M  {relative}"
    result = team.pm("alice", "event", "checkout-down", "Paged the DBA", "--at", "2024-01-15T14:50")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"pm: warning: {relative} held its text from before pm's 'event' ({pm_commit}), "
        "as a failed git pull or a stale editor buffer leaves it; pm put back the committed "
        f"version (to undo that change on purpose: git revert {pm_commit})"
    )
    text = alice.git("show", f"HEAD:{relative}")
    assert "text: Rolled back the deploy" in text and "text: Paged the DBA" in text
    assert "hand edit" not in alice.git("log", "--format=%s")
    assert alice.git("status", "--porcelain") == ""


def test_a_stale_editor_buffer_saved_over_pm_s_change_is_put_back(team: Team) -> None:
    """An editor that loaded the file before ``pm event`` and saves it unchanged writes
    the old text back; pm does not commit that as an edit that removes the event."""
    alice = team.clone("alice")
    path = alice.postmortem_path("2024-01-15-checkout-down")
    before = path.read_bytes()
    team.ok("alice", *event_args())
    path.write_bytes(before)
    result = team.pm("alice", "action", "add", "checkout-down", "Alert on 500s", "--owner", "bob")
    assert result.returncode == 0, result.stderr
    assert "held its text from before pm's 'event'" in result.stderr
    text = path.read_text(encoding="utf-8")
    assert "text: Rolled back the deploy" in text and "Alert on 500s" in text
    assert alice.git("status", "--porcelain") == ""


def test_an_edit_on_top_of_the_old_text_keeps_pm_s_change_too(team: Team) -> None:
    """A stale buffer saved with a change of the person's (new prose, a new impact) holds
    the person's edit and undoes pm's event: the edit is merged into the committed
    version and committed as theirs, and the event stays."""
    alice = team.clone("alice")
    path = alice.postmortem_path("2024-01-15-checkout-down")
    before = path.read_text(encoding="utf-8")
    team.ok("alice", *event_args())
    pm_commit = alice.git("rev-parse", "--short=8", "HEAD")
    path.write_text(before.replace('impact: ""', "impact: Half of checkouts"), encoding="utf-8")
    result = team.pm("alice", "event", "checkout-down", "Paged the DBA", "--at", "2024-01-15T14:50")
    assert result.returncode == 0, result.stderr
    assert (
        f"held edits made to its text from before pm's 'event' ({pm_commit}) (a stale "
        "editor buffer?); pm merged them into the committed version" in result.stderr
    )
    assert "had uncommitted changes: committed them first as your hand edit" in result.stderr
    hand_edit, _event = alice.git("log", "-3", "--format=%H %s").splitlines()[1:3]
    assert hand_edit.endswith("hand edit (committed by pm before 'event')")
    relative = path.relative_to(alice.path).as_posix()
    committed = alice.git("show", f"{hand_edit.split()[0]}:{relative}")
    assert "impact: Half of checkouts" in committed and "Rolled back the deploy" in committed
    text = path.read_text(encoding="utf-8")
    for kept in ("impact: Half of checkouts", "Rolled back the deploy", "Paged the DBA"):
        assert kept in text
    assert alice.git("status", "--porcelain") == ""


def test_a_stale_edit_that_conflicts_with_pm_s_change_is_refused(team: Team) -> None:
    """When the stale buffer's own edit and pm's change set one value two ways (pm
    resolved the incident, the buffer says closed), neither is chosen for the person: pm
    refuses, names the file and changes nothing."""
    alice = team.clone("alice")
    path = alice.postmortem_path("2024-01-15-checkout-down")
    before = path.read_text(encoding="utf-8")
    team.ok("alice", "resolve", "checkout-down", "--at", "2024-01-15T15:00")
    stale = before.replace("status: active", "status: closed")
    assert stale != before
    path.write_text(stale, encoding="utf-8")
    head = alice.git("rev-parse", "HEAD")
    result = team.pm("alice", *event_args())
    assert result.returncode == 3, result.stderr
    relative = path.relative_to(alice.path).as_posix()
    assert result.stderr.startswith(
        f"pm: {relative} holds edits made to its text from before pm's 'resolve'"
    )
    assert "pm changed nothing" in result.stderr and len(result.stderr.splitlines()) == 1
    assert path.read_text(encoding="utf-8") == stale
    assert alice.git("rev-parse", "HEAD") == head


@pytest.mark.parametrize("prose", [False, True], ids=["unchanged", "with-prose"])
@pytest.mark.parametrize("rebase", [False, True], ids=["merge", "rebase"])
def test_a_buffer_from_before_a_pull_does_not_undo_the_teammate_s_change(
    team: Team, rebase: bool, prose: bool
) -> None:
    """Alice's editor holds the file from before her pull brought Bob's title (through a
    merge commit, or with her own commit replayed on top of his) and saves that buffer,
    unchanged or with her new prose. Bob's title stays, and so does her prose."""
    alice = team.clone("alice")
    path = alice.postmortem_path("2024-01-15-checkout-down")
    team.ok("alice", *event_args())  # a local commit: the pull merges or rebases
    buffer = path.read_text(encoding="utf-8")
    how = "--rebase" if rebase else "--no-rebase"
    pulled = subprocess.run(
        [*PULL, how], cwd=alice.path, capture_output=True, text=True, check=False
    )
    assert pulled.returncode == 0, pulled.stderr
    assert f"title: {TITLE}" in path.read_text(encoding="utf-8")
    if prose:
        buffer = buffer.replace("## Summary\n", "## Summary\n\nA bad deploy.\n")
        assert "A bad deploy." in buffer
    path.write_text(buffer, encoding="utf-8")  # the editor saves its buffer
    result = team.pm("alice", "event", "checkout-down", "Paged the DBA", "--at", "2024-01-15T14:50")
    assert result.returncode == 0, result.stderr
    said = "pm merged them into the committed version" if prose else "pm put back the committed"
    assert said in result.stderr
    text = path.read_text(encoding="utf-8")
    assert f"title: {TITLE}" in text and "Rolled back the deploy" in text
    assert "Paged the DBA" in text and ("A bad deploy." in text) == prose
    assert ("hand edit" in alice.git("log", "-3", "--format=%s")) == prose
    assert alice.git("status", "--porcelain") == ""


def test_undoing_a_hand_edit_is_an_edit_like_any_other(team: Team) -> None:
    """A person's own commit put back to its parent's text is their choice to commit:
    pm puts back only what undoes a change of its own."""
    alice = team.clone("alice")
    path = alice.postmortem_path("2024-01-15-checkout-down")
    before = path.read_bytes()
    path.write_text(
        path.read_text(encoding="utf-8").replace('impact: ""', "impact: Half of checkouts"),
        encoding="utf-8",
    )
    alice.git("commit", "--quiet", "-am", "Impact, by hand")
    path.write_bytes(before)
    result = team.pm("alice", *event_args())
    assert result.returncode == 0, result.stderr
    assert "held its text" not in result.stderr
    assert "impact: Half of checkouts" not in path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_pm_and_git_pull_running_at_once_lose_nothing(tmp_path: Path) -> None:
    """Real processes, no injection: Alice's clone runs ``pm event`` commands while a loop
    pulls Bob's title changes into it; nothing either of them committed is lost."""
    team = Team.make(tmp_path, "alice", "bob")
    team.ok("alice", "init")
    team.ok("alice", "open", "Checkout down", "-s", "SEV-1", "--started", "2024-01-15T14:05")
    team.sync("alice")
    alice, bob = team.clone("alice"), team.clone("bob")
    bob.git("pull", "--quiet")
    stop = threading.Event()
    titles: list[str] = []

    def bob_renames() -> None:
        for n in range(8):
            title = f"Checkout down, take {n}"
            team.ok("bob", "set", "checkout-down", "title", title)
            bob.git("push", "--quiet", "origin", "HEAD:main")
            titles.append(title)
            time.sleep(0.3)

    def alice_pulls() -> None:
        while not stop.is_set():
            subprocess.run(
                ["git", "pull", "--quiet", "--no-rebase", "--no-edit"],
                cwd=alice.path,
                capture_output=True,
                check=False,
            )
            time.sleep(0.05)

    workers = [threading.Thread(target=bob_renames), threading.Thread(target=alice_pulls)]
    for worker in workers:
        worker.start()
    events = [f"Event {n:02d}" for n in range(16)]
    try:
        for n, text in enumerate(events):
            for _ in range(40):  # a busy moment (index.lock, a merge in progress) is retried
                result = team.pm(
                    "alice", "event", "checkout-down", text, "--at", f"2024-01-15T15:{n:02d}"
                )
                if result.returncode == 0:
                    break
                assert result.returncode == 4, result.stderr
                # One line saying why (a warning of what pm did to the file may precede it).
                said = result.stderr.splitlines()
                assert said and all(line.startswith("pm: ") for line in said), result.stderr
                assert len([line for line in said if not line.startswith("pm: warning:")]) == 1
                time.sleep(0.1)
            else:
                pytest.fail(f"pm event {text!r} never got through")
    finally:
        workers[0].join()
        stop.set()
        workers[1].join()
    # A last pull that failed part-way may have put the file back to its text from before
    # pm's last event (git resets the work tree to the HEAD it started from): the next pm
    # command puts the committed version back, and the pull then goes through.
    events.append("Event 16")
    team.ok("alice", "event", "checkout-down", events[-1], "--at", "2024-01-15T15:16")
    alice.git("pull", "--quiet", "--no-rebase", "--no-edit")
    relative = "postmortems/2024/2024-01-15-checkout-down.md"
    final = alice.git("show", f"HEAD:{relative}")
    assert f"title: {titles[-1]}" in final  # Bob's last change, not reverted
    for text in events:
        assert f"  text: {text}\n" in final  # every one of Alice's events
    assert alice.git("status", "--porcelain") == ""
    # No commit of pm's in Alice's history takes a title of Bob's back.
    for commit in alice.git("log", "--format=%H", "--grep=^pm: event", "--", relative).split():
        patch = alice.git("show", "--format=", commit, "--", relative)
        assert "title:" not in patch, f"{commit[:8]} touches the title:\n{patch}"
    lint = team.pm("alice", *LINT_ARGS)
    assert findings(lint.stdout) == [], lint.stdout
