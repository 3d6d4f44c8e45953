"""The other files a lint knows by name: postmortems whose id differs from a linted
file's only by case, and (for ``pm lint --changed``) every postmortem git's index names.
The other files are named, never read, so a lint of a few files costs the same at any N.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from pm.config import Config
from pm.store import Store


def indexed_postmortems(config: Config, top: Path, indexed: list[tuple[str, str]]) -> list[str]:
    """The postmortem files (``<year>/<id>.md``, as ``Store.paths`` finds them) that git's
    index names: the other files' names without listing the folder."""
    import re

    try:
        folder = config.postmortems_dir.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return []
    prefix = "" if folder == "." else folder + "/"
    layout = re.compile(re.escape(prefix) + r"\d{4}/[^/.][^/]*\.md").fullmatch
    start = str(top) + os.sep
    return [start + name for name, _blob in indexed if layout(name)]


def case_twins(
    store: Store, files: list[Path], others: list[str] | None = None
) -> dict[Path, list[Path]]:
    """For each file to lint, the other postmortems whose id differs from its id only by case.

    The other files (``others``, default every postmortem file) are only named as strings,
    never read; those given by git's index are checked to exist only when they match."""
    stems = [path.stem for path in files]
    wanted = {stem.casefold() for stem in stems}
    first: dict[str, str] = {}  # a folded id: the first name (strings: a Path costs more)
    more: dict[str, dict[str, None]] = {}  # a folded id: every name, where there are two
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
