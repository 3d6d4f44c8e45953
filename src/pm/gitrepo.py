"""The one module that runs git.

pm commits by running the git binary (``git add``, ``git commit --only -- <path>``), as
people do: hooks, signing and config behave as users expect, the commit holds only the
file pm changed (the user's other staged work stays staged and out of it), and it costs
tens of milliseconds even in a repository of 10,000 files.

Length: every git process pm starts is here, with its environment, its lock and its
error handling; what git answers is read in ``gitanswers``. Split further, a module
would start git on its own and the one place to audit how pm runs git would be lost.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

from pm.commits import END, LOG_FORMAT, RECORD, LogEntry, parse_log
from pm.errors import NoCommitsError, NotFoundError, RepoError
from pm.gitanswers import (
    INDEX_LOCK_WAIT_SECONDS,
    explain,
    hook_refusal,
    hooks_run,
    newline_from,
    not_a_repository,
)
from pm.records import NamedTuple

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
    # git reads a relative GIT_DIR/GIT_WORK_TREE from its working directory; pm runs git
    # from the repository's root, so make them name what they named where pm was started.
    for name in ("GIT_DIR", "GIT_WORK_TREE"):
        value = env.get(name)
        if value and not os.path.isabs(value):
            env[name] = os.path.abspath(value)
    return env


class HeadState(NamedTuple):
    """HEAD's commit (None on a branch not yet born) and each path's blob in it."""

    head: str | None
    blobs: dict[Path, str | None]


class LastCommit(NamedTuple):
    """The commit HEAD names, its first parent, and each path's blob in both."""

    commit: str | None
    parent: str | None
    parent_blobs: dict[Path, str | None]
    blobs: dict[Path, str | None]


class FileChange(NamedTuple):
    """A commit that changed one file: the file's blob before and after, and its message."""

    commit: str
    before: str | None
    after: str | None
    message: str
    merge: bool = False  # a merge commit (``before``: its first parent's blob)


class Snapshot(NamedTuple):
    """A commit's postmortem files (path from the root: bytes) and its commit time."""

    commit: str
    when: datetime
    files: dict[str, bytes]


class TrailerCommit(NamedTuple):
    """A commit whose message carries a trailer pm reads (``Pm-Action``): its sha, its
    committer date and the trailer's values."""

    commit: str
    date: datetime
    values: list[str]


_REVERTS = re.compile(r"This reverts commit ([0-9a-f]{7,40})")


