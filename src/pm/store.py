"""Postmortem files on disk: find them, resolve ids, read them, write them atomically.

Files live at ``<directory>/<year>/<id>.md``. A write goes to a temporary file in the same
folder, is fsynced, and is renamed over the original, so a reader (or a crash) sees the
old file or the new one, never half of one.

Length: records, finding, reading through the summary cache and atomic writing are one
storage contract; issue 10 reworks ``Record`` and ``LazyRecord`` here.
"""

from __future__ import annotations

import errno
import gc
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pm import document, markdown
from pm.config import Config
from pm.document import Document
from pm.errors import DataError, FileFormatError, NotFoundError, WriteError
from pm.model import ID_PATTERN, Postmortem, SchemaError, from_mapping, to_mapping

if TYPE_CHECKING:
    from pm.cache import SummaryCache

_YEAR = re.compile(r"\d{4}")


@dataclass
class Record:
    """A postmortem with the file it came from."""

    path: Path
    doc: Document
    postmortem: Postmortem
    raw: bytes

    def file_bytes(self) -> bytes:
        """The file's bytes, for line numbers: ``raw`` here (see ``LazyRecord``)."""
        return self.raw

    def body(self) -> str:
        """The markdown body (see ``LazyRecord.body``)."""
        return self.doc.body


class LazyRecord(Record):
    """A record that holds only its postmortem, as ``read_all`` returns them.

    The file is read again only if ``doc`` or ``raw`` is asked for, and then
    ``postmortem`` is replaced by the one parsed from that read, so the three always
    agree. Holding 10,000 parsed documents and their bytes would cost about 170 MB and,
    in allocation alone, a tenth of a cold read; commands that need every body (lint)
    are better served by ``paths()`` and ``read()`` one file at a time.
    """

    def __init__(self, path: Path, postmortem: Postmortem, store: Store) -> None:
        self.path = path
        self.postmortem = postmortem
        self._store = store
        self._full: Record | None = None

    def _read(self) -> Record:
        if self._full is None:
            self._full = self._store.read(self.path)
            self.postmortem = self._full.postmortem
        return self._full

    @property
    def doc(self) -> Document:
        return self._read().doc

    @doc.setter
    def doc(self, value: Document) -> None:
        self._read().doc = value

    @property
    def raw(self) -> bytes:
        return self._read().raw

    @raw.setter
    def raw(self, value: bytes) -> None:
        self._read().raw = value

    def file_bytes(self) -> bytes:
        """The file as it is now, read but neither parsed nor kept (b"" if unreadable).

        For line numbers of findings in thousands of files, where parsing each again
        would cost more than finding them did.
        """
        if self._full is not None:
            return self._full.raw
        try:
            return self.path.read_bytes()
        except OSError:
            return b""

    def body(self) -> str:
        """The markdown body as the file has it now, without parsing or keeping the file.

        ``pm report`` groups 10,000 postmortems by the prose of their bodies: parsing
        every front matter again, or keeping every document, would double its time or
        its memory. The front matter is not read; ``postmortem`` stays as it was.
        """
        if self._full is not None:
            return self._full.doc.body
        return document.body_of(self.file_bytes())


