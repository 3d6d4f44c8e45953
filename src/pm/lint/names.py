"""The other files a lint knows by name: postmortems whose id differs from a linted
file's only by case, and (for ``pm lint --changed``) every postmortem git's index names,
with every action item's owner. The other files are named, never read, and the owners
the index gives are remembered with that very index and brought up to date from the
entries a commit changed, so a lint of a few files costs about the same at any N.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Collection, Iterable
from pathlib import Path

from pm.config import Config
from pm.records import NamedTuple
from pm.store import Store


def in_layout(config: Config, top: Path, indexed: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The entries of ``indexed`` (git's index, relative to ``top``) that are postmortem
    files (``<year>/<id>.md``, as ``Store.paths`` finds them): the other files' names
    without listing the folder."""
    prefix = _prefix(config, top)
    if prefix is None:
        return []
    layout = re.compile(re.escape(prefix) + _LAYOUT).fullmatch
    return [entry for entry in indexed if layout(entry[0])]


_LAYOUT = r"\d{4}/[^/.][^/]*\.md"  # after the folder's prefix: a year folder's file


def _prefix(config: Config, top: Path) -> str | None:
    """The postmortem folder's path relative to ``top``, as a prefix ("" for the top
    itself); None when it is not inside ``top``."""
    try:
        folder = config.postmortems_dir.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None
    return "" if folder == "." else folder + "/"


def case_twins(
    store: Store, files: list[Path], others: list[str] | dict[str, list[str]] | None = None
) -> dict[Path, list[Path]]:
    """For each file to lint, the other postmortems whose id differs from its id only by case.

    The other files (``others``, default every postmortem file; or grouped by folded id, as
    ``known`` gives them) are only named as strings, never read; those given by git's index
    are checked to exist only when they match."""
    stems = [path.stem for path in files]
    wanted = {stem.casefold() for stem in stems}
    first: dict[str, str] = {}  # a folded id: the first name (strings: a Path costs more)
    more: dict[str, dict[str, None]] = {}  # a folded id: every name, where there are two
    listed: Iterable[str]
    if isinstance(others, dict):  # by folded id (``known``): only the ids linted
        listed = [name for folded in wanted for name in others.get(folded, ())]
    else:
        listed = store.path_names() if others is None else others
    for name in itertools.chain(listed, map(str, files)):
        stem = name.rpartition(os.sep)[2]
        folded = (stem[:-3] if stem.endswith(".md") else Path(name).stem).casefold()
        if folded in wanted and (others is None or os.path.isfile(name)):
            seen = first.setdefault(folded, name)
            if seen != name:
                more.setdefault(folded, {seen: None})[name] = None
    twins: dict[Path, list[Path]] = {}
    for path, stem in zip(files, stems, strict=True):
        names = more.get(stem.casefold())
        if names is not None:
            twins[path] = [o for o in map(Path, names) if o.stem != stem]
    return twins


KNOWN = "known-v1.marshal"
_FORMAT = ("pm-known", 2)
Listing = bytes  # ``git ls-files --stage -z``: NUL-ended records "mode blob stage\tpath"
_Counts = dict[str, int]  # an owner: how many postmortems in the listing name them
_Owners = dict[str, tuple[str, ...]]  # a blob id: its owners
# The owners of blobs first seen while bringing the counts up to date are kept with them
# (not in the owners cache, whose 50,000 entries cost more to write than the lint); past
# this many they are moved into the owners cache.
_ADDED = 2000


class _Kept(NamedTuple):
    listing: Listing
    counts: _Counts
    added: _Owners


def known(
    config: Config, listing: Listing, wanted: Collection[str], jobs: int | None = None
) -> tuple[list[str], dict[str, list[str]]]:
    """For ``pm lint --changed``: every action item's owner in the postmortems git's index
    holds, and the postmortem files whose folded id is one of ``wanted`` (the linted
    files' ids, casefolded) grouped by it (for ``case_twins``), from ``listing``
    (``gitrepo.start_index_listing``, relative to the root).

    Walking 50,000 entries costs more than the lint of a few files, so ``known-v1.marshal``
    (beside pm's other caches) keeps the listing it last saw and how many of its files
    name each owner: the same listing, the same owners; another (a commit, a pull, a
    branch switch), only the records that differ are looked at, their owners taken off
    and added (``owners.owners_of``). Counts that cannot be brought up to date (the
    owners of a record gone are not known) are made afresh from the whole listing. An
    answer that missed a file's owners (content the owners cache has not seen and that
    the work tree no longer holds) is not kept. ``jobs``: the processes that parse the
    files the owners cache does not know (``pm lint --jobs``)."""
    import marshal

    from pm import __version__
    from pm.owners import cache_path, write_cache

    root = config.root
    header = (*_FORMAT, str(root), str(config.postmortems_dir), __version__)
    path = cache_path(root, KNOWN)
    kept = _kept(path, header)
    if kept is not None and kept.listing == listing:
        counts = kept.counts
    else:
        moved = _moved(config, kept, listing, jobs) if kept is not None else None
        now, complete = moved if moved is not None else _counted(config, listing, jobs)
        counts = now.counts
        if complete and path is not None:
            write_cache(path, marshal.dumps((header, *now)))
    return sorted(counts), _by_folded_id(config, listing, wanted)


def _counted(config: Config, listing: Listing, jobs: int | None) -> tuple[_Kept, bool]:
    """The owners' counts of every postmortem in ``listing``, and whether complete."""
    from pm.gitrepo import parse_index
    from pm.owners import owners_of

    # Only the postmortems a lint of every file reads: the owners of a draft outside the
    # year folders (or any other file there) are no names that lint knows.
    indexed = in_layout(config, config.root, parse_index(listing))
    found, complete = owners_of(config, config.root, indexed, jobs)
    counts: _Counts = {}
    _tally(counts, indexed, found, 1)
    return _Kept(listing, counts, {}), complete


