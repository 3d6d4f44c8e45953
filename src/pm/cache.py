"""A cache of parsed postmortems, kept under the git directory, so reads stay fast at scale.

PyYAML builds Python objects in Python, so parsing 10,000 front matters takes seconds;
loading them from this cache takes a small fraction of that. The cache is only a copy:

- It lives in ``<git dir>/pm/cache-v1.marshal`` (one per work tree; the prose ``pm
  search`` reads is in ``prose-v1.marshal`` beside it, and the words similarity compares
  in ``tokens-v1.marshal``, ``pm.causedocs``, under the same rules), so git
  never tracks it and ``git status`` never shows it; ``PM_CACHE_DIR`` puts both
  elsewhere (a folder a CI cache step saves and restores). Delete it at any time; pm
  rebuilds it. In a repository shared by a group (``core.sharedRepository``) the folder
  and file get the group's modes, as git's own files do (``location.shared_modes``).
- Each entry is keyed by the file's path relative to the root, checked two ways. First
  the file's size, mtime, ctime and inode (one ``stat``): unchanged, the entry is used.
  Otherwise the file's content: its git blob id (the sha1 git gives the same bytes,
  computed here without git) equal to the entry's means the entry is used and given the
  new stat; else the file is parsed. So a hand edit is always seen, while a fresh clone
  with a restored cache, a checkout, a pull or a branch switch (new inodes and ctimes,
  same bytes) reads each file and hashes it but parses only the files that changed.
- A file changed within the last few seconds keeps no stat in its entry (git's "racy"
  rule): on a filesystem with coarse timestamps a same-size edit within the same tick
  would otherwise look unchanged; its content is checked on every read until it is older.
- A missing, corrupt, truncated or foreign cache (other pm or Python version) is ignored
  and rewritten. Failing to write it (a read-only ``.git``) never fails a command.

The format is ``marshal`` of plain tuples: the fastest loader in the standard library, and
unlike pickle it cannot run code. A file is a header and then the entries in pieces of a
few thousand, each piece its own marshal bytes after its length and CRC-32 (``read_file``,
``write_file``): rewriting the cache after one file changed then never holds the whole
file's bytes in memory beside its entries (60 MB more at 50,000 postmortems), and a byte
flipped inside a value that would still load (a title's letter) makes the file a miss,
rebuilt, instead of being shown as data (15 ms of checking for 60 MB). In the
summary cache each postmortem's tuples are marshal bytes of their own, decoded when used,
so a whole read need not hold them all as objects. Times are stored as microseconds since
the epoch, dates as ordinals, and unknown front-matter keys only when they are plain data
(dates and times in them as tagged tuples, ``_kept``).

Length: the rule every cache file here follows (a stat, else the git blob id, vouches for
an entry) and the encoding of what the summary cache keeps are one contract; the caches
are small subclasses of ``StatCache``, and filters read their fields (``Head``) here too.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from sys import intern
from typing import Any, Self

from pm import __version__
from pm.location import git_dir, shared_modes
from pm.model import ActionItem, Closure, Event, Postmortem, Review
from pm.records import NamedTuple

CACHE_NAME = "cache-v1.marshal"
HEADS_NAME = "heads-v1.marshal"
LINES_NAME = "lines-v1.marshal"
PROSE_NAME = "prose-v1.marshal"
# Format 2: timeline events keep other tools' keys (format 1 dropped them). Format 3:
# entries are keyed by relative path and hold the file's git blob id. Format 5: each
# postmortem is its own marshal bytes, decoded only when used (see ``SummaryCache``).
_FORMAT = ("pm-cache", 7, __version__, sys.version_info[:2])  # 7: dates in extra keys
# Files changed this recently (nanoseconds) are parsed every time until they are older.
RACY_NS = 2_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

StatKey = tuple[int, int, int, int]
# (the file's stat when it was read, None while that is racy; its git blob id; the value)
CacheEntry = tuple[StatKey | None, bytes, Any]


def cache_folder(root: Path) -> Path | None:
    """Where pm keeps its caches: ``PM_CACHE_DIR``, else ``pm`` in the git directory."""
    named = os.environ.get("PM_CACHE_DIR")
    if named:  # relative to the working directory, as GIT_DIR is
        return Path(os.path.abspath(named))
    found = git_dir(root)
    return found / "pm" if found is not None else None


def stat_key(stat: os.stat_result) -> StatKey:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def blob_id(data: bytes) -> bytes:
    """The id git gives a file with these bytes (``git hash-object``), as 20 bytes."""
    import hashlib

    digest = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    digest.update(data)
    return digest.digest()


class StatCache:
    """Values by file, valid while the file's stat or else its content is unchanged (the
    base of the summary cache and the prose cache).

    ``stat_hits``, ``content_hits`` and ``misses`` count the lookups of this instance:
    a miss is a file the caller has to parse (tests and benchmarks read them);
    ``index_hits`` are the content hits whose blob id came from git's index."""

    NAME = CACHE_NAME
    FORMAT: tuple[Any, ...] = _FORMAT

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._old: dict[str, CacheEntry] = {}
        self._new: dict[str, CacheEntry] = {}
        self._saved: dict[str, CacheEntry] = {}
        self.stat_hits = self.content_hits = self.misses = 0
        self.index_hits = 0  # content hits vouched for by git's index (not hashed)
        # The file as loaded (inode, size) and its pieces, when it was whole and ours:
        # ``append`` adds a piece only to that very file.
        self._loaded: tuple[int, int, int] | None = None
        if path is not None:
            self._old, self._loaded = _load_counted(path, self.FORMAT)

    @classmethod
    def for_root(cls, root: Path) -> Self:
        folder = cache_folder(root)
        return cls(folder / cls.NAME if folder is not None else None)

    def _lookup(self, name: str, key: StatKey) -> Any:
        """The stored value for file ``name`` (relative) if its stat still matches, else
        None; a value looked up is kept by the next ``save``."""
        entry = self._old.get(name)
        try:
            if entry is None or entry[0] != key or len(entry) != 3:
                return None
        except Exception:  # noqa: BLE001 - a damaged entry is a miss
            return None
        self._new[name] = entry
        self.stat_hits += 1
        return entry[2]

    def _lookup_content(self, name: str, key: StatKey | None, blob: bytes) -> Any:
        """The stored value for file ``name`` if its content (``blob``, see ``blob_id``)
        is the one it was read from, else None (a miss); a hit takes the new ``key``."""
        entry = self._old.get(name)
        try:
            if entry is None or entry[1] != blob or len(entry) != 3:
                self.misses += 1
                return None
        except Exception:  # noqa: BLE001 - a damaged entry is a miss
            self.misses += 1
            return None
        self._new[name] = (key, blob, entry[2])
        self.content_hits += 1
        return entry[2]

    def _lookup_indexed(self, name: str, key: StatKey, blob: bytes) -> Any:
        """``_lookup_content`` with the blob id git's index holds for the unchanged file
        (``gitrepo.unchanged_blobs``), not one computed from its bytes: None (not counted
        as a miss: the caller then reads and hashes the file) unless the entry was read
        from a file of the same size. Git's id is of the file as git stores it (after
        ``autocrlf``, ``eol``); such conversions change the size, so the same size and
        the same id mean the bytes pm read are the bytes there now. (A filter driver may
        keep the size: ``unchanged_blobs`` leaves its files out.)"""
        entry = self._old.get(name)
        try:
            if entry is None or entry[1] != blob or len(entry) != 3:
                return None
            stat = entry[0]
            if stat is None or stat[0] != key[0]:
                return None
        except Exception:  # noqa: BLE001 - damaged, or no stat (racy): hash the file
            return None
        self._new[name] = (key, blob, entry[2])
        self.content_hits += 1
        self.index_hits += 1
        return entry[2]

    def _drop(self, name: str) -> None:
        """Forget an entry found damaged: counted as a miss, the caller parses the file."""
        if self._new.pop(name, None) is not None:
            self.misses += 1

    @property
    def saved(self) -> dict[str, CacheEntry]:
        """The entries the last ``save`` kept (written or not): every file looked up."""
        return self._saved

    def blob_of(self, name: str) -> bytes | None:
        """The blob id of the bytes this command's value for file ``name`` came from."""
        entry = self._new.get(name)
        return entry[1] if entry is not None else None

    def blobs(self) -> dict[str, bytes]:
        """``blob_of`` of every file this command looked up or read."""
        return {name: entry[1] for name, entry in self._new.items()}

    def keep_unread(self, names: Iterable[str] | None) -> None:
        """Keep the entries of these files (None: of every file) that this command did not
        look up (a filtered read decodes only what it shows), so that ``save`` does not
        drop them; each is still checked against its file's stat or bytes when used."""
        old = self._old
        for name in list(old) if names is None else names:
            if name not in self._new and name in old:
                entry = old[name]
                # Kept unchecked, a damaged entry (valid marshal, wrong shape) crashed
                # ``save``, which reads each entry's stat: it is dropped (a miss) instead.
                stat = entry[0] if type(entry) is tuple and len(entry) == 3 else ()
                if stat is None or (
                    type(stat) is tuple
                    and len(stat) == 4
                    and type(stat[1]) is int
                    and type(stat[2]) is int
                ):
                    self._new[name] = entry

    def _keep(self, name: str, key: StatKey | None, blob: bytes, value: Any) -> None:
        self._new[name] = (key, blob, value)

    def save(self) -> bool:
        """Write the cache if anything changed; silently give up if it cannot be written.
        True when it was written (or tried to be); ``_saved`` holds the entries, either way."""
        if self.path is None:
            return False
        entries = _settled(self._new)
        self._saved = entries
        if entries == self._old:
            return False  # unchanged: nothing to write (entries compare by identity first)
        # A cache that cannot be written (read-only .git, disk full) is slower, never wrong.
        with suppress(OSError, ValueError):
            write_file(self.path, self.FORMAT, entries)
        return True

    def append(self, limit: int) -> bool:
        """Add the entries looked up or read that differ from the file's as one piece at
        the end of the file, keeping every other entry: what a full ``save`` keeping all
        of them would give, without rewriting 55 MB for a few files (``pm open`` at 50,000
        postmortems). Only to the very file loaded (same inode and size), with at most
        ``limit`` entries and 64 pieces; False when it did not (the caller saves)."""
        if self.path is None or self._loaded is None or self._loaded[2] >= 64:
            return False
        changed = {n: e for n, e in _settled(self._new).items() if self._old.get(n) != e}
        if len(changed) > limit:
            return False
        self._saved = {**self._old, **changed}
        if not changed:
            return True
        data = _framed(marshal.dumps(changed))
        try:
            handle = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        except OSError:
            return False
        try:
            found = os.fstat(handle)
            if (found.st_ino, found.st_size) != self._loaded[:2]:
                return False  # replaced or grown since it was loaded: write it whole
            with suppress(OSError):  # a piece cut short reads as a damaged file: rebuilt
                view = memoryview(data)
                while view:
                    view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
        return True


