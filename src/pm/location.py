"""Where the repository is: its root, its git directory, and whether there is anything
to read.

The root is found by walking up from the working directory to the first folder holding
``.pm.toml`` or ``.git``, so pm works from any subdirectory; when ``GIT_DIR`` or
``GIT_WORK_TREE`` is set, git's own way to point elsewhere, the root is the work tree git
names (git is asked), never the working directory by default. Reads check that they look
at a real repository with a postmortems folder (``check_readable``): a CI job run in the
wrong place fails instead of finding nothing.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pm.config import CONFIG_FILE
from pm.errors import RepoError, UsageError

if TYPE_CHECKING:
    from pm.config import Config


# Where pm runs when no -C is given, like ``git -C`` for every pm command.
REPO_VARIABLE = "PM_REPO"


def change_directory(directories: list[str]) -> None:
    """Run in another folder, as ``git -C DIR`` does: each ``-C`` is taken relative to the
    one before; without any, ``PM_REPO`` when it is set. A folder that does not exist is
    a usage error (exit 2); one that is not in a repository is refused later, by the
    command, as if pm had been started there."""
    if not directories:
        named = os.environ.get(REPO_VARIABLE, "")
        if not named:
            return
        _enter(named, f"{REPO_VARIABLE}={named}")
        return
    for directory in directories:
        _enter(directory, f"-C {directory}")


def _enter(directory: str, shown: str) -> None:
    if not directory:
        return  # git ignores an empty -C too
    try:
        os.chdir(directory)
    except FileNotFoundError:
        raise UsageError(f"{shown}: no such directory") from None
    except NotADirectoryError:
        raise UsageError(f"{shown}: not a directory") from None
    except OSError as error:
        raise UsageError(f"{shown}: cannot change to it: {error.strerror}") from None


def find_root(start: Path) -> Path | None:
    """Return the nearest folder at or above ``start`` holding ``.pm.toml`` or ``.git``."""
    current = start.resolve()
    for folder in (current, *current.parents):
        if (folder / CONFIG_FILE).is_file() or (folder / ".git").exists():
            return folder
    return None


# git's own variables for a repository and work tree elsewhere than the working directory.
GIT_LOCATION = ("GIT_DIR", "GIT_WORK_TREE")


def git_location() -> dict[str, str]:
    """The ``GIT_DIR``/``GIT_WORK_TREE`` settings in force (empty when git discovers)."""
    return {name: os.environ[name] for name in GIT_LOCATION if os.environ.get(name)}


def find_repository_root(start: Path) -> Path:
    """The folder pm works in, from ``start``: the nearest ``.pm.toml`` or ``.git``.

    With ``GIT_DIR`` or ``GIT_WORK_TREE`` set, git is asked for the work tree those
    name (RepoError when there is none), as every git command in the same environment
    would use it; a ``.pm.toml`` between ``start`` and the top of that work tree is
    still found. Without them: the nearest folder holding ``.pm.toml`` or ``.git``, else
    ``start`` itself (``pm init`` makes a repository there; reads refuse it).
    """
    if not git_location():
        return find_root(start) or start.resolve()
    from pm.gitrepo import work_tree

    top = work_tree(start)
    here = start.resolve()
    if here == top or top in here.parents:
        for folder in (here, *here.parents):
            if (folder / CONFIG_FILE).is_file() or folder == top:
                return folder
    return top


def git_dir(root: Path) -> Path | None:
    """The git directory of the work tree holding ``root``, found without running git.

    ``GIT_DIR`` when it is set (relative to the working directory, as git reads it).
    Otherwise the first ``.git`` at or above ``root`` that is a repository: a folder with
    a ``HEAD``, or a ``.git`` file (linked work tree, submodule) naming one. ``root`` may
    be a subfolder (a ``.pm.toml`` below the top of a repository). None outside git.
    """
    named = os.environ.get("GIT_DIR")
    if named:
        path = Path(os.path.abspath(named))
        return path if path.is_dir() else None
    for folder in (root, *root.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            if (dot_git / "HEAD").is_file():
                return dot_git
        elif dot_git.exists():
            linked = _linked_git_dir(folder, dot_git)
            if linked is not None:
                return linked
    return None


def head_state(root: Path) -> tuple[str, ...] | None:
    """What says which commit HEAD is at and how deep history goes, read from the git
    directory without running git: HEAD's text, the loose ref it names (or "packed"),
    and the stat of ``packed-refs`` and ``shallow``. Equal states mean the same commits
    (a commit, reset, pull, checkout or fetch into a shallow clone changes one of them).
    None outside git or with refs stored otherwise (``reftable``): ask git instead."""
    folder = git_dir(root)
    if folder is None:
        return None
    try:
        common = folder
        if (folder / "commondir").is_file():  # a linked work tree: refs live in the common dir
            common = folder / (folder / "commondir").read_text(encoding="utf-8").strip()
        if (common / "reftable").exists():
            return None
        head = (folder / "HEAD").read_text(encoding="utf-8")
        state = [head]
        if head.startswith("ref: "):
            try:
                state.append((common / head[5:].strip()).read_text(encoding="utf-8"))
            except FileNotFoundError:
                state.append("packed")
        for name in ("packed-refs", "shallow"):
            try:
                found = os.stat(common / name)
                state.append(f"{found.st_size} {found.st_mtime_ns} {found.st_ino}")
            except FileNotFoundError:
                state.append("-")
    except (OSError, UnicodeDecodeError):
        return None
    return tuple(state)


def _linked_git_dir(folder: Path, dot_git: Path) -> Path | None:
    try:
        text = dot_git.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("gitdir:"):
        return None
    target = Path(text[len("gitdir:") :].strip())
    target = target if target.is_absolute() else folder / target
    return target if (target / "HEAD").is_file() else None


def check_readable(config: Config, *, folder: bool = True) -> None:
    """Refuse to read where there is nothing to read: RepoError (exit 4) outside a git
    repository, or when the repository has no postmortems folder.

    An empty folder (``pm init`` makes one with a ``.gitkeep``) is fine: no postmortems
    yet is an answer. Without this, a scheduled ``pm overdue`` in the wrong directory (a
    checkout step missing, a ``working-directory`` typo) would find nothing late and pass
    forever. With ``GIT_DIR``/``GIT_WORK_TREE`` set, ``load_config`` already asked git.
    ``folder=False`` checks only the repository (``pm lint FILE...`` names its files).
    """
    root = config.root
    if not git_location() and git_dir(root) is None:
        raise RepoError(
            f"{root} is not in a git repository, so there are no postmortems to read; "
            "run pm in the repository that holds them (or pm init to start one)"
        )
    if folder and not config.postmortems_dir.is_dir():
        named = " and ".join(f"{k}={v}" for k, v in git_location().items())
        where = f"{config.directory}/ in {root}" + (f" (the work tree of {named})" if named else "")
        how = f"directory in {config.source.name}" if config.source else "directory in .pm.toml"
        raise RepoError(
            f"no postmortems folder: {where} does not exist; run pm in the repository "
            f"that holds your postmortems, pm init to start one, or set {how}"
        )


# What git leaves in its directory while a merge, rebase, cherry-pick or revert is
# stopped: only then can a file be unmerged in the index.
_STOPPED = ("MERGE_HEAD", "rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD", "REVERT_HEAD")


def merge_stopped(root: Path) -> bool:
    """Whether git stopped part-way through a merge (or rebase, cherry-pick, revert) in
    the repository of ``root``: a few stats, no git process."""
    found = git_dir(root)
    return found is not None and any((found / marker).exists() for marker in _STOPPED)


def shared_modes(git_dir_path: Path) -> tuple[int, int] | None:
    """(folder mode, file mode) for what pm creates in a git directory shared by a group.

    ``git init --shared`` (``core.sharedRepository``) makes git create its files and
    folders for the group; the git directory itself shows how (``drwxrwsr-x`` for
    ``group``, ``drwxr-s---`` for ``0640``: the set-group-id bit marks it shared). pm's
    lock and cache follow the same modes, so every member of the group can use them.
    None when the directory is not shared: the umask applies, as for git.
    """
    try:
        mode = stat.S_IMODE(os.stat(git_dir_path).st_mode)
    except OSError:
        return None
    if not mode & stat.S_ISGID:
        return None
    return mode, (mode & 0o666) | 0o600


def wait_gone(path: Path, deadline: float) -> bool:
    """Wait until ``path`` does not exist (True) or ``time.monotonic()`` passes
    ``deadline`` (False): how pm waits for another git process's ``index.lock``."""
    while path.exists():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True
