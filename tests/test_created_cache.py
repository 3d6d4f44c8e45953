"""The creation days of action items (``history.created_dates``) are remembered for the
commit they were read at (``created-v1.marshal``), and ``GitRepo.first_added`` streams
git's log instead of holding it: answers equal a fresh read, before and after commits."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, git
from pm import gitrepo
from pm.config import load_config
from pm.errors import RepoError
from pm.history import CREATED_NAME, created_dates
from pm.store import Store


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The revisions ``first_added`` read a log of."""
    seen: list[str] = []
    real = gitrepo.GitRepo.first_added

    def counted(self: gitrepo.GitRepo, rev: str, *args: object) -> object:
        seen.append(rev)
        return real(self, rev, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(gitrepo.GitRepo, "first_added", counted)
    return seen


@pytest.fixture
def items(repo: Repo, cli: CliRunnerCall) -> str:
    first = cli.ok("open", "Pool exhausted", "-s", "SEV-2", "--started", "2024-01-15T14:05")
    pid = first.stdout.split("\t")[0]
    cli.ok("resolve", pid, "--at", "2024-01-15T15:05")
    cli.ok("action", "add", pid, "Alert on pool saturation", "--owner", "bob")
    cli.ok("action", "add", pid, "Size the pool", "--owner", "carol")
    cli.ok("action", "done", pid, "1")
    return pid


def follow(cli: CliRunnerCall) -> dict[str, object]:
    data = json.loads(cli.ok("report", "--since", "2024-01-01", "-f", "json").stdout)
    follow_through: dict[str, object] = data["follow_through"]
    return follow_through


def fresh(repo: Repo, cli: CliRunnerCall) -> dict[str, object]:
    shutil.rmtree(repo.path / ".git" / "pm", ignore_errors=True)
    return follow(cli)


def days_at(root: Path) -> dict[tuple[str, int], date]:
    """``created_dates`` of every action item in the repository at ``root``, at HEAD."""
    config = load_config(root)
    postmortems = [entry.postmortem for entry in Store(config).read_all()[0]]
    return created_dates(config, "HEAD", postmortems, UTC)


def test_created_days_are_read_once_per_commit(
    repo: Repo, cli: CliRunnerCall, items: str, logs: list[str]
) -> None:
    first = follow(cli)
    assert first["done_with_created"] == 1 and len(logs) == 1
    assert (repo.path / ".git" / "pm" / CREATED_NAME).exists()
    assert follow(cli) == first and len(logs) == 1, "same commit: remembered"
    kept = repo.git("rev-parse", "HEAD").strip()
    cli.ok("action", "done", items, "2")  # a commit: HEAD moved
    second = follow(cli)
    assert len(logs) == 2 and second["done_with_created"] == 2
    # Only the commits since the one kept were read (at 50,000 files the whole log is 40 s).
    assert logs[1] == f"{kept}..{repo.git('rev-parse', 'HEAD').strip()}"
    assert second == fresh(repo, cli)


def test_history_rewritten_since_the_kept_commit_is_read_whole(
    repo: Repo, cli: CliRunnerCall, items: str, logs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An amend leaves the kept commit out of HEAD's history: the commits since it are
    no answer, so the whole log is read again."""
    follow(cli)
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-04-01T12:00:00+00:00")
    repo.git("commit", "--quiet", "--amend", "-m", "Reworded")
    after = follow(cli)
    assert logs == ["HEAD", "HEAD"]
    assert after == fresh(repo, cli)


def test_a_merged_branch_s_items_count_from_the_commits_since(
    repo: Repo, cli: CliRunnerCall, items: str, logs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A teammate's branch forked before the kept commit and merged after it: its item
    lines are in the commits since, and the answer is the one a fresh read gives."""
    other = cli.ok("open", "Cache cold", "-s", "SEV-3", "--started", "2024-01-20T09:00")
    other_id = other.stdout.split("\t")[0]
    cli.ok("resolve", other_id, "--at", "2024-01-20T10:00")
    cli.ok("action", "add", other_id, "Alert on hit rate", "--owner", "erin")
    repo.git("branch", "teammate")
    follow(cli)  # kept at this commit
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-02-10T12:00:00+00:00")
    cli.ok("action", "add", items, "Page on pool waits", "--owner", "dan")
    repo.git("switch", "--quiet", "teammate")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-02-05T12:00:00+00:00")
    cli.ok("action", "add", other_id, "Warm the cache on deploy", "--owner", "erin")
    cli.ok("action", "done", other_id, "2")
    repo.git("switch", "--quiet", "-")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-02-20T12:00:00+00:00")
    repo.git("merge", "--quiet", "--no-ff", "-m", "Merge teammate", "teammate")
    merged = follow(cli)
    assert len(logs) == 2 and ".." in logs[1]
    assert merged["created"] == 5 and merged == fresh(repo, cli)
    days = days_at(repo.path)
    assert days[(other_id, 2)] == date(2024, 2, 5)  # the teammate's commit
    assert days[(items, 3)] == date(2024, 2, 10)
    assert logs[2:] == ["HEAD"]  # fresh() dropped the cache; this last read was kept


def test_a_damaged_created_file_is_read_afresh(
    repo: Repo, cli: CliRunnerCall, items: str, logs: list[str]
) -> None:
    first = follow(cli)
    path = repo.path / ".git" / "pm" / CREATED_NAME
    whole = path.read_bytes()
    for damaged in (b"", b"junk", whole[: len(whole) // 2]):
        path.write_bytes(damaged)
        assert follow(cli) == first
    assert len(logs) == 4


def test_first_added_streams_the_log_in_pieces(
    repo: Repo, cli: CliRunnerCall, items: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pieces of a few bytes (lines cut anywhere) give the answer one read gives."""
    import re

    git = gitrepo.GitRepo.discover(repo.path)
    pattern = re.compile(r"\s*-\s+number:\s*(\d+)\s*$")
    whole = git.first_added("HEAD", [repo.path / "postmortems"], pattern)
    assert len(whole) == 2
    real = gitrepo.stream_git_text
    monkeypatch.setattr(gitrepo, "stream_git_text", lambda *a: real(*a, chunk=7))
    assert git.first_added("HEAD", [repo.path / "postmortems"], pattern) == whole


def test_a_git_failure_while_streaming_is_the_usual_error(repo: Repo) -> None:
    with pytest.raises(RepoError, match=r"nosuchrev|unknown revision|bad revision"):
        list(gitrepo.stream_git_text(repo.path, "log", "nosuchrev", "--"))


def test_a_clone_deepened_after_a_shallow_read_reads_the_whole_history(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shallow clone (CI's ``--depth 1``) sees only its boundary commit: an item added
    long before looks added then. Deepened (``git fetch --unshallow``) at the same HEAD,
    the history and so the creation days differ: the answer kept for the shallow one is
    stale (as it is for a CI cache restored from a shallow checkout)."""
    opened = cli.ok("open", "Pool exhausted", "-s", "SEV-2", "--started", "2024-01-15T14:05")
    pid = opened.stdout.split("\t")[0]
    cli.ok("action", "add", pid, "Alert on pool saturation", "--owner", "bob")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-03-01T12:00:00+00:00")
    cli.ok("action", "add", pid, "Size the pool", "--owner", "carol")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "--quiet", "--depth", "1", repo.path.as_uri(), str(shallow))
    monkeypatch.chdir(shallow)
    assert days_at(shallow)[(pid, 1)] == date(2024, 3, 1)  # all the shallow clone knows
    git(shallow, "fetch", "--quiet", "--unshallow")
    assert days_at(shallow)[(pid, 1)] == date(2024, 1, 20)
