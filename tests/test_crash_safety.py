"""SIGKILL pm at every crash point of a change: the files stay whole and pm still works.

``faults.py`` wraps the calls where a crash matters and kills the process at the k-th
one. A traced run lists the points of the command; the test then kills a fresh run at
each point (before and after the call, and half-way through the file write) and checks:
the postmortem parses and equals the old or the new content byte for byte, the branch
holds the old or the new commit, ``pm list`` is not upset by a stray temporary file, and
the next pm command works and commits whatever the crash left uncommitted.
"""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import faults
from conftest import CliRunnerCall, Repo, run_pm

pytestmark = pytest.mark.slow


def trace_points(repo: Repo, tmp_path: Path, *args: str) -> tuple[list[str], str]:
    """Run the command once, traced; return its crash points and the HEAD it started on."""
    head = repo.git("rev-parse", "HEAD")
    trace = tmp_path / "trace.txt"
    result = faults.run(repo.path, *args, trace=trace)
    assert result.returncode == 0, result.stderr
    points = trace.read_text(encoding="utf-8").splitlines()
    assert "replace" in points or "link" in points
    assert "git commit" in points
    return points, head


def kill_plan(points: list[str]) -> list[tuple[int, str, str]]:
    plan = []
    for index, name in enumerate(points, start=1):
        for when in (*faults.WHEN, *(("torn",) if name == "write" else ())):
            plan.append((index, when, name))
    return plan


