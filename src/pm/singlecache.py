"""One postmortem's parse, kept in a small file of its own, for commands that read one file.

``pm show`` reads a single postmortem. Loading the summary cache for it costs more than
parsing the file (tens of MB at 50,000 postmortems), and parsing it imports PyYAML, which
costs more than everything else ``pm show`` does on a small repository. So the parse of
each file shown is kept in ``<cache folder>/parsed-v1/<sha1 of its name>.marshal``, with
the git blob id of the bytes it was parsed from. The file is read every time (its body is
shown and compared); while its bytes have that blob id, the kept parse is the answer, as
the summary cache would give it (``cache.encode``, ``cache.decode``). Other bytes, a
damaged or missing entry, another pm or Python: the file is parsed and the entry written
again. A postmortem that marshal cannot keep exactly is never kept. Failing to write is
ignored: it only costs time.
"""

from __future__ import annotations

import marshal
import sys
from contextlib import suppress
from typing import TYPE_CHECKING

from pm import __version__

if TYPE_CHECKING:
    from pathlib import Path

    from pm.model import Postmortem
    from pm.store import Entry, Store

FOLDER = "parsed-v1"
_FORMAT = ("pm-parsed", 2, __version__, sys.version_info[:2])  # 2: dates in extra keys


def read(store: Store, path: Path) -> tuple[Entry, str]:
    """The postmortem at ``path`` (as ``Store.read`` parses it, errors and all) and the
    file's markdown body."""
    from pm import frontmatter
    from pm.store import Entry

    try:
        raw = path.read_bytes()
    except OSError:  # gone for a moment under git, or unreadable: read names the problem
        record = store.read(path)
        return record, record.document.body
    name = store.display(path)
    kept = _entry_file(store, name)
    blob = _blob_id(raw)
    postmortem = _kept(kept, name, blob) if kept is not None else None
    if postmortem is not None:
        return Entry(path, postmortem), frontmatter.body_of(raw)
    record = store.parse(path, raw)
    if kept is not None:
        _keep(kept, name, blob, record.postmortem)
    return record, record.document.body


def _entry_file(store: Store, name: str) -> Path | None:
    from pm.cache import cache_folder
    from pm.digest import sha1_hex

    folder = cache_folder(store.config.root)
    if folder is None:
        return None
    return folder / FOLDER / f"{sha1_hex(name.encode())[:20]}.marshal"


def _blob_id(raw: bytes) -> bytes:
    """git's blob id of ``raw`` (``cache.blob_id`` without importing ``hashlib``; not
    ``gitrepo.plain_blob_id``, whose module brings ``subprocess`` into ``pm show``)."""
    from pm.digest import sha1

    digest = sha1()
    digest.update(b"blob %d\0" % len(raw))
    digest.update(raw)
    return bytes.fromhex(digest.hexdigest())


def _kept(path: Path, name: str, blob: bytes) -> Postmortem | None:
    """The parse kept for file ``name`` with these bytes; None if there is none."""
    from pm.cache import decode, unpack

    try:
        # marshal builds plain data and never runs code; .git is as trusted as its hooks.
        header, kept_name, kept_blob, packed = marshal.loads(path.read_bytes())  # noqa: S302
        if header != _FORMAT or kept_name != name or kept_blob != blob:
            return None
        return decode(unpack(packed))
    except Exception:  # noqa: BLE001 - missing, damaged, foreign: parse the file
        return None


def _keep(path: Path, name: str, blob: bytes, postmortem: Postmortem) -> None:
    from pm.cache import encode
    from pm.owners import write_cache  # a temporary name of its own: no tempfile import

    encoded = encode(postmortem)
    if encoded is None:  # data marshal cannot keep exactly: parsed every time
        return
    with suppress(ValueError):
        write_cache(path, marshal.dumps((_FORMAT, name, blob, marshal.dumps(encoded))))
