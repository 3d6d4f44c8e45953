"""Each postmortem's history from git (who changed it, when, how), for its page.

One ``git log`` of the postmortems folder, not one per file; kept in the site state with
the commit it was read at, so a later build asks git only for the commits since (or reads
it all again when that commit is no longer in the history: a rebase, a branch switch).
Renames are followed: the history of a renamed file continues under its new name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pm.errors import RepoError

# (commit, time in seconds since the epoch, author name, pm operation or "", subject)
Change = tuple[str, int, str, str, str]


def histories(root: Path, folder: Path, saved: dict[str, Any]) -> dict[str, Any]:
    """``{"head": commit, "files": {path: [Change, newest first]}}``; empty outside git."""
    from pm.gitrepo import GitRepo

    try:
        git = GitRepo.discover(root)
    except RepoError:
        return {"head": None, "files": {}}
    head = git.head()
    if head is None:
        return {"head": None, "files": {}}
    before, files = saved.get("head"), saved.get("files")
    if before == head and isinstance(files, dict):
        return saved
    since = before if isinstance(files, dict) and before and git.is_ancestor(before, head) else None
    known: dict[str, list[Change]] = dict(files) if since and isinstance(files, dict) else {}
    newer: dict[str, list[Change]] = {}
    moved: dict[str, str] = {}  # an older name -> the name the file has now
    for entry, changes in git.folder_log(folder, since):
        change: Change = (
            entry.commit,
            int(entry.date.timestamp()),
            entry.author,
            entry.operation or "",
            entry.subject,
        )
        for names in changes:
            status, path = names[0], names[-1]
            current = moved.get(path, path)
            newer.setdefault(current, []).append(change)
            if status.startswith("R") and len(names) == 3:
                moved[names[1]] = current
    for old, new in moved.items():  # history from before this update, under the new name
        if old in known:
            newer.setdefault(new, []).extend(known.pop(old))
    for path, added in newer.items():
        known[path] = added + known.get(path, [])
    return {"head": head, "files": known}