def _settled(entries: dict[str, CacheEntry]) -> dict[str, CacheEntry]:
    """``entries`` as written: a stat from the last ``RACY_NS`` is not kept."""
    limit = time.time_ns() - RACY_NS
    return {
        name: entry
        if entry[0] is None or (entry[0][1] < limit and entry[0][2] < limit)
        else (None, entry[1], entry[2])  # racy: only its content can vouch for it
        for name, entry in entries.items()
    }


class SummaryCache(StatCache):
    """Parsed postmortems by file (see ``StatCache``).

    Each value is the ``marshal`` bytes of one ``encode``d postmortem, not the tuples
    themselves: loading the whole cache then makes one bytes object per file (about the
    file's size in memory, a third of what the tuples took), and a whole-repository read
    that decodes, uses and drops one postmortem at a time holds little more than that."""

    def get(self, name: str, key: StatKey) -> Postmortem | None:
        """The cached postmortem for file ``name`` if its stat still matches, else None."""
        return self._decoded(name, self._lookup(name, key))

    def stored(self, name: str, key: StatKey) -> Any:
        """``get`` not yet decoded: the entry's value (see ``unpack`` and ``decoded``)."""
        return self._lookup(name, key)

    def decoded(self, name: str, stored: Any) -> Postmortem | None:
        """The postmortem of a ``stored`` value; None (a miss) when it is damaged."""
        return self._decoded(name, stored)

    def get_content(self, name: str, key: StatKey | None, blob: bytes) -> Postmortem | None:
        """The cached postmortem for file ``name`` if it was read from these bytes."""
        return self._decoded(name, self._lookup_content(name, key, blob))

    def get_indexed(self, name: str, key: StatKey, blob: bytes) -> Postmortem | None:
        """The cached postmortem for file ``name`` if git's index vouches that the file
        holds the bytes it was read from (``StatCache._lookup_indexed``)."""
        return self._decoded(name, self._lookup_indexed(name, key, blob))

    def _decoded(self, name: str, stored: Any) -> Postmortem | None:
        if stored is None:
            return None
        try:
            return decode(unpack(stored))
        except Exception:  # noqa: BLE001 - a damaged entry is a miss, never an error
            self._drop(name)
            return None

    def put(self, name: str, key: StatKey | None, blob: bytes, postmortem: Postmortem) -> None:
        """Remember a freshly parsed postmortem (read after ``key`` was taken)."""
        encoded = encode(postmortem)
        if encoded is not None:
            self._keep(name, key, blob, marshal.dumps(encoded))


