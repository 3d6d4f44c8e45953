"""Postmortem files on disk: find them, resolve ids, read them, write them atomically.

Files live at ``<directory>/<year>/<id>.md``. A write goes to a temporary file in the same
folder, is fsynced, and is renamed over the original, so a reader (or a crash) sees the
old file or the new one, never half of one.

Length: records, finding (with "did you mean" for an id that matches nothing), reading
through the summary cache and atomic writing are one storage contract; issue 10 reworks
``Record`` and ``LazyRecord`` here.
"""

from __future__ import annotations

import errno
import gc
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pm import frontmatter
from pm.config import Config
from pm.errors import DataError, FileFormatError, NotFoundError, WriteError
from pm.frontmatter import Document
from pm.model import ID_PATTERN, Postmortem, SchemaError, from_mapping
from pm.records import NamedTuple, datarecord

if TYPE_CHECKING:
    from pm.cache import Head, HeadCache, LinesCache, StatKey, SummaryCache
    from pm.frontmatter.lines import FrontMap
    from pm.gitrepo import IndexBlobs
    from pm.headindex import Pick

_YEAR = re.compile(r"\d{4}")
# Misses of the summary cache's stats beyond which git's index is asked for the files'
# blob ids (two git processes, ~10-40 ms) rather than each file read and hashed.
INDEX_AFTER_MISSES = 200
OUTSIDE = "a postmortem outside a year folder: pm does not read it"


