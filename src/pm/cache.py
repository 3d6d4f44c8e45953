"""A cache of parsed postmortems, kept under the git directory, so reads stay fast at scale.

PyYAML builds Python objects in Python, so parsing 10,000 front matters takes seconds;
loading them from this cache takes a small fraction of that. The cache is only a copy:

- It lives in ``<git dir>/pm/cache-v1.marshal`` (one per work tree; the prose ``pm
  search`` reads is in ``prose-v1.marshal`` beside it, under the same rules), so git
  never tracks it and ``git status`` never shows it. Delete it at any time; pm rebuilds it. In a
  repository shared by a group (``core.sharedRepository``) the folder and file get the
  group's modes, as git's own files do (``location.shared_modes``).
- Each entry is keyed by the file's path, size, mtime, ctime and inode, checked with one
  ``stat`` per file on every read. A hand edit, a ``git pull`` or a branch switch rewrites
  the file and so changes its ctime (and usually its inode), so a stale entry is never used.
- A file changed within the last few seconds is not cached (git's "racy" rule): on a
  filesystem with coarse timestamps a same-size edit within the same tick would otherwise
  look unchanged.
- A missing, corrupt, truncated or foreign cache (other pm or Python version) is ignored
  and rewritten. Failing to write it (a read-only ``.git``) never fails a command.

The format is ``marshal`` of plain tuples: the fastest loader in the standard library, and
unlike pickle it cannot run code. Times are stored as microseconds since the epoch, dates as
ordinals, and unknown front-matter keys only when they are plain data.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from sys import intern
from typing import Any, Self

from pm import __version__
from pm.location import git_dir, shared_modes
from pm.model import ActionItem, Closure, Event, Postmortem, Review

CACHE_NAME = "cache-v1.marshal"
PROSE_NAME = "prose-v1.marshal"
# Format 2: timeline events keep other tools' keys (format 1 dropped them).
_FORMAT = ("pm-cache", 2, __version__, sys.version_info[:2])
# Files changed this recently (nanoseconds) are parsed every time until they are older.
RACY_NS = 2_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

StatKey = tuple[int, int, int, int]


def stat_key(stat: os.stat_result) -> StatKey:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


class StatCache:
    """Values by file, valid only while the file's stat is unchanged (the base of the
    summary cache and the prose cache)."""

    NAME = CACHE_NAME
    FORMAT: tuple[Any, ...] = _FORMAT

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._old: dict[str, tuple[StatKey, Any]] = {}
        self._new: dict[str, tuple[StatKey, Any]] = {}
        if path is not None:
            self._old = _load(path, self.FORMAT)

    @classmethod
    def for_root(cls, root: Path) -> Self:
        found = git_dir(root)
        return cls(found / "pm" / cls.NAME if found is not None else None)

    def _lookup(self, name: str, key: StatKey) -> Any:
        """The stored value for file ``name`` if its stat still matches, else None; a value
        looked up is kept by the next ``save``."""
        entry = self._old.get(name)
        if entry is None or entry[0] != key:
            return None
        self._new[name] = entry
        return entry[1]

    def _keep(self, name: str, key: StatKey, value: Any) -> None:
        self._new[name] = (key, value)

    def save(self) -> None:
        """Write the cache if anything changed; silently give up if it cannot be written."""
        if self.path is None:
            return
        limit = time.time_ns() - RACY_NS
        entries = {
            name: entry
            for name, entry in self._new.items()
            if entry[0][1] < limit and entry[0][2] < limit
        }
        if entries == self._old:
            return  # unchanged: nothing to write (entries compare by identity first)
        # A cache that cannot be written (read-only .git, disk full) is slower, never wrong.
        with suppress(OSError, ValueError):
            _write_atomically(self.path, marshal.dumps((self.FORMAT, entries)))


class SummaryCache(StatCache):
    """Parsed postmortems by file, valid only while the file's stat is unchanged."""

    def get(self, name: str, key: StatKey) -> Postmortem | None:
        """The cached postmortem for file ``name`` if its stat still matches, else None."""
        try:
            stored = self._lookup(name, key)
            return None if stored is None else decode(stored)
        except Exception:  # noqa: BLE001 - a damaged entry is a miss, never an error
            self._new.pop(name, None)
            return None

    def put(self, name: str, key: StatKey, postmortem: Postmortem) -> None:
        """Remember a freshly parsed postmortem (read after ``key`` was taken)."""
        encoded = encode(postmortem)
        if encoded is not None:
            self._keep(name, key, encoded)


