"""The filter index (``filter-v1.marshal``): filters answered from it give what the ordinary
read gives, and any change of any file (a hand edit of the same size and mtime, a pull, a
branch switch, a new, deleted or broken file) or a damaged index is seen."""

from __future__ import annotations

import marshal
import os
import time
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, git
from pm import cache as cache_module
from pm.headindex import INDEX_NAME
from pm.location import git_dir
from pm.store import Store

FILTERS = [
    ("list", "--status", "active"),
    ("list", "--status", "resolved", "--json"),
    ("list", "--severity", "SEV-1"),
    ("list", "--service", "search", "--tag", "db"),
    ("list", "--status", "active", "--severity", "SEV-3"),
    ("action", "list", "--owner", "ALICE"),
    ("action", "list", "--owner", "@bob", "--json"),
    ("action", "list", "--mine"),
    ("overdue", "--owner", "alice", "--as-of", "2030-01-01"),
    ("overdue", "--owner", "nobody"),
    ("overdue", "--severity", "SEV-2", "--as-of", "2030-01-01", "--format", "json"),
]


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Index files changed up to now, so tests need not wait; the rule has its own test."""
    monkeypatch.setattr(cache_module, "RACY_NS", 0)


def index_file(root: Path) -> Path:
    found = git_dir(root)
    assert found is not None
    return found / "pm" / INDEX_NAME


@pytest.fixture
def incidents(repo: Repo, cli: CliRunnerCall) -> list[str]:
    """Four incidents of different severities, services, tags, states and item owners."""
    opened = []
    for day, (title, severity, service, tag) in enumerate(
        [
            ("Checkout returns 500s", "SEV-1", "checkout", "payments"),
            ("Search is slow", "SEV-2", "search", "db"),
            ("Login fails", "SEV-3", "auth", "db"),
            ("Queue stalls", "SEV-2", "search", "queue"),
        ],
        start=10,
    ):
        out = cli.ok(
            "open", title, "-s", severity, "--service", service, "--tag", tag,
            "--started", f"2024-01-{day}T10:00",
        ).stdout  # fmt: skip
        opened.append(out.split("\t")[0])
    cli.ok("resolve", opened[1], "Fixed", "--at", "2024-01-11T12:00")
    cli.ok("action", "add", opened[0], "Add a circuit breaker", "--owner", "alice")
    cli.ok("action", "add", opened[1], "Index the table", "--owner", "Bob", "-p", "P0")
    cli.ok("action", "add", opened[3], "Alert on lag", "--owner", "alice-doe")
    return opened


def run(cli: CliRunnerCall, args: tuple[str, ...]) -> tuple[int, str, str]:
    result = cli(*args)
    return result.exit_code, result.stdout, result.stderr


def without_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Store, "_picked", lambda *_args: None)


def only_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ordinary filtered read fails the test: the answer must come from the index."""

    def refuse(*_args: object) -> None:
        raise AssertionError("the filter index was not used")

    monkeypatch.setattr(Store, "_filtered", refuse)


@pytest.mark.usefixtures("incidents")
@pytest.mark.parametrize("args", FILTERS, ids=" ".join)
def test_the_index_answers_as_the_ordinary_read_does(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    with monkeypatch.context() as patch:
        without_index(patch)
        expected = run(cli, args)
    assert index_file(repo.path).is_file()  # written by the ordinary read
    with monkeypatch.context() as patch:
        only_index(patch)
        assert run(cli, args) == expected


def test_filters_find_something_through_the_index(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incidents: list[str]
) -> None:
    cli.ok("list", "--status", "active")
    only_index(monkeypatch)
    shown = cli.ok("list", "--status", "active").stdout
    assert [line.split()[0] for line in shown.splitlines()] == [
        incidents[0],
        incidents[2],
        incidents[3],
    ]
    assert "Index the table" in cli.ok("action", "list", "--owner", "bob").stdout


def test_a_hand_edit_of_same_size_and_mtime_is_seen(
    repo: Repo, cli: CliRunnerCall, incidents: list[str]
) -> None:
    assert incidents[2] not in cli.ok("list", "--severity", "SEV-1").stdout
    assert incidents[2] not in cli.ok("list", "--severity", "SEV-1").stdout  # the index
    path = repo.postmortem_path(incidents[2])
    before = path.stat()
    path.write_text(
        path.read_text(encoding="utf-8").replace("severity: SEV-3", "severity: SEV-1"),
        encoding="utf-8",
    )
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    assert incidents[2] in cli.ok("list", "--severity", "SEV-1").stdout


def test_pm_writes_new_and_deleted_files_are_seen(
    repo: Repo, cli: CliRunnerCall, incidents: list[str]
) -> None:
    cli.ok("list", "--status", "active")
    cli.ok("resolve", incidents[0], "Fixed", "--at", "2024-01-10T12:00")
    assert incidents[0] not in cli.ok("list", "--status", "active").stdout
    new = cli.ok("open", "Cache misses", "-s", "SEV-3", "--started", "2024-01-20T10:00")
    assert new.stdout.split("\t")[0] in cli.ok("list", "--status", "active").stdout
    repo.postmortem_path(incidents[2]).unlink()
    assert incidents[2] not in cli.ok("list", "--status", "active").stdout


def test_a_pull_from_another_clone_is_seen(
    repo: Repo,
    cli: CliRunnerCall,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    incidents: list[str],
) -> None:
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(other))
    monkeypatch.chdir(other)
    assert incidents[0] in cli.ok("list", "--status", "active").stdout
    assert incidents[0] in cli.ok("list", "--status", "active").stdout  # the index
    monkeypatch.chdir(repo.path)
    cli.ok("resolve", incidents[0], "Fixed", "--at", "2024-01-10T12:00")
    monkeypatch.chdir(other)
    git(other, "pull", "--quiet", "--ff-only")
    assert incidents[0] not in cli.ok("list", "--status", "active").stdout


