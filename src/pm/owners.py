"""The owners of every action item in the repository, without reading every file.

``pm lint --changed`` judges the changed files as a whole-repository lint would, so it
needs every owner's name (a name the blameless rules know). Reading them from 50,000 files,
or even from the summary cache, grows with the repository; git's index already names every
tracked file and its content (blob id) in about 20 ms. So owners are remembered by blob id
in ``<git dir>/pm/owners-v1.marshal`` (beside the summary cache, under ``PM_CACHE_DIR``
when that is set): a lookup per indexed file, and only files whose content is new since
the last run (a commit, a pull) are parsed. A blob id names exactly one content, so an
entry can never be stale; entries of blobs no longer in the index are dropped on write.

Files changed in the work tree but not staged are in the index with their old content:
their old owners are counted (a name more, never one less), and ``pm lint`` adds the
owners of every file it lints. Untracked files are not in the index; the changed-file lint
reads them itself. A missing or damaged file is rebuilt; failing to write it is ignored.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from pm import __version__
from pm.config import Config

NAME = "owners-v1.marshal"
_FORMAT = ("pm-owners", 1, __version__, sys.version_info[:2])


def cache_path(root: Path, name: str = NAME) -> Path | None:
    """Where the cache file ``name`` of the lint's names lives (``PM_CACHE_DIR``, else
    ``pm`` in the git directory); None outside git."""
    from pm.location import git_dir

    named = os.environ.get("PM_CACHE_DIR")
    if named:
        return Path(os.path.abspath(named)) / name
    found = git_dir(root)
    return found / "pm" / name if found is not None else None


def write_cache(path: Path, data: bytes) -> None:
    """Replace the cache file at ``path``; a cache that cannot be written only costs time."""
    from pm.location import shared_modes

    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        modes = shared_modes(path.parent.parent)
        if modes is not None:
            os.chmod(temporary, modes[1])
        os.replace(temporary, path)
    except (OSError, ValueError):  # slower next time, never wrong
        with suppress(OSError):
            temporary.unlink()


def _load(path: Path | None) -> dict[str, tuple[str, ...]]:
    if path is None:
        return {}
    try:
        header, known = marshal.loads(path.read_bytes())  # noqa: S302 - plain data only
        if header != _FORMAT or not isinstance(known, dict):
            return {}
        return known
    except Exception:  # noqa: BLE001 - missing, truncated, garbage, foreign: start afresh
        return {}


def _owners_in(raw: bytes, shown: str) -> tuple[str, ...]:
    from pm import frontmatter
    from pm.errors import PmError

    try:
        front: Any = frontmatter.parse_postmortem(raw, shown).front
    except PmError:
        return ()
    actions = front.get("actions") if isinstance(front, dict) else None
    if not isinstance(actions, list):
        return ()
    return tuple(
        sorted({str(a["owner"]) for a in actions if isinstance(a, dict) and a.get("owner")})
    )


def load(root: Path) -> dict[str, tuple[str, ...]]:
    """The owners cache: each blob id's owners, as far as pm has seen them."""
    return _load(cache_path(root))


