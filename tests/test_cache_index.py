"""The summary cache's content key from git's index (``gitrepo.unchanged_blobs``): when
many files miss their stat (a fresh clone with a restored CI cache, a checkout), git names
the blob of each file it finds unchanged, so those files are neither read nor hashed.

Every case where git's index does not hold the bytes in the work tree (edits staged or
not, of the same size and mtime, untracked files, conflicts, a held index.lock, line-ending
conversion) must give what a cold read gives. The threshold is set to 0 so that a few
files take the path a repository of thousands takes."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, git
from pm import cache as cache_module
from pm import store as store_module
from pm.cache import CACHE_NAME
from pm.config import Config
from pm.gitrepo import unchanged_blobs
from pm.location import git_dir
from pm.store import Store


@pytest.fixture(autouse=True)
def index_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ask git's index at the first miss; cache files changed up to now (no racy wait)."""
    monkeypatch.setattr(store_module, "INDEX_AFTER_MISSES", 0)
    monkeypatch.setattr(cache_module, "RACY_NS", 0)


TITLES = ("Checkout returns 500s", "Search is slow", "DNS fails")


def open_three(cli: CliRunnerCall) -> list[str]:
    ids = []
    for i, title in enumerate(TITLES):
        result = cli.ok("open", title, "-s", "SEV-2", "--started", f"2024-01-1{i}T10:00")
        ids.append(result.stdout.split("\t")[0])
    return ids


def cache_file(root: Path) -> Path:
    found = git_dir(root)
    assert found is not None
    return found / "pm" / CACHE_NAME


def counted(root: Path) -> tuple[int, int, int, int]:
    """(stat hits, content hits, of which git's index vouched for, parses) of one
    whole-repository read; a read with errors is compared with a cold one by the caller."""
    store = Store(Config(root=root))
    records, errors = store.read_all()
    assert not errors
    cache = store._summaries
    assert cache is not None
    assert cache.stat_hits + cache.content_hits + cache.misses == len(records)
    return cache.stat_hits, cache.content_hits, cache.index_hits, cache.misses


def cold(root: Path) -> tuple[list[object], list[str]]:
    """What a read without any cache gives: the postmortems and the errors."""
    saved = cache_file(root).read_bytes() if cache_file(root).exists() else None
    cache_file(root).unlink(missing_ok=True)
    records, errors = Store(Config(root=root)).read_all()
    if saved is not None:
        cache_file(root).write_bytes(saved)
    return [r.postmortem for r in records], [str(e) for e in errors]


def settle(root: Path) -> None:
    """Let git write its index in a later second than every file changed in, as in a CI
    job that runs a while after its checkout: git's answers are trusted only for files
    older than the index's second (``IndexBlobs.get``), and a test cannot set a ctime.
    (Waits for the clock's next second; asserts nothing about time.)"""
    second = time.time_ns() // 1_000_000_000
    while time.time_ns() < (second + 1) * 1_000_000_000 + 50_000_000:
        time.sleep(0.02)
    git(root, "update-index", "-q", "--refresh")
    git(root, "update-index", "--force-write-index")


def clone_with_cache(repo: Repo, tmp_path: Path, cache: bytes | None = None) -> Path:
    """A fresh clone of ``repo`` with ``repo``'s cache (or ``cache``) restored into it."""
    other = tmp_path / "job"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(other))
    (other / ".git" / "pm").mkdir(exist_ok=True)
    cache_file(other).write_bytes(
        cache if cache is not None else cache_file(repo.path).read_bytes()
    )
    return other


