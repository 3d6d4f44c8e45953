"""The summary cache under .git: never stale, never tracked, rebuilt silently when damaged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, git
from pm import cache as cache_module
from pm.cache import (
    CACHE_NAME,
    RACY_NS,
    SummaryCache,
    decode,
    encode,
    file_pieces,
    read_file,
    write_file,
)
from pm.config import Config
from pm.location import git_dir
from pm.store import Entry, Record, Store


def cache_file(root: Path) -> Path:
    found = git_dir(root)
    assert found is not None
    return found / "pm" / CACHE_NAME


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache files changed up to now, so tests need not wait; the rule has its own test."""
    monkeypatch.setattr(cache_module, "RACY_NS", 0)


def open_incidents(cli: CliRunnerCall, *titles: str) -> list[str]:
    ids = []
    for i, title in enumerate(titles):
        result = cli.ok("open", title, "-s", "SEV-2", "--started", f"2024-01-1{i}T10:00")
        ids.append(result.stdout.split("\t")[0])
    return ids


def list_json(cli: CliRunnerCall) -> list[dict[str, object]]:
    data = json.loads(cli.ok("list", "--json").stdout)
    assert isinstance(data, list)
    return data


def titles(cli: CliRunnerCall) -> list[object]:
    return [entry["title"] for entry in list_json(cli)]


def cached_names(root: Path) -> set[str]:
    cache = SummaryCache(cache_file(root))
    return set(cache._old)


def rel(repo: Repo, *paths: Path) -> set[str]:
    """Cache entries are named by the file's path relative to the root."""
    return {path.relative_to(repo.path).as_posix() for path in paths}


def test_list_writes_the_cache_under_git_and_uses_it(repo: Repo, cli: CliRunnerCall) -> None:
    open_incidents(cli, "Checkout returns 500s", "Search is slow")
    first = cli.ok("list", "--json").stdout
    assert cache_file(repo.path).is_file()
    assert str(cache_file(repo.path)).startswith(str(repo.path / ".git"))
    assert len(cached_names(repo.path)) == 2
    records, errors = Store(Config(root=repo.path)).read_all()
    assert not errors
    assert all(type(r) is Entry for r in records)
    assert cli.ok("list", "--json").stdout == first


def test_results_with_and_without_cache_are_identical(repo: Repo, cli: CliRunnerCall) -> None:
    ids = open_incidents(cli, "Checkout returns 500s", "Search is slow", "DNS fails")
    cli.ok("event", ids[0], "Rolled back", "-k", "mitigated", "--at", "2024-01-10T11:00")
    cli.ok("resolve", ids[0], "Fixed", "--at", "2024-01-10T12:00")
    store = Store(Config(root=repo.path))
    fresh = [store.read(p) for p in store.paths()]
    cli.ok("list")  # warms the cache
    cached, _ = store.read_all()
    assert all(type(r) is Entry for r in cached)
    assert [r.postmortem for r in cached] == [r.postmortem for r in fresh]
    for option in ([], ["--json"], ["--status", "resolved"], ["--since", "2024-01-11"]):
        warm = cli.ok("list", *option).stdout
        cache_file(repo.path).unlink()
        assert cli.ok("list", *option).stdout == warm


@pytest.mark.parametrize("warm", [False, True])
def test_bulk_reads_hold_no_text_and_the_store_reads_it_when_asked(
    repo: Repo, cli: CliRunnerCall, warm: bool
) -> None:
    (only,) = open_incidents(cli, "Checkout returns 500s")
    store = Store(Config(root=repo.path))
    if warm:
        store.read_all()
    assert cache_file(repo.path).exists() == warm
    (entry,) = store.read_all()[0]
    assert type(entry) is Entry  # a path and a postmortem, nothing of the file's text
    assert set(vars(entry)) == {"path", "postmortem"}
    path = repo.postmortem_path(only)
    assert entry.path == path
    record = store.read(path)
    assert isinstance(record, Record)
    assert record.raw == store.file_bytes(path) == path.read_bytes()
    assert record.document.front["id"] == only
    assert "## Summary" in record.document.body
    assert store.read_body(path) == record.document.body
    assert entry.postmortem == record.postmortem