def owners_of(
    config: Config,
    top: Path,
    indexed: list[tuple[str, str]],
    jobs: int | None = None,
    known: dict[str, tuple[str, ...]] | None = None,
    *,
    whole: bool = True,
) -> tuple[dict[str, tuple[str, ...]], bool]:
    """Each blob's owners (of every action item), for the postmortems git tracks:
    ``indexed`` is ``gitrepo.index_blobs`` (relative path, hex blob id) and ``top`` the
    folder it is relative to. A file changed in the work tree since it was staged counts
    with the owners of its staged content (read from git's object store). And whether
    every file's owners are in it (False only when git could not give a staged content).

    ``known``: owners already known by blob (default: the owners cache). Files whose
    owners it does not hold are parsed, across ``jobs`` processes (``pm lint --jobs``;
    every core when None) when there are many: the first ``lint --changed`` in a clone
    reads every front matter. ``whole``: ``indexed`` is the whole index, and the cache is
    rewritten with exactly its blobs; else (a few entries a commit added, which the
    caller keeps) it is not written."""
    path = cache_path(config.root)
    if known is None:
        known = _load(path)
    fresh: dict[str, tuple[str, ...]] = {}
    elsewhere: dict[str, str] = {}  # blob: name, of files the work tree holds otherwise
    unknown: list[tuple[str, str]] = []
    for name, blob in indexed:
        found = known.get(blob)
        if found is None:
            unknown.append((name, blob))
        else:
            fresh[blob] = found
    for name, blob, read in _read(top, unknown, jobs):
        if read is None:  # changed (or gone) since it was staged
            elsewhere[blob] = name
        else:
            fresh[blob] = read
    if elsewhere:  # the staged content, from git's object store (one process)
        from pm.gitrepo import blobs_content

        contents = blobs_content(top, list(elsewhere))
        for blob, name in elsewhere.items():
            if blob in contents:
                fresh[blob] = _owners_in(contents[blob], name)
    complete = all(blob in fresh for blob in elsewhere)
    if whole and path is not None and fresh.keys() != known.keys():
        write(path, fresh)
    return fresh, complete


def write(path: Path, kept: dict[str, tuple[str, ...]]) -> None:
    """Replace the owners cache with ``kept``, each name and each distinct tuple of them
    stored once (marshal refers back to an object it wrote): 50,000 blobs load in 20 ms."""
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    plain: dict[str, tuple[str, ...]] = {}
    for blob, owners in kept.items():
        found = shared.get(owners)
        if found is None:
            found = shared[owners] = tuple(map(sys.intern, owners))
        plain[blob] = found
    write_cache(path, marshal.dumps((_FORMAT, plain)))


_Read = tuple[str, str, tuple[str, ...] | None]


def _read(top: Path, files: list[tuple[str, str]], jobs: int | None) -> Iterator[_Read]:
    """(name, blob, owners) of each file, owners None when the work tree holds other
    content than the blob; in worker processes when there are many (``lint.parallel``)."""
    if not files:
        return
    from pm.lint.parallel import Workers, count

    with Workers(_read_files, count(jobs, len(files))) as workers:
        for _chunk, found in workers.map(files, top):
            yield from found


def _read_files(files: Sequence[tuple[str, str]], top: Path) -> list[_Read]:
    from pm.cache import blob_id

    found: list[_Read] = []
    for name, blob in files:
        try:
            raw = (top / name).read_bytes()
        except OSError:
            raw = b""
        same = blob_id(raw).hex() == blob
        found.append((name, blob, _owners_in(raw, name) if same else None))
    return found


_ACTIONS = re.compile(rb"^actions:[ \t]*\r?$", re.MULTILINE)
_TOP_KEY = re.compile(rb"^[^ \t\r\n#-]", re.MULTILINE)
_OWNER = re.compile(rb"^  owner:[ \t]*(.*?)[ \t]*\r?$", re.MULTILINE)


def scanned(raw: bytes) -> set[str]:
    """The owners a quick look at a file's text finds, without parsing its YAML.

    Exact for the files pm writes (``owner: name`` lines in the ``actions:`` list, a name
    plain or quoted); a hand-written file can fool it, so ``pm lint`` compares this with
    the parse and lints again with the real names when they differ."""
    end = raw.find(b"\n---", 4)
    start = _ACTIONS.search(raw, 0, end)
    if start is None:
        return set()
    after = _TOP_KEY.search(raw, start.end(), end)
    stop = end if after is None else after.start()
    found: set[str] = set()
    for match in _OWNER.finditer(raw, start.end(), stop):
        value = match.group(1).decode("utf-8", "replace")
        if len(value) > 1 and value[0] == value[-1] == "'":
            value = value[1:-1].replace("''", "'")
        elif len(value) > 1 and value[0] == value[-1] == '"' and "\\" not in value:
            value = value[1:-1]
        found.add(value)
    found.discard("")
    return found
