"""sha1 and sha256 for pm's own keys, file names and single files, without ``hashlib``.

``hashlib`` loads OpenSSL, which costs a third of Python's own start; CPython's built-in
``_sha1`` and ``_sha2`` (``_sha256`` before 3.12) give the same digests at once. For a
few kilobytes (a key, a name, one postmortem) their speed does not matter; hashing every
file of a repository (``cache.blob_id``) keeps ``hashlib``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Protocol

    class Hasher(Protocol):
        def update(self, data: bytes, /) -> None: ...
        def hexdigest(self) -> str: ...


_BUILT_IN = {"sha1": ("_sha1",), "sha256": ("_sha2", "_sha256")}


def sha1_hex(data: bytes) -> str:
    """The hex sha1 of ``data`` (not for security: keys, names, git's blob ids)."""
    return _hex("sha1", data)


def sha256_hex(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return _hex("sha256", data)


def sha1(*, bulk: bool = False) -> Hasher:
    """A sha1 to ``update`` piece by piece (not for security). ``bulk``: for megabytes,
    where OpenSSL's (``hashlib``, eight times faster here) is worth its import."""
    for module in () if bulk else _BUILT_IN["sha1"]:
        try:
            constructor = import_module(module).sha1
        except ImportError:
            continue
        hasher: Hasher = constructor(usedforsecurity=False)
        return hasher
    import hashlib

    return hashlib.sha1(usedforsecurity=False)


def _hex(name: str, data: bytes) -> str:
    for module in _BUILT_IN[name]:
        try:
            constructor = getattr(import_module(module), name)
        except ImportError:  # a Python built without it, or another version's name
            continue
        digest: str = constructor(data, usedforsecurity=False).hexdigest()
        return digest
    import hashlib

    return hashlib.new(name, data, usedforsecurity=False).hexdigest()