class ProseCache(StatCache):
    """The searchable prose of each file (``pm search``), in ``prose-v1.marshal`` beside the
    summary cache, under the same rules: so a warm search reads no postmortem file."""

    NAME = PROSE_NAME
    FORMAT = ("pm-prose", 1, __version__, sys.version_info[:2])

    def get(self, name: str, key: StatKey) -> str | None:
        stored = self._lookup(name, key)
        if stored is None or isinstance(stored, str):
            return stored
        self._new.pop(name, None)  # foreign data: a miss
        return None

    def put(self, name: str, key: StatKey, prose: str) -> None:
        self._keep(name, key, prose)


def _load(path: Path, expected: tuple[Any, ...]) -> dict[str, tuple[StatKey, Any]]:
    try:
        # marshal builds plain data and never runs code; .git is as trusted as its hooks.
        data = marshal.loads(path.read_bytes())  # noqa: S302
        header, entries = data
        if header != expected or not isinstance(entries, dict):
            return {}
        return entries
    except Exception:  # noqa: BLE001 - missing, truncated, garbage, foreign: start afresh
        return {}


def _write_atomically(path: Path, data: bytes) -> None:
    """Write the cache; in a repository shared by a group, readable and replaceable by it."""
    import tempfile

    modes = shared_modes(path.parent.parent)  # the git directory's own modes
    if not path.parent.is_dir():
        path.parent.mkdir(exist_ok=True)
        if modes is not None:
            os.chmod(path.parent, modes[0])
    fd, tmp = tempfile.mkstemp(prefix=".cache-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if modes is not None:
                os.fchmod(handle.fileno(), modes[1])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- encoding -----------------------------------------------------------------------------


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _time(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def encode(p: Postmortem) -> tuple[Any, ...] | None:
    """A postmortem as plain tuples; None when it holds data marshal cannot keep exactly."""
    if not (
        _is_plain(p.extra)
        and all(_is_plain(item.extra) for item in p.actions)
        and all(_is_plain(event.extra) for event in p.timeline)
    ):
        return None
    closed = p.closed
    # Interned words are written once and referenced after: a smaller, faster cache.
    return (
        p.id,
        p.title,
        intern(p.severity),
        intern(p.status),
        p.impact,
        [intern(s) for s in p.services],
        [intern(t) for t in p.tags],
        p.related,
        p.review.due.toordinal() if p.review.due else None,
        _us(p.review.held) if p.review.held else None,
        (_us(closed.at), closed.forced, closed.reason) if closed else None,
        [(_us(e.at), intern(e.kind), e.text, e.extra) for e in p.timeline],
        [
            (
                a.number,
                a.text,
                intern(a.owner),
                intern(a.priority),
                a.due.toordinal(),
                intern(a.status),
                a.ticket,
                a.done.toordinal() if a.done else None,
                a.reason,
                a.extra,
            )
            for a in p.actions
        ],
        p.extra,
    )


def decode(t: tuple[Any, ...]) -> Postmortem:
    """The inverse of ``encode``."""
    (
        id_,
        title,
        severity,
        status,
        impact,
        services,
        tags,
        related,
        due,
        held,
        closed,
        timeline,
        actions,
        extra,
    ) = t
    fromordinal = date.fromordinal
    return Postmortem(
        id_,
        title,
        severity,
        status,
        impact,
        services,
        tags,
        related,
        Review(
            fromordinal(due) if due is not None else None,
            _time(held) if held is not None else None,
        ),
        Closure(_time(closed[0]), closed[1], closed[2]) if closed is not None else None,
        [
            Event(_EPOCH + timedelta(microseconds=at), kind, text, e_extra)
            for at, kind, text, e_extra in timeline
        ],
        [
            ActionItem(
                n,
                text,
                owner,
                priority,
                fromordinal(a_due),
                a_status,
                ticket,
                fromordinal(done) if done is not None else None,
                reason,
                a_extra,
            )
            for n, text, owner, priority, a_due, a_status, ticket, done, reason, a_extra in actions
        ],
        extra,
    )


def _is_plain(value: object) -> bool:
    """Only values marshal gives back unchanged (no dates, no tuples, no custom objects)."""
    if value is None or isinstance(value, str | bool | int | float | bytes):
        return True
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_is_plain(k) and _is_plain(v) for k, v in value.items())
    return False
