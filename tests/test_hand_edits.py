"""A person's uncommitted edit is never recorded as one of pm's operations.

When the file a pm command changes holds uncommitted edits, pm first commits them as
the person's own hand edit (``<id>: hand edit (committed by pm before 'event')``,
``Pm-Operation: hand-edit``), then its own change: ``git log -p`` shows who changed what.
"""

from __future__ import annotations

import json
import stat
import subprocess

from conftest import AUTHOR, CliRunnerCall, Repo

RELATIVE = "postmortems/2024/2024-01-15-database-connection-pool-exhausted.md"


def patch_of(repo: Repo, rev: str) -> str:
    return repo.git("show", "--format=", rev, "--", RELATIVE)


def test_moved_start_is_a_hand_edit_not_pms(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("at: 2024-01-15T14:05:00Z", "at: 2024-01-15T13:50:00Z"), "utf-8")
    result = cli.ok("event", opened, "Paged the DBA", "--at", "2024-01-15T14:20")
    assert "had uncommitted changes: committed them first as your hand edit" in result.stderr
    assert repo.subjects()[:2] == [
        f"pm: event {opened} (note)",
        f"{opened}: hand edit (committed by pm before 'event')",
    ]
    hand, pms = patch_of(repo, "HEAD~1"), patch_of(repo, "HEAD")
    assert "+- at: 2024-01-15T13:50:00Z" in hand and "Paged the DBA" not in hand
    changed = [line for line in pms.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert "+  text: Paged the DBA" in changed
    assert not [line for line in changed if "13:50" in line or "14:05" in line]  # not pm's
    message = repo.git("log", "-1", "--skip=1", "--format=%B")
    assert f"Pm-Id: {opened}\nPm-Operation: hand-edit" in message
    assert repo.git("log", "-1", "--skip=1", "--format=%an <%ae>") == f"{AUTHOR[0]} <{AUTHOR[1]}>"
    log = json.loads(cli.ok("log", opened, "--json").stdout)
    assert [(e["operation"], e["manual"]) for e in log[:2]] == [
        ("event", False),
        ("hand-edit", True),
    ]
    assert "\thand-edit\t" in cli.ok("log", opened).stdout
    assert repo.git("status", "--porcelain") == ""


def test_staged_hand_edit_and_other_work(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    """A staged edit of the file is the person's too; other files' work is untouched."""
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('impact: ""', "impact: Slow checkouts"), encoding="utf-8")
    repo.git("add", RELATIVE)
    (repo.path / "staged.txt").write_text("staged work\n", encoding="utf-8")
    repo.git("add", "staged.txt")
    (repo.path / "README.md").write_text("# ops\nunstaged edit\n", encoding="utf-8")
    cli.ok("event", opened, "Noted", "--at", "2024-01-15T14:30")
    assert repo.files_in("HEAD~1") == [RELATIVE]
    assert repo.files_in("HEAD") == [RELATIVE]
    assert "+impact: Slow checkouts" in patch_of(repo, "HEAD~1")
    assert sorted(repo.git("status", "--porcelain").splitlines()) == [
        " M README.md",
        "A  staged.txt",
    ]


def test_no_hand_edit_no_extra_commit(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    before = repo.commit_count()
    result = cli.ok("event", opened, "Noted", "--at", "2024-01-15T14:30")
    assert repo.commit_count() == before + 1
    assert "hand edit" not in result.stderr


def test_a_broken_hand_edit_is_refused_as_before(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    path = repo.postmortem_path(opened)
    broken = path.read_text(encoding="utf-8").replace("severity: SEV-1", "severity: [SEV-1")
    path.write_text(broken, encoding="utf-8")
    head = repo.git("rev-parse", "HEAD")
    result = cli("event", opened, "Noted", "--at", "2024-01-15T14:30")
    assert result.exit_code == 3
    assert result.stderr.startswith(f"pm: {RELATIVE}:")
    assert path.read_text(encoding="utf-8") == broken
    assert repo.git("rev-parse", "HEAD") == head


def test_a_hook_refusing_the_hand_edit_changes_nothing(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    path = repo.postmortem_path(opened)
    edited = path.read_text(encoding="utf-8").replace('impact: ""', "impact: Slow checkouts")
    path.write_text(edited, encoding="utf-8")
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by policy' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    head = repo.git("rev-parse", "HEAD")
    result = cli("event", opened, "Noted", "--at", "2024-01-15T14:30")
    assert result.exit_code == 4
    assert "committing them first as your hand edit failed" in result.stderr
    assert f"git checkout -- {RELATIVE}" in result.stderr
    assert result.stderr.count("\n") == 1
    assert path.read_text(encoding="utf-8") == edited  # the person's edit is still there
    assert repo.git("rev-parse", "HEAD") == head


def test_left_by_no_commit_is_committed_as_a_hand_edit(repo: Repo, cli: CliRunnerCall) -> None:
    """--no-commit hands the commit to the person: what they leave uncommitted is theirs."""
    cli.ok("init")
    made = cli.ok(
        "open", "Left over", "-s", "SEV-3", "--started", "2024-01-19T10:00", "--no-commit"
    )
    pid = made.stdout.split("\t")[0]
    cli.ok("event", pid, "Written only", "--at", "2024-01-19T10:10", "--no-commit")
    cli.ok("event", pid, "Committed", "--at", "2024-01-19T10:20")
    assert repo.subjects()[:2] == [
        f"pm: event {pid} (note: Committed)",
        f"{pid}: hand edit (committed by pm before 'event')",
    ]
    assert "Written only" in repo.git("show", f"HEAD~1:postmortems/2024/{pid}.md")
    assert repo.git("status", "--porcelain") == ""


def test_related_commits_each_files_hand_edit_first(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    other = cli.ok("open", "Other", "-s", "SEV-3", "--started", "2024-01-16T09:00").stdout
    other_id = other.split("\t")[0]
    path = repo.postmortem_path(other_id)
    path.write_text(path.read_text(encoding="utf-8").replace("title: Other", "title: DNS"), "utf-8")
    cli.ok("related", opened, other_id)
    assert repo.subjects()[:2] == [
        f"pm: related {opened} {other_id}",
        f"{other_id}: hand edit (committed by pm before 'related')",
    ]
    assert "title: DNS" not in repo.git("show", "--format=", "HEAD")


def test_an_interrupted_change_is_recovered_as_pms(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    """pm killed after its write, before its commit: the journal says the change is pm's."""
    import faults

    points = repo.path.parent / "points.txt"
    args = ["event", opened, "Killed before commit", "--at", "2024-01-15T14:30"]
    head = repo.git("rev-parse", "HEAD")
    assert faults.run(repo.path, *args, trace=points).returncode == 0
    repo.git("reset", "--quiet", "--hard", head)
    index = points.read_text(encoding="utf-8").splitlines().index("git commit") + 1
    assert faults.run(repo.path, *args, kill_at=(index, "before")).returncode == -9
    assert repo.git("rev-parse", "HEAD") == head
    result = cli.ok("event", opened, "Next", "--at", "2024-01-15T14:40")
    assert "pm was interrupted before committing" in result.stderr
    assert repo.subjects()[:2] == [f"pm: event {opened} (note: Next)", f"pm: event {opened} (note)"]
    recovered = repo.git("log", "-1", "--skip=1", "--format=%B")
    assert "Recovered: pm was interrupted before this commit; committed before 'event'." in (
        recovered
    )
    assert "+  text: Killed before commit" in patch_of(repo, "HEAD~1")
    assert not (repo.path / ".git" / "pm" / "pending.json").exists()
    # A file edited after the crash is no longer pm's to claim: it is a hand edit.
    assert faults.run(repo.path, *args, kill_at=(index, "before")).returncode == -9
    path = repo.postmortem_path(opened)
    path.write_text(path.read_text(encoding="utf-8") + "\nA note.\n", encoding="utf-8")
    cli.ok("event", opened, "Later", "--at", "2024-01-15T14:50")
    assert repo.subjects()[1] == f"{opened}: hand edit (committed by pm before 'event')"
    assert subprocess.run(["git", "fsck"], cwd=repo.path, check=False).returncode == 0


def test_an_event_appended_out_of_order_by_hand_is_put_in_its_place(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    """Someone adds an earlier event at the end of the YAML timeline: committed as their
    hand edit, and pm's next change leaves the timeline sorted by time (with its own
    event in its place), so pm never commits a file its own lint calls out of order."""
    path = repo.postmortem_path(opened)
    cli.ok("event", opened, "Rolled back the deploy", "--at", "2024-01-15T14:40")
    text = path.read_text(encoding="utf-8")
    typed = "- at: 2024-01-15T14:10:00Z\n  kind: acknowledged\n  text: Paged the DBA\n"
    path.write_text(text.replace("actions: []\n", typed + "actions: []\n", 1), "utf-8")
    cli.ok("event", opened, "Checked the pool", "--at", "2024-01-15T14:20")
    shown = json.loads(cli.ok("show", opened, "--json").stdout)
    texts = [event["text"] for event in shown["timeline"]]
    assert texts[1:] == ["Paged the DBA", "Checked the pool", "Rolled back the deploy"]
    assert "timeline.order" not in cli("lint").stdout