def test_hand_edit_of_same_size_and_mtime_is_seen(repo: Repo, cli: CliRunnerCall) -> None:
    (only,) = open_incidents(cli, "Checkout returns 500s")
    path = repo.postmortem_path(only)
    assert titles(cli) == ["Checkout returns 500s"]
    assert cached_names(repo.path) == rel(repo, path)
    before = path.stat()
    text = path.read_text(encoding="utf-8").replace(
        "Checkout returns 500s", "Checkout returns 404s"
    )
    path.write_text(text, encoding="utf-8")  # in place: the same inode
    # Same size and the very same mtime as the cached entry: only the ctime differs.
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    assert titles(cli) == ["Checkout returns 404s"]


def stats(root: Path) -> dict[str, object]:
    cache = SummaryCache(cache_file(root))
    return {name: entry[0] for name, entry in cache._old.items()}


def test_recently_changed_files_keep_no_stat(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file changed within RACY_NS of the cache write has its content checked every time
    # until older, so an edit in the same filesystem tick can never hide behind its stat.
    monkeypatch.setattr(cache_module, "RACY_NS", RACY_NS)
    assert RACY_NS >= 2_000_000_000
    (only,) = open_incidents(cli, "Checkout returns 500s")
    path = repo.postmortem_path(only)
    cli.ok("list")
    assert stats(repo.path) == dict.fromkeys(rel(repo, path))  # content only, no stat
    time.sleep(RACY_NS / 1e9 + 0.1)
    cli.ok("list")
    (stamped,) = stats(repo.path).values()
    assert stamped is not None


def test_pm_writes_are_seen(repo: Repo, cli: CliRunnerCall) -> None:
    (only,) = open_incidents(cli, "Checkout returns 500s")
    assert list_json(cli)[0]["status"] == "active"
    cli.ok("resolve", only, "Fixed", "--at", "2024-01-10T12:00")
    assert list_json(cli)[0]["status"] == "resolved"


def test_git_pull_from_another_clone_is_seen(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (only,) = open_incidents(cli, "Checkout returns 500s")
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(other))
    monkeypatch.chdir(other)
    assert list_json(cli)[0]["status"] == "active"
    monkeypatch.chdir(repo.path)
    cli.ok("resolve", only, "Fixed", "--at", "2024-01-10T12:00")
    monkeypatch.chdir(other)
    git(other, "pull", "--quiet", "--ff-only")
    assert list_json(cli)[0]["status"] == "resolved"


def test_branch_switch_is_seen(repo: Repo, cli: CliRunnerCall) -> None:
    (only,) = open_incidents(cli, "Checkout returns 500s")
    repo.git("switch", "--quiet", "-c", "resolved-branch")
    cli.ok("resolve", only, "Fixed", "--at", "2024-01-10T12:00")
    assert list_json(cli)[0]["status"] == "resolved"
    repo.git("switch", "--quiet", "main")
    assert list_json(cli)[0]["status"] == "active"
    repo.git("switch", "--quiet", "resolved-branch")
    assert list_json(cli)[0]["status"] == "resolved"


def test_deleted_file_disappears_and_is_dropped(repo: Repo, cli: CliRunnerCall) -> None:
    first, second = open_incidents(cli, "Checkout returns 500s", "Search is slow")
    assert len(list_json(cli)) == 2
    repo.postmortem_path(first).unlink()
    assert titles(cli) == ["Search is slow"]
    assert cached_names(repo.path) == rel(repo, repo.postmortem_path(second))


def test_broken_file_is_still_reported_after_caching(repo: Repo, cli: CliRunnerCall) -> None:
    (only,) = open_incidents(cli, "Checkout returns 500s")
    path = repo.postmortem_path(only)
    cli.ok("list")
    path.write_text(f"id: {only}\nseverity: SEV-2\n", encoding="utf-8")  # no fences
    result = cli("list")
    assert result.exit_code == 3
    assert "does not start with a '---'" in result.stderr


@pytest.mark.parametrize(
    "damage",
    [
        b"garbage \x00\xff bytes",
        b"",
        None,  # truncated: the first half of a real cache
        b"wrong-version",  # valid marshal, foreign content
        b"one-piece",  # the layout of format 5: the header and entries as one marshal
    ],
)
def test_corrupt_cache_is_rebuilt_silently(
    repo: Repo, cli: CliRunnerCall, damage: bytes | None
) -> None:
    import marshal

    open_incidents(cli, "Checkout returns 500s", "Search is slow")
    expected = cli.ok("list", "--json").stdout
    target = cache_file(repo.path)
    good = target.read_bytes()
    if damage is None:
        target.write_bytes(good[: len(good) // 2])
    elif damage == b"one-piece":
        target.write_bytes(marshal.dumps(read_file(target)))
    elif damage == b"wrong-version":
        _header, entries = read_file(target)
        write_file(target, ("pm-cache", 0, "0.0", (3, 0)), entries)
    else:
        target.write_bytes(damage)
    result = cli.ok("list", "--json")
    assert result.stdout == expected
    assert result.stderr == ""
    assert target.read_bytes() == good  # rebuilt


def test_a_cache_file_is_written_and_read_in_pieces(tmp_path: Path) -> None:
    """Rewriting 50,000 entries marshals a few thousand at a time (never the whole file's
    bytes at once); reading gives back the header and every entry, in order."""
    import marshal

    entries = {f"postmortems/2024/{n:05d}.md": (None, b"b" * 20, n) for n in range(4500)}
    pieces = list(file_pieces(("pm-test", 1), entries))
    assert len(pieces) == 4  # the header, then 2,000 + 2,000 + 500 entries
    assert max(len(p) for p in pieces) < len(marshal.dumps(entries)) / 2
    target = tmp_path / "cache.marshal"
    write_file(target, ("pm-test", 1), entries)
    header, found = read_file(target)
    assert header == ("pm-test", 1) and list(found.items()) == list(entries.items())
    write_file(target, ("pm-test", 1), {})
    assert read_file(target) == (("pm-test", 1), {})
    whole = b"".join(pieces)
    for damaged in (whole[:-1], whole[:5], whole + b"\x01", marshal.dumps((1, entries))):
        target.write_bytes(damaged)
        with pytest.raises(ValueError):
            read_file(target)
    assert cache_module._load(target, ("pm-test", 1)) == {}


def test_a_byte_flipped_inside_a_value_is_a_miss_not_data(repo: Repo, cli: CliRunnerCall) -> None:
    """A flipped byte that still loads (a title's last letter) once showed as the title;
    each piece's CRC-32 makes the file a miss, read afresh and rewritten."""
    open_incidents(cli, "Checkout returns 500s", "Search is slow")
    expected = cli.ok("list").stdout
    target = cache_file(repo.path)
    good = target.read_bytes()
    assert b"Search is slow" in good
    target.write_bytes(good.replace(b"Search is slow", b"Search is slop"))
    assert cli.ok("list").stdout == expected
    assert target.read_bytes() == good  # rebuilt


def test_damaged_entry_is_a_miss(repo: Repo, cli: CliRunnerCall) -> None:

    (only,) = open_incidents(cli, "Checkout returns 500s")
    expected = cli.ok("list", "--json").stdout
    target = cache_file(repo.path)
    header, entries = read_file(target)
    (name,) = rel(repo, repo.postmortem_path(only))
    for damaged in (
        (entries[name][0], entries[name][1], ("too", "short")),
        (None, entries[name][1], 42),
        (entries[name][0], ("too", "short")),
        42,
        (),
        "text",
    ):
        write_file(target, header, {**entries, name: damaged})
        result = cli.ok("list", "--json")
        assert (result.stdout, result.stderr) == (expected, "")


def test_cache_is_not_tracked_nor_shown(repo: Repo, cli: CliRunnerCall) -> None:
    open_incidents(cli, "Checkout returns 500s")
    cli.ok("list")
    assert cache_file(repo.path).is_file()
    assert repo.git("status", "--porcelain", "--untracked-files=all", "--ignored") == ""
    assert "cache" not in repo.git("ls-files")


def test_read_only_git_dir_never_fails_a_read(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_incidents(cli, "Checkout returns 500s")
    git_directory = repo.path / ".git"
    if os.geteuid() == 0:
        # Root ignores directory permissions (CI runs as root): refuse the way a
        # read-only filesystem would, at the cache's first write call.
        import tempfile

        def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
            raise OSError(30, "Read-only file system")

        monkeypatch.setattr(tempfile, "mkstemp", read_only)
    git_directory.chmod(0o555)
    try:
        assert titles(cli) == ["Checkout returns 500s"]
        assert cli("list").stderr == ""
    finally:
        git_directory.chmod(0o755)
    assert not cache_file(repo.path).exists()


def test_unwritable_cache_folder_never_fails_a_read(repo: Repo, cli: CliRunnerCall) -> None:
    open_incidents(cli, "Checkout returns 500s")
    # A file where the cache folder should be: the write fails even for root.
    shutil.rmtree(repo.path / ".git" / "pm", ignore_errors=True)  # pm's journal made it
    (repo.path / ".git" / "pm").write_text("not a folder", encoding="utf-8")
    assert titles(cli) == ["Checkout returns 500s"]
    result = cli("list")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_list_outside_git_is_refused_and_caches_nothing(
    tmp_path: Path, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, repo: Repo
) -> None:
    """A copy of the folder outside any repository is not where postmortems are kept:
    reads refuse it (exit 4, issue 11), and no cache appears anywhere."""
    open_incidents(cli, "Checkout returns 500s")
    plain = tmp_path / "plain"
    shutil.copytree(repo.path / "postmortems", plain / "postmortems")
    monkeypatch.chdir(plain)
    result = cli("list")
    assert result.exit_code == 4
    assert "is not in a git repository" in result.stderr
    assert not (plain / ".git").exists()
    assert list(plain.rglob("*cache*")) == []


def test_linked_worktree_has_its_own_cache(repo: Repo, cli: CliRunnerCall, tmp_path: Path) -> None:
    open_incidents(cli, "Checkout returns 500s")
    tree = tmp_path / "tree"
    repo.git("worktree", "add", "--quiet", "-b", "other", str(tree))
    found = git_dir(tree)
    assert found is not None
    assert found.parent.name == "worktrees"
    os.chdir(tree)
    assert titles(cli) == ["Checkout returns 500s"]
    assert (found / "pm" / CACHE_NAME).is_file()
    assert not cache_file(repo.path).exists()


def test_encode_round_trips_every_field(repo: Repo, cli: CliRunnerCall) -> None:
    (only,) = open_incidents(cli, "Checkout returns 500s")
    path = repo.postmortem_path(only)
    text = path.read_text(encoding="utf-8")
    text = text.replace("actions: []\n", "actions:\n" + ACTION + "custom_key: [1, two, 3.5]\n")
    path.write_text(text, encoding="utf-8")
    store = Store(Config(root=repo.path))
    postmortem = store.read(path).postmortem
    encoded = encode(postmortem)
    assert encoded is not None
    assert decode(encoded) == postmortem
    assert postmortem.actions[0].extra == {"estimate": "2d"}
    assert postmortem.extra == {"custom_key": [1, "two", 3.5]}


def test_dates_and_times_in_unknown_keys_are_cached_exactly(repo: Repo, cli: CliRunnerCall) -> None:
    """``pm action verify`` writes an evidence block with a time in it, and other tools
    add dates of their own: such a file is cached like any other (it was parsed on every
    read), and read back from the cache with the same values, zone and all."""
    (only,) = open_incidents(cli, "Checkout returns 500s")
    cli.ok("action", "add", only, "Add a pool alert", "--owner", "alice")
    path = repo.postmortem_path(only)
    own = "signed: 2024-02-01\nseen: [2024-02-01T10:00:00+02:00, 2024-02-02 09:30:00]"
    item = "  evidence:\n    commit: abc\n    date: 2024-09-16T15:20:00.5Z\n"
    text = path.read_text(encoding="utf-8").replace("  status: open\n", f"  status: open\n{item}")
    front, fence, body = text.partition("\n---\n")
    path.write_text(f"{front}\n{own}{fence}{body}", encoding="utf-8")
    store = Store(Config(root=repo.path))
    postmortem = store.read(path).postmortem
    assert postmortem.extra["signed"] == date(2024, 2, 1)
    assert postmortem.actions[0].extra["evidence"]["date"].microsecond == 500000
    encoded = encode(postmortem)
    assert encoded is not None
    assert decode(encoded) == postmortem
    assert repr(decode(encoded)) == repr(postmortem)  # the same zones, naive stays naive
    cli.ok("list")
    assert counted_read(repo.path) == (1, 0, 0)  # from the cache, not parsed
    records, _ = Store(Config(root=repo.path)).read_all()
    assert repr(records[0].postmortem) == repr(postmortem)
    odd = records[0].postmortem
    odd.extra["pair"] = (1, 2)  # marshal would keep a tuple, and YAML never makes one
    assert encode(odd) is None


ACTION = """\
- number: 1
  text: Add a pool-size alert
  owner: alice
  priority: P1
  due: 2024-02-14
  status: done
  ticket: https://tracker.example.com/OPS-1
  done: 2024-02-01
  estimate: 2d
- number: 2
  text: Drop the legacy path
  owner: bob
  priority: P2
  due: 2024-04-14
  status: wont-do
  reason: Replaced by the migration
"""


def test_config_in_a_subfolder_uses_the_repository_cache(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = repo.path / "ops"
    sub.mkdir()
    (sub / ".pm.toml").write_text('directory = "postmortems"\n', encoding="utf-8")
    monkeypatch.chdir(sub)
    open_incidents(cli, "Checkout returns 500s")
    assert titles(cli) == ["Checkout returns 500s"]
    assert cached_names(repo.path) == {
        p.relative_to(sub).as_posix() for p in sub.glob("postmortems/*/*.md")
    }


def test_show_with_a_written_cause_reads_the_cache_and_sees_hand_edits(
    repo: Repo, cli: CliRunnerCall
) -> None:
    """``pm show`` takes front matter from the cache when it compares causes: never stale."""
    first, second = open_incidents(cli, "Checkout returns 500s", "Checkout slow again")
    for pid in (first, second):
        path = repo.postmortem_path(pid)
        cause = "## Root Cause\n\nThe connection pool ran dry under retries.\n"
        text = path.read_text(encoding="utf-8").replace("## Root Cause\n", cause)
        path.write_text(text, encoding="utf-8")
    list_json(cli)  # warm the cache
    assert cached_names(repo.path) == rel(repo, *(repo.postmortem_path(p) for p in (first, second)))
    shown = cli.ok("show", second).stdout
    assert "Checkout slow again" in shown
    assert f"{first}  Checkout returns 500s" in shown  # the similar past incident
    for pid, old, new in ((first, "returns 500s", "returns 404s"), (second, "w again", "w twice")):
        path = repo.postmortem_path(pid)
        before = path.stat()
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # only ctime differs
    shown = cli.ok("show", second).stdout
    assert "Checkout slow twice" in shown and "slow again" not in shown
    assert f"{first}  Checkout returns 404s" in shown


# --- the content key: clones, pulls, switches and restored CI caches are not cold -------


def counted_read(root: Path) -> tuple[int, int, int]:
    """(stat hits, content hits, parses) of one whole-repository read at ``root``."""
    store = Store(Config(root=root))
    records, errors = store.read_all()
    assert not errors
    cache = store._summaries
    assert cache is not None
    assert cache.stat_hits + cache.content_hits + cache.misses == len(records)
    return cache.stat_hits, cache.content_hits, cache.misses


def test_a_fresh_clone_with_a_copied_cache_is_warm(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    open_incidents(cli, "Checkout returns 500s", "Search is slow", "DNS fails")
    expected = list_json(cli)
    assert counted_read(repo.path) == (3, 0, 0)
    other = tmp_path / "elsewhere" / "clone"  # another checkout path
    git(tmp_path, "clone", "--quiet", str(repo.path), str(other))
    (other / ".git" / "pm").mkdir(exist_ok=True)
    shutil.copy(cache_file(repo.path), cache_file(other))
    assert counted_read(other) == (0, 3, 0)  # every file hashed, none parsed
    assert counted_read(other) == (3, 0, 0)  # and the new stats were kept
    os.chdir(other)
    assert list_json(cli) == expected


def test_a_fresh_clone_without_a_cache_parses_everything(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    open_incidents(cli, "Checkout returns 500s", "Search is slow")
    other = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(other))
    assert counted_read(other) == (0, 0, 2)
    assert counted_read(other) == (2, 0, 0)


def test_a_pull_parses_only_the_files_it_changed(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _, third = open_incidents(cli, "Checkout returns 500s", "Search is slow", "DNS")
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(other))
    assert counted_read(other) == (0, 0, 3)
    cli.ok("resolve", first, "Fixed", "--at", "2024-01-10T12:00")
    cli.ok("resolve", third, "Fixed", "--at", "2024-01-12T12:00")
    git(other, "pull", "--quiet", "--ff-only")
    stat_hits, content_hits, parsed = counted_read(other)
    assert parsed == 2
    assert stat_hits + content_hits == 1
    monkeypatch.chdir(other)
    assert [p["status"] for p in list_json(cli)] == ["resolved", "active", "resolved"]


def test_a_branch_switch_parses_only_the_files_that_differ(repo: Repo, cli: CliRunnerCall) -> None:
    first, _ = open_incidents(cli, "Checkout returns 500s", "Search is slow")
    assert counted_read(repo.path) == (0, 0, 2)
    repo.git("switch", "--quiet", "-c", "resolved-branch")
    cli.ok("resolve", first, "Fixed", "--at", "2024-01-10T12:00")
    assert counted_read(repo.path)[2] == 1  # the one pm just changed
    repo.git("switch", "--quiet", "main")
    assert counted_read(repo.path)[2] == 1
    assert list_json(cli)[0]["status"] == "active"
    repo.git("switch", "--quiet", "resolved-branch")
    # The file is back to bytes the cache saw before, under a new stat: hashed, not parsed.
    assert counted_read(repo.path)[2] == 1  # the cache keeps one version of each file
    assert list_json(cli)[0]["status"] == "resolved"


def test_touch_r_keeps_size_and_mtime_but_the_content_is_checked(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    """An edit that keeps size and mtime (``touch -r``) in a fresh clone whose restored
    cache has no stat for it yet: the blob id catches it."""
    (only,) = open_incidents(cli, "Checkout returns 500s")
    assert titles(cli) == ["Checkout returns 500s"]
    other = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(other))
    (other / ".git" / "pm").mkdir(exist_ok=True)
    shutil.copy(cache_file(repo.path), cache_file(other))
    path = other / repo.postmortem_path(only).relative_to(repo.path)
    saved = tmp_path / "reference"
    shutil.copy2(path, saved)
    text = path.read_text(encoding="utf-8").replace("returns 500s", "returns 404s")
    path.write_text(text, encoding="utf-8")
    subprocess.run(["touch", "-r", str(saved), str(path)], check=True)
    assert path.stat().st_size == saved.stat().st_size
    assert path.stat().st_mtime_ns == saved.stat().st_mtime_ns
    assert counted_read(other) == (0, 0, 1)
    os.chdir(other)
    assert titles(cli) == ["Checkout returns 404s"]


def test_a_cache_from_another_version_of_the_file_is_not_used(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    """A CI cache restored from an older commit (restore-keys): changed files are parsed."""
    _, second = open_incidents(cli, "Checkout returns 500s", "Search is slow")
    list_json(cli)
    old_cache = tmp_path / "old-cache"
    shutil.copy(cache_file(repo.path), old_cache)
    cli.ok("resolve", second, "Fixed", "--at", "2024-01-11T12:00")
    other = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(other))
    (other / ".git" / "pm").mkdir(exist_ok=True)
    shutil.copy(old_cache, cache_file(other))
    assert counted_read(other) == (0, 1, 1)
    os.chdir(other)
    assert [p["status"] for p in list_json(cli)] == ["active", "resolved"]


@pytest.mark.parametrize("damage", [b"\x00garbage", None])
def test_a_corrupt_restored_cache_is_ignored_and_rebuilt(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, damage: bytes | None
) -> None:
    open_incidents(cli, "Checkout returns 500s", "Search is slow")
    list_json(cli)
    other = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(other))
    (other / ".git" / "pm").mkdir(exist_ok=True)
    good = cache_file(repo.path).read_bytes()
    cache_file(other).write_bytes(good[: len(good) // 2] if damage is None else damage)
    assert counted_read(other) == (0, 0, 2)
    assert counted_read(other) == (2, 0, 0)


def test_pm_cache_dir_puts_the_cache_where_ci_restores_it(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_incidents(cli, "Checkout returns 500s", "Search is slow")
    shutil.rmtree(repo.path / ".git" / "pm", ignore_errors=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PM_CACHE_DIR", "ci-cache/pm")  # relative to the working directory
    monkeypatch.chdir(repo.path)
    cli.ok("list")
    cli.ok("search", "checkout")
    kept = repo.path / "ci-cache" / "pm"
    assert sorted(p.name for p in kept.iterdir()) == ["cache-v1.marshal", "prose-v1.marshal"]
    # A filter keeps the heads file (pm.cache.HeadCache) and the filter index (pm.headindex).
    cli.ok("list", "--status", "active")
    assert sorted(p.name for p in kept.iterdir()) == [
        "cache-v1.marshal",
        "filter-v1.marshal",
        "heads-v1.marshal",
        "prose-v1.marshal",
    ]
    assert not cache_file(repo.path).exists()
    # A CI job: a fresh clone, the folder restored to the same place, PM_CACHE_DIR set.
    other = tmp_path / "job"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(other))
    shutil.copytree(kept, other / "ci-cache" / "pm")
    monkeypatch.chdir(other)
    assert counted_read(other) == (0, 2, 0)


@pytest.mark.parametrize(
    "damaged", [42, (), "text", ((1, 2), b"x", b"y"), ((1, "a", 2, 3), b"x", b"y"), (None,)]
)
def test_a_damaged_entry_a_filter_does_not_look_up_is_dropped_not_a_crash(
    repo: Repo, cli: CliRunnerCall, damaged: object
) -> None:
    """A filtered read keeps the entries of the files its heads refused (``keep_unread``)
    without looking them up: a damaged one among them must not crash the save."""

    first, second = open_incidents(cli, "Checkout returns 500s", "Search is slow")
    cli.ok("resolve", second, "Fixed", "--at", "2024-01-11T12:00")
    expected = cli.ok("list", "--status", "active", "--json").stdout  # heads + index
    target = cache_file(repo.path)
    header, entries = read_file(target)
    (name,) = rel(repo, repo.postmortem_path(second))  # refused by its head
    write_file(target, header, {**entries, name: damaged})
    active = repo.postmortem_path(first)
    os.utime(active, ns=(active.stat().st_atime_ns, active.stat().st_mtime_ns + 1000))
    result = cli("list", "--status", "active", "--json")  # the index is stale: full filter
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")
    assert titles(cli) == ["Checkout returns 500s", "Search is slow"]


def test_a_few_changed_entries_are_appended_to_the_file_as_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``StatCache.append`` adds the changed entries as one piece at the end of the very
    file it loaded (``pm open`` at 50,000 postmortems rewrote 55 MB of tokens for one new
    file): read back, the file holds what a whole save would hold. Too many changes, a
    file replaced or grown since it was loaded, or 64 pieces: the caller saves it whole."""
    from pm.cache import StatCache

    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    target = tmp_path / "cache.marshal"
    first = StatCache(target)
    for n in range(4500):
        first._keep(f"f{n}", (n, 1, 1, n), b"b" * 20, ("value", n))
    first.save()
    inode = target.stat().st_ino
    loaded = StatCache(target)
    assert loaded._lookup("f7", (7, 1, 1, 7)) == ("value", 7)
    loaded._keep("f8", (8, 2, 2, 8), b"c" * 20, ("changed", 8))
    loaded._keep("new", (1, 1, 1, 1), b"d" * 20, ("new", 0))
    assert loaded.append(limit=200)
    assert target.stat().st_ino == inode  # not rewritten
    whole = {**first._saved, "f8": ((8, 2, 2, 8), b"c" * 20, ("changed", 8))}
    whole["new"] = ((1, 1, 1, 1), b"d" * 20, ("new", 0))
    assert StatCache(target)._old == whole == loaded.saved
    # Too many changes for the limit: not appended.
    many = StatCache(target)
    for n in range(300):
        many._keep(f"g{n}", None, b"e" * 20, n)
    assert not many.append(limit=200)
    # The file replaced (or grown) since it was loaded: not appended to.
    stale = StatCache(target)
    stale._keep("late", None, b"f" * 20, 1)
    StatCache(target).append(limit=200)  # nothing changed: nothing written
    write_file(target, cache_module._FORMAT, {"other": (None, b"g" * 20, 2)})
    assert not stale.append(limit=200)
    # A piece cut short: the whole file is a damaged cache, read as empty (and rebuilt).
    write_file(target, cache_module._FORMAT, whole)
    cut = StatCache(target)
    cut._keep("new", None, b"h" * 20, 3)
    assert cut.append(limit=200)
    target.write_bytes(target.read_bytes()[:-3])
    assert StatCache(target)._old == {}
    # Past 64 pieces the file is written whole again.
    write_file(target, cache_module._FORMAT, {"a": (None, b"i" * 20, 0)})
    appended = 0
    for n in range(80):
        again = StatCache(target)
        again._keep("a", None, b"i" * 20, n + 1)
        if not again.append(limit=200):
            break
        appended += 1
    assert appended == 62 and StatCache(target)._old["a"][2] == 62  # 2 pieces + 62
