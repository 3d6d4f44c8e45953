"""The body of the command git runs, not people: ``pm merge-driver``.

Git calls it with the common ancestor, ours, theirs and the path (``%O %A %B %P``, see
``pm.mergesetup``) when both sides of a merge or rebase changed a postmortem. It writes
the merge into ours' file and exits 0 when it is clean, 1 when a conflict remains (git
then stops the merge and lists the file, as for any conflict).
"""

from __future__ import annotations

from pathlib import Path

from pm.errors import DataError, ExitCode
from pm.merge import Side
from pm.render import output


def merge_driver(base: str, ours: str, theirs: str, path: str) -> ExitCode:
    from pm import gitrepo, mergefile
    from pm.store import atomic_write

    old, mine, other = (_read(name) for name in (base, ours, theirs))
    keep = _keep_numbers()
    try:
        result = mergefile.merge_file(old, mine, other, path, gitrepo.merge_file, keep_numbers=keep)
    except Exception as error:  # noqa: BLE001 - never leave git a half merge: fall back to text
        note = f"internal error: {type(error).__name__}: {error} (a bug in pm; merged as text)"
        text = mergefile.as_text(old, mine, other, gitrepo.merge_file, note)
        check = mergefile.Conflict(1, "pm could not merge this file: check it before git add")
        result = mergefile.FileMerge(text.data, text.conflicts or [check], text.notes)
    atomic_write(Path(ours), result.data)
    for note in result.notes:
        output.message(f"pm: {path}: {note}")
    for conflict in result.conflicts:
        output.error(f"{path}:{conflict.line}: {conflict.what}")
    return ExitCode.OK if result.clean else ExitCode.FINDINGS


def _read(name: str) -> bytes:
    try:
        return Path(name).read_bytes()
    except OSError as error:
        raise DataError(f"{name}: cannot read: {error.strerror}") from None


def _keep_numbers() -> Side:
    """Whose action items keep their numbers when both sides added one with a number.

    The side that is already shared: in a rebase (``git pull --rebase``) that is ours, the
    branch your commits are replayed onto; in a merge (``git pull``) theirs, the branch
    merged in. Either way the item a teammate pushed first keeps its number and yours,
    not yet pushed, gets a fresh one.
    """
    from pm.errors import RepoError
    from pm.gitrepo import GitRepo

    try:
        return "ours" if GitRepo.discover(Path.cwd()).rebasing() else "theirs"
    except RepoError:
        return "ours"