class GitRepo:
    """A git working tree that pm writes to."""

    def __init__(self, root: Path, git_dir: Path, common_dir: Path) -> None:
        self.root = root
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.shallow = False  # a shallow clone (git clone --depth): history is cut short

    @classmethod
    def discover(cls, path: Path) -> GitRepo:
        """The repository containing ``path``; RepoError when there is none."""
        result = _run(
            path,
            (
                "rev-parse",
                "--show-toplevel",
                "--absolute-git-dir",
                "--git-common-dir",
                "--is-shallow-repository",
            ),
        )
        if result.returncode != 0:
            raise not_a_repository(path, result.stderr)
        top, git_dir, common, shallow = [*result.stdout.splitlines(), "", "", "", ""][:4]
        common_dir = Path(common) if Path(common).is_absolute() else Path(path, common)
        repo = cls(Path(top), Path(git_dir), common_dir.resolve())
        repo.shallow = shallow == "true"
        return repo

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
            raise explain(("config",), result.stderr or result.stdout)
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
        from pm.location import wait_gone

        index_lock = self.git_dir / "index.lock"
        if not wait_gone(index_lock, time.monotonic() + INDEX_LOCK_WAIT_SECONDS):
            raise RepoError(
                f"another git process is running ({index_lock} exists, for over "
                f"{INDEX_LOCK_WAIT_SECONDS:.0f} s now); wait for it, or remove the file if no "
                "git process is running"
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

    # --- branches (pm open --branch) -----------------------------------------------------

    def current_branch(self) -> str:
        """The branch HEAD is on (``ensure_writable`` has refused a detached HEAD)."""
        return self.run("symbolic-ref", "--quiet", "--short", "HEAD")

    def branch_exists(self, name: str) -> bool:
        result = _run(self.root, ("rev-parse", "--verify", "--quiet", f"refs/heads/{name}"))
        return result.returncode == 0

    def switch(self, name: str, *, create: bool = False) -> None:
        """``git switch [-c] name``: the working tree's changes go along, as with git."""
        self.run("switch", "--quiet", *(("-c",) if create else ()), name)

    def delete_branch(self, name: str) -> None:
        self.run("branch", "--quiet", "-D", name)

    # --- locking and committing ---------------------------------------------------------

    @contextmanager
    def lock(self, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
        """Serialise pm processes on this repository with an flock under the git dir.

        The kernel releases an flock when its holder dies, so a killed pm never leaves a
        stale lock behind.
        """
        path = self.common_dir / "pm.lock"
        with _open_lock_file(path) as handle:
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
            out = self.run("log", f"--format={LOG_FORMAT}", "--name-status", "--", relative)
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

    def head(self) -> str | None:
        """The commit HEAD names, or None before the first commit."""
        try:
            return self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}") or None
        except RepoError:
            return None

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether commit ``older`` is in the history of ``newer`` (False if either is unknown)."""
        try:
            self.run("merge-base", "--is-ancestor", older, newer)
        except RepoError:
            return False
        return True

    def snapshot(self, rev: str, folder: Path) -> Snapshot:
        """The files under ``folder`` as commit ``rev`` holds them, and its commit time.

        Two git runs for the listing and the time and one ``cat-file --batch`` for every
        file's bytes. An unknown ``rev`` is a NotFoundError naming it (exit 3, as an
        unknown id and ``lint --changed``'s unknown base are).
        """
        commit = self._commit_named(rev)
        if commit is None:
            raise NotFoundError(f"unknown revision {rev!r}: no such commit in this repository")
        when = datetime.fromisoformat(self.run("show", "-s", "--format=%cI", commit))
        listed = run_git_bytes(
            self.root, "ls-tree", "-r", "-z", "--name-only", commit, "--", self.relative(folder)
        )
        names = [n.decode("utf-8", "surrogateescape") for n in listed.split(b"\0") if n]
        names = [n for n in names if n.endswith(".md")]
        stdin = "".join(f"{commit}:{name}\n" for name in names).encode("utf-8", "surrogateescape")
        out = run_git_bytes(self.root, "cat-file", "--batch", stdin=stdin) if names else b""
        files: dict[str, bytes] = {}
        at = 0
        for name in names:
            end = out.index(b"\n", at)
            header = out[at:end].split()
            at = end + 1
            if len(header) != 3 or header[1] != b"blob":
                continue  # a submodule or a link: not a postmortem
            size = int(header[2])
            files[name] = out[at : at + size]
            at += size + 1
        return Snapshot(commit, when, files)

    def file_at(self, commit: str, relative: str) -> bytes | None:
        """The bytes of ``relative`` (from the root) in ``commit``; None when it has none."""
        out = run_git_bytes(
            self.root, "cat-file", "--batch", stdin=f"{commit}:{relative}\n".encode()
        )
        header, _, rest = out.partition(b"\n")
        parts = header.split()
        if len(parts) != 3 or parts[1] != b"blob":
            return None
        return rest[: int(parts[2])]

    def first_added(
        self, rev: str, paths: list[Path], pattern: re.Pattern[str]
    ) -> dict[tuple[str, str], datetime]:
        """For each file name (without ``.md``) and each first group of ``pattern`` on a
        line a commit added to it: the committer time of the first such commit in the
        history of ``rev``. One ``git log -p -U0`` over ``paths`` (a folder, or files):
        its cost grows with the history of those files only."""
        if not paths:
            return {}
        found: dict[tuple[str, str], datetime] = {}
        when = None
        name = ""
        try:
            # The patch of every file's whole history: at 10,000 files, 270 MB held at once
            # as bytes, text and lines; read a megabyte at a time, it is never all held.
            for text in stream_git_text(
                self.root, "log", "--reverse", "--no-renames", "--format=%x1e%cI", "-p",
                "-U0", "--no-color", "--no-ext-diff", rev, "--",
                *(self.relative(p) for p in paths),
            ):  # fmt: skip
                for raw in text.split("\n"):  # not splitlines: \x1e
                    if raw.startswith("\x1e"):
                        when = datetime.fromisoformat(raw[1:])
                    elif raw.startswith("+++ "):
                        name = raw.rsplit("/", 1)[-1].removesuffix(".md")
                    elif raw.startswith("+") and when is not None:
                        match = pattern.match(raw[1:])
                        if match:
                            found.setdefault((name, match.group(1)), when)
        except NoCommitsError:
            return {}
        return found

    def commit_before(self, moment: datetime) -> str | None:
        """The last commit of the current branch (first parents) committed at or before
        ``moment``; None when every commit is later (or there is none)."""
        try:
            found = self.run(
                "rev-list", "-1", "--first-parent", f"--before={moment.isoformat()}", "HEAD"
            )
        except NoCommitsError:
            return None
        return found or None

    def first_commit_time(self) -> datetime | None:
        """When the current branch's first commit (first parents) was committed."""
        try:
            out = self.run("log", "--first-parent", "--reverse", "--format=%cI", "HEAD")
        except NoCommitsError:
            return None
        first = out.split("\n", 1)[0].strip()
        return datetime.fromisoformat(first) if first else None

    def folder_log(
        self, folder: Path, since: str | None = None
    ) -> list[tuple[LogEntry, list[tuple[str, ...]]]]:
        """Every commit that touched a file under ``folder``, newest first, with its files.

        One ``git log`` for the whole folder (``pm site`` shows each postmortem's history;
        a log per file would cost a process each). Each commit comes with
        ``(status, path)`` per file, or ``(status, old path, new path)`` for a rename, paths
        relative to the repository root. ``since`` (a commit) limits it to the commits
        after that one.
        """
        relative = os.path.relpath(folder, self.root)
        revisions = [f"{since}..HEAD"] if since else []
        try:
            out = self.run(
                "log", f"--format={LOG_FORMAT}%x1d", "--name-status", "-M", *revisions,
                "--", relative,
            )  # fmt: skip
        except NoCommitsError:
            return []
        found: list[tuple[LogEntry, list[tuple[str, ...]]]] = []
        for record in out.split(RECORD):
            head, marker, names = record.partition("\x1d")
            entries = parse_log(RECORD + head) if marker else []
            if not entries:
                continue
            files = [tuple(line.split("\t")) for line in names.splitlines() if "\t" in line]
            found.append((entries[0], files))
        return found

    # --- commits that name action items (pm action verify) -----------------------------

    def commit_of(self, rev: str) -> str:
        """The commit ``rev`` names (a branch, a tag, a sha); NotFoundError when none does."""
        commit = self._commit_named(rev)
        if commit is None:
            raise NotFoundError(f"unknown branch or revision {rev!r} in {self.root}")
        return commit

    def _commit_named(self, rev: str) -> str | None:
        """The commit ``rev`` names; None when none does (never read as an option)."""
        if rev.startswith("-"):
            return None
        try:
            commit = self.run(
                "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
            )
        except RepoError:
            return None
        return commit or None

    def remote_url(self, name: str = "origin") -> str | None:
        """The URL of the remote ``name``; None when the clone has no such remote."""
        return self.config_get(f"remote.{name}.url") or None

    def trailer_log(self, commit: str, key: str) -> list[TrailerCommit]:
        """The commits reachable from ``commit`` whose message ends with trailers ``key``,
        oldest first, each with its committer date and the trailers' values (git's own
        trailer parsing: the last paragraph, ``Key: value``, the key in any case)."""
        out = self.run(
            "log", "--reverse", "-i", f"--grep=^{key}:",
            f"--format=%x1e%H%x1f%cI%x1f%(trailers:key={key},valueonly,separator=%x1f)",
            commit, "--",
        )  # fmt: skip
        found: list[TrailerCommit] = []
        for record in out.split("\x1e"):
            fields = record.strip("\n").split("\x1f")
            if len(fields) < 3:
                continue
            values = [v.strip() for v in fields[2:] if v.strip()]
            if values:
                found.append(TrailerCommit(fields[0], datetime.fromisoformat(fields[1]), values))
        return found

    def reverts(self, commit: str) -> list[tuple[str, str]]:
        """``(revert, reverted)`` for each commit reachable from ``commit`` whose message
        says ``This reverts commit <sha>`` (as ``git revert`` writes), oldest first."""
        out = self.run(
            "log", "--reverse", "--grep=This reverts commit ", "--format=%x1e%H%x1f%B",
            commit, "--",
        )  # fmt: skip
        found: list[tuple[str, str]] = []
        for record in out.split("\x1e"):
            sha, _, message = record.partition("\x1f")
            for reverted in _REVERTS.findall(message):
                found.append((sha.strip(), reverted))
        return found

    def is_tracked(self, path: Path) -> bool:
        """Whether git knows the file (in HEAD or the index)."""
        relative = os.path.relpath(path, self.root)
        return bool(self.run("ls-files", "--cached", "--", relative))

    def newline_for(self, path: Path) -> str:
        """The line ending git expects in the work tree for a new file at ``path``: CRLF
        where git checks the file out so (``eol=crlf`` in .gitattributes,
        ``core.autocrlf=true``, ``text`` with ``core.eol=crlf``), else LF. A file written
        so round-trips through git unchanged, as ``core.safecrlf=true`` demands."""
        relative = os.path.relpath(path, self.root)
        attributes = self.run("check-attr", "text", "eol", "--", relative)
        # Exit 1 and no output when neither is set.
        settings = _run(self.root, ("config", "--get-regexp", r"^core\.(autocrlf|eol)$"))
        return newline_from(attributes, settings.stdout)

    # --- what HEAD holds, and taking a commit back -------------------------------------

    def relative(self, path: Path) -> str:
        return os.path.relpath(path, self.root).replace(os.sep, "/")

    def head_state(self, paths: list[Path]) -> HeadState:
        """HEAD's commit and the blob each path has in it (None where it has none).

        One ``git cat-file --batch-check`` answers all of it, so the check costs one
        short process.
        """
        names = ["HEAD", *(f"HEAD:{self.relative(path)}" for path in paths)]
        head, *blobs = self._objects(names)
        return HeadState(head, dict(zip(paths, blobs, strict=True)))

    def last_commit(self, paths: list[Path]) -> LastCommit:
        """HEAD, its first parent and the blob each path has in the parent and in HEAD."""
        relative = [self.relative(path) for path in paths]
        names = [
            "HEAD",
            "HEAD^",
            *(f"HEAD^:{r}" for r in relative),
            *(f"HEAD:{r}" for r in relative),
        ]
        head, parent, *blobs = self._objects(names)
        before, after = blobs[: len(paths)], blobs[len(paths) :]
        return LastCommit(
            head,
            parent,
            dict(zip(paths, before, strict=True)),
            dict(zip(paths, after, strict=True)),
        )

    def last_change(self, path: Path) -> FileChange | None:
        """The newest first-parent commit that changed ``path``, with its parent's blob.

        None on a branch not yet born, for a file no commit changed, or when the only commit
        that changed it is the first.
        """
        relative = self.relative(path)
        try:
            out = self.run("log", "-1", "--first-parent", "--format=%H %P%x00%B", "--", relative)
        except NoCommitsError:
            return None
        ids, _, body = out.partition("\0")
        commit, *parents = ids.split() or [""]
        if not parents:
            return None  # no commit changed the file, or the one that did has no parent
        before, after = self._objects([f"{parents[0]}:{relative}", f"{commit}:{relative}"])
        return FileChange(commit, before, after, body, merge=len(parents) > 1)

    def last_head_move(self) -> str:
        """What last moved HEAD, as its reflog says (``pull: Fast-forward``, ``rebase
        (finish): ...``, ``commit: ...``); empty without a reflog."""
        try:
            return self.run("reflog", "-1", "--format=%gs", "HEAD").strip()
        except RepoError:
            return ""

    def version_at(self, revision: str, path: Path) -> str | None:
        """The blob ``path`` has at ``revision`` (``ORIG_HEAD``); None if it has none."""
        return self._objects([f"{revision}:{self.relative(path)}"])[0]

    def _objects(self, names: list[str]) -> list[str | None]:
        """The object id each name resolves to, or None when it names nothing."""
        stdin = "".join(f"{name}\n" for name in names)
        out = self.run("cat-file", "--batch-check=%(objectname)", stdin=stdin)
        ids = [None if " " in line else line.strip() for line in out.splitlines()]
        if len(ids) != len(names):
            raise RepoError(f"git cat-file answered {len(ids)} of {len(names)} names")
        return ids

    def blob_bytes(self, blob: str) -> bytes:
        """The content of a blob, exactly."""
        return run_git_bytes(self.root, "cat-file", "blob", blob)

    def blob_id(self, path: Path, data: bytes) -> str:
        """The blob id git would store for ``data`` at ``path`` (with its filters).

        The plain hash is tried first, without running git: a file that matches its
        committed blob byte for byte is clean. Otherwise git hashes it, applying
        ``autocrlf`` and the attributes of the path, as ``git add`` would.
        """
        return (
            run_git_bytes(
                self.root, "hash-object", f"--path={self.relative(path)}", "--stdin", stdin=data
            )
            .decode("ascii")
            .strip()
        )

    def undo_commit(self, commit: str, parent: str, reason: str) -> None:
        """Move the branch back from ``commit`` to ``parent``, only if it is still there.

        ``git update-ref`` with the old value is a compare-and-swap: if anything moved
        the branch since, nothing changes and RepoError says so.
        """
        try:
            self.run("update-ref", "-m", reason, "HEAD", parent, commit)
        except RepoError:
            raise RepoError(
                f"pm's commit {commit[:8]} was made on top of a change pm had not seen, "
                "and the branch moved again before pm could take it back; check "
                f"`git log -p -2` and revert {commit[:8]} if it undoes a teammate's change"
            ) from None

    def restore_paths(self, commit: str, paths: list[Path]) -> None:
        """Put ``paths`` back in the index and the work tree as ``commit`` has them."""
        relative = [self.relative(p) for p in paths]
        blobs = self._objects([f"{commit}:{r}" for r in relative])
        present = [r for r, blob in zip(relative, blobs, strict=True) if blob is not None]
        absent = [r for r in relative if r not in present]
        if present:
            self.run("checkout", "--quiet", commit, "--", *present)
        if absent:
            self.run("rm", "--cached", "--quiet", "--ignore-unmatch", "--", *absent)

    def reset_paths(self, commit: str, paths: list[Path]) -> None:
        """Set the index entries of ``paths`` to ``commit``'s; the work tree is not touched."""
        if paths:
            self.run("reset", "--quiet", commit, "--", *(self.relative(p) for p in paths))

    def commit_files(self, paths: list[Path], message: str, *, new: bool) -> list[str] | None:
        """Commit exactly ``paths`` with ``message``; nothing else in the index moves.

        ``--only`` commits the paths' working-tree content through a temporary index, so
        the user's other staged changes stay staged and out of pm's commit. New files are
        added first; if the commit then fails they are taken out of the index again.

        A refusing hook is named, with the last lines of its output. A hook that rewrote a
        file and staged its fix (a formatter running ``git add``) put the fix into the
        commit's temporary index only; the paths' index entries are then set to the commit,
        so ``git status`` shows no phantom change. Returns the names of the hooks that ran
        (None: not known).
        """
        relative = [os.path.relpath(p, self.root) for p in paths]
        if new:
            self.run("add", "--", *relative)
        try:
            hooks = self._commit(relative, message)
        except RepoError:
            if new:
                with suppress(RepoError):
                    self.run("rm", "--cached", "--quiet", "--", *relative)
            raise
        if hooks is None or hooks:
            # The commit is made: a stale index entry is the lesser harm than an error now.
            with suppress(RepoError):
                self.run("reset", "--quiet", "--", *relative)
        return hooks

    def _commit(self, relative: list[str], message: str) -> list[str] | None:
        """``git commit --only``; the names of the hooks that ran (None: unknown).

        git's trace2 events (``GIT_TRACE2_EVENT``, into a temporary file) say which hook
        ran and how it exited: git itself prints nothing when a hook refuses.
        """
        # In the git directory, under pm's lock: one trace at a time, no tempfile import.
        trace = self.git_dir / f"pm-trace-{os.getpid()}.json"
        trace.write_bytes(b"")  # git appends: start from nothing
        env = _git_env()
        env["GIT_TRACE2_EVENT"] = str(trace)
        env.pop("GIT_TRACE2_PARENT_SID", None)  # pm's commit is a session of its own
        try:
            args = (*_STRICT_IDENTITY, "commit", "--quiet", "--only", "-F", "-", "--", *relative)
            result = _run_waiting(self.root, args, stdin=message, env=env)
            hooks = hooks_run(trace)
        finally:
            trace.unlink(missing_ok=True)
        if result.returncode == 0:
            return None if hooks is None else [name for name, _path, _code in hooks]
        output = result.stderr + result.stdout
        for name, path, code in hooks or []:
            if code != 0:
                raise hook_refusal(name, path, code, output)
        raise explain(args, output)


def plain_blob_id(data: bytes, like: str) -> str:
    """The id of a blob holding exactly ``data``, in the hash ``like`` is written in.

    Computed without running git; it equals git's id for the file only when no filter
    (``autocrlf``, ``eol``, a clean filter) changes the bytes, so a mismatch is a
    question for ``GitRepo.blob_id``, never an answer.
    """
    from pm.digest import sha1_hex, sha256_hex  # one file: no need for OpenSSL's hashlib

    algorithm = sha256_hex if len(like) == 64 else sha1_hex
    return algorithm(b"blob %d\0" % len(data) + data)


def _statuses(text: str) -> list[tuple[str, str]]:
    """(commit, status) pairs from ``git log --name-status`` output of one file."""
    found = []
    for record in text.split(RECORD):
        head, marker, status = record.rpartition(END)
        if marker:
            found.append((head.partition("\x1f")[0].strip(), status.strip()))
    return found


_AUTHORS = "authors-v1.marshal"


UNMERGED = (
    "git has not finished merging this file (a merge or rebase stopped on it), so its text "
    "may hold only one side's changes: pm's merge driver could not run (is pm on the PATH "
    "git sees?) or both sides changed the same lines"
)


def unmerged(root: Path) -> set[str]:
    """The files (relative to ``root``, ``/``-separated) git has not finished merging: a
    merge or rebase stopped on them (``git ls-files --unmerged``). Their text can read as
    a whole postmortem (git leaves one side's version when a merge driver cannot run), so
    ``pm lint`` and ``pm show`` say so rather than calling it clean. No git process while
    no merge is stopped (``location.merge_stopped``)."""
    from pm.location import merge_stopped

    if not merge_stopped(root):
        return set()
    out = run_git_bytes(root, "ls-files", "--unmerged", "-z", "--", ".")  # relative to root
    found = set()
    for record in out.split(b"\0"):
        _info, tab, name = record.partition(b"\t")
        if tab:
            found.add(name.decode("utf-8", "surrogateescape"))
    return found


def authors(path: Path, limit: int = 10_000) -> list[str]:
    """Author names of the last ``limit`` commits, for lint's list of known people.

    Empty before the first commit. Any other failure (git refusing a repository owned
    by another user, say) is an error: lint's verdicts must not change silently.

    Walking 10,000 commits takes git a tenth of a second or more, on every ``pm lint``,
    so the names are kept in ``authors-v1.marshal`` beside pm's caches with the state of
    HEAD they came from (``location.head_state``): the same state, the same commits.
    """
    import marshal

    from pm.cache import cache_folder
    from pm.location import head_state
    from pm.owners import write_cache

    state = head_state(path)
    folder = cache_folder(path) if state is not None else None
    kept = folder / _AUTHORS if folder is not None else None
    key = (_AUTHORS, limit, state)
    if kept is not None:
        with suppress(Exception):  # missing, damaged, another HEAD: ask git
            # marshal builds plain data and never runs code; .git is as trusted as its hooks.
            found, names = marshal.loads(kept.read_bytes())  # noqa: S302
            if found == key and type(names) is list:
                return names
    try:
        repo = GitRepo.discover(path)
        text = repo.run("log", "--format=%an", f"--max-count={limit}")
    except NoCommitsError:
        return []
    found_names = sorted(set(text.splitlines()))
    if kept is not None and head_state(path) == state:  # no commit meanwhile
        write_cache(kept, marshal.dumps((key, found_names)))
    return found_names


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


def changed_files(root: Path, folder: Path, base: str | None) -> list[Path]:
    """The files under ``folder`` that differ from where this branch left ``base``
    (``pm lint --changed``): committed since the merge-base of ``base`` and HEAD, staged,
    unstaged and untracked (not ignored); deleted files are not listed.

    ``base`` None: the merge-base with the branch's upstream, else HEAD (before the first
    commit: every file). An unknown ``base`` is a NotFoundError naming it.
    """
    repo = GitRepo.discover(root)
    top = repo.root
    head = repo.head()
    if base is None:
        found = _run(top, ("merge-base", "@{upstream}", "HEAD")) if head else None
        start = found.stdout.strip() if found and found.returncode == 0 else head
    else:
        known = _run(
            top, ("rev-parse", "--verify", "--quiet", "--end-of-options", base + "^{commit}")
        )
        if known.returncode != 0 or not known.stdout.strip():
            raise NotFoundError(f"--changed {base}: git knows no commit by that name")
        start = known.stdout.strip()
        if head:
            found = _run(top, ("merge-base", start, "HEAD"))
            if found.returncode == 0 and found.stdout.strip():
                start = found.stdout.strip()
    spec = ("--", str(folder))
    questions: list[tuple[str, ...]] = []
    if start:  # the tracked files that differ, and the untracked ones, asked at once
        # Every stat field compared (``_STRICT_STAT``): under ``core.checkStat=minimal`` or
        # ``core.trustctime=false`` git takes a same-size edit that kept the mtime for none.
        questions.append(
            (
                *_STRICT_STAT, "diff", "--name-only", "-z", "--no-renames", "--diff-filter=d",
                start, *spec,
            )
        )  # fmt: skip
        questions.append(("ls-files", "-z", "--others", "--exclude-standard", *spec))
    else:  # no commit yet: everything there is
        questions.append(("ls-files", "-z", "--cached", "--others", "--exclude-standard", *spec))
    names = [
        name
        for answer in run_git_together(top, questions)
        for name in answer.decode("utf-8", "surrogateescape").split("\0")
    ]
    return sorted({top / name for name in names if name})


def diff_names(where: Path, rev: str) -> list[tuple[str, str, str | None]]:
    """What the branch at ``where`` changed since it left ``rev`` (``pm recall --diff``):
    ``(status, path, old path)`` for each tracked file changed from the merge-base of
    ``rev`` and HEAD to the work tree (committed, staged, unstaged), paths from the top of
    the repository; status is git's letter (A, M, D, R, C, T), the old path is set for a
    rename or copy. Untracked files are left out: a CI job's other checkouts are not the
    change.

    An unknown ``rev`` is a NotFoundError naming it; no merge-base (unrelated histories,
    a shallow clone) a RepoError saying so.
    """
    repo = GitRepo.discover(where)
    top = repo.root
    known = _run(top, ("rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"))
    if known.returncode != 0 or not known.stdout.strip():
        raise NotFoundError(f"--diff {rev}: git knows no commit by that name in {top}")
    found = _run(top, ("merge-base", known.stdout.strip(), "HEAD"))
    if found.returncode != 0 or not found.stdout.strip():
        raise RepoError(
            f"--diff {rev}: no common ancestor with HEAD in {top} "
            "(a shallow clone? fetch the history: fetch-depth 0)"
        )
    diff = ("diff", "-M", "--name-status", "-z", found.stdout.strip(), "--")
    fields = run_git_bytes(top, *diff).decode("utf-8", "surrogateescape").split("\0")
    changes: list[tuple[str, str, str | None]] = []
    position = 0
    while position < len(fields) - 1:
        status = fields[position][:1]
        if status in ("R", "C"):
            changes.append((status, fields[position + 2], fields[position + 1]))
            position += 3
        else:
            changes.append((status, fields[position + 1], None))
            position += 2
    return changes


def work_tree(cwd: Path) -> Path:
    """The top of the work tree git uses from ``cwd`` as ``GIT_DIR``/``GIT_WORK_TREE`` say.

    RepoError naming the variables when they lead to no repository or to one without a
    work tree (a bare one): pm never falls back to reading the working directory.
    """
    result = _run(cwd, ("rev-parse", "--show-toplevel"))
    if result.returncode == 0 and result.stdout.strip():
        return Path(result.stdout.strip())
    raise not_a_repository(cwd, result.stderr)


def run_git_bytes(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """``run_git`` for bytes in and out (a file's content, exactly)."""
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, env=_git_env(), check=False
        )
    except FileNotFoundError:
        raise RepoError("git is not installed or not on PATH") from None
    if result.returncode != 0:
        raise explain(args, (result.stderr or result.stdout).decode("utf-8", "replace"))
    return result.stdout


def run_git_together(cwd: Path, questions: list[tuple[str, ...]]) -> list[bytes]:
    """``run_git_bytes`` of several read-only questions, run at the same time (each git
    waits on the disk for part of its time, and there are cores to spare); the answers in
    order. The first failure is raised once every process has finished."""
    running: list[subprocess.Popen[bytes]] = []
    try:
        for args in questions:
            running.append(
                subprocess.Popen(
                    ["git", *args],
                    cwd=cwd,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=_git_env(),
                )
            )
    except FileNotFoundError:
        for process in running:
            process.communicate()
        raise RepoError("git is not installed or not on PATH") from None
    answers = [process.communicate() for process in running]
    for args, process, (out, err) in zip(questions, running, answers, strict=True):
        if process.returncode != 0:
            raise explain(args, (err or out).decode("utf-8", "replace"))
    return [out for out, _err in answers]


def start_index_listing(root: Path, folder: Path) -> Callable[[], bytes]:
    """``git ls-files --stage -z`` of ``folder``, started now and read when the returned
    function is called (so it runs while pm asks git other things): paths relative to
    ``root``; b"" when git cannot answer (outside a repository). Call it exactly once."""
    try:
        process = subprocess.Popen(
            ["git", "ls-files", "--stage", "-z", "--", str(folder)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_git_env(),
        )
    except OSError:
        return lambda: b""

    def answer() -> bytes:
        out, _err = process.communicate()
        return out if process.returncode == 0 else b""

    return answer


def parse_index(listing: bytes) -> list[tuple[str, str]]:
    """(path, hex blob id) of each merged entry (stage 0) of ``git ls-files --stage -z``."""
    text = listing.decode("utf-8", "surrogateescape")
    return [(name, blob) for blob, name in _STAGED.findall(text)]


def blobs_content(root: Path, blobs: list[str]) -> dict[str, bytes]:
    """The content of each blob (hex id) git's object store holds, by id, in one
    ``git cat-file --batch``; blobs git cannot find (or no git) are left out."""
    if not blobs:
        return {}
    try:
        out = run_git_bytes(
            root, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in blobs).encode()
        )
    except RepoError:
        return {}
    found: dict[str, bytes] = {}
    position = 0
    while position < len(out):
        end = out.find(b"\n", position)
        if end < 0:
            break
        header = out[position:end].split()
        position = end + 1
        if len(header) != 3 or header[1] != b"blob":
            continue  # "<id> missing", or not a blob
        size = int(header[2])
        found[header[0].decode("ascii")] = out[position : position + size]
        position += size + 1  # the content, then a newline
    return found


_STAGED = re.compile(r"\d+ ([0-9a-f]{40,64}) 0\t([^\0]*)\0")


def stream_git_text(cwd: Path, *args: str, chunk: int = 1 << 20) -> Iterator[str]:
    """``run_git``'s output in pieces of whole lines (about ``chunk`` bytes each), for
    output too large to hold; the error, if git fails, is raised after the last piece."""
    import tempfile

    with tempfile.TemporaryFile() as errors:  # a file: a full stderr pipe cannot block git
        try:
            process = subprocess.Popen(
                ["git", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=errors, env=_git_env()
            )
        except FileNotFoundError:
            raise RepoError("git is not installed or not on PATH") from None
        with process:
            assert process.stdout is not None
            rest = b""
            while piece := process.stdout.read(chunk):  # (stopped early: git gets SIGPIPE)
                rest += piece
                cut = rest.rfind(b"\n") + 1
                if cut:
                    yield rest[:cut].decode("utf-8", "surrogateescape")
                    rest = rest[cut:]
            if rest:
                yield rest.decode("utf-8", "surrogateescape")
        if process.returncode != 0:
            errors.seek(0)
            raise explain(args, errors.read().decode("utf-8", "replace"))


def run_git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    """Run git; a failure becomes a RepoError with git's own complaint.

    A command that finds ``index.lock`` taken (an IDE's ``git status`` holds it for a
    moment) is run again once the lock is gone, for up to ``INDEX_LOCK_WAIT_SECONDS``.
    """
    result = _run_waiting(cwd, args, stdin=stdin)
    if result.returncode != 0:
        raise explain(args, result.stderr or result.stdout)
    return result.stdout.strip()


def _run(
    cwd: Path,
    args: tuple[str, ...],
    *,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run git once. Text is UTF-8 both ways, whatever the locale: git writes commit
    messages, names and paths as UTF-8, and pm's messages must reach it as UTF-8."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            env=_git_env() if env is None else env,
            check=False,
        )
    except FileNotFoundError:
        raise RepoError("git is not installed or not on PATH") from None


_INDEX_LOCK = re.compile(r"Unable to create '([^'\n]*index\.lock)': File exists")


def _run_waiting(
    cwd: Path,
    args: tuple[str, ...],
    *,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``_run``, again while another process holds index.lock (git did nothing then)."""
    from pm.location import wait_gone

    deadline = time.monotonic() + INDEX_LOCK_WAIT_SECONDS
    while True:
        result = _run(cwd, args, stdin=stdin, env=env)
        if result.returncode == 0:
            return result
        held = _INDEX_LOCK.search(result.stderr)
        if held is None or not wait_gone(Path(held.group(1)), deadline):
            return result


@contextmanager
def _open_lock_file(path: Path) -> Iterator[int]:
    """pm's lock file, open for ``flock``; in a repository shared by a group (``git init
    --shared``) made with the group's modes, so every member of the group can take it."""
    from pm.location import shared_modes

    modes = shared_modes(path.parent)
    mode = 0o666 if modes is None else modes[1]
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, mode)
    except PermissionError:
        try:  # made by another user without group write: flock needs only a descriptor
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as error:
            raise RepoError(
                f"cannot open {path}: {error.strerror} (it belongs to another user; in a "
                "shared repository make it group-writable: chmod g+rw, or remove it while "
                "no pm runs)"
            ) from None
    except OSError as error:
        raise RepoError(f"cannot open {path}: {error.strerror}") from None
    try:
        if modes is not None and os.fstat(fd).st_uid == os.geteuid():
            with suppress(OSError):  # the umask took the group's bits away: give them back
                os.fchmod(fd, modes[1])
        yield fd
    finally:
        os.close(fd)


def index_blobs(root: Path, folder: Path) -> tuple[Path, list[tuple[str, str]]]:
    """The work tree's top, and (path relative to it, hex blob id) of every file git's
    index holds under ``folder`` (``git ls-files --stage``: the index alone, no file is
    read; 50,000 entries take about 20 ms). No entries outside a repository; unmerged
    entries (stage 1-3) are left out."""
    try:
        top = GitRepo.discover(root).root
        out = run_git_bytes(top, "ls-files", "--stage", "-z", "--", str(folder))
    except RepoError:
        return root, []
    return top, parse_index(out)


# Config under which git's "unchanged" means what pm's own stat check means: every stat
# field compared (a same-size, same-mtime edit changes the ctime), no file taken on trust.
_STRICT_STAT = (
    "-c",
    "core.checkStat=default",
    "-c",
    "core.trustctime=true",
    "-c",
    "core.ignoreStat=false",
    "-c",
    "core.fsmonitor=false",
)
_INDEXED = re.compile(rb"H 100(?:644|755) ([0-9a-f]{40}) 0\t([^\0]*)\0")


class IndexBlobs(NamedTuple):
    """What ``unchanged_blobs`` found: blob ids by name, and the second the index was
    written in (nanoseconds, whole seconds) that a file's stat must be older than."""

    blobs: dict[str, bytes]
    written_ns: int

    def get(self, name: str, key: tuple[int, int, int, int]) -> bytes | None:
        """The blob id of file ``name`` if git's answer holds for its stat ``key`` (size,
        mtime, ctime, inode, as ``pm.cache.stat_key``): None for a file changed in or
        after the second git last wrote the index. git compares times to the second: an
        edit in the second it recorded, keeping size and mtime, would look unchanged."""
        if key[1] >= self.written_ns or key[2] >= self.written_ns:
            return None
        return self.blobs.get(name)


def unchanged_blobs(root: Path, folder: Path) -> IndexBlobs | None:
    """The blob id (20 bytes) git's index holds for each file under ``folder`` whose work
    tree copy git finds unchanged, by path relative to ``root`` (the caches' names): the
    content key of files whose stat the cache has not seen (a fresh clone with a restored
    cache, a checkout), without reading or hashing them.

    Two read-only questions asked at once: ``git ls-files --stage`` (the index alone) and
    ``git diff-files --name-only`` (the files whose stat differs from the index's record,
    every field compared whatever ``core.trustctime``/``core.checkStat`` say; git checks
    racily clean entries by content). Left out: files that differ, unmerged (conflicted)
    files, files marked assume-unchanged or skip-worktree, symlinks and submodules, and
    files with a ``filter`` attribute while a filter driver is configured.
    ``GIT_OPTIONAL_LOCKS=0``: git never refreshes or writes the index here, so a ``git``
    command running beside pm is never blocked.

    None when git cannot answer (no repository, no git, an error) or the index may be
    changing under the question (``index.lock`` held, the index rewritten meanwhile: a
    checkout or pull may be rewriting files): the caller hashes the files itself."""
    from pm.location import git_dir

    found = git_dir(root)
    if found is None:
        return None
    index, lock = found / "index", found / "index.lock"
    try:
        before = os.stat(index)
    except OSError:
        return None  # no index (nothing staged yet), or none here
    if lock.exists():
        return None
    env = _git_env()
    env["GIT_OPTIONAL_LOCKS"] = "0"
    spec = ("--", str(folder))
    questions = (
        ("ls-files", "--stage", "-v", "-z", *spec),
        ("diff-files", "--name-only", "--relative", "--no-renames", "-z", *spec),
        # A filter driver may rewrite a file keeping its size (the size check of
        # ``StatCache._lookup_indexed`` then cannot tell): its files are left out below.
        ("config", "-z", "--name-only", "--get-regexp", _FILTER_DRIVER),
    )
    running: list[subprocess.Popen[bytes]] = []
    try:
        for args in questions:
            running.append(
                subprocess.Popen(
                    ["git", *_STRICT_STAT, *args],
                    cwd=root,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    env=env,
                )
            )
    except OSError:  # no git, or root gone: whatever started is waited for
        for process in running:
            process.communicate()
        return None
    answers = [process.communicate()[0] for process in running]
    # (git config exits 1 when no key matches: no filter driver)
    if any(process.returncode != 0 for process in running[:2]) or running[2].returncode > 1:
        return None
    try:
        after = os.stat(index)
    except OSError:
        return None
    if (after.st_mtime_ns, after.st_ino, after.st_size) != (
        before.st_mtime_ns,
        before.st_ino,
        before.st_size,
    ) or lock.exists():
        return None
    listed, differing, drivers = answers
    changed = set(differing.split(b"\0"))
    found_blobs = [(b, n) for b, n in _INDEXED.findall(listed) if n not in changed]
    if drivers.strip(b"\0"):
        filtered = _filtered_files(root, env, [name for _blob, name in found_blobs])
        if filtered is None:
            return None
        found_blobs = [(b, n) for b, n in found_blobs if n not in filtered]
    blobs = {
        name.decode("utf-8", "surrogateescape"): bytes.fromhex(blob.decode("ascii"))
        for blob, name in found_blobs
    }
    return IndexBlobs(blobs, before.st_mtime_ns // 1_000_000_000 * 1_000_000_000)


_FILTER_DRIVER = r"^filter\..*\.(clean|smudge|process)$"


def _filtered_files(root: Path, env: dict[str, str], names: list[bytes]) -> set[bytes] | None:
    """Which of ``names`` (relative to ``root``) have a ``filter`` attribute, by one ``git
    check-attr``: their work tree bytes may differ from git's blob at the same size.
    None when git cannot answer."""
    if not names:
        return set()
    try:
        result = subprocess.run(
            ["git", "check-attr", "-z", "--stdin", "filter"],
            cwd=root,
            input=b"".join(name + b"\0" for name in names),
            capture_output=True,
            env=env,
            check=False,
        )
    except OSError:
        return None
    if result.returncode != 0:
        return None
    fields = result.stdout.split(b"\0")  # path, attribute, value; each NUL-ended
    return {
        fields[i]
        for i in range(0, len(fields) - 2, 3)
        if fields[i + 2] not in (b"unspecified", b"unset")
    }
