"""sha1 and sha256 for pm's own keys, file names and single files, without ``hashlib``.

``hashlib`` loads OpenSSL, which costs a third of Python's own start; CPython's built-in
``_sha1`` and ``_sha2`` (``_sha256`` before 3.12) give the same digests at once. For a
few kilobytes (a key, a name, one postmortem) their speed does not matter; hashing every
file of a repository (``cache.blob_id``) keeps ``hashlib``.
"""

from __future__ import annotations

from importlib import import_module

_BUILT_IN = {"sha1": ("_sha1",), "sha256": ("_sha2", "_sha256")}


def sha1_hex(data: bytes) -> str:
    """The hex sha1 of ``data`` (not for security: keys, names, git's blob ids)."""
    return _hex("sha1", data)


def sha256_hex(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return _hex("sha256", data)


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