def test_a_restored_cache_in_a_fresh_clone_reads_no_file(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    open_three(cli)
    expected = cli.ok("list", "--json").stdout
    other = clone_with_cache(repo, tmp_path)
    settle(other)
    index = (other / ".git" / "index").read_bytes()
    assert counted(other) == (0, 3, 3, 0)  # every blob id from git's index
    assert counted(other) == (3, 0, 0, 0)  # and the new stats were kept
    assert (other / ".git" / "index").read_bytes() == index  # git never wrote the index
    os.chdir(other)
    assert cli.ok("list", "--json").stdout == expected


def test_few_misses_hash_the_files_and_ask_git_nothing(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_three(cli)
    cli.ok("list")
    other = clone_with_cache(repo, tmp_path)
    monkeypatch.setattr(store_module, "INDEX_AFTER_MISSES", 3)
    assert counted(other) == (0, 3, 0, 0)


def same_size_edit(path: Path) -> None:
    """Change the file in place, keeping its size and mtime (only the ctime moves)."""
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    edited = text.replace("returns 500s", "returns 404s")
    assert len(edited) == len(text) and edited != text
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )


def test_a_hand_edit_of_the_same_size_and_mtime_after_the_index_is_parsed(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    """An edit after git last wrote its index: its ctime is not older than the index."""
    first, *_ = open_three(cli)
    cli.ok("list")
    other = clone_with_cache(repo, tmp_path)
    settle(other)
    same_size_edit(other / repo.postmortem_path(first).relative_to(repo.path))
    assert counted(other) == (0, 2, 2, 1)
    os.chdir(other)
    assert [e["title"] for e in json.loads(cli.ok("list", "--json").stdout)] == [
        "Checkout returns 404s",
        *TITLES[1:],
    ]


def test_a_hand_edit_of_the_same_size_and_mtime_before_the_index_is_parsed(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    """An edit git's index was written after without looking at the file again: only its
    ctime tells, and git compares it whatever ``core.trustctime`` and ``core.checkStat``
    say in this repository (pm asks it to)."""
    first, *_ = open_three(cli)
    cli.ok("list")
    other = clone_with_cache(repo, tmp_path)
    git(other, "config", "core.trustctime", "false")
    git(other, "config", "core.checkStat", "minimal")
    settle(other)
    same_size_edit(other / repo.postmortem_path(first).relative_to(repo.path))
    settle(other)  # git's refresh, under this repository's settings, sees no change
    assert git(other, "diff", "--name-only") == ""
    assert counted(other) == (0, 2, 2, 1)
    records, _ = Store(Config(root=other)).read_all()
    assert records[0].postmortem.title == "Checkout returns 404s"


def test_an_edit_in_the_second_git_recorded_the_file_is_parsed(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    """git compares times to the second: an edit that keeps size and mtime, made in the
    very second git recorded the file, looks unchanged to git itself. pm takes git's word
    only for files changed before the second the index was written in."""
    first, *_ = open_three(cli)
    cli.ok("list")
    other = clone_with_cache(repo, tmp_path)
    path = other / repo.postmortem_path(first).relative_to(repo.path)
    original = path.read_bytes()
    files = sorted((other / "postmortems").glob("*/*.md"))
    old = 1_600_000_000_000_000_000
    for _attempt in range(5):  # all within one second of the clock (a busy machine: again)
        second = time.time_ns() // 1_000_000_000
        while time.time_ns() < (second + 1) * 1_000_000_000 + 20_000_000:
            time.sleep(0.01)
        path.write_bytes(original)
        for file in files:
            os.utime(file, ns=(old, old))
        git(other, "update-index", "-q", "--refresh")
        same_size_edit(path)
        index = (other / ".git" / "index").stat().st_mtime_ns // 1_000_000_000
        if path.stat().st_ctime_ns // 1_000_000_000 == index:
            break
    else:
        raise AssertionError("could not edit within the second git wrote its index")
    assert git(other, "diff", "--name-only") == ""  # git's blind spot
    assert counted(other) == (0, 2, 0, 1)
    records, _ = Store(Config(root=other)).read_all()
    assert records[0].postmortem.title == "Checkout returns 404s"


def test_staged_and_unstaged_edits_and_untracked_files(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    """The cache was made where every file was edited (one staged, one not, one new and
    untracked); in the clone the same edits give the same content: staged, git's index
    holds it; unstaged or untracked, the file is hashed. Nothing is parsed again."""
    first, second, third = open_three(cli)
    cli.ok("list")
    edits: dict[str, str] = {}
    for pid in (first, second):
        path = repo.postmortem_path(pid)
        edits[pid] = path.read_text(encoding="utf-8").replace("## Summary\n", "## Summary\n\nX.\n")
        path.write_text(edits[pid], encoding="utf-8")
    untracked = repo.postmortem_path(third).with_name("2024-01-13-new-one.md")
    new_text = (
        repo.postmortem_path(third).read_text(encoding="utf-8").replace(third, untracked.stem)
    )
    untracked.write_text(new_text, encoding="utf-8")
    cli.ok("list")  # the cache holds the edited files and the untracked one
    other = clone_with_cache(repo, tmp_path)
    for pid, text in edits.items():
        (other / repo.postmortem_path(pid).relative_to(repo.path)).write_text(text, "utf-8")
    git(other, "add", repo.postmortem_path(first).relative_to(repo.path).as_posix())
    (other / untracked.relative_to(repo.path)).write_text(new_text, encoding="utf-8")
    settle(other)
    # first: staged (git's id); second: unstaged, third: unchanged (git's id); new: hashed.
    assert counted(other) == (0, 4, 2, 0)
    records, _ = Store(Config(root=other)).read_all()
    assert [r.postmortem for r in records] == cold(other)[0]


def test_a_staged_edit_the_cache_has_not_seen_is_parsed(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    first, *_ = open_three(cli)
    cli.ok("list")
    other = clone_with_cache(repo, tmp_path)
    path = other / repo.postmortem_path(first).relative_to(repo.path)
    path.write_text(path.read_text("utf-8").replace("returns 500s", "returns 502s"), "utf-8")
    git(other, "add", path.relative_to(other).as_posix())
    settle(other)
    assert counted(other) == (0, 2, 2, 1)
    assert cold(other)[0][0].title == "Checkout returns 502s"  # type: ignore[attr-defined]
    records, _ = Store(Config(root=other)).read_all()
    assert records[0].postmortem.title == "Checkout returns 502s"


def test_a_held_index_lock_means_every_file_is_hashed(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    """Another git command may be rewriting files and the index: git's answer could be
    about an index that is being replaced, so pm hashes the files itself."""
    open_three(cli)
    cli.ok("list")
    other = clone_with_cache(repo, tmp_path)
    lock = other / ".git" / "index.lock"
    lock.write_bytes(b"")
    try:
        assert counted(other) == (0, 3, 0, 0)
    finally:
        lock.unlink()
    assert not lock.exists()


def test_a_file_with_a_merge_conflict_is_read_as_it_is(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    """An unmerged file has no blob in the index (stages 1-3 only): pm reads the work-tree
    file, conflict markers and all, exactly as without a cache."""
    first, *_ = open_three(cli)
    cli.ok("list")
    relative = repo.postmortem_path(first).relative_to(repo.path).as_posix()
    path = repo.postmortem_path(first)
    original = path.read_text(encoding="utf-8")
    repo.git("switch", "--quiet", "-c", "other")
    path.write_text(original.replace("returns 500s", "returns 502s"), encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "other side")
    repo.git("switch", "--quiet", "main")
    path.write_text(original.replace("returns 500s", "returns 503s"), encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "this side")
    cli.ok("list")  # the cache holds this side's file
    merge = subprocess.run(
        ["git", "merge", "other"], cwd=repo.path, capture_output=True, check=False
    )
    assert merge.returncode != 0 and "CONFLICT" in merge.stdout.decode()
    assert "<<<<<<<" in path.read_text(encoding="utf-8")
    found = unchanged_blobs(repo.path, repo.path / "postmortems")
    assert found is not None and relative not in found.blobs and len(found.blobs) == 2
    expected = cold(repo.path)
    store = Store(Config(root=repo.path))
    records, errors = store.read_all()
    assert ([r.postmortem for r in records], [str(e) for e in errors]) == expected
    assert len(expected[0]) + len(expected[1]) == 3


def test_unchanged_blobs_in_a_repository_without_commits(tmp_path: Path) -> None:
    """Before the first commit the index holds what is staged; nothing else is named."""
    root = tmp_path / "new"
    (root / "postmortems" / "2024").mkdir(parents=True)
    git(root, "init", "--quiet")
    staged = root / "postmortems" / "2024" / "a.md"
    staged.write_bytes(b"staged\n")
    (root / "postmortems" / "2024" / "b.md").write_bytes(b"untracked\n")
    git(root, "add", "postmortems/2024/a.md")
    found = unchanged_blobs(root, root / "postmortems")
    assert found is not None
    assert found.blobs == {"postmortems/2024/a.md": cache_module.blob_id(b"staged\n")}
    assert unchanged_blobs(tmp_path, tmp_path) is None  # not a repository: no answer


def test_unchanged_blobs_with_git_dir_and_git_work_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A work tree whose git directory lives elsewhere, named by relative variables."""
    work = tmp_path / "work"
    (work / "postmortems" / "2024").mkdir(parents=True)
    git(tmp_path, "init", "--quiet", "--separate-git-dir", str(tmp_path / "store.git"), "work")
    (work / ".git").unlink()  # only the variables lead to it
    (work / "postmortems" / "2024" / "a.md").write_bytes(b"one\n")
    (work / "postmortems" / "2024" / "b.md").write_bytes(b"two\n")
    monkeypatch.chdir(work)
    monkeypatch.setenv("GIT_DIR", "../store.git")
    monkeypatch.setenv("GIT_WORK_TREE", ".")
    git(work, "add", "postmortems/2024/a.md", "postmortems/2024/b.md")
    (work / "postmortems" / "2024" / "b.md").write_bytes(b"two, edited\n")
    found = unchanged_blobs(work, work / "postmortems")
    assert found is not None
    assert found.blobs == {"postmortems/2024/a.md": cache_module.blob_id(b"one\n")}


def test_a_root_below_the_top_names_files_from_the_root(tmp_path: Path) -> None:
    """A ``.pm.toml`` in a subfolder makes it pm's root: names are relative to it, as the
    cache's are."""
    top = tmp_path / "mono"
    root = top / "ops"
    (root / "postmortems" / "2024").mkdir(parents=True)
    git(top, "init", "--quiet")
    (root / "postmortems" / "2024" / "a.md").write_bytes(b"one\n")
    git(top, "add", "ops/postmortems/2024/a.md")
    found = unchanged_blobs(root, root / "postmortems")
    assert found is not None
    assert found.blobs == {"postmortems/2024/a.md": cache_module.blob_id(b"one\n")}


def cached_then_attributes(repo: Repo, cli: CliRunnerCall, line: str, message: str) -> bytes:
    """Three postmortems read into the cache (its bytes returned), then ``line`` committed
    as the ``.gitattributes`` of the repository."""
    open_three(cli)
    cli.ok("list")
    cached = cache_file(repo.path).read_bytes()
    (repo.path / ".gitattributes").write_text(line + "\n", encoding="utf-8")
    repo.git("add", ".gitattributes")
    repo.git("commit", "--quiet", "-m", message)
    return cached


def test_a_line_ending_conversion_is_not_taken_for_the_cached_bytes(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    """With ``eol=crlf`` the work tree holds CRLF while git's id is of the LF blob, the
    bytes the cache was read from elsewhere: the sizes differ, so the file is read."""
    lf_cache = cached_then_attributes(repo, cli, "*.md text eol=crlf", "CRLF in work trees")
    other = clone_with_cache(repo, tmp_path, lf_cache)
    settle(other)
    files = sorted((other / "postmortems").glob("*/*.md"))
    assert all(b"\r\n" in f.read_bytes() for f in files)
    assert counted(other) == (0, 0, 0, 3)


def test_a_smudge_filter_keeping_the_size_is_not_taken_for_the_cached_bytes(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    """A clean/smudge filter may rewrite a file without changing its size: git's id is of
    the blob (the bytes the cache was read from elsewhere, where no filter is configured),
    the work tree holds the smudged bytes, and only reading the file can tell."""
    plain_cache = cached_then_attributes(
        repo, cli, "*.md filter=swap", "a filter, configured in some clones only"
    )
    other = tmp_path / "job"
    git(
        tmp_path, "clone", "--quiet",
        "-c", "filter.swap.smudge=sed 's/ 500s$/ 404s/'",
        "-c", "filter.swap.clean=sed 's/ 404s$/ 500s/'",
        str(repo.path), str(other),
    )  # fmt: skip
    (other / ".git" / "pm").mkdir(exist_ok=True)
    cache_file(other).write_bytes(plain_cache)
    settle(other)
    (smudged,) = (other / "postmortems").glob("*/*checkout*.md")
    assert b"returns 404s" in smudged.read_bytes()
    expected = cold(other)
    assert "Checkout returns 404s" in repr(expected[0])
    records, errors = Store(Config(root=other)).read_all()
    assert ([r.postmortem for r in records], [str(e) for e in errors]) == expected
