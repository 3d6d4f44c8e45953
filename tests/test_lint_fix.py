"""``pm lint --fix`` after a merge by hand, and every hint a finding gives is true.

--fix sorts an unsorted timeline, adopts rows typed into a table (keeping what it cannot
read until asked to discard it), re-renders a table that holds conflict markers when the
front matter holds none, and takes pm's lock. Each hint that names a command is followed
here, and the finding must be gone.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import time
from pathlib import Path

import pytest

import faults
from conftest import CliRunnerCall, Repo, pm_command

RELATIVE = "postmortems/2024/2024-01-15-database-connection-pool-exhausted.md"


def rules(cli: CliRunnerCall, *args: str) -> list[str]:
    result = cli("lint", *args)
    return [line.split(" [")[-1].rstrip("]") for line in result.stdout.splitlines() if " [" in line]


def hint(cli: CliRunnerCall, rule: str) -> str:
    lines = cli("lint").stdout.splitlines()
    index = next(i for i, line in enumerate(lines) if line.endswith(f"[{rule}]"))
    return lines[index + 1].removeprefix("    suggestion: ")


def unsorted(repo: Repo, pid: str) -> Path:
    path = repo.postmortem_path(pid)
    text = path.read_text(encoding="utf-8")
    late = "- at: 2024-01-15T15:00:00Z\n  kind: note\n  text: Late note\n"
    early = "- at: 2024-01-15T14:30:00Z\n  kind: note\n  text: Early note\n"
    path.write_text(text.replace("actions:", late + early + "actions:", 1), encoding="utf-8")
    return path


def test_an_unsorted_timeline_is_sorted_by_fix(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    path = unsorted(repo, opened)
    assert "timeline.order" in rules(cli)
    assert hint(cli, "timeline.order") == "`pm lint --fix` sorts the timeline by time"
    result = cli("lint", "--fix")
    assert f"{RELATIVE}: sorted the timeline by time" in result.stderr
    text = path.read_text(encoding="utf-8")
    assert text.index("text: Early note") < text.index("text: Late note")
    assert text.index("| Early note |") < text.index("| Late note |")
    assert "timeline.order" not in rules(cli)


def conflicted_table(repo: Repo, pid: str) -> Path:
    """A merge by hand that resolved the front matter but left the table's markers."""
    path = repo.postmortem_path(pid)
    text = path.read_text(encoding="utf-8")
    row = "| 2024-01-15 14:05 | started | Incident started |\n"
    conflict = (
        row + "<<<<<<< HEAD\n| 2024-01-15 14:30 | note | Ours |\n=======\n"
        "| 2024-01-15 14:40 | note | Theirs |\n>>>>>>> other\n"
    )
    events = (
        "- at: 2024-01-15T14:30:00Z\n  kind: note\n  text: Ours\n"
        "- at: 2024-01-15T14:40:00Z\n  kind: note\n  text: Theirs\n"
    )
    text = text.replace(row, conflict).replace("actions:", events + "actions:", 1)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_table_with_conflict_markers_is_rerendered(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    path = conflicted_table(repo, opened)
    refused = cli("event", opened, "x", "--at", "2024-01-15T14:50")
    assert refused.exit_code == 3
    assert "merge conflict in a generated table only; `pm lint --fix` re-renders it" in (
        refused.stderr
    )
    assert rules(cli) == ["file.unreadable"]
    assert "`pm lint --fix` re-renders it from the front matter" in cli("lint").stdout
    result = cli("lint", "--fix")
    assert f"{RELATIVE}: re-rendered the conflicted tables from the front matter" in (result.stderr)
    assert result.exit_code == 0, result.stdout
    text = path.read_text(encoding="utf-8")
    assert "<<<<<<<" not in text and ">>>>>>>" not in text
    assert "| 2024-01-15 14:30 | note | Ours |\n| 2024-01-15 14:40 | note | Theirs |" in text
    cli.ok("event", opened, "x", "--at", "2024-01-15T14:50")


def test_a_conflicted_table_holding_a_typed_row_is_left_to_a_person(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    """One side typed a row into the table (no event in any front matter): re-rendering
    would drop it, so --fix names it and leaves the file; with the markers deleted by
    hand, --fix adopts the row as an event."""
    path = conflicted_table(repo, opened)
    typed = "| 2024-01-15 14:35 | note | Paged the DBA |\n"
    text = path.read_text(encoding="utf-8").replace("=======\n", typed + "=======\n", 1)
    path.write_text(text, encoding="utf-8")
    result = cli("lint", "--fix")
    assert result.exit_code == 1
    assert (
        f"{RELATIVE}: not fixed: a conflicted table holds rows the front matter does not "
        "render (typed by hand?), such as `| 2024-01-15 14:35 | note | Paged the DBA |`"
    ) in result.stderr
    assert path.read_text(encoding="utf-8") == text  # nothing dropped
    resolved = "".join(
        line
        for line in text.splitlines(keepends=True)
        if not line.startswith(("<<<", "===", ">>>"))
    )
    path.write_text(resolved, encoding="utf-8")
    cli.ok("lint", "--fix")
    shown = cli.ok("show", opened).stdout
    assert "Paged the DBA" in shown and "Ours" in shown and "Theirs" in shown


def test_conflict_markers_in_the_front_matter_are_left_to_a_person(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8").replace(
        "title: Database connection pool exhausted\n",
        "<<<<<<< HEAD\ntitle: Pool exhausted\n=======\ntitle: Pool full\n>>>>>>> other\n",
    )
    path.write_text(text, encoding="utf-8")
    result = cli("lint", "--fix")
    assert result.exit_code == 1
    assert "unresolved merge conflict; resolve it and commit" in result.stdout
    assert path.read_text(encoding="utf-8") == text


def test_typed_rows_adopted_by_fix_and_unreadable_ones_kept(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8")
    typed = "| 14:30 | Paged the DBA |\n| later | we will know more |\n"
    text = text.replace("\n\n<!-- pm:end timeline -->", "\n" + typed + "\n<!-- pm:end timeline -->")
    path.write_text(text, encoding="utf-8")
    out = cli("lint").stdout
    assert "the timeline table has a row pm cannot adopt: `| later | we will know more |`" in out
    result = cli("lint", "--fix")
    assert result.exit_code == 1
    assert f"{RELATIVE}: Adopted from the timeline table: 2024-01-15T14:30:00Z note" in (
        result.stderr
    )
    text = path.read_text(encoding="utf-8")
    assert "  text: Paged the DBA" in text  # in the front matter now
    assert "| 2024-01-15 14:30 | note | Paged the DBA |\n| later | we will know more |" in text
    result = cli("lint", "--fix", "--discard-block-edits")
    assert result.exit_code == 0
    assert "discarded from the timeline table" in result.stderr
    assert "we will know more" in result.stderr and "we will know more" not in path.read_text(
        encoding="utf-8"
    )


def test_every_hint_that_names_a_command_works(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("action", "add", opened, "First", "--owner", "bob")
    cli.ok("action", "add", opened, "Second", "--owner", "bob")
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8").replace("number: 2", "number: 1")
    path.write_text(text.replace("| 2 | P1 | Second |", "| 1 | P1 | Second |"), "utf-8")
    repo.git("commit", "--quiet", "-am", "a merge gave two items one number")
    renumber = hint(cli, "schema.action-number")
    assert renumber == f"`pm action renumber {opened}` gives the repeated ones fresh numbers"
    cli.ok("action", "renumber", opened)
    assert "schema.action-number" not in rules(cli)
    # Closed by hand with an open item: the hint's commands close the gap.
    cli.ok("action", "done", opened, "1")
    text = path.read_text(encoding="utf-8").replace("status: active", "status: closed")
    text = text.replace("closed: null\n", "")
    path.write_text(text.replace("timeline:", "closed:\n  at: 2024-01-19T10:00:00Z\ntimeline:"))
    repo.git("commit", "--quiet", "-am", "closed by hand")
    closed_hint = hint(cli, "lifecycle.closed-open-items")
    assert closed_hint == (
        f"pm action done {opened} 2, or pm action wont-do {opened} 2 --reason TEXT"
    )
    cli.ok("action", "wont-do", opened, "2", "--reason", "moot")
    assert "lifecycle.closed-open-items" not in rules(cli)
    # "pm resolve adds one only while the status is active": it refuses here, as it says.
    assert "pm resolve adds one only while the status is active" in hint(cli, "timeline.resolved")
    assert cli("resolve", opened, "x").exit_code == 3


def test_lint_fix_waits_for_pms_lock(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    path = unsorted(repo, opened)
    before = path.read_bytes()
    with (repo.path / ".git" / "pm.lock").open("a+", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fixing = subprocess.Popen(
            [*pm_command(), "lint", "--fix"], cwd=repo.path, stderr=subprocess.PIPE, text=True
        )
        time.sleep(1.0)
        assert fixing.poll() is None, "lint --fix did not wait for pm's lock"
        assert path.read_bytes() == before
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert fixing.wait(timeout=60) == 0
    assert "sorted the timeline by time" in (fixing.stderr.read() if fixing.stderr else "")
    assert path.read_bytes() != before


@pytest.mark.slow
def test_lint_fix_never_writes_over_a_change_made_meanwhile(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path
) -> None:
    """A file changed between lint's read and its write (an editor saving) is left alone."""
    path = unsorted(repo, opened)
    trace = tmp_path / "trace.txt"
    original = path.read_bytes()
    assert faults.run(repo.path, "lint", "--fix", trace=trace).returncode == 0
    path.write_bytes(original)
    points = trace.read_text(encoding="utf-8").splitlines()
    write = points.index("mkstemp")  # the point before it is after lint read the file
    script = "import pathlib, sys; p = pathlib.Path(sys.argv[1]); p.write_text(p.read_text() + 'x')"
    edit = [sys.executable, "-c", script, str(path)]
    result = faults.run(repo.path, "lint", "--fix", meanwhile=(write, "after", edit))
    assert "changed while pm lint ran; not fixed: run it again" in result.stderr
    assert path.read_bytes() == original + b"x"
