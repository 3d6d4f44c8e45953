"""Git safety: pm commits only its file, and refuses to write when git is not ready."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo


def _start_conflicting_merge(repo: Repo) -> None:
    (repo.path / "notes.txt").write_text("base\n", encoding="utf-8")
    repo.git("add", "notes.txt")
    repo.git("commit", "-qm", "base")
    repo.git("switch", "-qc", "other")
    (repo.path / "notes.txt").write_text("other\n", encoding="utf-8")
    repo.git("commit", "-qam", "other")
    repo.git("switch", "-q", "main")
    (repo.path / "notes.txt").write_text("main\n", encoding="utf-8")
    repo.git("commit", "-qam", "main")
    result = __import__("subprocess").run(
        ["git", "merge", "other"], cwd=repo.path, capture_output=True, check=False
    )
    assert result.returncode != 0  # a real conflict, MERGE_HEAD present


def test_refuses_during_a_merge(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    _start_conflicting_merge(repo)
    path = repo.postmortem_path(opened)
    before = path.read_bytes()
    result = cli("event", opened, "hello")
    assert result.exit_code == 4
    assert result.stderr == (
        "pm: a merge is in progress; finish it first (git merge --continue or git merge --abort)\n"
    )
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("marker", "what"),
    [
        ("rebase-merge", "a rebase"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
        ("BISECT_LOG", "a bisect"),
    ],
)
def test_refuses_during_other_operations(
    repo: Repo, cli: CliRunnerCall, opened: str, marker: str, what: str
) -> None:
    target = repo.path / ".git" / marker
    if marker == "rebase-merge":
        target.mkdir()
    else:
        target.write_text("0" * 40 + "\n", encoding="utf-8")
    result = cli("event", opened, "hello")
    assert result.exit_code == 4
    assert result.stderr.startswith(f"pm: {what} is in progress")


def test_index_lock_is_reported_and_never_deleted(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    lock = repo.path / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    before = repo.postmortem_path(opened).read_bytes()
    result = cli("event", opened, "hello")
    assert result.exit_code == 4
    assert "another git process is running" in result.stderr
    assert "index.lock exists" in result.stderr
    assert lock.exists()
    assert repo.postmortem_path(opened).read_bytes() == before
    opening = cli("open", "Another", "-s", "SEV-3")
    assert opening.exit_code == 4
    assert not list((repo.path / "postmortems").rglob("*another*"))


def test_detached_head_is_refused(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    repo.git("switch", "-q", "--detach", "HEAD")
    result = cli("event", opened, "hello")
    assert result.exit_code == 4
    assert "HEAD is detached" in result.stderr


def test_users_staged_and_unstaged_work_is_left_alone(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    (repo.path / "staged.txt").write_text("staged work\n", encoding="utf-8")
    repo.git("add", "staged.txt")
    (repo.path / "README.md").write_text("# ops\nunstaged edit\n", encoding="utf-8")
    cli.ok("event", opened, "hello", "--at", "2024-01-15T14:30")
    assert repo.files_in() == [f"postmortems/2024/{opened}.md"]
    status = repo.git("status", "--porcelain").splitlines()
    assert sorted(status) == [" M README.md", "A  staged.txt"]
    cli.ok("open", "Second incident", "-s", "SEV-3", "--started", "2024-01-16T10:00")
    assert repo.files_in() == ["postmortems/2024/2024-01-16-second-incident.md"]
    assert sorted(repo.git("status", "--porcelain").splitlines()) == [
        " M README.md",
        "A  staged.txt",
    ]


def test_no_identity_is_a_clear_error(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_home = tmp_path / "empty-home"
    empty_home.mkdir()
    monkeypatch.setenv("HOME", str(empty_home))
    result = cli("open", "No identity", "-s", "SEV-3")
    assert result.exit_code == 4
    assert result.stderr == (
        "pm: no git identity; set one with git config user.name 'Your Name' "
        "and git config user.email you@example.com\n"
    )
    assert not (repo.path / "postmortems").exists() or not list(
        (repo.path / "postmortems").rglob("*.md")
    )


def test_not_a_git_repository(
    tmp_path: Path, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / ".pm.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(plain)
    result = cli("open", "Outage", "-s", "SEV-1")
    assert result.exit_code == 4
    assert "is not in a git repository" in result.stderr
    # Without committing, pm works in a plain folder too.
    made = cli.ok("open", "Outage", "-s", "SEV-1", "--no-commit", "--started", "2024-01-19T10:00")
    assert made.stdout.startswith("2024-01-19-outage\t")
    assert "not committed" in made.stderr


def test_no_commit_flag_and_config_switch(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    before = repo.commit_count()
    cli.ok("event", opened, "written only", "--at", "2024-01-15T14:30", "--no-commit")
    assert repo.commit_count() == before
    assert repo.git("status", "--porcelain") == f" M postmortems/2024/{opened}.md"
    repo.git("commit", "-qam", "by hand")
    (repo.path / ".pm.toml").write_text("commit = false\n", encoding="utf-8")
    cli.ok("event", opened, "also written only", "--at", "2024-01-15T14:31")
    assert repo.commit_count() == before + 1
    assert "also written only" in repo.postmortem_path(opened).read_text(encoding="utf-8")


def test_failed_commit_restores_the_file(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by policy' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    path = repo.postmortem_path(opened)
    before = path.read_bytes()
    commits = repo.commit_count()
    result = cli("event", opened, "hello", "--at", "2024-01-15T14:30")
    assert result.exit_code == 4
    assert result.stderr == (
        "pm: the pre-commit hook (.git/hooks/pre-commit, exit 1) refused the commit; its "
        "output:\n    refused by policy\n"
    )
    assert path.read_bytes() == before
    assert repo.commit_count() == commits
    assert repo.git("status", "--porcelain") == ""
    # A new file whose commit fails is removed again and not left in the index.
    opening = cli("open", "Refused", "-s", "SEV-3", "--started", "2024-01-19T10:00")
    assert opening.exit_code == 4
    assert not (repo.path / "postmortems/2024/2024-01-19-refused.md").exists()
    assert repo.git("status", "--porcelain") == ""


def test_init_in_a_plain_folder_runs_git_init(
    tmp_path: Path, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "fresh"
    plain.mkdir()
    monkeypatch.chdir(plain)
    result = cli.ok("init")
    assert result.stdout == "postmortems/.gitkeep\n.pm.toml\n.gitattributes\n"
    assert "Initialised an empty git repository" in result.stderr
    repo = Repo(plain)
    assert repo.subjects() == ["pm: init postmortems"]
    assert sorted(repo.files_in()) == [".gitattributes", ".pm.toml", "postmortems/.gitkeep"]
    again = cli.ok("init")
    assert "Already initialised" in again.stderr
    assert repo.commit_count() == 1
