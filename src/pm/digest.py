"""sha1 for pm's own keys and file names, without importing ``hashlib``.

``hashlib`` loads OpenSSL, which costs a third of Python's own start; CPython's built-in
``_sha1`` gives the same digest at once. For a few kilobytes (a cache key, a file name)
its speed does not matter; hashing whole files (``cache.blob_id``) keeps ``hashlib``.
"""

from __future__ import annotations


def sha1_hex(data: bytes) -> str:
    """The hex sha1 of ``data`` (not for security: keys and names only)."""
    try:
        from _sha1 import sha1  # type: ignore[import-not-found]  # CPython's, no stub
    except ImportError:  # a Python built without its own sha1
        from hashlib import sha1
    digest: str = sha1(data, usedforsecurity=False).hexdigest()
    return digest
