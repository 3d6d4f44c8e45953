"""``location.head_state``: what says which commit HEAD is at, read without running git,
changes whenever the commits do (the key of the authors ``pm lint`` knows)."""

from __future__ import annotations

from pathlib import Path

from conftest import Repo
from pm.location import head_state


def commit(repo: Repo, where: Path, name: str) -> None:
    (where / name).write_text(name, encoding="utf-8")
    repo.git("-C", str(where), "add", name)
    repo.git("-C", str(where), "commit", "--quiet", "-m", name)


def test_a_commit_reset_detach_pack_and_worktree_change_the_state(
    repo: Repo, tmp_path: Path
) -> None:
    seen = [head_state(repo.path)]
    commit(repo, repo.path, "a.md")
    seen.append(head_state(repo.path))
    repo.git("reset", "--quiet", "--hard", "HEAD~1")
    seen.append(head_state(repo.path))
    repo.git("pack-refs", "--all")
    seen.append(head_state(repo.path))
    repo.git("switch", "--quiet", "--detach", "HEAD")
    seen.append(head_state(repo.path))
    assert None not in seen
    assert seen[2] == seen[0]  # reset to the first commit: the same commits again
    assert len({seen[0], seen[1], seen[3], seen[4]}) == 4
    assert head_state(repo.path) == seen[-1]  # nothing changed: the same state
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "--quiet", "-b", "other", str(linked))
    first = head_state(linked)
    commit(repo, linked, "b.md")
    assert first is not None and head_state(linked) not in (None, first)
    assert head_state(tmp_path / "nowhere") is None