class LinesCache(StatCache):
    """The line of each top-level front-matter key and list item of a file
    (``frontmatter.locate_top``), for the places of ``pm overdue``'s findings, so an
    unchanged file with a finding is not read again: ``lines-v1.marshal`` beside the
    summary cache, under the same rules."""

    NAME = LINES_NAME
    FORMAT = ("pm-lines", 2, __version__, sys.version_info[:2])  # 2: only the places

    def get(self, name: str, key: StatKey) -> dict[Any, int] | None:
        return self._lines(name, self._lookup(name, key))

    def get_content(self, name: str, key: StatKey | None, blob: bytes) -> dict[Any, int] | None:
        return self._lines(name, self._lookup_content(name, key, blob))

    def _lines(self, name: str, stored: Any) -> dict[Any, int] | None:
        if stored is None or type(stored) is dict:
            return stored
        self._drop(name)  # foreign data: a miss
        return None

    def put(self, name: str, key: StatKey | None, blob: bytes, lines: dict[Any, int]) -> None:
        """Remember ``lines`` (``FrontMap.lines``) when marshal keeps them exactly."""
        if all(
            type(path) is tuple
            and all(type(part) in (str, int) for part in path)
            and type(line) is int
            for path, line in lines.items()
        ):
            self._keep(name, key, blob, lines)


