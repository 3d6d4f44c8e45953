"""The one module that runs git.

pm commits by running the git binary (``git add``, ``git commit --only -- <path>``), as
people do: hooks, signing and config behave as users expect, the commit holds only the
file pm changed (the user's other staged work stays staged and out of it), and it costs
tens of milliseconds even in a repository of 10,000 files.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pm.commits import LOG_FORMAT, LogEntry, parse_log
from pm.errors import NoCommitsError, RepoError

# Refuse auto-detected identities such as root@hostname: commits must name a person.
_STRICT_IDENTITY = ("-c", "user.useConfigOnly=true")
LOCK_TIMEOUT_SECONDS = 60.0

_IN_PROGRESS = (
    ("MERGE_HEAD", "a merge", "git merge --continue or git merge --abort"),
    ("rebase-merge", "a rebase", "git rebase --continue or git rebase --abort"),
    ("rebase-apply", "a rebase or git am", "git rebase --continue or --abort"),
    ("CHERRY_PICK_HEAD", "a cherry-pick", "git cherry-pick --continue or --abort"),
    ("REVERT_HEAD", "a revert", "git revert --continue or --abort"),
    ("BISECT_LOG", "a bisect", "git bisect reset"),
)


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    env.pop("GIT_INDEX_FILE", None)  # a hook's private index must not leak into pm's commit
    return env


class GitRepo:
    """A git working tree that pm writes to."""

    def __init__(self, root: Path, git_dir: Path, common_dir: Path) -> None:
        self.root = root
        self.git_dir = git_dir
        self.common_dir = common_dir

    @classmethod
    def discover(cls, path: Path) -> GitRepo:
        """The repository containing ``path``; RepoError when there is none."""
        try:
            result = subprocess.run(
                ["git", "rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-common-dir"],
                cwd=path,
                capture_output=True,
                text=True,
                env=_git_env(),
                check=False,
            )
        except FileNotFoundError:
            raise RepoError("git is not installed or not on PATH") from None
        if result.returncode != 0:
            raise RepoError(f"{path} is not in a git repository (run `git init` or `pm init`)")
        top, git_dir, common = result.stdout.splitlines()[:3]
        common_dir = Path(common) if Path(common).is_absolute() else Path(path, common)
        return cls(Path(top), Path(git_dir), common_dir.resolve())

    @staticmethod
    def init(path: Path) -> None:
        run_git(path, "init", "--quiet")

    def run(self, *args: str, stdin: str | None = None) -> str:
        return run_git(self.root, *args, stdin=stdin)

    # --- this clone's configuration -----------------------------------------------------

    def config_get(self, key: str) -> str | None:
        """The value git uses for ``key`` (any scope), or None when it is not set."""
        result = subprocess.run(
            ["git", "config", "--get", key],
            cwd=self.root,
            capture_output=True,
            text=True,
            env=_git_env(),
            check=False,
        )
        if result.returncode == 1:  # git's answer for "not set"
            return None
        if result.returncode != 0:
            raise _explain(("config",), result.stderr or result.stdout)
        return result.stdout.rstrip("\n")

    def config_set(self, key: str, value: str) -> None:
        """Set ``key`` in this clone's own config (``.git/config``, never cloned)."""
        self.run("config", "--local", key, value)

    def rebasing(self) -> bool:
        """Whether a rebase (``git rebase``, ``git pull --rebase``) is replaying commits."""
        return (self.git_dir / "rebase-merge").exists() or (self.git_dir / "rebase-apply").exists()

    # --- safety checks ------------------------------------------------------------------

    def ensure_writable(self) -> None:
        """Refuse to commit mid-merge/rebase/..., on a detached HEAD, or under index.lock."""
        for marker, what, how in _IN_PROGRESS:
            if (self.git_dir / marker).exists():
                raise RepoError(f"{what} is in progress; finish it first ({how})")
        if (self.git_dir / "index.lock").exists():
            raise RepoError(
                f"another git process is running ({self.git_dir / 'index.lock'} exists); "
                "wait for it, or remove the file if no git process is running"
            )
        try:
            head = (self.git_dir / "HEAD").read_text(encoding="utf-8")
        except OSError:
            head = ""
        if not head.startswith("ref: "):
            raise RepoError("HEAD is detached; check out a branch first (git switch <branch>)")
        self.identity()

    def identity(self) -> tuple[str, str]:
        """The user's git name and email; RepoError when none is configured."""
        try:
            ident = run_git(self.root, *_STRICT_IDENTITY, "var", "GIT_AUTHOR_IDENT")
        except RepoError:
            raise RepoError(
                "no git identity; set one with git config user.name 'Your Name' "
                "and git config user.email you@example.com"
            ) from None
        name, _, rest = ident.partition(" <")
        return name.strip(), rest.partition(">")[0]

    # --- locking and committing ---------------------------------------------------------

    @contextmanager
    def lock(self, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
        """Serialise pm processes on this repository with an flock under the git dir.

        The kernel releases an flock when its holder dies, so a killed pm never leaves a
        stale lock behind.
        """
        path = self.common_dir / "pm.lock"
        try:
            handle = path.open("a+", encoding="utf-8")
        except OSError as error:
            raise RepoError(f"cannot open {path}: {error.strerror}") from None
        with handle:
            deadline = time.monotonic() + timeout
            delay = 0.005
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise RepoError(
                            f"another pm command has held {path} for {timeout:.0f}s; "
                            "try again when it finishes"
                        ) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.1)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def file_log(self, path: Path) -> list[LogEntry]:
        """Every commit that touched ``path``, newest first, following renames.

        ``git log --follow`` runs rename detection over the whole tree at every commit
        and so costs three times a plain path log in a repository of 10,000 commits. The
        two list the same commits unless the file was created by a rename (or copy):
        so pm runs the plain log with each commit's status for the file, asks git about
        renames only at the commits that added it, and follows renames only if one did.
        """
        relative = os.path.relpath(path, self.root)
        try:
            out = self.run("log", f"--format={LOG_FORMAT}%x1d", "--name-status", "--", relative)
            added = [c for c, status in _statuses(out) if status.startswith("A")]
            if any(self._renamed_into(commit, relative) for commit in added):
                out = self.run("log", "--follow", f"--format={LOG_FORMAT}", "--", relative)
        except NoCommitsError:
            return []
        return parse_log(out)

    def _renamed_into(self, commit: str, relative: str) -> bool:
        """Whether ``commit`` made ``relative`` by renaming or copying another file."""
        out = self.run(
            "diff-tree", "--root", "-r", "-M", "-C", "-z", "--name-status", "--no-commit-id", commit
        )
        fields = out.split("\0")
        position = 0
        while position < len(fields) and fields[position]:
            status = fields[position]
            paths = 2 if status[:1] in ("R", "C") else 1
            if paths == 2 and fields[position + 2] == relative:
                return True
            position += 1 + paths
        return False

    def is_tracked(self, path: Path) -> bool:
        """Whether git knows the file (in HEAD or the index)."""
        relative = os.path.relpath(path, self.root)
        return bool(self.run("ls-files", "--cached", "--", relative))

    def commit_files(self, paths: list[Path], message: str, *, new: bool) -> None:
        """Commit exactly ``paths`` with ``message``; nothing else in the index moves.

        ``--only`` commits the paths' working-tree content through a temporary index, so
        the user's other staged changes stay staged and out of pm's commit. New files are
        added first; if the commit then fails they are taken out of the index again.
        """
        relative = [os.path.relpath(p, self.root) for p in paths]
        if new:
            self.run("add", "--", *relative)
        try:
            self.run(
                *_STRICT_IDENTITY,
                "commit",
                "--quiet",
                "--only",
                "-F",
                "-",
                "--",
                *relative,
                stdin=message,
            )
        except RepoError:
            if new:
                with suppress(RepoError):
                    self.run("rm", "--cached", "--quiet", "--", *relative)
            raise


