"""``pm log`` runs a plain path log and follows renames only when the file came from one.

Each history here is checked against ``git log --follow``, which pm used to run every time.
"""

from __future__ import annotations

import json

from conftest import CliRunnerCall, Repo


def pm_commits(cli: CliRunnerCall, ref: str) -> list[str]:
    return [entry["commit"] for entry in json.loads(cli.ok("log", ref, "--json").stdout)]


def git_follow(repo: Repo, path: str) -> list[str]:
    return repo.git("log", "--follow", "--format=%H", "--", path).split()


def test_plain_history_matches_follow(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("event", opened, "Looking at the pool")
    cli.ok("resolve", opened)
    path = f"postmortems/2024/{opened}.md"
    assert pm_commits(cli, opened) == git_follow(repo, path)
    assert len(pm_commits(cli, opened)) == 3


def test_deleted_and_added_again_matches_follow(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    path = repo.postmortem_path(opened)
    kept = path.read_bytes()
    repo.git("rm", "--quiet", str(path))
    repo.git("commit", "--quiet", "-m", "Remove by mistake")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(kept)
    repo.git("add", str(path))
    repo.git("commit", "--quiet", "-m", "Restore")
    cli.ok("event", opened, "After the restore")
    relative = f"postmortems/2024/{opened}.md"
    assert pm_commits(cli, opened) == git_follow(repo, relative)
    assert len(pm_commits(cli, opened)) == 4


def test_renamed_twice_matches_follow(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("event", opened, "Before the moves")
    first = f"postmortems/2024/{opened}.md"
    second = "postmortems/2024/2024-01-15-db-pool.md"
    third = "postmortems/2024/2024-01-15-db-pool-exhausted.md"
    repo.git("mv", first, second)
    repo.git("commit", "--quiet", "-m", "Shorter name")
    repo.git("mv", second, third)
    repo.git("commit", "--quiet", "-m", "Clearer name")
    moved = repo.path / third
    moved.write_text(moved.read_text(encoding="utf-8") + "\nMore notes.\n", encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "Notes after the moves")
    assert pm_commits(cli, "db-pool-exhausted") == git_follow(repo, third)
    assert len(pm_commits(cli, "db-pool-exhausted")) == 5
