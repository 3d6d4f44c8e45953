"""A real git merge conflict in a postmortem: every command names the file and line.

Two branches add events to the same incident; merging them conflicts in the front matter
and in the generated timeline. While the merge is in progress pm refuses to write at all;
after a careless ``git commit -a`` of the markers, reads name the file and the line of the
first marker and writes refuse to touch the file.
"""

from __future__ import annotations

import json
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


# Every reading command, and what it prints about the conflicted file. ``list`` and the
# period reads name each unreadable file, then count them; lint makes it a finding.
READS: list[tuple[list[str], str]] = [
    (["list"], "list"),
    (["list", "--json"], "list"),
    (["action", "list"], "list"),
    (["action", "list", "--json"], "list"),
    (["action", "list", "{id}"], "one"),
    (["overdue"], "list"),
    (["overdue", "--format", "github"], "list"),
    (["overdue", "--format", "markdown"], "list"),
    (["overdue", "--format", "json"], "list"),
    (["report"], "period"),
    (["report", "--format", "html"], "period"),
    (["report", "--format", "json"], "period"),
    (["report", "{id}"], "one"),
    (["report", "{id}", "--format", "json"], "one"),
    (["show", "{id}"], "one"),
    (["lint"], "lint"),
    (["lint", "--format", "github"], "lint"),
    (["lint", "--format", "json"], "lint"),
    (["lint", "--fix"], "lint"),
]
WRITES = [
    ["event", "{id}", "more", "--at", "2024-01-15T16:00"],
    ["resolve", "{id}", "--at", "2024-01-15T16:00"],
    ["action", "add", "{id}", "Fix it", "--owner", "bob"],
    ["action", "done", "{id}", "1"],
    ["set", "{id}", "title", "New title"],
    ["review", "{id}", "--at", "2024-01-16T10:00"],
    ["close", "{id}", "--force", "--reason", "merged"],
    ["related", "{id}", "2024-01-10-other"],
]


@pytest.mark.parametrize("committed", [False, True], ids=["merging", "markers-committed"])
def test_every_command_names_the_conflict(
    repo: Repo, cli: CliRunnerCall, conflicted: str, committed: bool
) -> None:
    path = repo.postmortem_path(conflicted)
    other = repo.postmortem_path("2024-01-10-other")
    if committed:
        repo.git("commit", "--quiet", "-am", "merge (markers committed by mistake)")
    # A second, healthy postmortem: the reads still show it, and related may not touch it.
    other.write_text(
        "---\nid: 2024-01-10-other\ntitle: Other\nseverity: SEV-3\nstatus: active\n"
        "timeline:\n- at: 2024-01-10T10:00:00Z\n  kind: started\n  text: x\n---\n",
        encoding="utf-8",
    )
    repo.git("add", str(other))
    if committed:
        repo.git("commit", "--quiet", "-m", "other")
    text, other_text = path.read_text(encoding="utf-8"), other.read_text(encoding="utf-8")
    head = repo.git("rev-parse", "HEAD")
    where = f"postmortems/2024/{conflicted}.md:{first_marker_line(text)}"
    problem = "unresolved merge conflict; resolve it and commit"
    for template, kind in READS:
        args = [a.replace("{id}", conflicted) for a in template]
        result = cli(*args)
        lines = result.stderr.splitlines()
        if kind == "lint":
            assert result.exit_code == 1, args
            file, line = where.rsplit(":", 1)
            if "github" in args:
                expected = f"::error file={file},line={line},title=file.unreadable::{problem}\n"
                assert result.stdout == expected
            elif "json" in args:
                (finding,) = json.loads(result.stdout)["findings"]
                assert (finding["path"], finding["line"]) == (file, int(line))
                assert (finding["rule"], finding["message"]) == ("file.unreadable", problem)
            else:
                assert result.stdout == f"{where}: error: {problem} [file.unreadable]\n", args
        elif kind == "one":
            assert (result.exit_code, lines) == (3, [f"pm: {where}: {problem}"]), args
        else:
            assert result.exit_code == 3, args
            assert f"pm: {where}: {problem}" in lines, args
            assert lines[-1].startswith("pm: 1 postmortem file(s) could not be read"), args
    # overdue never says "nothing is late" while a file it could not read may hide something.
    assert cli("overdue").stderr.splitlines()[0] == (
        "Nothing is late in the files pm could read as of 2024-01-20."
    )
    log = cli("log", conflicted)  # the history does not parse the file: it still works
    assert log.exit_code == 0 and f"pm: open {conflicted}" in log.stdout
    for template in WRITES:
        args = [a.replace("{id}", conflicted) for a in template]
        result = cli(*args)
        if committed or args[:2] == ["action", "done"]:  # done reads the items first
            assert (result.exit_code, result.stderr) == (3, f"pm: {where}: {problem}\n"), args
        else:
            assert result.exit_code == 4, args
            assert result.stderr.startswith("pm: a merge is in progress"), args
    assert path.read_text(encoding="utf-8") == text
    assert other.read_text(encoding="utf-8") == other_text
    assert repo.git("rev-parse", "HEAD") == head