def torn_files(repo: Repo, path: Path) -> list[Path]:
    """Temporary files a torn write left: beside the postmortem, or pm's journal's."""
    journal = repo.path / ".git" / "pm"
    found = [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    return found + list(journal.glob("*.tmp")) if journal.is_dir() else found


def restore(repo: Repo, head: str) -> None:
    repo.git("reset", "--quiet", "--hard", head)
    repo.git("clean", "--quiet", "-fdx")


def next_command_works(repo: Repo, args: list[str], label: str) -> None:
    """The next pm command succeeds; a git index.lock left by the crash is reported first."""
    result = run_pm(repo.path, *args)
    lock = repo.path / ".git" / "index.lock"
    if lock.exists():
        assert result.returncode == 4, label
        assert "index.lock" in result.stderr and result.stderr.count("\n") == 1, label
        assert lock.exists(), f"{label}: pm deleted git's index.lock"
        lock.unlink()  # what a person does after checking no git process is running
        result = run_pm(repo.path, *args)
    assert result.returncode == 0, f"{label}: {result.stderr}"


# Changes to an existing postmortem to crash in: (name, the commands that make the
# starting state, the change, a line the change adds to the front matter), each given the
# incident's id. Add a row to crash-test a new command.
Build = Callable[[str], list[str]]
MINOR_RESOLVED: list[Build] = [
    lambda pid: ["set", pid, "severity", "SEV-3"],
    lambda pid: ["resolve", pid, "fixed", "--at", "2024-01-15T15:00"],
]
CHANGES: list[tuple[str, list[Build], Build, str]] = [
    (
        "event",
        [],
        lambda pid: ["event", pid, "Crash test event", "--at", "2024-01-15T15:00"],
        "text: Crash test event",
    ),
    (
        "resolve",
        [],
        lambda pid: ["resolve", pid, "Crash test fix", "--at", "2024-01-15T15:30"],
        "text: Crash test fix",
    ),
    (
        "action-add",
        [],
        lambda pid: ["action", "add", pid, "Crash test action", "--owner", "bob"],
        "text: Crash test action",
    ),
    (
        "action-done",
        [lambda pid: ["action", "add", pid, "Crash test action", "--owner", "bob"]],
        lambda pid: ["action", "done", pid, "1"],
        "done: 2024-01-20",
    ),
    ("set-title", [], lambda pid: ["set", pid, "title", "Crash test title"], "title: Crash test"),
    (
        "review",
        MINOR_RESOLVED,
        lambda pid: ["review", pid, "--at", "2024-01-16T10:00"],
        "held: 2024-01-16T10:00:00Z",
    ),
    (
        "close",
        [*MINOR_RESOLVED, lambda pid: ["review", pid, "--at", "2024-01-16T10:00"]],
        lambda pid: ["close", pid],
        "status: closed",
    ),
]


@pytest.mark.parametrize(
    ("change", "setup", "build", "proof"), CHANGES, ids=[c[0] for c in CHANGES]
)
def test_killed_change_leaves_old_or_new_file(
    repo: Repo,
    cli: CliRunnerCall,
    opened: str,
    tmp_path: Path,
    change: str,
    setup: list[Build],
    build: Build,
    proof: str,
) -> None:
    for step in setup:
        cli.ok(*step(opened))
    path = repo.postmortem_path(opened)
    relative = path.relative_to(repo.path).as_posix()
    old = path.read_bytes()
    args = build(opened)
    points, head = trace_points(repo, tmp_path, *args)
    new = path.read_bytes()
    assert new != old
    subject = repo.git("log", "-1", "--format=%s")
    restore(repo, head)
    for index, when, name in kill_plan(points):
        label = f"kill {when} #{index} {name}"
        result = faults.run(repo.path, *args, kill_at=(index, when))
        assert result.returncode == -9, f"{label}: not killed ({result.returncode})"
        current = path.read_bytes()
        assert current in (old, new), f"{label}: torn file"
        moved = repo.git("rev-parse", "HEAD") != head
        committed = repo.git("show", f"HEAD:{relative}").encode() + b"\n"
        assert committed == (new if moved else old), label
        if moved:
            assert current == new, f"{label}: committed but the file is old"
            assert repo.git("rev-list", "--count", f"{head}..HEAD") == "1", label
        if when == "torn":  # the half-written temporary file (of the file or pm's journal)
            assert torn_files(repo, path), label
        listed = run_pm(repo.path, "list")
        assert listed.returncode == 0, f"{label}: {listed.stderr}"
        assert listed.stdout.count("\n") == 1, label
        next_command_works(
            repo, ["event", opened, "After the crash", "--at", "2024-01-15T16:00"], label
        )
        # What the crash left uncommitted is committed first, under its own message
        # (pm's journal says it is pm's change), then the follow-up's own commit.
        text = repo.git("show", f"HEAD:{relative}")
        assert "text: After the crash" in text, label
        assert (proof in text) == (current == new), label
        if current == new and not moved:
            assert repo.git("log", "-1", "--skip=1", "--format=%s") == subject, label
            assert "Recovered: pm was interrupted" in repo.git("log", "-1", "--skip=1"), label
            assert repo.git("rev-list", "--count", f"{head}..HEAD") == "2", label
        else:
            assert repo.git("rev-list", "--count", f"{head}..HEAD") == str(1 + moved), label
        assert repo.git("status", "--porcelain", "--", relative) == "", label
        assert repo.files_in() == [relative], label
        restore(repo, head)


def test_killed_open_leaves_no_file_or_the_whole_file(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    cli.ok("init")
    pid = "2024-01-19-crash-test-incident"
    path = repo.postmortem_path(pid)
    relative = path.relative_to(repo.path).as_posix()
    args = ("open", "Crash test incident", "-s", "SEV-2", "--started", "2024-01-19T10:00")
    points, head = trace_points(repo, tmp_path, *args)
    new = path.read_bytes()
    restore(repo, head)
    for index, when, name in kill_plan(points):
        label = f"kill {when} #{index} {name}"
        result = faults.run(repo.path, *args, kill_at=(index, when))
        assert result.returncode == -9, f"{label}: not killed ({result.returncode})"
        exists = path.exists()
        assert not exists or path.read_bytes() == new, f"{label}: torn file"
        moved = repo.git("rev-parse", "HEAD") != head
        assert not moved or exists, label
        listed = run_pm(repo.path, "list")
        assert listed.returncode == 0, f"{label}: {listed.stderr}"
        assert listed.stdout.count("\n") == int(exists), label
        if exists:
            next_command_works(
                repo, ["event", pid, "After the crash", "--at", "2024-01-19T12:00"], label
            )
            assert "text: After the crash" in repo.git("show", f"HEAD:{relative}"), label
            # The file the crash left is pm's open, committed as that, then the event.
            subjects = repo.git("log", "--format=%s", f"{head}..HEAD").splitlines()
            assert subjects[-1] == f"pm: open {pid} (SEV-2)", label
            assert repo.git("status", "--porcelain", "--", relative) == "", label
        else:
            next_command_works(repo, list(args), label)
            assert path.read_bytes() == new, label
        restore(repo, head)


def kill_hook(repo: Repo, *, pm_too: bool) -> None:
    """A pre-commit hook that SIGKILLs the git commit (and pm) while git holds index.lock."""
    script = "#!/bin/sh\n"
    if pm_too:
        script += "kill -9 $(cut -d' ' -f4 /proc/$PPID/stat)\n"
    script += "kill -9 $PPID\nsleep 5\n"
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text(script, encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize("pm_too", [False, True], ids=["git-killed", "git-and-pm-killed"])
def test_killed_inside_git_commit(
    repo: Repo, cli: CliRunnerCall, opened: str, pm_too: bool
) -> None:
    path = repo.postmortem_path(opened)
    old = path.read_bytes()
    head = repo.git("rev-parse", "HEAD")
    kill_hook(repo, pm_too=pm_too)
    result = run_pm(repo.path, "event", opened, "Killed in git", "--at", "2024-01-15T15:00")
    lock = repo.path / ".git" / "index.lock"
    assert lock.exists(), "the hook did not kill git while it held index.lock"
    assert repo.git("rev-parse", "HEAD") == head
    if pm_too:
        assert result.returncode == -9
        assert b"Killed in git" in path.read_bytes()  # written, not committed
    else:
        # pm saw git fail: one line, exit 4, the file put back as it was.
        assert result.returncode == 4, result.stderr
        assert result.stderr.startswith("pm: ") and result.stderr.count("\n") == 1
        assert path.read_bytes() == old
    (repo.path / ".git" / "hooks" / "pre-commit").unlink()
    next_command_works(
        repo, ["event", opened, "After the crash", "--at", "2024-01-15T16:00"], "hook"
    )
    text = repo.git("show", f"HEAD:{path.relative_to(repo.path).as_posix()}")
    assert ("Killed in git" in text) == pm_too
    assert "After the crash" in text
    assert (
        subprocess.run(["git", "fsck", "--no-progress"], cwd=repo.path, check=False).returncode == 0
    )


def test_killed_related_leaves_each_file_old_or_new(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path
) -> None:
    """Two files, one commit: each file is old or new; a commit that landed holds both new."""
    other = cli.ok(
        "open", "Crash test other", "-s", "SEV-3", "--started", "2024-01-16T09:00"
    ).stdout.split("\t")[0]
    paths = [repo.postmortem_path(pid) for pid in (opened, other)]
    relative = [p.relative_to(repo.path).as_posix() for p in paths]
    old = [p.read_bytes() for p in paths]
    args = ("related", opened, other)
    points, head = trace_points(repo, tmp_path, *args)
    new = [p.read_bytes() for p in paths]
    assert all(n != o for n, o in zip(new, old, strict=True))
    assert sorted(repo.files_in()) == sorted(relative)
    restore(repo, head)
    seen = set()
    for index, when, name in kill_plan(points):
        label = f"kill {when} #{index} {name}"
        result = faults.run(repo.path, *args, kill_at=(index, when))
        assert result.returncode == -9, f"{label}: not killed ({result.returncode})"
        current = [p.read_bytes() for p in paths]
        seen.add(tuple(now == after for now, after in zip(current, new, strict=True)))
        for now, before, after in zip(current, old, new, strict=True):
            assert now in (before, after), f"{label}: torn file"
        moved = repo.git("rev-parse", "HEAD") != head
        if moved:
            assert current == new, f"{label}: committed, but a file is old"
            assert repo.git("rev-list", "--count", f"{head}..HEAD") == "1", label
            assert sorted(repo.files_in()) == sorted(relative), label
        for rel, before, after in zip(relative, old, new, strict=True):
            committed = repo.git("show", f"HEAD:{rel}").encode() + b"\n"
            assert committed == (after if moved else before), label
        listed = run_pm(repo.path, "list")
        assert listed.returncode == 0, f"{label}: {listed.stderr}"
        assert listed.stdout.count("\n") == 2, label
        # The next change to each file commits it, with whatever the crash left in it.
        for pid, at in ((opened, "2024-01-15T16:00"), (other, "2024-01-16T16:00")):
            next_command_works(repo, ["event", pid, "After the crash", "--at", at], label)
        for rel, now, after in zip(relative, current, new, strict=True):
            text = repo.git("show", f"HEAD:{rel}")
            assert "text: After the crash" in text, label
            assert ("related: []" not in text) == (now == after), label
        assert repo.git("status", "--porcelain", "--", *relative) == "", label
        # And pm related finishes a half-done link, or finds nothing left to do.
        assert run_pm(repo.path, *args).returncode == 0, label
        for pid, peer in ((opened, other), (other, opened)):
            shown = json.loads(run_pm(repo.path, "show", pid, "--json").stdout)
            assert shown["related"] == [peer], label
        restore(repo, head)
    # The kills fell before, between and after the two writes.
    assert seen == {(False, False), (True, False), (True, True)}
