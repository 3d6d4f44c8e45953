"""``pm open`` looks at its candidates through the token cache and at every other file only
by name (slugs split once, in ``slugs-v1.marshal``): the answer is the one a cold run
gives, hand edits are seen, and ids of the new one's day are taken wherever they are."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import corpus
from conftest import CliRunnerCall, Repo
from pm import cache as cache_module
from pm.causedocs import SLUGS_NAME
from pm.location import git_dir

OPEN = (
    "open", "Payments database timing out again", "-s", "SEV-2",
    "--service", "payments-db", "--started", "2025-01-15T11:00",
)  # fmt: skip


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "RACY_NS", 0)


@pytest.fixture
def grouped(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setenv("PM_NOW", "2025-01-15T12:00:00Z")
    corpus.write(repo.path, corpus.GROUPING)
    return repo


def caches(repo: Repo) -> Path:
    found = git_dir(repo.path)
    assert found is not None
    return found / "pm"


def open_again(repo: Repo, cli: CliRunnerCall) -> str:
    """``OPEN``'s similar incidents; the new file is then taken back out of history."""
    result = cli.ok(*OPEN)
    repo.git("reset", "--quiet", "--hard", "HEAD~1")
    return result.stderr.split("\n", 1)[1]


def test_warm_and_cold_opens_find_the_same_incidents(grouped: Repo, cli: CliRunnerCall) -> None:
    cold = open_again(grouped, cli)
    assert cold.startswith("Similar past incidents (did this happen before?):\n")
    assert (caches(grouped) / SLUGS_NAME).is_file()
    assert open_again(grouped, cli) == cold  # slugs and tokens from the caches
    shutil.rmtree(caches(grouped))
    assert open_again(grouped, cli) == cold


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", None])
def test_a_damaged_slug_cache_is_rebuilt(
    grouped: Repo, cli: CliRunnerCall, damage: bytes | None
) -> None:
    cold = open_again(grouped, cli)
    path = caches(grouped) / SLUGS_NAME
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2] if damage is None else damage)
    assert open_again(grouped, cli) == cold
    assert path.read_bytes() not in (b"", b"\x00garbage", good[: len(good) // 2])


def test_a_hand_edit_of_a_candidate_of_same_size_and_mtime_is_seen(
    grouped: Repo, cli: CliRunnerCall
) -> None:
    first = open_again(grouped, cli).splitlines()[1]
    match_id, title = first.split()[0], first.split("  ")[2]
    path = grouped.postmortem_path(match_id)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert f"title: {title}\n" in text
    path.write_text(text.replace(f"title: {title}\n", f"title: {title.upper()}\n"), "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert f"{match_id}  {title.upper()}  " in open_again(grouped, cli)


@pytest.mark.parametrize("other", ["2023/2024-01-15-db-down.md", "2024/2024-01-15-DB-Down.md"])
def test_an_id_of_that_day_is_taken_in_any_year_folder_and_case(
    repo: Repo, cli: CliRunnerCall, other: str
) -> None:
    taken = repo.path / "postmortems" / other
    taken.parent.mkdir(parents=True)
    taken.write_text("---\nid: x\n---\n", encoding="utf-8")
    result = cli.ok("open", "DB down", "-s", "SEV-3", "--started", "2024-01-15T10:00")
    assert result.stdout.startswith("2024-01-15-db-down-2\t")
    result = cli.ok("open", "DB down", "-s", "SEV-3", "--started", "2024-01-16T10:00")
    assert result.stdout.startswith("2024-01-16-db-down\t")


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5, 50])
def test_show_lists_only_the_latest_files_up_to_its_day_as_the_whole_listing_does(
    repo: Repo, count: int
) -> None:
    from pm.config import load_config
    from pm.store import Store

    folder = repo.path / "postmortems"
    for name in [
        "2023/2023-12-30-a.md",
        "2023/2024-01-02-misplaced.md",  # in another year's folder: still listed
        "2023/.2024-01-01-hidden.md",
        "2024/2024-01-01-b.md",
        "2024/2024-01-02-c.md",
        "2024/2024-01-02-d.txt",
        "2024/2024-01-03-e.md",
        "2025/2024-01-01-early.md",
    ]:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("---\n---\n", encoding="utf-8")
    store = Store(load_config())
    every = store.path_names()
    for day in ["2023-12-29", "2023-12-30", "2024-01-01", "2024-01-02", "2024-01-09"]:
        expected = [p for p in every if os.path.basename(p)[:10] <= day][-count:] if count else []
        assert store.names_up_to(day, count) == expected
    (folder / "2024" / "2024-01-02-dir.md").mkdir()  # a folder named like a postmortem
    assert store.names_up_to("2024-01-02", 2) == [p for p in every if "01-02" in p][-2:]