class ProseCache(StatCache):
    """The searchable prose of each file (``pm search``), in ``prose-v1.marshal`` beside the
    summary cache, under the same rules: so a warm search reads no postmortem file.

    Each text is kept zlib-compressed (fastest level): prose is most of a postmortem, and
    the whole cache is loaded by every search, so at 50,000 files the plain texts and the
    file's bytes alone held about 250 MB; compressed, a third of that. Decompressing a
    text costs less than a tenth of searching it."""

    NAME = PROSE_NAME
    FORMAT = ("pm-prose", 3, __version__, sys.version_info[:2])  # 3: compressed texts

    def get(self, name: str, key: StatKey) -> str | None:
        return self._text(name, self._lookup(name, key))

    def get_content(self, name: str, key: StatKey | None, blob: bytes) -> str | None:
        return self._text(name, self._lookup_content(name, key, blob))

    def _text(self, name: str, stored: Any) -> str | None:
        if stored is None:
            return None
        if type(stored) is bytes:
            import zlib

            try:
                return zlib.decompress(stored).decode("utf-8", "surrogatepass")
            except (zlib.error, UnicodeDecodeError):
                pass
        self._drop(name)  # foreign or damaged data: a miss
        return None

    def put(self, name: str, key: StatKey | None, blob: bytes, prose: str) -> None:
        import zlib

        data = prose.encode("utf-8", "surrogatepass")
        self._keep(name, key, blob, zlib.compress(data, 1))


def _load(path: Path, expected: tuple[Any, ...]) -> dict[str, CacheEntry]:
    return _load_counted(path, expected)[0]


def _load_counted(
    path: Path, expected: tuple[Any, ...]
) -> tuple[dict[str, CacheEntry], tuple[int, int, int] | None]:
    """The entries of the cache file, and its (inode, size, pieces) when it was whole
    and had this header; ``{}`` and None when missing, truncated, garbage or foreign."""
    try:
        header, entries, loaded = _read_counted(path)
        if header != expected:
            return {}, None
        return entries, loaded
    except Exception:  # noqa: BLE001 - missing, truncated, garbage, foreign: start afresh
        return {}, None


# Entries per piece of a cache file: a piece of the summary cache is about 2 MB.
_PIECE = 2000
_LENGTH = 8  # bytes of the little-endian length before each piece
_CHECK = 4  # then the CRC-32 of its bytes: a byte flipped inside a value is a miss, not data


def read_file(path: Path) -> tuple[Any, dict[str, Any]]:
    """A cache file's header and entries (``write_file``), read a piece at a time (never
    the whole file's bytes at once). ValueError when the file is truncated or not made of
    pieces; OSError when it cannot be read. A later piece's entry replaces an earlier
    one of the same name (``StatCache.append``)."""
    header, entries, _loaded = _read_counted(path)
    return header, entries