def _statuses(text: str) -> list[tuple[str, str]]:
    """(commit, status) pairs from ``git log --name-status`` output of one file."""
    found = []
    for record in text.split("\x1e"):
        head, marker, status = record.partition("\x1d")
        if marker:
            found.append((head.partition("\x1f")[0].strip(), status.strip()))
    return found


def authors(path: Path, limit: int = 10_000) -> list[str]:
    """Author names of the last ``limit`` commits, for lint's list of known people.

    Empty outside a git repository or before the first commit: lint still runs there.
    """
    try:
        repo = GitRepo.discover(path)
        names = repo.run("log", "--format=%an", f"--max-count={limit}")
    except RepoError:
        return []
    return sorted(set(names.splitlines()))


def merge_file(ours: bytes, base: bytes, theirs: bytes) -> tuple[bytes, bool]:
    """``git merge-file``: the three-way text merge git makes, and whether it conflicts.

    The result has git's conflict markers (``<<<<<<< ours``, ``>>>>>>> theirs``) where
    both sides changed the same lines. Runs outside any repository too. Binary input
    (git refuses to merge it) gives ``ours`` unchanged, as a conflict.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pm-merge-") as folder:
        names = []
        for label, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder, label)
            path.write_bytes(data)
            names.append(str(path))
        result = subprocess.run(
            ["git", "merge-file", "-p", "-L", "ours", "-L", "base", "-L", "theirs", *names],
            cwd=folder,
            capture_output=True,
            env=_git_env(),
            check=False,
        )
    if result.returncode < 0 or result.returncode > 127:  # an error, not a count of conflicts
        return ours, True
    return result.stdout, result.returncode > 0


def run_git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    """Run git; a failure becomes a RepoError with git's own first line of complaint."""
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            env=_git_env(),
            check=False,
        )
    except FileNotFoundError:
        raise RepoError("git is not installed or not on PATH") from None
    if result.returncode != 0:
        raise _explain(args, result.stderr or result.stdout)
    return result.stdout.strip()


def _explain(args: tuple[str, ...], output: str) -> RepoError:
    """The one place git's complaint is read: a message for the user, a type for callers."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    text = " ".join(lines)
    if "index.lock" in text:
        return RepoError("another git process holds index.lock; wait for it and try again")
    if "Author identity unknown" in text or "empty ident" in text or "useConfigOnly" in text:
        return RepoError("no git identity; set git config user.name and user.email")
    command = next((a for a in args if not a.startswith("-") and "=" not in a), "git")
    first = next((line for line in lines if line.lower().startswith(("fatal", "error"))), None)
    message = f"git {command} failed: {first or (lines[0] if lines else 'no output')}"
    if "does not have any commits" in text:  # git log on a branch not yet born
        return NoCommitsError(message)
    return RepoError(message)
