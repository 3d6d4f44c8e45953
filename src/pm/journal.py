"""What pm is about to commit, kept until the commit is made: recovery after a crash.

Before pm writes a file it means to commit, it records in ``<git dir>/pm/pending.json``
the commit message and, for each file, the SHA-256 of the bytes it is about to write.
The record is removed once the commit is made (or the file is put back). If pm dies in
between, the next pm command finds the record: a file that still holds exactly the
bytes pm wrote, and that HEAD does not hold, is pm's own interrupted change, and is
committed under that change's message (with a line saying so) before anything else. A
file that holds anything else was changed since, by someone, and is not pm's to claim.

The record lives under the git directory of the work tree: git never tracks it and a
clone never sees it. No git runs here.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from pathlib import Path

from pm.records import datarecord

NAME = "pending.json"


@datarecord(frozen=True)
class Pending:
    """An interrupted change: its commit message and the bytes (by hash) of each file."""

    message: str
    files: dict[str, str]  # repository-relative path -> SHA-256 of the bytes pm wrote


def digest(data: bytes) -> str:
    from pm.digest import sha256_hex  # hashlib would load OpenSSL for one small file

    return sha256_hex(data)


def path_in(git_dir: Path) -> Path:
    return git_dir / "pm" / NAME


def record(git_dir: Path, message: str, files: dict[str, bytes]) -> None:
    """Remember, durably, that pm is about to write ``files`` and commit them.

    A failure (a full disk) is reported under the first file's name: that file is what
    the person asked pm to change, and it is left as it was.
    """
    from pm.location import shared_modes
    from pm.store import atomic_write

    target = path_in(git_dir)
    text = json.dumps(
        {"message": message, "files": {name: digest(data) for name, data in files.items()}},
        indent=1,
        sort_keys=True,
    )
    shown = Path(next(iter(files), NAME)).name
    modes = shared_modes(git_dir)  # a group's repository: every member reads and replaces it
    if not target.parent.is_dir():
        with suppress(OSError):  # atomic_write names the problem
            target.parent.mkdir(exist_ok=True)
            if modes is not None:
                os.chmod(target.parent, modes[0])
    atomic_write(target, text.encode("utf-8") + b"\n", create=not target.exists(), shown=shown)
    if modes is not None:
        with suppress(OSError):
            os.chmod(target, modes[1])


def read(git_dir: Path) -> Pending | None:
    """The interrupted change recorded, or None (also for an unreadable record)."""
    try:
        data = json.loads(path_in(git_dir).read_text(encoding="utf-8"))
        message, files = data["message"], data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(message, str) or not isinstance(files, dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return None
    return Pending(message, files)


def clear(git_dir: Path) -> None:
    with suppress(FileNotFoundError):
        path_in(git_dir).unlink()
