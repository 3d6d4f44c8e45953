"""A real git merge conflict in a postmortem: every command names the file and line.

Two branches add events to the same incident; merging them conflicts in the front matter
and in the generated timeline. While the merge is in progress pm refuses to write at all;
after a careless ``git commit -a`` of the markers, reads name the file and the line of the
first marker and writes refuse to touch the file.
"""

from __future__ import annotations

import subprocess

import pytest

from conftest import CliRunnerCall, Repo


@pytest.fixture
def conflicted(repo: Repo, cli: CliRunnerCall, opened: str) -> str:
    """``opened`` with an unresolved merge of two branches that both added an event."""
    repo.git("switch", "--quiet", "-c", "other")
    cli.ok("event", opened, "Seen on the other branch", "--at", "2024-01-15T15:00")
    repo.git("switch", "--quiet", "main")
    cli.ok("event", opened, "Seen on main", "--at", "2024-01-15T15:00")
    merge = subprocess.run(
        ["git", "merge", "--quiet", "other"], cwd=repo.path, capture_output=True, check=False
    )
    assert merge.returncode == 1, "the merge was expected to conflict"
    return opened


def first_marker_line(text: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("<<<<<<<"))


def test_during_the_merge_reads_name_the_line_and_writes_are_refused(
    repo: Repo, cli: CliRunnerCall, conflicted: str
) -> None:
    path = repo.postmortem_path(conflicted)
    text = path.read_text(encoding="utf-8")
    where = f"postmortems/2024/{conflicted}.md:{first_marker_line(text)}"
    message = f"pm: {where}: unresolved merge conflict; resolve it and commit\n"
    shown = cli("show", conflicted)
    assert (shown.exit_code, shown.stderr) == (3, message)
    listed = cli("list")
    assert listed.exit_code == 3
    assert listed.stderr.splitlines() == [
        message.rstrip("\n"),
        "pm: 1 postmortem file(s) could not be read",
    ]
    for args in (
        ["event", conflicted, "more", "--at", "2024-01-15T16:00"],
        ["resolve", conflicted, "--at", "2024-01-15T16:00"],
    ):
        result = cli(*args)
        assert result.exit_code == 4
        assert result.stderr == (
            "pm: a merge is in progress; finish it first "
            "(git merge --continue or git merge --abort)\n"
        )
    assert path.read_text(encoding="utf-8") == text


def test_committed_conflict_markers_are_never_rewritten(
    repo: Repo, cli: CliRunnerCall, conflicted: str
) -> None:
    path = repo.postmortem_path(conflicted)
    repo.git("commit", "--quiet", "-am", "merge (markers committed by mistake)")
    text = path.read_text(encoding="utf-8")
    head = repo.git("rev-parse", "HEAD")
    where = f"postmortems/2024/{conflicted}.md:{first_marker_line(text)}"
    for args in (
        ["show", conflicted],
        ["show", conflicted, "--json"],
        ["event", conflicted, "more", "--at", "2024-01-15T16:00"],
        ["resolve", conflicted, "--at", "2024-01-15T16:00"],
    ):
        result = cli(*args)
        assert result.exit_code == 3, args
        assert result.stderr == f"pm: {where}: unresolved merge conflict; resolve it and commit\n"
    assert path.read_text(encoding="utf-8") == text
    assert repo.git("rev-parse", "HEAD") == head
    # Resolved by hand (here: main's side), pm works on the file again.
    relative = path.relative_to(repo.path).as_posix()
    path.write_text(repo.git("show", f"HEAD^1:{relative}") + "\n", encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "resolve")
    cli.ok("event", conflicted, "after the merge", "--at", "2024-01-15T16:00")
    after = path.read_text(encoding="utf-8")
    assert "| Seen on main |" in after and "| after the merge |" in after
    assert "<<<<<<<" not in after
