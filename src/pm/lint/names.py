"""The other files a lint knows by name: postmortems whose id differs from a linted
file's only by case, and (for ``pm lint --changed``) every postmortem git's index names,
with every action item's owner. The other files are named, never read, and what the index
gives is remembered for that very index, so a lint of a few files costs the same at any N.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from pathlib import Path

from pm.config import Config
from pm.store import Store


def in_layout(config: Config, top: Path, indexed: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The entries of ``indexed`` (git's index, relative to ``top``) that are postmortem
    files (``<year>/<id>.md``, as ``Store.paths`` finds them): the other files' names
    without listing the folder."""
    import re

    try:
        folder = config.postmortems_dir.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return []
    prefix = "" if folder == "." else folder + "/"
    layout = re.compile(re.escape(prefix) + r"\d{4}/[^/.][^/]*\.md").fullmatch
    return [entry for entry in indexed if layout(entry[0])]


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
_FORMAT = ("pm-known", 1)


def known(
    config: Config, listing: bytes, jobs: int | None = None
) -> tuple[list[str], dict[str, list[str]]]:
    """For ``pm lint --changed``: every action item's owner in the postmortems git's index
    holds (``owners.all_owners``) and those postmortems' files grouped by folded id (for
    ``case_twins``), from ``listing`` (``gitrepo.start_index_listing``, relative to the
    root). Walking 50,000 entries costs more than the lint of a few files, so the answer is
    kept in ``known-v1.marshal`` beside pm's other caches, under the sha1 of the listing (with
    the root, the folder and pm's version): the same index, the same answer, read back in
    one load. An answer that missed a file's owners (content the owners cache has not seen
    and that the work tree no longer holds) is not kept. ``jobs``: the processes that parse
    the files the owners cache does not know (``pm lint --jobs``)."""
    import hashlib
    import marshal

    from pm import __version__
    from pm.gitrepo import parse_index
    from pm.owners import all_owners, cache_path, write_cache

    root = config.root
    digest = hashlib.sha1(listing, usedforsecurity=False)
    digest.update(f"\0{root}\0{config.postmortems_dir}\0{__version__}".encode())
    header = (*_FORMAT, digest.hexdigest())
    path = cache_path(root, KNOWN)
    kept = _kept(path, header)
    if kept is not None:
        return kept
    # Only the postmortems a lint of every file reads: the owners of a draft outside the
    # year folders (or any other file there) are no names that lint knows.
    indexed = in_layout(config, root, parse_index(listing))
    owners, complete = all_owners(config, root, indexed, jobs)
    folds: dict[str, list[str]] = {}
    start = str(root) + os.sep
    for name, _blob in indexed:  # in the layout already: not matched again
        folds.setdefault(name.rpartition("/")[2][:-3].casefold(), []).append(start + name)
    if complete and path is not None:
        write_cache(path, marshal.dumps((header, owners, folds)))
    return owners, folds


def _kept(
    path: Path | None, header: tuple[object, ...]
) -> tuple[list[str], dict[str, list[str]]] | None:
    """``known``'s answer kept for this ``header`` (the index's digest); None if there is
    none (missing, truncated, garbage, another index)."""
    import marshal

    if path is None:
        return None
    try:
        # marshal builds plain data and never runs code; the file is pm's own.
        found, owners, folds = marshal.loads(path.read_bytes())  # noqa: S302
    except Exception:  # noqa: BLE001 - missing, truncated, garbage, foreign: compute
        return None
    if found != header or type(owners) is not list or type(folds) is not dict:
        return None
    return owners, folds
