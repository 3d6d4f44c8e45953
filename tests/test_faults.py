"""Disk and permission faults: a clear one-line error, exit 5 (or 3), nothing lost.

The faults are real where the machine allows (``/dev/full`` gives a real ENOSPC; a
read-only folder is a real chmod when not root) and injected at the same call otherwise
(root ignores directory permissions, so there EACCES/EROFS come from ``mkstemp``).
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from conftest import CliRunnerCall, Repo
from pm.store import Store

WRITE_ERROR = 5


def stray_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def assert_refused_cleanly(
    repo: Repo, result: Any, path: Path, before: bytes | None, head: str, code: int
) -> None:
    assert result.exit_code == code, result.stderr
    assert result.stderr.startswith("pm: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    if before is None:
        assert not path.exists()
    else:
        assert path.read_bytes() == before
    assert repo.git("rev-parse", "HEAD") == head
    if path.parent.exists():
        assert stray_files(path.parent) == [], "a temporary file was left behind"


def test_disk_full_while_writing(
    repo: Repo, cli: CliRunnerCall, opened: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = repo.postmortem_path(opened)
    before, head = path.read_bytes(), repo.git("rev-parse", "HEAD")
    real_fdopen = os.fdopen

    def full_disk(fd: int, *args: Any, **kwargs: Any) -> Any:
        os.close(fd)  # the temporary file stays empty: /dev/full takes the bytes
        return real_fdopen(os.open("/dev/full", os.O_WRONLY), *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "fdopen", full_disk)
        refused_event(repo, cli, opened, path, before, head)
        opening = cli("open", "No room", "-s", "SEV-3", "--started", "2024-01-19T10:00")
        new = repo.postmortem_path("2024-01-19-no-room")
        assert_refused_cleanly(repo, opening, new, None, head, WRITE_ERROR)
    cli.ok("event", opened, "fits now", "--at", "2024-01-15T15:00")
    assert repo.git("status", "--porcelain") == ""


def refused_event(
    repo: Repo, cli: CliRunnerCall, opened: str, path: Path, before: bytes, head: str
) -> None:
    result = cli("event", opened, "will not fit", "--at", "2024-01-15T15:00")
    assert_refused_cleanly(repo, result, path, before, head, WRITE_ERROR)
    assert result.stderr == (
        f"pm: cannot write {path.name}: the disk is full; the original file is unchanged\n"
    )


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_disk_full_at_fsync_or_rename(
    repo: Repo, cli: CliRunnerCall, opened: str, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """Delayed allocation reports ENOSPC at fsync; some filesystems at the rename."""
    path = repo.postmortem_path(opened)
    before, head = path.read_bytes(), repo.git("rev-parse", "HEAD")

    def no_space(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, failing, no_space)
    result = cli("event", opened, "will not fit", "--at", "2024-01-15T15:00")
    assert_refused_cleanly(repo, result, path, before, head, WRITE_ERROR)
    assert "the disk is full" in result.stderr


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS], ids=["EACCES", "EROFS"])
def test_read_only_postmortems_folder(
    repo: Repo, cli: CliRunnerCall, opened: str, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    path = repo.postmortem_path(opened)
    folder = path.parent
    before, head = path.read_bytes(), repo.git("rev-parse", "HEAD")
    if os.geteuid() != 0 and code == errno.EACCES:
        folder.chmod(0o555)  # real: the kernel refuses to create the temporary file
    else:
        # Root ignores the mode bits (and a read-only mount needs privileges tests do
        # not have), so the error the kernel would give comes from the same call.
        real_mkstemp = tempfile.mkstemp

        def refused(*args: Any, **kwargs: Any) -> Any:
            if Path(kwargs.get("dir", "")) == folder:
                raise OSError(code, os.strerror(code))
            return real_mkstemp(*args, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", refused)
    result = cli("event", opened, "cannot write", "--at", "2024-01-15T15:00")
    folder.chmod(0o755)
    assert_refused_cleanly(repo, result, path, before, head, WRITE_ERROR)
    assert result.stderr == (
        f"pm: cannot write {path.name}: permission denied (read-only folder or file?); "
        "the original file is unchanged\n"
    )


def test_file_vanished_between_read_and_write(
    repo: Repo, cli: CliRunnerCall, opened: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = repo.postmortem_path(opened)
    head = repo.git("rev-parse", "HEAD")
    real_read = Store.read

    def read_then_vanish(self: Store, target: Path) -> Any:
        record = real_read(self, target)
        target.unlink()  # another tool (or a person) deletes it while pm works
        return record

    monkeypatch.setattr(Store, "read", read_then_vanish)
    result = cli("event", opened, "too late", "--at", "2024-01-15T15:00")
    assert result.exit_code == 3
    assert result.stderr == (
        f"pm: postmortems/2024/{path.name}: the file vanished while pm worked\n"
    )
    assert not path.exists(), "pm recreated a file someone deleted"
    assert repo.git("rev-parse", "HEAD") == head
    assert stray_files(path.parent) == []


def test_uncommitted_file_is_committed_by_the_next_change(repo: Repo, cli: CliRunnerCall) -> None:
    """`open --no-commit` (or a crash before the commit) leaves an untracked file."""
    pid = cli.ok(
        "open", "Left untracked", "-s", "SEV-3", "--started", "2024-01-19T10:00", "--no-commit"
    ).stdout.split("\t")[0]
    relative = f"postmortems/2024/{pid}.md"
    assert repo.git("status", "--porcelain") == "?? postmortems/"
    cli.ok("event", pid, "now tracked", "--at", "2024-01-19T11:00")
    assert repo.files_in() == [relative]
    assert repo.git("status", "--porcelain") == ""
    assert repo.subjects()[0] == f"pm: event {pid} (note: now tracked)"


def test_failed_commit_of_an_untracked_file_leaves_it_untracked(
    repo: Repo, cli: CliRunnerCall
) -> None:
    pid = cli.ok(
        "open", "Left untracked", "-s", "SEV-3", "--started", "2024-01-19T10:00", "--no-commit"
    ).stdout.split("\t")[0]
    path = repo.postmortem_path(pid)
    before = path.read_bytes()
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    result = cli("event", pid, "refused", "--at", "2024-01-19T11:00")
    assert result.exit_code == 4
    assert path.read_bytes() == before
    assert repo.git("status", "--porcelain") == "?? postmortems/"


@pytest.mark.parametrize("link", ["folder", "file"])
def test_symbolic_links_are_never_written_through(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path, link: str
) -> None:
    """A committed link must not make pm write outside the repository (even uncommitted)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    path = repo.postmortem_path(opened)
    if link == "folder":
        path.rename(outside / path.name)
        path.parent.rmdir()
        path.parent.symlink_to(outside)
        shown = "postmortems/2024"
    else:
        path.rename(outside / path.name)
        path.symlink_to(outside / path.name)
        shown = f"postmortems/2024/{path.name}"
    repo.git("add", "-A")
    repo.git("commit", "--quiet", "-m", "a link")
    before = (outside / path.name).read_bytes()
    head = repo.git("rev-parse", "HEAD")
    message = f"pm: {shown} is a symbolic link; pm writes only real files inside the repository\n"
    for args in (
        ["event", opened, "through the link", "--at", "2024-01-15T15:00", "--no-commit"],
        ["event", opened, "through the link", "--at", "2024-01-15T15:00"],
        ["open", "Escape", "-s", "SEV-3", "--started", "2024-01-15T10:00", "--no-commit"],
    ):
        result = cli(*args)
        if link == "file" and args[0] == "open":
            assert result.exit_code == 0  # a new, real file beside the link is fine
            assert not (outside / "2024-01-15-escape.md").exists()
            continue
        assert (result.exit_code, result.stderr) == (3, message), args
    assert sorted(p.name for p in outside.iterdir()) == [path.name]
    assert (outside / path.name).read_bytes() == before
    assert repo.git("rev-parse", "HEAD") == head


