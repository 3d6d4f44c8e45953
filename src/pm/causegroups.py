"""The recurring-cause groups of ``pm report``, remembered beside the caches.

Grouping 50,000 postmortems' causes takes seconds and loading their tokens (the token
cache, ``pm.causedocs``) about 100 MB; the groups follow from the files' bytes and the
tuning alone. So the last groups are kept in ``groups-v1.marshal`` with two keys: the
digest of the docs they were made from (``groups_of``), and the digest of which bytes
every file was read from (``files_read``), with which a report whose files did not change
knows its groups without loading a single token (``remembered_groups``), then makes the
docs of the few incidents it describes (``DocsOnDemand``).
"""

from __future__ import annotations

import marshal
import sys
from collections.abc import Container, Iterator, Mapping, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from pm import __version__, records, similar
from pm.cache import _write_atomically, cache_folder
from pm.causedocs import encoded

if TYPE_CHECKING:
    from pathlib import Path

    from pm.store import Entry, Store

GROUPS_NAME = "groups-v1.marshal"
_GROUPS_FORMAT = ("pm-groups", 3, __version__, sys.version_info[:2])


def files_read(store: Store, entries: Sequence[Entry]) -> str | None:
    """A digest of which bytes each of ``entries`` was read from (its name and git blob
    id, in order), or None when a file's bytes are not known: what ``remembered_groups``
    compares instead of every file's tokens."""
    from pm.digest import sha1

    pairs = []
    for entry in entries:
        name = store.display(entry.path)
        blob = store.summaries_blob(name)
        if blob is None:
            return None
        pairs.append((name, blob))
    digest = sha1(bulk=len(pairs) > 1000)  # megabytes at 50,000: OpenSSL's is worth it
    digest.update(marshal.dumps(pairs, 2))  # version 2: bytes that follow from values alone
    return digest.hexdigest()


def _groups_path(store: Store) -> Path | None:
    folder = cache_folder(store.config.root)
    return folder / GROUPS_NAME if folder is not None else None


def _groups_key(tuning: similar.Tuning, digest: str) -> tuple[Any, ...]:
    return (_GROUPS_FORMAT, similar.tokeniser_id(), records.astuple(tuning), digest)


def _stored_groups(
    store: Store, known: Container[str]
) -> tuple[Any, Any, list[similar.Group]] | None:
    """The groups file's (content key, files key, groups); None if missing or damaged.

    Damaged includes a file that still loads but names an id ``known`` does not hold
    (the keys vouch for the docs grouped, not for the bytes of the groups kept): used, it
    would fail every report until the file was deleted."""
    path = _groups_path(store)
    if path is None:
        return None
    with suppress(Exception):  # missing, damaged, foreign: group afresh
        # marshal builds plain data and never runs code; .git is as trusted as its hooks.
        key, files, found = marshal.loads(path.read_bytes())  # noqa: S302
        groups = [similar.Group(*fields) for fields in found]
        if all(_well_formed(group, known) for group in groups):
            return key, files, groups
    return None


def _well_formed(group: similar.Group, known: Container[str]) -> bool:
    """Whether a remembered group is one ``similar.group`` could have made of ``known``."""

    def words(value: object) -> bool:
        return type(value) is list and all(type(word) is str for word in value)

    return (
        words(group.ids)
        and len(group.ids) >= 2
        and all(i in known for i in group.ids)
        and words(group.terms)
        and words(group.labels)
        and words(group.stems)
        and type(group.linked) is list
        and all(
            type(pair) is tuple and len(pair) == 2 and all(i in known for i in pair)
            for pair in group.linked
        )
    )


def remembered_groups(
    store: Store, files: str | None, tuning: similar.Tuning, ids: Container[str]
) -> list[similar.Group] | None:
    """The groups the last report made, when they were made from exactly the bytes
    ``files`` (``files_read``) names, with this tuning: a file's tokens follow from its
    bytes (as the token cache holds), so its ``Doc`` need not be loaded to know the
    groups are the same. ``pm report`` at 50,000 postmortems then never loads the token
    cache (about 100 MB) while no file changed. ``ids``: the ids of the postmortems read
    (a group naming another is damage). None: group through ``groups_of``."""
    if files is None:
        return None
    stored = _stored_groups(store, ids)
    if stored is None or stored[1] != _groups_key(tuning, files):
        return None
    return stored[2]


def groups_of(
    store: Store, docs: list[similar.Doc], tuning: similar.Tuning, files: str | None = None
) -> list[similar.Group]:
    """``similar.group(docs)``'s groups, remembered in ``groups-v1.marshal`` beside the
    caches for the last set of docs grouped: the groups follow from the docs' content and
    the tuning alone, so while neither changed (the digest of both, and the tokeniser,
    say so) a report does not group 10,000 postmortems again. ``files``: the
    ``files_read`` digest of the bytes every doc came from (None when some doc did not
    come from the bytes its file was read from), kept for ``remembered_groups``. Never
    fails a command."""
    from pm.digest import sha1

    # Hashed one doc at a time: all of them marshalled at once is tens of MB at 50,000.
    content = sha1(bulk=len(docs) > 1000)
    for doc in docs:
        content.update(marshal.dumps((encoded(doc), doc.packed), 2))  # no refs: see files_read
    key = _groups_key(tuning, content.hexdigest())
    files_key = _groups_key(tuning, files) if files is not None else None
    stored = _stored_groups(store, {doc.id for doc in docs})
    if stored is not None and stored[0] == key:
        groups = stored[2]
        if stored[1] == files_key:
            return groups
    else:
        groups, _index = similar.group(docs, tuning=tuning)
    path = _groups_path(store)
    if path is not None:
        plain = [(g.ids, g.terms, g.labels, g.stems, g.linked) for g in groups]
        with suppress(OSError, ValueError):
            _write_atomically(path, marshal.dumps((key, files_key, plain)))
    return groups


class DocsOnDemand(Mapping[str, similar.Doc]):
    """The ``Doc`` of each of ``entries`` by id, made (from the file's body as it is now,
    as ``for_entries`` makes a doc it has not cached) only when asked: a report whose
    groups are remembered reads the causes of the few incidents it describes, not all."""

    def __init__(self, store: Store, entries: Sequence[Entry]) -> None:
        self._store = store
        self._entries = {entry.postmortem.id: entry for entry in entries}
        self._made: dict[str, similar.Doc] = {}

    def __getitem__(self, key: str) -> similar.Doc:
        doc = self._made.get(key)
        if doc is None:
            entry = self._entries[key]
            doc = similar.doc_from(entry.postmortem, self._store.read_body(entry.path))
            self._made[key] = doc
        return doc

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