def _read_counted(path: Path) -> tuple[Any, dict[str, Any], tuple[int, int, int]]:
    """``read_file``, and the file's (inode, size, number of pieces)."""
    header: Any = None
    entries: dict[str, Any] = {}
    pieces = 0
    with path.open("rb") as handle:
        found = os.fstat(handle.fileno())
        left = found.st_size
        from zlib import crc32

        while length := handle.read(_LENGTH):
            size = int.from_bytes(length, "little")
            left -= len(length) + _CHECK + size
            if len(length) != _LENGTH or size <= 0 or left < 0:
                raise ValueError("a truncated cache file")
            check = int.from_bytes(handle.read(_CHECK), "little")
            data = handle.read(size)
            if len(data) != size:
                raise ValueError("a truncated cache file")
            if crc32(data) != check:
                raise ValueError("a damaged cache file")
            # marshal builds plain data and never runs code; .git is as trusted as its hooks.
            piece = marshal.loads(data)  # noqa: S302
            pieces += 1
            if header is None:
                header = (piece,)
            elif type(piece) is dict:
                entries.update(piece)
            else:
                raise ValueError("not a cache file")
    if header is None:
        raise ValueError("an empty cache file")
    return header[0], entries, (found.st_ino, found.st_size, pieces)


def write_file(path: Path, header: Any, entries: dict[str, Any]) -> None:
    """Write ``header`` and ``entries`` atomically, a piece at a time (see the module)."""
    _write_atomically(path, file_pieces(header, entries))


def file_pieces(header: Any, entries: dict[str, Any]) -> Iterator[bytes]:
    """The bytes of a cache file, a piece at a time: each is its length, then its marshal
    bytes; the header first, then the entries a few thousand at a time."""
    names = list(entries)
    yield _framed(marshal.dumps(header))
    for first in range(0, len(names), _PIECE):
        yield _framed(
            marshal.dumps({name: entries[name] for name in names[first : first + _PIECE]})
        )


def _framed(data: bytes) -> bytes:
    from zlib import crc32

    check = crc32(data).to_bytes(_CHECK, "little")
    return len(data).to_bytes(_LENGTH, "little") + check + data