def full_disk_fdopen(patch: pytest.MonkeyPatch) -> None:
    """Every new temporary file pm writes lands on /dev/full: a real ENOSPC."""
    real_fdopen = os.fdopen

    def full_disk(fd: int, *args: Any, **kwargs: Any) -> Any:
        os.close(fd)
        return real_fdopen(os.open("/dev/full", os.O_WRONLY), *args, **kwargs)

    patch.setattr(os, "fdopen", full_disk)


@pytest.mark.parametrize("exists", [False, True], ids=["new-file", "over-a-file"])
def test_report_output_on_a_full_disk(
    repo: Repo,
    cli: CliRunnerCall,
    opened: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    exists: bool,
) -> None:
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()
    if exists:
        target.write_bytes(b"last week's report\n")
    before = target.read_bytes() if exists else None
    head = repo.git("rev-parse", "HEAD")
    with monkeypatch.context() as patch:
        full_disk_fdopen(patch)
        result = cli("report", opened, "--format", "html", "-o", str(target))
    assert_refused_cleanly(repo, result, target, before, head, WRITE_ERROR)
    assert result.stdout == ""
    assert result.stderr == (
        "pm: cannot write report.html: the disk is full; the original file is unchanged\n"
    )
    cli.ok("report", opened, "--format", "html", "-o", str(target))
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def out_of_sync(repo: Repo, opened: str) -> Path:
    """A hand edit inside the generated timeline: ``lint --fix`` would rewrite the file."""
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8")
    assert "| Incident started |" in text
    path.write_text(text.replace("| Incident started |", "| Incident started, edited |"))
    repo.git("commit", "--quiet", "-am", "edit inside the block")
    return path


@pytest.mark.parametrize("fault", ["ENOSPC", "EACCES", "EROFS"])
def test_lint_fix_cannot_write(
    repo: Repo, cli: CliRunnerCall, opened: str, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    path = out_of_sync(repo, opened)
    before, head = path.read_bytes(), repo.git("rev-parse", "HEAD")
    with monkeypatch.context() as patch:
        if fault == "ENOSPC":
            full_disk_fdopen(patch)
            reason = "the disk is full"
        else:  # as the kernel refuses a read-only folder or mount (root ignores chmod)
            code = getattr(errno, fault)

            def refused(*args: Any, **kwargs: Any) -> Any:
                raise OSError(code, os.strerror(code))

            patch.setattr(tempfile, "mkstemp", refused)
            reason = "permission denied (read-only folder or file?)"
        result = cli("lint", "--fix", "--discard-block-edits")
    assert_refused_cleanly(repo, result, path, before, head, WRITE_ERROR)
    assert result.stderr == (
        f"pm: cannot write {path.name}: {reason}; the original file is unchanged\n"
    )
    assert cli("lint").exit_code == 1  # still out of sync, still reported
    assert cli("lint", "--fix").exit_code == 1  # an edited row: kept until asked to drop it
    assert cli("lint", "--fix", "--discard-block-edits").exit_code == 0
    assert "| Incident started |" in path.read_text(encoding="utf-8")