def test_a_branch_switch_is_seen(repo: Repo, cli: CliRunnerCall, incidents: list[str]) -> None:
    repo.git("switch", "--quiet", "-c", "resolved-branch")
    cli.ok("resolve", incidents[0], "Fixed", "--at", "2024-01-10T12:00")
    assert incidents[0] not in cli.ok("list", "--status", "active").stdout
    repo.git("switch", "--quiet", "main")
    assert incidents[0] in cli.ok("list", "--status", "active").stdout
    assert incidents[0] in cli.ok("list", "--status", "active").stdout  # the index
    repo.git("switch", "--quiet", "resolved-branch")
    assert incidents[0] not in cli.ok("list", "--status", "active").stdout


def test_a_broken_file_is_reported_again_from_the_index(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incidents: list[str]
) -> None:
    broken = repo.postmortem_path(incidents[0]).with_name("2024-01-05-broken.md")
    broken.write_text("---\nid: [unclosed\n---\n", encoding="utf-8")
    first = run(cli, ("list", "--status", "active"))
    assert first[0] != 0
    assert "2024-01-05-broken.md" in first[2]
    only_index(monkeypatch)
    assert run(cli, ("list", "--status", "active")) == first


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", None])
def test_a_damaged_index_is_ignored_and_rewritten(
    repo: Repo,
    cli: CliRunnerCall,
    monkeypatch: pytest.MonkeyPatch,
    incidents: list[str],
    damage: bytes | None,
) -> None:
    expected = cli.ok("list", "--status", "active").stdout
    path = index_file(repo.path)
    good = path.read_bytes()
    bad = good[: len(good) // 2] if damage is None else damage
    path.write_bytes(bad)
    assert cli.ok("list", "--status", "active").stdout == expected
    assert path.read_bytes() != bad
    only_index(monkeypatch)  # the rewritten index answers
    assert cli.ok("list", "--status", "active").stdout == expected


def test_a_damaged_summary_cache_is_read_around(
    repo: Repo, cli: CliRunnerCall, incidents: list[str]
) -> None:
    # Bob's item is in a resolved postmortem: its summary is not kept in the index.
    expected = cli.ok("action", "list", "--owner", "bob").stdout
    assert "Index the table" in expected
    summaries = index_file(repo.path).with_name(cache_module.CACHE_NAME)
    summaries.write_bytes(b"\x00garbage")
    assert cli.ok("action", "list", "--owner", "bob").stdout == expected
    assert summaries.read_bytes() != b"\x00garbage"  # rewritten from the files read


def test_no_index_while_a_file_is_racy(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incidents: list[str]
) -> None:
    monkeypatch.setattr(cache_module, "RACY_NS", 3_600 * 10**9)
    cli.ok("list", "--status", "active")
    assert not index_file(repo.path).exists()
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    time.sleep(0.01)
    cli.ok("list", "--status", "active")
    assert index_file(repo.path).is_file()


def test_active_postmortems_come_from_the_index_alone(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, incidents: list[str]
) -> None:
    expected = cli.ok("list", "--status", "active", "--json").stdout
    only_index(monkeypatch)

    def refuse(*_args: object) -> None:
        raise AssertionError("the summary cache was loaded")

    with monkeypatch.context() as patch:
        patch.setattr(cache_module.SummaryCache, "for_root", refuse)
        assert cli.ok("list", "--status", "active", "--json").stdout == expected
    # A damaged entry there: the summary cache answers instead.
    path = index_file(repo.path)
    data = list(marshal.loads(path.read_bytes()))
    assert sorted(data[5]) == [0, 2, 3]
    data[5] = dict.fromkeys(data[5], ("damaged",))
    path.write_bytes(marshal.dumps(tuple(data)))
    assert cli.ok("list", "--status", "active", "--json").stdout == expected


@pytest.mark.parametrize("where", ["posting", "unreadable"])
def test_an_index_naming_files_it_does_not_list_is_not_used(
    repo: Repo,
    cli: CliRunnerCall,
    monkeypatch: pytest.MonkeyPatch,
    incidents: list[str],
    where: str,
) -> None:
    """A damaged index that still loads (a position past the listing, or not a number)
    is not used: the ordinary read answers, never a crash."""
    expected = cli.ok("list", "--status", "active", "--json").stdout
    path = index_file(repo.path)
    data = list(marshal.loads(path.read_bytes()))
    if where == "posting":
        data[3]["status"]["active"] = [*data[3]["status"]["active"], 99, "x"]
    else:
        data[4] = [99, "x"]
    path.write_bytes(marshal.dumps(tuple(data)))
    result = cli("list", "--status", "active", "--json")
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")
