"""What similarity compares of each file (``similar.Doc``), through the token cache.

Tokenising a thousand causes costs ``pm show`` a second at 10,000 postmortems, and every
cause costs ``pm report`` most of its time, on every run. So each file's ``Doc`` is kept
with its fields' tokens packed (``similar.pack``) in ``TokenCache``, under the
summary cache's rules (a stat, else the git blob id, vouches for an entry): a file is
read and tokenised again only when its bytes changed, and the ``Doc`` it gives is the one
``similar.doc_from`` would give, so results are the same byte for byte.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from contextlib import suppress
from datetime import date
from typing import TYPE_CHECKING, Any

from pm import __version__, frontmatter, records, similar
from pm import cache as caches
from pm.cache import StatCache, _write_atomically, blob_id, cache_folder, stat_key
from pm.errors import DataError
from pm.records import NamedTuple

if TYPE_CHECKING:
    from collections.abc import Container, Iterable
    from pathlib import Path

    from pm.cache import StatKey
    from pm.model import Postmortem
    from pm.store import Entry, Store

TOKENS_NAME = "tokens-v1.marshal"
# A file whose Doc is not cached: (its place in the result, path, name, stat, blob, bytes).
_Miss = tuple[int, "Path", str, "StatKey", bytes, bytes]


class TokenCache(StatCache):
    """Each file's ``Doc`` (``for_paths``, ``for_entries``), in ``tokens-v1.marshal``
    beside the summary cache, under the same rules: so ``pm show`` and ``pm report``
    tokenise only the files that changed. The header holds the tokeniser's fingerprint
    (``pm.similar.tokeniser_id``): a pm that splits words differently starts afresh.
    No setting of ``.pm.toml`` changes tokens ([recurring] tunes grouping, not words)."""

    NAME = TOKENS_NAME

    def __init__(self, path: Path | None) -> None:
        version = sys.version_info[:2]
        self.FORMAT = ("pm-tokens", 1, __version__, version, similar.tokeniser_id())
        super().__init__(path)

    def get(self, name: str, key: StatKey) -> tuple[Any, ...] | None:
        return self._value(name, self._lookup(name, key))

    def get_content(self, name: str, key: StatKey | None, blob: bytes) -> tuple[Any, ...] | None:
        return self._value(name, self._lookup_content(name, key, blob))

    def _value(self, name: str, stored: Any) -> tuple[Any, ...] | None:
        if stored is None or isinstance(stored, tuple):
            return stored
        self._drop(name)  # foreign data: a miss
        return None

    def drop(self, name: str) -> None:
        """Forget an entry the caller found damaged (it reads the file instead)."""
        self._drop(name)

    def put(self, name: str, key: StatKey | None, blob: bytes, value: tuple[Any, ...]) -> None:
        self._keep(name, key, blob, value)

    def save_keeping(self, names: Container[str] | None = None) -> None:
        """``save``, keeping the older entries of the files in ``names`` (every older one
        when None) beside those looked up: ``pm show`` reads a thousand files of ten
        thousand and must not forget the rest. Written only when something was read or
        a file in the cache is gone; when every older entry is kept and few changed, the
        changed ones are appended (``StatCache.append``) instead of a 55 MB rewrite."""
        gone = names is not None and any(n not in names for n in self._old)
        if not (self.misses or self.content_hits or gone):
            return
        # Every older entry kept and a few new ones: added at the end of the file.
        if names is None and self.append(max(200, len(self._old) // 20)):
            return
        kept = {n: e for n, e in self._old.items() if names is None or n in names}
        self._new = {**kept, **self._new}
        self.save()


def for_paths(store: Store, paths: list[Path]) -> list[similar.Doc]:
    """The ``Doc`` of each readable file of ``paths``, in order (``pm show``): unchanged
    files from the token cache, the rest read (their postmortems through the summary
    cache). Unreadable files are left out, as ``Store.read_many`` leaves them out."""
    cache = TokenCache.for_root(store.config.root)
    found, missed = _cached(store, cache, paths)
    if missed:
        entries, _unreadable = store.read_many([miss[1] for miss in missed])
        by_path = {entry.path: entry.postmortem for entry in entries}
        for slot, path, name, key, blob, raw in missed:
            postmortem = by_path.get(path)
            if postmortem is not None:
                found[slot] = _made(store, cache, (slot, path, name, key, blob, raw), postmortem)
    cache.save_keeping()
    return [doc for doc in found if doc is not None]


class Causes(NamedTuple):
    """What ``for_entries`` found: each entry's ``Doc``, and whether every one came from
    the bytes its postmortem was read from (``groups_of`` then keeps ``files_read``)."""

    docs: list[similar.Doc]
    as_read: bool


def for_entries(store: Store, entries: list[Entry], every: list[Entry]) -> Causes:
    """The ``Doc`` of each of ``entries`` (read by ``Store.read_all``), in order (``pm
    report``); ``every`` is all the readable files, whose entries the cache keeps."""
    cache = TokenCache.for_root(store.config.root)
    found, missed = _cached(store, cache, [entry.path for entry in entries])
    for miss in missed:
        found[miss[0]] = _made(store, cache, miss, entries[miss[0]].postmortem)
    as_read = True
    for slot, doc in enumerate(found):
        entry = entries[slot]
        name = store.display(entry.path)
        if doc is None:  # vanished since it was read: what similarity had of it before
            found[slot] = similar.doc_from(entry.postmortem, store.read_body(entry.path))
            as_read = False
        elif cache.blob_of(name) != store.summaries_blob(name):
            as_read = False  # changed since it was read, or not cached (unreadable now)
    cache.save_keeping({store.display(entry.path) for entry in every})
    return Causes([doc for doc in found if doc is not None], as_read)


def _cached(
    store: Store, cache: TokenCache, paths: list[Path]
) -> tuple[list[similar.Doc | None], list[_Miss]]:
    """Docs from the cache (None where the file is unreadable or not cached), and the
    files to tokenise, with the bytes read of them."""
    found: list[similar.Doc | None] = []
    missed: list[_Miss] = []
    for path in paths:
        name = store.display(path)
        raw = None
        try:
            key = stat_key(os.stat(path))
            value = cache.get(name, key)
            if value is None:
                raw = path.read_bytes()
                value = cache.get_content(name, key, blob_id(raw))
            doc = None if value is None else _decoded(value)
            if doc is None and value is not None:
                cache.drop(name)  # damaged: read the file
            if doc is None and raw is None:
                raw = path.read_bytes()
        except OSError:
            found.append(None)
            continue
        if doc is None and raw is not None:
            missed.append((len(found), path, name, key, blob_id(raw), raw))
        found.append(doc)
    return found, missed


def _made(store: Store, cache: TokenCache, miss: _Miss, postmortem: Postmortem) -> similar.Doc:
    """The Doc of a file not cached, from the bytes read of it; cached when ``postmortem``
    was read from those bytes too (or they parse)."""
    _slot, path, name, key, blob, raw = miss
    keep = True
    if store.summaries_blob(name) != blob:  # changed since its summary was read (or new)
        try:
            postmortem = store.parse(path, raw).postmortem
        except DataError:
            keep = False  # unreadable now: its summary as read, with the body it has now
    doc = similar.doc_from(postmortem, frontmatter.body_of(raw))
    fields = {field: similar.pack(text) for field, text in doc.fields.items()}
    packed = records.replace(doc, fields=fields, packed=True)
    if keep:
        cache.put(name, key, blob, encoded(packed))
    return packed


def encoded(doc: similar.Doc) -> tuple[Any, ...]:
    """A ``Doc`` as the plain tuple the token cache keeps (and ``pm.causegroups`` hashes)."""
    started = doc.started.toordinal() if doc.started is not None else None
    fields = doc.fields
    return (doc.id, doc.title, fields, doc.labels, doc.related, started, doc.causes, doc.same_cause)


def _decoded(value: tuple[Any, ...]) -> similar.Doc | None:
    try:
        id_, title, fields, labels, related, started, causes, same_cause = value
        return similar.Doc(
            id_,
            title,
            fields,
            labels,
            related,
            date.fromordinal(started) if started is not None else None,
            causes,
            same_cause,
            packed=True,
        )
    except Exception:  # noqa: BLE001 - a damaged entry is a miss, never an error
        return None


# --- the words of id slugs (pm open) ----------------------------------------------------------

SLUGS_NAME = "slugs-v1.marshal"


def slug_words(store: Store, slugs: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``similar.slug_words`` of each of ``slugs``, kept in ``slugs-v1.marshal`` beside the
    caches: a slug's words follow from the slug alone (and the tokeniser, whose fingerprint
    is in the header), so no file is read or stat'ed for them and an entry never goes
    stale; ``pm open`` splits only the slugs it has not met. Rewritten (with only the
    slugs asked for) when one was new; a missing or damaged file is rebuilt."""
    folder = cache_folder(store.config.root)
    path = folder / SLUGS_NAME if folder is not None else None
    header = ("pm-slugs", 1, __version__, sys.version_info[:2], similar.tokeniser_id())
    known: dict[str, tuple[str, ...]] = {}
    if path is not None:
        with suppress(Exception):  # missing, damaged, foreign: split afresh
            # marshal builds plain data and never runs code; .git is as trusted as its hooks.
            stored, found = marshal.loads(path.read_bytes())  # noqa: S302
            if stored == header and type(found) is dict:
                known = found
    wanted = dict.fromkeys(slugs)
    new = [slug for slug in wanted if type(known.get(slug)) is not tuple]
    if not new:
        return known
    for slug in new:
        known[slug] = similar.slug_words(slug)
    if path is not None:
        kept = {slug: known[slug] for slug in wanted}
        with suppress(OSError, ValueError):
            _write_atomically(path, marshal.dumps((header, kept)))
    return known