def _write_atomically(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write the cache (its bytes, or their pieces in order); in a repository shared by a
    group, readable and replaceable by it."""
    import tempfile

    modes = shared_modes(path.parent.parent)  # the git directory's own modes
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)  # PM_CACHE_DIR may name a new path
        if modes is not None:
            os.chmod(path.parent, modes[0])
    fd, tmp = tempfile.mkstemp(prefix=".cache-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in [data] if isinstance(data, bytes) else data:
                handle.write(piece)
            if modes is not None:
                os.fchmod(handle.fileno(), modes[1])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- encoding -----------------------------------------------------------------------------


def unpack(stored: Any) -> tuple[Any, ...]:
    """A summary cache value (``marshal`` bytes) as the tuple ``encode`` made; ValueError
    for anything else (a damaged entry: the caller treats it as a miss)."""
    if type(stored) is not bytes:
        raise ValueError("not a packed postmortem")
    # marshal builds plain data and never runs code; the bytes are the cache's own.
    t = marshal.loads(stored)  # noqa: S302
    if type(t) is not tuple:
        raise ValueError("not a packed postmortem")
    return t


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _time(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def encode(p: Postmortem) -> tuple[Any, ...] | None:
    """A postmortem as plain tuples; None when it holds data marshal cannot keep exactly.

    Other tools' keys (``extra``) are kept when they hold plain data, dates and times
    too (YAML makes them of ``2024-09-16T15:20:00Z``, as ``pm action verify``'s evidence
    has): those are written as tagged tuples (``_kept``), which YAML never makes."""
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
        _us(p.review.scheduled) if p.review.scheduled else None,
        (_us(closed.at), closed.forced, closed.reason) if closed else None,
        [(_us(e.at), intern(e.kind), e.text, _kept(e.extra)) for e in p.timeline],
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
                _kept(a.extra),
            )
            for a in p.actions
        ],
        _kept(p.extra),
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
        scheduled,
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
            _time(scheduled) if scheduled is not None else None,
        ),
        Closure(_time(closed[0]), closed[1], closed[2]) if closed is not None else None,
        [
            Event(_EPOCH + timedelta(microseconds=at), kind, text, _restored(e_extra))
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
                _restored(a_extra),
            )
            for n, text, owner, priority, a_due, a_status, ticket, done, reason, a_extra in actions
        ],
        _restored(extra),
    )


class Head(NamedTuple):
    """The few fields filters look at (``pm list --status``, ``pm action list --mine``,
    ``pm overdue --owner``), read from a postmortem or straight from its cache entry, so a
    filter skips a cached postmortem without decoding it (``Store.read_all``)."""

    status: str
    severity: str
    services: list[str]
    tags: list[str]
    owners: list[str]  # of the action items, in order

    @classmethod
    def of(cls, p: Postmortem) -> Head:
        return cls(p.status, p.severity, p.services, p.tags, [a.owner for a in p.actions])


def head(t: Any) -> Head:
    """``Head.of(decode(t))`` without decoding ``t``; ValueError for what ``encode`` never
    makes (a damaged entry: the caller decodes it, and that fails as a miss)."""
    if type(t) is not tuple or len(t) != 15:
        raise ValueError("not an encoded postmortem")
    found = Head(t[3], t[2], t[5], t[6], [a[2] for a in t[13]])
    if not (
        type(found.status) is str
        and type(found.severity) is str
        and type(found.services) is list
        and type(found.tags) is list
        and all(type(o) is str for o in found.owners)
    ):
        raise ValueError("not an encoded postmortem")
    return found


UNREADABLE = Head("", "", [], [], [])  # by identity: a file that could not be read


class HeadCache(StatCache):
    """Each file's ``Head`` (``heads-v1.marshal`` beside the summary cache, under the same
    rules): the fields filters test, a sixth of the summary cache's size, so ``pm list
    --status active`` or ``pm overdue --owner`` loads the summaries only for the files
    it shows. Only the filtered read (``Store.read_all(admit)``) writes it: a whole read
    has no use for it, and rewriting it cost a whole read a tenth of its time."""

    NAME = HEADS_NAME
    FORMAT = ("pm-heads", 1, __version__, sys.version_info[:2])

    def get(self, name: str, key: StatKey) -> Head | None:
        """The file's head while its stat matches; ``UNREADABLE`` for a file that could not
        be read as it is (its error is found again by reading it, no cache needed)."""
        return self._head(name, self._lookup(name, key))

    def _head(self, name: str, stored: Any) -> Head | None:
        if stored is None:
            return None
        if stored == ():
            return UNREADABLE
        if (
            type(stored) is tuple
            and len(stored) == 5
            and type(stored[0]) is str
            and type(stored[1]) is str
            and type(stored[2]) is list
            and type(stored[3]) is list
            and type(stored[4]) is list
        ):
            return Head._make(stored)
        self._drop(name)  # damaged: the summary cache or the file answers
        return None

    def put(self, name: str, key: StatKey | None, blob: bytes, found: Head) -> None:
        self._keep(name, key, blob, () if found is UNREADABLE else tuple(found))


def _is_plain(value: object) -> bool:
    """Only values the cache gives back unchanged: what marshal keeps, and dates and
    times as YAML makes them (no tuples, no custom objects, no other time zones)."""
    if value is None or isinstance(value, str | bool | int | float | bytes):
        return True
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_is_plain(k) and _is_plain(v) for k, v in value.items())
    if type(value) is datetime:
        return value.tzinfo is None or type(value.tzinfo) is timezone
    return type(value) is date


_DATE_TAG, _TIME_TAG = "date", "time"


def _kept(value: Any) -> Any:
    """``value`` with its dates and times as tagged tuples (``_restored`` undoes it)."""
    if not value or isinstance(value, str | bool | int | float | bytes):
        return value
    if type(value) is datetime:
        return (_TIME_TAG, value.isoformat())
    if type(value) is date:
        return (_DATE_TAG, value.toordinal())
    if isinstance(value, list):
        return [_kept(v) for v in value]
    return {k: _kept(v) for k, v in value.items()}


def _restored(value: Any) -> Any:
    """The inverse of ``_kept``: only it makes tuples in an entry's ``extra``."""
    if not value or isinstance(value, str | bool | int | float | bytes):
        return value
    if type(value) is tuple:
        tag, data = value
        return datetime.fromisoformat(data) if tag == _TIME_TAG else date.fromordinal(data)
    if isinstance(value, list):
        return [_restored(v) for v in value]
    return {k: _restored(v) for k, v in value.items()}