def give_back_memory() -> None:
    """Return the heap's free pages to the system (glibc's ``malloc_trim``).

    The summary cache's 50,000 entries are freed among the postmortems decoded from them,
    so the C heap keeps their pages: ``pm report`` at 50,000 postmortems held 50 MB it no
    longer used for the rest of its run. A no-op where the C library has no such call."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with suppress(OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        ctypes.CDLL(None).malloc_trim(0)


@datarecord
class Entry:
    """A postmortem and the file it was read from; it holds none of the file's text.

    Bulk reads (``Store.read_all``, ``Store.read_many``) return these: holding 10,000
    parsed documents and their bytes would cost about 170 MB and, in allocation alone, a
    tenth of a cold read. A caller that needs a file's text asks the store for it, one file
    at a time: ``read`` (parsed), ``read_body`` (the body, no YAML parsed) or
    ``file_bytes`` (the bytes, for line numbers).
    """

    path: Path
    postmortem: Postmortem


@datarecord
class Record(Entry):
    """A postmortem read in full: the file's bytes and its document, as they were read.

    ``postmortem`` is what a change edits; ``document`` and ``raw`` stay as read, so
    ``Store.render`` keeps the file's layout and a failed commit can put ``raw`` back.
    """

    document: Document
    raw: bytes

    @classmethod
    def new_file(cls, path: Path, postmortem: Postmortem, body: str) -> Record:
        """A postmortem not yet on disk, to be written with this markdown ``body``."""
        return cls(path, postmortem, Document(front={}, body=body), b"")


class Store:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.directory = config.postmortems_dir
        self._root_prefix = str(config.root).rstrip("/") + "/"
        self._summaries: SummaryCache | None = None  # loaded once per command
        self._read_blobs: dict[str, bytes] = {}  # what release_summaries kept of it

    # --- finding ------------------------------------------------------------------------

    def paths(self) -> list[Path]:
        """Every postmortem file, sorted by id (so by start date)."""
        return [Path(path) for path in self.path_names()]

    def path_names(self) -> list[str]:
        """``paths`` as strings: listing 50,000 files as ``Path`` objects costs more than
        the listing itself, so a command that needs only names (or a few files) uses these."""
        found: list[tuple[str, str]] = []
        try:
            years = [
                e for e in os.scandir(self.directory) if e.is_dir() and _YEAR.fullmatch(e.name)
            ]
        except FileNotFoundError:
            return []
        for year in years:
            with os.scandir(year.path) as entries:
                found.extend(
                    (e.name, e.path)
                    for e in entries
                    if e.name.endswith(".md") and not e.name.startswith(".") and e.is_file()
                )
        found.sort()  # by file name, so by id; plain strings sort far faster than Paths
        return [path for _, path in found]

    def names_up_to(self, day: str, count: int) -> list[str]:
        """The last ``count`` of ``path_names`` whose file name starts with a date up to
        ``day`` (``YYYY-MM-DD``), in the same order: what ``pm show`` compares with. Each
        year folder's names are listed and sorted as plain strings and only the last
        ``count`` up to that day are looked at, so 50,000 files cost a listing, not 50,000
        entries made and checked."""
        import bisect

        if count <= 0:
            return []
        found: list[tuple[str, str]] = []
        try:
            years = [
                e.path for e in os.scandir(self.directory) if e.is_dir() and _YEAR.fullmatch(e.name)
            ]
        except FileNotFoundError:
            return []
        for year in years:
            names = os.listdir(year)
            names.sort()
            end = bisect.bisect_right(names, day, key=lambda name: name[:10])
            start = max(0, end - 2 * count)
            chosen = [n for n in names[start:end] if _listed(n)]
            if len(chosen) < count and start > 0:  # many other names: look at them all
                chosen = [n for n in names[:end] if _listed(n)]
            chosen = chosen[-count:]
            found.extend((name, os.path.join(year, name)) for name in chosen)
        found.sort()  # by file name, as ``path_names``
        latest = [path for _, path in found[-count:]]
        if all(os.path.isfile(path) for path in latest):
            return latest
        # A folder named like a postmortem: the whole listing, which leaves it out.
        return [p for p in self.path_names() if os.path.basename(p)[:10] <= day][-count:]

    def ids_on(self, day: str) -> set[str]:
        """The ids of ``paths`` that start on ``day`` (``YYYY-MM-DD``), in any year folder:
        the names a new postmortem of that day must not take (``pm open``), found without
        making a path of, or stat'ing, every file."""
        found: set[str] = set()
        try:
            years = [
                e.path for e in os.scandir(self.directory) if _YEAR.fullmatch(e.name) and e.is_dir()
            ]
        except FileNotFoundError:
            return found
        for year in years:
            with suppress(OSError):
                for name in os.listdir(year):
                    if (
                        name.startswith(day)
                        and name.endswith(".md")
                        and os.path.isfile(os.path.join(year, name))
                    ):
                        found.add(name[:-3])
        return found

    def changed_since(self, base: str | None) -> list[Path]:
        """The postmortem files (as ``paths`` names them) git says changed since ``base``
        (``gitrepo.changed_files``: committed since the merge-base, uncommitted, untracked).

        Only the changed files are looked at: the folder is not listed, so the cost does
        not grow with the repository."""
        from pm import gitrepo

        changed = gitrepo.changed_files(self.config.root, self.directory, base)
        if not changed:
            return []
        folder = self.directory.resolve()
        # By name, then year: as ``path_names`` sorts them. By name alone, a file and its
        # copy filed under another year were one, and only one of them was linted.
        wanted: dict[tuple[str, str], Path] = {}
        for path in changed:
            with suppress(OSError, ValueError):  # outside the folder after links: not ours
                parts = path.resolve().relative_to(folder).parts
                # As ``paths`` lists them: <year>/<name>.md, no dot files, a real file.
                if (
                    len(parts) == 2
                    and _YEAR.fullmatch(parts[0])
                    and parts[1].endswith(".md")
                    and not parts[1].startswith(".")
                    and (self.directory / parts[0]).is_dir()
                    and (self.directory / parts[0] / parts[1]).is_file()
                ):
                    wanted[(parts[1], parts[0])] = self.directory / parts[0] / parts[1]
        return [wanted[name] for name in sorted(wanted)]

    def unseen(self) -> list[Path]:
        """Postmortems pm does not see: ``.md`` files with pm's keys saved outside a year
        folder (``postmortems/x.md``, ``postmortems/drafts/x.md``). Notes without pm's
        front matter there are not named: people keep READMEs next to the years."""
        from pm.frontmatter.fences import looks_like_postmortem

        found: list[Path] = []
        try:
            entries = list(os.scandir(self.directory))
        except (FileNotFoundError, NotADirectoryError):
            return []
        for entry in entries:
            if entry.name.startswith(".") or _YEAR.fullmatch(entry.name):
                continue
            if entry.is_dir():
                found.extend(
                    p
                    for p in Path(entry.path).rglob("*.md")
                    if not any(part.startswith(".") for part in p.parts)
                )
            elif entry.name.endswith(".md") and entry.is_file():
                found.append(Path(entry.path))
        unseen = []
        for path in sorted(found):
            try:
                with path.open("rb") as handle:
                    head = handle.read(4000).decode("utf-8", "replace")
            except OSError:
                continue
            if looks_like_postmortem(head):
                unseen.append(path)
        return unseen

    def unseen_errors(self) -> list[DataError]:
        """``unseen`` as warnings for commands that read every file."""
        from pm.errors import NotPostmortemError

        return [
            NotPostmortemError(self.display(path), f"{OUTSIDE}; {self.move_hint(path)}")
            for path in self.unseen()
        ]

    def move_hint(self, path: Path) -> str:
        """Where a postmortem outside a year folder belongs."""
        year = path.stem[:4] if _YEAR.fullmatch(path.stem[:4]) else "<year>"
        return f"move it to {self.display(self.directory / year)}/ (pm reads <year>/<id>.md)"

    def path_for(self, postmortem_id: str) -> Path:
        return self.directory / postmortem_id[:4] / f"{postmortem_id}.md"

    def resolve(self, ref: str) -> Path:
        """Find a postmortem by full id, unambiguous id prefix, slug, or file path."""
        ref = ref.strip()
        if not ref:
            raise NotFoundError("no postmortem id given")
        if ref.endswith(".md"):
            candidate = Path(ref)
            if not candidate.is_absolute():
                candidate = Path.cwd() / candidate
            if _is_file(candidate) and self.directory.resolve() in candidate.resolve().parents:
                return candidate.resolve()
            ref = Path(ref).stem
        if _YEAR.match(ref[:4]) and "/" not in ref and "\\" not in ref:
            exact = self.path_for(ref)
            if _is_file(exact):
                return exact
        ids = {p.stem: p for p in self.paths()}
        if not ids and not self.directory.is_dir():
            from pm.location import check_readable

            check_readable(self.config)  # no postmortems folder here: exit 4, not 3
        matches = [i for i in ids if i.startswith(ref)]
        if not matches:
            matches = [i for i in ids if i[11:] == ref or i[11:].startswith(ref)]
        if len(matches) == 1:
            return ids[matches[0]]
        if not matches:
            return ids[self._by_title(ref, list(ids))]
        shown = ", ".join(sorted(matches)[:5]) + (", ..." if len(matches) > 5 else "")
        raise NotFoundError(f"{ref!r} is ambiguous: it matches {shown}")

    def _by_title(self, ref: str, ids: list[str]) -> str:
        """The one postmortem whose title holds the words of ``ref``; else NotFoundError
        naming the candidates, or offering ids spelled alike ("did you mean")."""
        from pm import idmatch

        titles = dict.fromkeys(ids, "")
        entries, _ = self.read_all()  # summaries from the cache: no file is parsed again
        titles.update((entry.path.stem, entry.postmortem.title) for entry in entries)
        named = idmatch.by_title(ref, titles)
        if len(named) == 1:
            return named[0]
        if named:
            error = NotFoundError(
                f"{ref!r} is ambiguous: the titles of {len(named)} postmortems hold it; "
                "give one of these ids"
            )
            error.details = _listing(named[: idmatch.SUGGESTIONS * 2], titles, len(named))
            raise error
        offered = idmatch.suggestions(ref, titles)
        if not offered:
            raise NotFoundError(f"no postmortem matches {ref!r} (see `pm list`)")
        if len(offered) == 1:
            one = offered[0]
            raise NotFoundError(
                f"no postmortem matches {ref!r}; did you mean {one} ({titles[one]})?"
            )
        error = NotFoundError(f"no postmortem matches {ref!r}; did you mean one of these?")
        error.details = _listing(offered, titles, len(offered))
        raise error

    # --- reading ------------------------------------------------------------------------

    def display(self, path: Path | str) -> str:
        """The path as users see it: relative to the repository root."""
        text, root = str(path), self._root_prefix
        if text.startswith(root) and os.sep == "/":
            return text[len(root) :]  # the common case, without pathlib's slow relative_to
        try:
            return Path(path).relative_to(self.config.root).as_posix()
        except ValueError:
            return text

    def read(self, path: Path) -> Record:
        """The file at ``path``, read, parsed and checked; errors name the file and line."""
        shown = self.display(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raw = self._after_git(path, shown)
        except OSError as error:
            raise DataError(f"{shown}: cannot read: {error.strerror}") from None
        return self.parse(path, raw)

    def _after_git(self, path: Path, shown: str) -> bytes:
        """The file, read again once a git command that holds the index lock has finished.

        A file listed a moment ago can be missing for an instant while a ``git pull`` or
        ``git checkout`` rewrites it (git unlinks and writes it again, under
        ``index.lock``): that is a busy repository (exit 4, try again), not a missing
        file. Without the lock, the file is gone and NotFoundError says so at once."""
        import time

        from pm.errors import RepoError
        from pm.gitanswers import INDEX_LOCK_WAIT_SECONDS
        from pm.location import git_dir, wait_gone

        found = git_dir(self.config.root)
        lock = found / "index.lock" if found is not None else None
        if lock is None or not lock.exists():
            raise NotFoundError(f"{shown}: no such file")
        wait_gone(lock, time.monotonic() + INDEX_LOCK_WAIT_SECONDS)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            if lock.exists():
                raise RepoError(
                    f"{shown} is missing while another git process is changing the work "
                    f"tree ({lock} exists); try again when it has finished"
                ) from None
            raise NotFoundError(f"{shown}: no such file") from None
        except OSError as error:
            raise DataError(f"{shown}: cannot read: {error.strerror}") from None

    def parse(self, path: Path, raw: bytes) -> Record:
        """``raw`` read as the file at ``path`` would be (``read`` without the disk)."""
        shown = self.display(path)
        document = frontmatter.parse_postmortem(raw, shown)
        try:
            postmortem = from_mapping(document.front)
        except SchemaError as error:
            from pm.frontmatter.yamlhelp import schema_error

            raise schema_error(shown, raw, document.front, error.field, error.reason) from None
        _check_id(postmortem.id, path, shown, raw)
        return Record(path, postmortem, document, raw)

    def read_all(
        self, admit: Callable[[Head], bool] | None = None, pick: Pick | None = None
    ) -> tuple[list[Entry], list[DataError]]:
        """Every readable postmortem, plus one error for each file that could not be read.

        Unchanged files come from the summary cache (see ``pm.cache``); the rest are parsed
        and cached for next time. Nothing of the files' text is kept (see ``Entry``).

        ``admit`` is a filter's necessary condition on a postmortem's few filtered fields
        (``pm.cache.Head``): the postmortems it refuses are left out, and a cached one is
        never decoded, nor its path made a ``Path``. The caller's own filter still decides
        on the rest, so ``admit`` only has to be sure of what it refuses.

        ``pick`` is the same condition asked of the filter index (``pm.headindex``): while
        every file is as indexed, only the files it picks are looked at.
        """
        return _split(self.each(admit, pick))

    def each(
        self, admit: Callable[[Head], bool] | None = None, pick: Pick | None = None
    ) -> Iterator[Entry | DataError]:
        """``read_all`` one file at a time, in the same order, the errors of files it cannot
        read in their place and those of files outside a year folder last. A caller that
        keeps only what it prints of each postmortem (``pm list``) holds one decoded
        postmortem at a time, not every one: at 50,000 files that is hundreds of MB.
        The caches are saved when the iteration ends (run it to the end)."""
        yield from self._each(self.path_names(), save=True, admit=admit, pick=pick)
        yield from self.unseen_errors()

    def read_many(
        self, paths: list[Path], *, save: bool = False
    ) -> tuple[list[Entry], list[DataError]]:
        """``read_all`` for these files; ``save`` (only for every file) rewrites the cache."""
        return _split(self._each(paths, save=save))

    def _each(
        self,
        paths: Sequence[Path | str],
        *,
        save: bool = False,
        admit: Callable[[Head], bool] | None = None,
        pick: Pick | None = None,
    ) -> Iterator[Entry | DataError]:
        from pm.cache import SummaryCache, stat_key
        from pm.progress import track

        if admit is not None:
            names = [os.fspath(p) for p in paths]
            picked = self._picked(names, admit, pick) if pick is not None else None
            yield from picked if picked is not None else self._filtered(names, admit)
            return
        with _bulk():
            if save or self._summaries is None:
                # A full read starts afresh (it rewrites the cache from what it saw); the
                # partial reads of one command (pm show) share one load of the cache.
                self._summaries = SummaryCache.for_root(self.config.root)
            cache = self._summaries
            display = self.display
            # Every file's stat first, and its entry (not yet decoded); then, in order, the
            # postmortems, one at a time, the files whose stat the cache has not seen read.
            looked: list[tuple[Path | str, str, StatKey | None, Any]] = []
            missed = 0
            for item in paths:
                text = os.fspath(item)
                name = display(text)  # relative: a cache restored in another checkout works
                try:
                    key = stat_key(os.stat(text))
                except OSError:
                    key = None  # vanished or unreadable: read() names the problem
                stored = cache.stored(name, key) if key is not None else None
                missed += stored is None
                looked.append((item, name, key, stored))
            # Many misses (a fresh clone, a restored CI cache, a checkout): git's index
            # names the content of the files git finds unchanged, so those are neither read
            # nor hashed. Asked after every stat was taken: a file changed since is seen by
            # its new stat next time.
            indexed = self._indexed_blobs() if missed > INDEX_AFTER_MISSES else None
            for item, name, key, stored in track(looked, "Reading postmortems"):
                cached = cache.decoded(name, stored) if stored is not None else None
                if cached is not None:
                    yield Entry(_path(item), cached)
                    continue
                path = _path(item)
                blob = indexed.get(name, key) if indexed is not None and key is not None else None
                if blob is not None and key is not None:
                    cached = cache.get_indexed(name, key, blob)
                    if cached is not None:
                        yield Entry(path, cached)
                        continue
                try:
                    postmortem, _blob = self._read_changed(path, name, key, cache)
                except DataError as error:
                    yield error
                    continue
                yield Entry(path, postmortem)
            if save:  # a cache holds the files last read together; a subset would shrink it
                cache.save()

    def _indexed_blobs(self) -> IndexBlobs | None:
        """``gitrepo.unchanged_blobs`` for the postmortems folder; None when git cannot
        answer (then every file is hashed, as without git)."""
        from pm.gitrepo import unchanged_blobs

        return unchanged_blobs(self.config.root, self.directory)

    def _picked(
        self, paths: list[str], admit: Callable[[Head], bool], pick: Pick
    ) -> list[Entry | DataError] | None:
        """``each(admit)`` from the filter index (``pm.headindex``) while every file of
        ``paths`` is as indexed: only the files ``pick`` chooses (and those that could not
        be read, to say why again) are looked at. None when the index cannot answer."""
        from pm.cache import Head, SummaryCache
        from pm.headindex import HeadIndex

        indexed = HeadIndex.for_root(self.config.root).columns(paths)
        if indexed is None:
            return None
        columns, flat = indexed
        chosen = pick(columns)
        if chosen is None:
            return None  # the filter cannot narrow: the ordinary read is as cheap
        unreadable = set(columns.unreadable)
        if not all(type(i) is int and 0 <= i < len(paths) for i in chosen):
            return None  # a damaged index naming no file of the listing: not used
        found: list[Entry | DataError] = []
        summaries: SummaryCache | None = None
        for i in sorted(chosen | unreadable):
            text = paths[i]
            name = self.display(text)
            path = Path(text)
            key: StatKey = (flat[4 * i], flat[4 * i + 1], flat[4 * i + 2], flat[4 * i + 3])
            try:
                if i in unreadable:  # unchanged since it failed: say why again
                    self.read(path)
                cached = _decoded(columns.active.get(i))  # an active one: in the index
                if cached is None:
                    if summaries is None:
                        summaries = self._summaries = SummaryCache.for_root(self.config.root)
                    # If the summary cache lost it: read it, and cache it again.
                    cached = (
                        summaries.get(name, key)
                        or (self._read_changed(path, name, key, summaries)[0])
                    )
            except DataError as error:
                found.append(error)
                continue
            if admit(Head.of(cached)):
                found.append(Entry(path, cached))
        if summaries is not None and (summaries.misses or summaries.content_hits):
            with _bulk():
                summaries.keep_unread([self.display(text) for text in paths])
                summaries.save()
        return found

    def _filtered(
        self, paths: list[str], admit: Callable[[Head], bool]
    ) -> Iterator[Entry | DataError]:
        """``each(admit)``: each file's head from the heads file (``pm.cache.HeadCache``),
        and the summary cache loaded only when a file ``admit`` takes (or one the heads
        file does not know) needs it. Both caches are then saved, whole."""
        from pm.cache import UNREADABLE, Head, HeadCache, SummaryCache, stat_key
        from pm.headindex import HeadIndex
        from pm.progress import track

        heads = HeadCache.for_root(self.config.root)
        summaries: SummaryCache | None = None
        names: list[str] = []
        with _bulk():
            for text in track(paths, "Reading postmortems"):
                name = self.display(text)
                names.append(name)
                try:
                    key = stat_key(os.stat(text))
                except OSError:
                    key = None  # vanished or unreadable: read() names the problem
                found = heads.get(name, key) if key is not None else None
                if found is not None and found is not UNREADABLE and not admit(found):
                    continue  # refused on its head: the summary cache is not even loaded
                path = Path(text)
                try:
                    if found is UNREADABLE:  # unchanged since it failed: say why again
                        self.read(path)
                        found = None  # it reads now after all (a new pm): as a miss
                    if summaries is None:
                        summaries = self._summaries = SummaryCache.for_root(self.config.root)
                    stored = summaries.stored(name, key) if key is not None else None
                    blob = summaries.blob_of(name)
                    if _refused(found, heads, (name, key, blob, stored), admit):
                        continue
                    cached = summaries.decoded(name, stored) if stored is not None else None
                    if cached is None:
                        cached, blob = self._read_changed(path, name, key, summaries)
                except DataError as error:
                    yield error
                    _unreadable(heads, found, (name, key), path)
                    continue
                if found is None:
                    found = Head.of(cached)
                    if key is not None and blob is not None:
                        heads.put(name, key, blob, found)
                    if not admit(found):
                        continue
                yield Entry(path, cached)
            if summaries is not None:
                summaries.keep_unread(names)
                summaries.save()
            heads.save()  # after: it also holds the files the summary cache cannot
            # Every file's head is known now: the next filter asks the index instead.
            HeadIndex.for_root(self.config.root).write(
                paths, names, heads.saved, lambda: self._summary_entries(summaries)
            )

    def _summary_entries(self, summaries: SummaryCache | None) -> dict[str, Any]:
        """The summary cache's entries as just saved, or as on disk if it was not loaded."""
        from pm.cache import SummaryCache

        if summaries is not None:
            return summaries.saved
        return SummaryCache.for_root(self.config.root)._old

    def _read_changed(
        self, path: Path, name: str, key: StatKey | None, cache: SummaryCache
    ) -> tuple[Postmortem, bytes]:
        """A file whose stat the cache does not know: from the cache if its bytes are the
        ones cached (a clone, a pull), else parsed and cached; with its blob id. DataError
        if unreadable."""
        from pm.cache import blob_id

        try:
            raw = path.read_bytes()
        except OSError:
            raw = None
        if raw is None:
            record = self.read(path)  # raises the error naming the problem
            blob = blob_id(record.raw)
        else:
            blob = blob_id(raw)
            cached = cache.get_content(name, key, blob)
            if cached is not None:  # same bytes, new stat (clone, pull)
                return cached, blob
            record = self.parse(path, raw)
        cache.put(name, key, blob, record.postmortem)
        return record.postmortem, blob

    def summaries_blob(self, name: str) -> bytes | None:
        """The blob id of the bytes this command's ``read_many`` read file ``name`` (as
        ``display`` shows it) from; None if it did not read it."""
        if self._summaries is None:
            return self._read_blobs.get(name)
        return self._summaries.blob_of(name)

    def release_summaries(self) -> None:
        """Let go of the summary cache (tens of MB at 50,000 files) once a whole read is
        done and saved, keeping only which bytes each file was read from
        (``summaries_blob``); a later read loads it again. The memory it held is handed
        back to the system (``give_back_memory``)."""
        if self._summaries is not None:
            self._read_blobs = self._summaries.blobs()
            self._summaries = None
            give_back_memory()

    def texts(self, paths: list[Path], extract: Callable[[str], str]) -> list[str]:
        """``extract`` of each file's body (``pm search``'s prose), in order, from the prose
        cache where the file is unchanged (``pm.cache.ProseCache``); ``""`` for a file
        that cannot be read. The cache is rewritten with these files."""
        return [text for _entry, text in self.with_texts(map(_Named, paths), extract)]

    def with_texts(
        self, entries: Iterable[E], extract: Callable[[str], str]
    ) -> Iterator[tuple[E, str]]:
        """``texts`` one entry at a time, as ``entries`` come (``Store.each``): each with its
        text, the cache rewritten with these files when the iteration ends."""
        from pm.cache import ProseCache, blob_id, stat_key

        cache = ProseCache.for_root(self.config.root)
        for entry in entries:
            path = entry.path
            name = self.display(path)
            try:
                key = stat_key(os.stat(path))
                text = cache.get(name, key)
                if text is None:
                    raw = path.read_bytes()
            except OSError:
                yield entry, ""
                continue
            if text is None:
                blob = blob_id(raw)
                text = cache.get_content(name, key, blob)
                if text is None:
                    text = extract(frontmatter.body_of(raw))
                    cache.put(name, key, blob, text)
            yield entry, text
        cache.save()

    def key_lines(
        self, path: Path, cache: LinesCache, kept: Callable[[frontmatter.KeyPath], bool]
    ) -> FrontMap:
        """``frontmatter.locate_top`` of the file as it is now (empty when unreadable), from
        ``cache`` while its stat or bytes are the ones the lines were found in; only the
        key paths ``kept`` says are asked for are cached (and known when cached)."""
        from pm.cache import blob_id, stat_key
        from pm.frontmatter.lines import FrontMap

        name = self.display(path)
        try:
            key: StatKey | None = stat_key(os.stat(path))
        except OSError:
            key = None
        lines = cache.get(name, key) if key is not None else None
        if lines is not None:
            return FrontMap(lines)
        raw = self.file_bytes(path)
        blob = blob_id(raw)
        lines = cache.get_content(name, key, blob) if raw else None
        if lines is not None:
            return FrontMap(lines)
        found = frontmatter.locate_top(raw)
        if raw:
            cache.put(name, key, blob, {k: v for k, v in found.lines.items() if kept(k)})
        return found

    def file_bytes(self, path: Path) -> bytes:
        """The file's bytes as they are now, neither parsed nor kept; b"" if unreadable.

        For line numbers of findings in thousands of files, where parsing each file again
        would cost more than finding them did.
        """
        try:
            return path.read_bytes()
        except OSError:
            return b""

    def read_body(self, path: Path) -> str:
        """The file's markdown body as it is now, split off without parsing the YAML.

        ``pm report`` groups 10,000 postmortems by the prose of their bodies: parsing every
        front matter again, or keeping every document, would double its time or its memory.
        ``""`` when the file is unreadable or no longer splits: similarity then only has
        fewer words to compare, and ``pm list`` and ``pm lint`` report the file.
        """
        return frontmatter.body_of(self.file_bytes(path))

    # --- writing ------------------------------------------------------------------------

    def render(self, record: Record) -> bytes:
        """The bytes ``record`` should be written as (``rewrite.render``); it is not changed.

        Refuses a file larger than pm reads back.
        """
        from pm import rewrite  # only writes need it (and the markdown tables)

        data = rewrite.render(record.postmortem, record.document)
        if len(data) > frontmatter.MAX_FILE_BYTES:
            raise DataError(
                f"{self.display(record.path)}: the change would make the file {len(data)} "
                f"bytes; pm reads files up to {frontmatter.MAX_FILE_BYTES}"
            )
        return data

    def save(self, record: Record) -> bytes:
        """Write the record over its file; returns the bytes written."""
        data = self.render(record)
        self.write(record.path, data)
        return data

    def write(self, path: Path, data: bytes) -> None:
        """Write ``data`` (``render``'s bytes) over the existing file at ``path``."""
        self.check_inside(path)
        if not path.exists():
            raise DataError(f"{self.display(path)}: the file vanished while pm worked")
        atomic_write(path, data)

    def check_inside(self, path: Path) -> None:
        """Refuse to write through a symbolic link: it could point outside the repository.

        A committed link (``postmortems/2024 -> /home/you/.ssh``) would otherwise make pm
        write there; git itself refuses to commit "beyond a symbolic link".
        """
        for candidate in (path, *path.parents):
            if candidate in (self.config.root, candidate.parent):
                return
            if candidate.is_symlink():
                raise DataError(
                    f"{self.display(candidate)} is a symbolic link; pm writes only real "
                    "files inside the repository"
                )

    def create(self, record: Record, *, newline: str = "\n") -> bytes:
        """Write a new file; refuses to overwrite an existing one.

        ``newline`` is the line ending git expects for the path (``GitRepo.newline_for``).
        """
        data = self.render(record)
        if newline != "\n":
            data = data.replace(b"\n", newline.encode("ascii"))
        self.check_inside(record.path)
        try:
            record.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _write_error(self.display(record.path), error) from None
        atomic_write(record.path, data, create=True)
        return data


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while thousands of records are built.

    Postmortems hold no reference cycles; without this, CPython re-scans every object built
    so far again and again, a fifth of a cold 10,000-file read. (The ``pm`` command keeps
    the collector off for its whole short life; see ``pm.cli.main``.)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _unreadable(
    heads: HeadCache, found: Head | None, entry: tuple[str, StatKey | None], path: Path
) -> None:
    """Keep in the heads file that this file (name, stat) could not be read, unless its
    head was ``found`` there already."""
    from pm.cache import UNREADABLE, blob_id

    name, key = entry
    if found is None and key is not None:
        with suppress(OSError):
            heads.put(name, key, blob_id(path.read_bytes()), UNREADABLE)


def _refused(
    found: Head | None,
    heads: HeadCache,
    entry: tuple[str, StatKey | None, bytes | None, object],
    admit: Callable[[Head], bool],
) -> bool:
    """Whether ``admit`` refuses a file the heads file does not know (``found`` None: no
    heads file yet, or one older than the summary cache) on the head of its summary
    ``entry`` (name, stat, blob id, stored value), read without building the postmortem
    (``pm.cache.head``); the head is kept for next time. False when there is no entry or
    it is damaged: the caller decodes it, and that fails as a miss."""
    from pm.cache import head, unpack

    name, key, blob, stored = entry
    if found is not None or key is None or blob is None or stored is None:
        return False
    try:
        early = head(unpack(stored))
    except Exception:  # noqa: BLE001 - damaged (not marshal, not an entry): decoded, a miss
        return False
    if admit(early):
        return False
    heads.put(name, key, blob, early)
    return True


def _decoded(value: Any) -> Postmortem | None:
    """A summary-cache entry's postmortem, decoded as the summary cache decodes its own;
    None if none or damaged (the summary cache or the file answers then)."""
    if value is None:
        return None
    from pm.cache import SummaryCache

    return SummaryCache(None).decoded("", value)


def _listed(name: str) -> bool:
    """A name ``path_names`` lists (once the entry is a file)."""
    return name.endswith(".md") and not name.startswith(".")


class _Named(NamedTuple):
    """A bare path where ``with_texts`` takes an entry."""

    path: Path


E = TypeVar("E", bound="Entry | _Named")


def _split(found: Iterable[Entry | DataError]) -> tuple[list[Entry], list[DataError]]:
    """Entries and errors apart, each in order (``Store.each`` gives them mixed)."""
    entries: list[Entry] = []
    errors: list[DataError] = []
    for item in found:
        if isinstance(item, DataError):
            errors.append(item)
        else:
            entries.append(item)
    return entries, errors


def _path(item: Path | str) -> Path:
    return item if isinstance(item, Path) else Path(item)


def _listing(ids: list[str], titles: dict[str, str], total: int) -> tuple[str, ...]:
    """``id  title`` lines for an error's details, and how many more there are."""
    lines = [f"{i}  {titles[i]}".rstrip() for i in ids]
    if total > len(ids):
        lines.append(f"... and {total - len(ids)} more")
    return tuple(lines)


def _is_file(path: Path) -> bool:
    """``Path.is_file`` that also answers False for names the OS refuses (too long...)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _check_id(postmortem_id: str, path: Path, shown: str, raw: bytes) -> None:
    """The id goes into commit messages and names the file: it must be both, exactly.

    A hand-edited id could otherwise add lines (a forged trailer) to pm's commit message
    or make ``git log --grep 'Pm-Id: ...'`` miss the file's history.
    """
    if not ID_PATTERN.fullmatch(postmortem_id):
        raise FileFormatError(
            shown,
            f"id: {postmortem_id!r} is not an id (YYYY-MM-DD-slug of letters, digits, -._)",
            _line_of(raw, "id"),
        )
    if postmortem_id != path.stem:
        raise FileFormatError(
            shown,
            f"id: {postmortem_id!r} does not match the file name; rename the file or fix the id",
            _line_of(raw, "id"),
        )


def _line_of(raw: bytes, field_path: str) -> int | None:
    """Best-effort line of a top-level front-matter key, for error messages."""
    key = re.split(r"[.\[]", field_path)[0]
    match = re.search(rb"^" + re.escape(key.encode()) + rb"\s*:", raw, re.MULTILINE)
    return raw[: match.start()].count(b"\n") + 1 if match else None


def atomic_write(path: Path, data: bytes, *, create: bool = False, shown: str = "") -> None:
    """Write ``data`` to ``path`` through a fsynced temporary file and a rename.

    With ``create``, the final step is a hard link, which fails if the file exists: two
    processes can never both create the same postmortem. ``shown`` names the file in
    errors (default: its name).
    """
    import tempfile

    shown = shown or path.name
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise _write_error(shown, error) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if create:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise DataError(f"{shown} already exists") from None
            tmp.unlink()
        else:
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
            os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise _write_error(shown, error) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_error(shown: str, error: OSError) -> WriteError:
    if error.errno == errno.ENOSPC:
        reason = "the disk is full"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "permission denied (read-only folder or file?)"
    else:
        reason = error.strerror or str(error)
    return WriteError(f"cannot write {shown}: {reason}; the original file is unchanged")
