"""A file git is rewriting (a pull's checkout unlinks and writes it, under index.lock) is
a busy repository, not a missing postmortem: pm waits for git and reads it again."""

from __future__ import annotations

import threading
import time

import pytest

from conftest import CliRunnerCall, Repo
from pm import gitanswers
from pm.config import load_config
from pm.errors import NotFoundError, RepoError
from pm.store import Store


@pytest.fixture
def opened(repo: Repo, cli: CliRunnerCall) -> str:
    cli.ok("init")
    out = cli.ok("open", "Checkout down", "-s", "SEV-1", "--started", "2024-01-15T14:05")
    return out.stdout.split("\t")[0]


def test_a_file_git_puts_back_while_holding_its_lock_is_read(repo: Repo, opened: str) -> None:
    path = repo.postmortem_path(opened)
    lock = repo.path / ".git" / "index.lock"
    text = path.read_bytes()
    lock.write_bytes(b"")
    path.unlink()  # what git's checkout does to a file it rewrites

    def git_finishes() -> None:
        time.sleep(0.2)
        path.write_bytes(text)
        lock.unlink()

    worker = threading.Thread(target=git_finishes)
    worker.start()
    try:
        record = Store(load_config(repo.path)).read(path)
    finally:
        worker.join()
    assert record.postmortem.id == opened


def test_a_file_gone_without_git_at_work_is_missing_at_once(repo: Repo, opened: str) -> None:
    path = repo.postmortem_path(opened)
    path.unlink()
    started = time.monotonic()
    with pytest.raises(NotFoundError, match="no such file"):
        Store(load_config(repo.path)).read(path)
    assert not (repo.path / ".git" / "index.lock").exists()
    assert time.monotonic() - started < gitanswers.INDEX_LOCK_WAIT_SECONDS  # no waiting


def test_a_file_missing_while_git_keeps_its_lock_is_a_busy_repository(
    repo: Repo, opened: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gitanswers, "INDEX_LOCK_WAIT_SECONDS", 0.2)
    path = repo.postmortem_path(opened)
    (repo.path / ".git" / "index.lock").write_bytes(b"")
    path.unlink()
    with pytest.raises(RepoError, match="another git process is changing the work tree"):
        Store(load_config(repo.path)).read(path)
