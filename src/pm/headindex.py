"""Which files a filter can take, answered from a small index once every file is unchanged.

``pm list --status active``, ``pm action list --mine`` and ``pm overdue --owner X`` print
a few postmortems of thousands. The heads file (``pm.cache.HeadCache``) spares them
decoding the rest, but still costs a dictionary entry, a stat comparison and a filter call
per file. This index (``filter-v1.marshal`` beside the caches) holds, for the files of
the last filtered read, in order:

- their paths, joined, and their stats (size, mtime, ctime, inode), as one flat list: a
  read whose listing and stats are these (one comparison each) knows every file is as it
  was when indexed, so the rule every cache here follows (a stat vouches for what was
  read of a file) holds for all of them at once;
- for each filtered field (status, severity, services, tags, item owners), the positions
  of the files holding each value, and the positions of the files that could not be read;
- the summary-cache entries (``pm.cache.encode``) of the active postmortems, the ongoing
  incidents ``pm list --status active`` shows: few, so holding them here spares that
  command loading the whole summary cache for them.

So a filter stats every file (a hand edit, even of the same size and mtime, changes the
ctime) and decodes only the files its values point to. Any difference (an edit, a new or
deleted file, a pull, a checkout) and the read takes the ordinary path, which writes the
index afresh. It is never written while a file's stat is racy (``pm.cache.RACY_NS``), and a
missing, corrupt or foreign index is simply not used.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from pm import __version__
from pm import cache as caches

INDEX_NAME = "filter-v1.marshal"
# The summary cache's format too: the active postmortems are kept in its encoding.
_FORMAT = ("pm-filter-index", 2, __version__, sys.version_info[:2], caches._FORMAT)
ACTIVE = "active"
FIELDS = ("status", "severity", "services", "tags", "owners")


class Columns:
    """The positions (in the listing) of the files holding each value of each field."""

    def __init__(
        self,
        postings: dict[str, dict[str, list[int]]],
        unreadable: list[int],
        active: dict[int, Any] | None = None,
    ) -> None:
        self.postings = postings
        self.unreadable = unreadable
        self.active = active or {}  # position: summary-cache entry value (``encode``)

    def having(self, field: str, values: Iterable[str]) -> set[int]:
        """The files whose ``field`` is (or, for a list, holds) one of ``values``."""
        found: set[int] = set()
        column = self.postings[field]
        for value in values:
            found.update(column.get(value, ()))
        return found

    def where(self, field: str, test: Callable[[str], bool]) -> set[int]:
        """The files whose ``field`` is (or holds) a value ``test`` takes."""
        found: set[int] = set()
        for value, positions in self.postings[field].items():
            if test(value):
                found.update(positions)
        return found


# A filter's choice of files by the index: None when it cannot narrow (every file).
Pick = Callable[[Columns], "set[int] | None"]


def stats_of(paths: Sequence[str]) -> list[int] | None:
    """Each file's stat key, flat; None when one cannot be taken (vanished, unreadable)."""
    flat: list[int] = []
    add = flat.extend
    stat = os.stat
    try:
        for path in paths:
            s = stat(path)
            add((s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino))
    except OSError:
        return None
    return flat


class HeadIndex:
    """The index file of one repository (``PM_CACHE_DIR`` or ``<git dir>/pm``)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @classmethod
    def for_root(cls, root: Path) -> HeadIndex:
        folder = caches.cache_folder(root)
        return cls(folder / INDEX_NAME if folder is not None else None)

    def columns(self, paths: Sequence[str]) -> tuple[Columns, list[int]] | None:
        """The columns and the files' flat stats, if ``paths`` are the files indexed and
        every one has the stat it had then; else None."""
        if self.path is None:
            return None
        try:
            # marshal builds plain data and never runs code; .git is as trusted as its hooks.
            data = marshal.loads(self.path.read_bytes())  # noqa: S302
            header, joined, stats, postings, unreadable, active = data
            if header != _FORMAT or joined != "\n".join(paths):
                return None
            if not (type(postings) is dict and all(f in postings for f in FIELDS)):
                return None
            if type(unreadable) is not list or type(active) is not dict:
                return None
            # A damaged index that still loads must not crash a filter: every column a
            # dict of lists, and every position (checked again in ``Store._picked``) a file.
            if not all(
                type(postings[f]) is dict
                and all(type(positions) is list for positions in postings[f].values())
                for f in FIELDS
            ) or not all(type(i) is int and 0 <= i < len(paths) for i in unreadable):
                return None
        except Exception:  # noqa: BLE001 - missing, truncated, garbage, foreign: not used
            return None
        flat = stats_of(paths)
        if flat is None or flat != stats:
            return None
        return Columns(postings, unreadable, active), flat

    def write(
        self,
        paths: Sequence[str],
        names: Sequence[str],
        heads: dict[str, Any],
        summaries: Callable[[], dict[str, Any]],
    ) -> None:
        """Index the files of ``paths`` (``names``: as the caches name them) from the heads
        file's entries just saved (``HeadCache.saved``: each file's stat, taken before it
        was read, and its head) and, for the active ones, the summary cache's entries
        (``summaries()``, asked only if there are any; an entry whose stat differs from
        the head's is left out). Nothing is written when a file has no entry or no stat
        (a racy one: an edit within the same tick could hide behind it), or an entry is
        not a head; never fails a command."""
        if self.path is None:
            return
        limit = time.time_ns() - caches.RACY_NS
        flat: list[int] = []
        postings: dict[str, dict[str, list[int]]] = {field: {} for field in FIELDS}
        status, severity = postings["status"], postings["severity"]
        services, tags, owners = postings["services"], postings["tags"], postings["owners"]
        unreadable: list[int] = []
        try:
            for i, name in enumerate(names):
                key, _blob, value = heads[name]
                if key is None or key[1] >= limit or key[2] >= limit:
                    return
                flat.extend(key)
                if value == ():  # UNREADABLE, as the heads file keeps it
                    unreadable.append(i)
                    continue
                head_status, head_severity, head_services, head_tags, head_owners = value
                status.setdefault(head_status, []).append(i)
                severity.setdefault(head_severity, []).append(i)
                for column, values in (
                    (services, head_services),
                    (tags, head_tags),
                    (owners, head_owners),
                ):
                    for one in dict.fromkeys(values):
                        column.setdefault(one, []).append(i)
        except (KeyError, TypeError, ValueError):
            return  # a file without a head (or a damaged one): no index this time
        active: dict[int, Any] = {}
        if status.get(ACTIVE):
            entries = summaries()
            for i in status[ACTIVE]:
                entry = entries.get(names[i])
                if entry is not None and entry[0] == heads[names[i]][0]:
                    active[i] = entry[2]
        data: Any = (_FORMAT, "\n".join(paths), flat, postings, unreadable, active)
        with suppress(OSError, ValueError):
            caches._write_atomically(self.path, marshal.dumps(data))