def _tally(counts: _Counts, entries: list[tuple[str, str]], owners: _Owners, step: int) -> None:
    """Count (``step`` 1) or take off (-1) the owners of each entry's blob."""
    for _name, blob in entries:
        for owner in owners.get(blob, ()):
            counts[owner] = counts.get(owner, 0) + step


def _moved(
    config: Config, kept: _Kept, listing: Listing, jobs: int | None
) -> tuple[_Kept, bool] | None:
    """``kept``'s counts brought from its listing to ``listing``: the owners of the
    records gone taken off, those of the new ones added, and whether complete. None
    when a gone record's owners are not known."""
    from pm import owners as cache
    from pm.gitrepo import parse_index

    before, after = _differing(kept.listing, listing)
    gone = in_layout(config, config.root, parse_index(before))
    came = in_layout(config, config.root, parse_index(after))
    added = dict(kept.added)
    known: _Owners = added
    if any(blob not in added for _name, blob in gone):
        known = {**cache.load(config.root), **added}
    if any(blob not in known for _name, blob in gone):
        return None
    counts = dict(kept.counts)
    _tally(counts, gone, known, -1)
    found, complete = cache.owners_of(config, config.root, came, jobs, known, whole=False)
    _tally(counts, came, found, 1)
    if any(count < 0 for count in counts.values()):
        return None  # not the counts of the listing kept: count afresh
    added.update(found)
    path = cache.cache_path(config.root)
    if len(added) > _ADDED and path is not None:  # into the owners cache, written once
        base = known if known is not added else cache.load(config.root)
        cache.write(path, {**base, **added})
        added = {}
    counts = {owner: count for owner, count in counts.items() if count > 0}
    return _Kept(listing, counts, added), complete


def _differing(before: Listing, after: Listing) -> tuple[Listing, Listing]:
    """The records of ``before`` that ``after`` does not hold, and those of ``after``
    that ``before`` does not: looked for only between the records both begin and end
    with (git lists the index in path order, so a commit's records sit together)."""
    size = min(len(before), len(after))
    low, high = 0, size  # the longest common beginning, in bytes
    while low < high:
        middle = (low + high + 1) // 2
        if before[low:middle] == after[low:middle]:
            low = middle
        else:
            high = middle - 1
    head = before.rfind(b"\0", 0, low) + 1  # whole records
    low, high = 0, size - head  # the longest common end, not into the beginning
    ends = len(before), len(after)
    while low < high:
        middle = (low + high + 1) // 2
        if before[ends[0] - middle : ends[0] - low] == after[ends[1] - middle : ends[1] - low]:
            low = middle
        else:
            high = middle - 1
    common = before[len(before) - low :]
    cut = common.find(b"\0")  # the end of a record in both: whole records after it
    tail = len(common) - cut - 1 if cut >= 0 else 0
    old = set(before[head : len(before) - tail].split(b"\0"))
    new = set(after[head : len(after) - tail].split(b"\0"))
    return b"\0".join([*(old - new), b""]), b"\0".join([*(new - old), b""])


def _by_folded_id(
    config: Config, listing: Listing, wanted: Collection[str]
) -> dict[str, list[str]]:
    """The postmortem files of ``listing`` whose folded id is in ``wanted``, by it, in the
    index's order, as absolute paths. When every name is ASCII each id is looked for in
    the listing in lower case (``casefold`` is then ``lower``); else every entry is
    looked at."""
    from pm.gitrepo import parse_index

    root = config.root
    prefix = _prefix(config, root)
    if not wanted or prefix is None:
        return {}
    names: list[str]
    if listing.isascii() and all(folded.isascii() for folded in wanted):
        lowered = listing.lower()
        found: list[tuple[int, bytes]] = []
        for folded in wanted:
            needle = b"/" + folded.encode() + b".md\0"
            at = lowered.find(needle)
            while at >= 0:
                start = listing.rfind(b"\0", 0, at) + 1
                found.append((start, listing[start : at + len(needle)]))
                at = lowered.find(needle, at + 1)
        records = b"".join(record for _start, record in sorted(found))
        names = [name for name, _blob in in_layout(config, root, parse_index(records))]
    else:
        names = [name for name, _blob in in_layout(config, root, parse_index(listing))]
    folds: dict[str, list[str]] = {}
    top = str(root) + os.sep
    for name in names:
        folded = name.rpartition("/")[2][:-3].casefold()
        if folded in wanted:
            folds.setdefault(folded, []).append(top + name)
    return folds


def _kept(path: Path | None, header: tuple[object, ...]) -> _Kept | None:
    """The listing, owners' counts and owners of added blobs ``known`` kept; None if
    there are none (missing, truncated, garbage, another root, folder or pm)."""
    import marshal

    if path is None:
        return None
    try:
        # marshal builds plain data and never runs code; the file is pm's own.
        found, listing, counts, added = marshal.loads(path.read_bytes())  # noqa: S302
    except Exception:  # noqa: BLE001 - missing, truncated, garbage, foreign: compute
        return None
    if found != header or type(listing) is not bytes:
        return None
    if type(counts) is not dict or type(added) is not dict:
        return None
    if not all(type(owner) is str and type(count) is int for owner, count in counts.items()):
        return None
    if not all(type(owners) is tuple for owners in added.values()):
        return None
    return _Kept(listing, counts, added)