# --- the matches of one postmortem, remembered ----------------------------------------------

MATCHES_FOLDER = "similar-v1"
_MATCHES_FORMAT = ("pm-similar", 1, __version__, sys.version_info[:2])


class Remembered:
    """The similar incidents ``pm show`` found for one file, remembered in
    ``similar-v1/<hash of its name>.marshal`` beside the caches, with what they came from:
    the file's blob id, the settings, and the name and stat of every file compared. While
    all of that is unchanged the answer is too, so it is given without loading the token
    cache or comparing a thousand files; any change (an edit, a new file among the
    compared, a checkout that gives files new stats) and the matches are found afresh.
    A stat from the last two seconds is never trusted (git's "racy" rule, as the caches)."""

    def __init__(
        self,
        store: Store,
        target: Path,
        asked: tuple[int, similar.Tuning, similar.Doc],
        names: list[str],
    ) -> None:
        """``asked``: the limit, the tuning and the target's ``Doc`` (its text)."""
        from pm.digest import sha1_hex

        limit, tuning, doc = asked
        started = doc.started.toordinal() if doc.started else None
        plain = records.astuple(records.replace(doc, started=None))
        key = (limit, records.astuple(tuning), plain, started)

        folder = cache_folder(store.config.root)
        own = store.display(target).encode()
        digest = sha1_hex(own)[:20]
        self.path = folder / MATCHES_FOLDER / f"{digest}.marshal" if folder else None
        # The matches hold words as printed, so how joined terms are spelled is in the key.
        self.key = (_MATCHES_FORMAT, similar.tokeniser_id(), similar.SPELLED, own, key)
        self.compared: list[tuple[str, StatKey | None]] = []
        for name in names:
            try:
                self.compared.append((name, stat_key(os.stat(name))))
            except OSError:
                self.compared.append((name, None))

    def matches(self) -> list[similar.Match] | None:
        """The matches remembered, if everything they came from is unchanged."""
        if self.path is None:
            return None
        try:
            # marshal builds plain data and never runs code; .git is as trusted as its hooks.
            key, compared, found = marshal.loads(self.path.read_bytes())  # noqa: S302
            if key != self.key or compared != self.compared:
                return None
            return [
                similar.Match(i, title, score, list(shared), _day(day), weak)
                for i, title, score, shared, day, weak in found
            ]
        except Exception:  # noqa: BLE001 - missing, damaged, foreign: find them afresh
            return None

    def keep(self, found: list[similar.Match]) -> None:
        """Remember ``found``, unless a stat taken is racy; never fails a command."""
        limit = time.time_ns() - caches.RACY_NS
        if self.path is None or any(
            key is None or key[1] >= limit or key[2] >= limit for _, key in self.compared
        ):
            return
        matches = [
            (m.id, m.title, m.score, m.shared, m.started.toordinal() if m.started else None, m.weak)
            for m in found
        ]
        with suppress(OSError, ValueError):
            _write_atomically(self.path, marshal.dumps((self.key, self.compared, matches)))


def _day(ordinal: int | None) -> date | None:
    return date.fromordinal(ordinal) if ordinal is not None else None