class Store:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.directory = config.postmortems_dir
        self._root_prefix = str(config.root).rstrip("/") + "/"
        self._summaries: SummaryCache | None = None  # loaded once per command

    # --- finding ------------------------------------------------------------------------

    def paths(self) -> list[Path]:
        """Every postmortem file, sorted by id (so by start date)."""
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
        return [Path(path) for _, path in found]

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
        matches = [i for i in ids if i.startswith(ref)]
        if not matches:
            matches = [i for i in ids if i[11:] == ref or i[11:].startswith(ref)]
        if len(matches) == 1:
            return ids[matches[0]]
        if not matches:
            raise NotFoundError(f"no postmortem matches {ref!r} (see `pm list`)")
        shown = ", ".join(sorted(matches)[:5]) + (", ..." if len(matches) > 5 else "")
        raise NotFoundError(f"{ref!r} is ambiguous: it matches {shown}")

    # --- reading ------------------------------------------------------------------------

    def display(self, path: Path) -> str:
        """The path as users see it: relative to the repository root."""
        text, root = str(path), self._root_prefix
        if text.startswith(root) and os.sep == "/":
            return text[len(root) :]  # the common case, without pathlib's slow relative_to
        try:
            return path.relative_to(self.config.root).as_posix()
        except ValueError:
            return text

    def read(self, path: Path) -> Record:
        shown = self.display(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"{shown}: no such file") from None
        except OSError as error:
            raise DataError(f"{shown}: cannot read: {error.strerror}") from None
        doc = document.parse(raw, shown)
        try:
            postmortem = from_mapping(doc.front)
        except SchemaError as error:
            raise FileFormatError(shown, error.message, _line_of(raw, error.field)) from None
        _check_id(postmortem.id, path, shown, raw)
        return Record(path=path, doc=doc, postmortem=postmortem, raw=raw)

    def read_all(self) -> tuple[list[Record], list[DataError]]:
        """Every readable postmortem, plus one error for each file that could not be read.

        Unchanged files come from the summary cache (see ``pm.cache``); the rest are parsed
        and cached for next time. The records are ``LazyRecord``s: they read their file
        again only when a caller asks for ``doc`` or ``raw``.
        """
        return self.read_many(self.paths(), save=True)

    def read_many(
        self, paths: list[Path], *, save: bool = False
    ) -> tuple[list[Record], list[DataError]]:
        """``read_all`` for these files; ``save`` (only for every file) rewrites the cache."""
        from pm.cache import SummaryCache, stat_key

        records: list[Record] = []
        errors: list[DataError] = []
        with _bulk():
            if save or self._summaries is None:
                # A full read starts afresh (it rewrites the cache from what it saw); the
                # partial reads of one command (pm show) share one load of the cache.
                self._summaries = SummaryCache.for_root(self.config.root)
            cache = self._summaries
            for path in paths:
                name = str(path)  # the absolute path: one cache per work tree
                try:
                    key = stat_key(os.stat(name))
                except OSError:
                    key = None  # vanished or unreadable: read() names the problem
                cached = cache.get(name, key) if key is not None else None
                if cached is not None:
                    records.append(LazyRecord(path, cached, self))
                    continue
                try:
                    record = self.read(path)
                except DataError as error:
                    errors.append(error)
                    continue
                records.append(LazyRecord(path, record.postmortem, self))
                if key is not None:
                    cache.put(name, key, record.postmortem)
            if save:  # a cache holds the files last read together; a subset would shrink it
                cache.save()
        return records, errors

    def iter_records(self) -> Iterator[Record]:
        for path in self.paths():
            yield self.read(path)

    # --- writing ------------------------------------------------------------------------

    def render(self, record: Record) -> bytes:
        """The file as it should be now: front matter from the model, blocks re-rendered."""
        postmortem = record.postmortem
        doc = record.doc
        doc.front = to_mapping(postmortem)
        yaml_text = _minimal_diff_front(doc, postmortem)
        body = document.replace_block(
            doc.body, "timeline", markdown.timeline_table(postmortem.timeline), doc.newline
        )
        doc.body = document.replace_block(
            body, "actions", markdown.actions_table(postmortem.actions), doc.newline
        )
        data = document.render(doc, yaml_text)
        if len(data) > document.MAX_FILE_BYTES:
            # Never write a file that pm itself would refuse to read back.
            raise DataError(
                f"{self.display(record.path)}: the change would make the file {len(data)} "
                f"bytes; pm reads files up to {document.MAX_FILE_BYTES}"
            )
        return data

    def save(self, record: Record) -> bytes:
        """Write the record over its file; returns the bytes written."""
        data = self.render(record)
        self._check_inside(record.path)
        if not record.path.exists():
            raise DataError(f"{self.display(record.path)}: the file vanished while pm worked")
        atomic_write(record.path, data)
        return data

    def _check_inside(self, path: Path) -> None:
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

    def create(self, record: Record) -> bytes:
        """Write a new file; refuses to overwrite an existing one."""
        data = self.render(record)
        self._check_inside(record.path)
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


def _minimal_diff_front(doc: Document, postmortem: Postmortem) -> str | None:
    """The original front matter with only the changed values re-emitted, if that is safe.

    None (emit canonically) for new files, canonical files, and any splice that does not
    read back to exactly the new data.
    """
    original = doc.front_text
    if original is None:
        return None
    try:
        old = to_mapping(from_mapping(document.load_yaml(original, "")))
    except DataError:
        return None
    if document.dump_yaml(old) == original + "\n" or document.dump_yaml(old) == original:
        return None  # already canonical: the canonical output is the minimal diff
    from pm.frontsplice import splice

    candidate = splice(original, old, doc.front)
    if candidate is None:
        return None
    try:
        if from_mapping(document.load_yaml(candidate, "")) != postmortem:
            return None
    except DataError:
        return None
    return candidate


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


def atomic_write(path: Path, data: bytes, *, create: bool = False) -> None:
    """Write ``data`` to ``path`` through a fsynced temporary file and a rename.

    With ``create``, the final step is a hard link, which fails if the file exists: two
    processes can never both create the same postmortem.
    """
    import tempfile

    shown = path.name
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
