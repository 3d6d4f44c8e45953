"""What ``pm site`` remembers between builds, so a rebuild after one change is quick.

The state is only a copy of what can be computed again: it lives beside the summary cache
(``<git dir>/pm/site-v1.marshal``, never tracked, never published) and a missing, damaged
or foreign file is ignored. It holds, per postmortem file, the stat key and the SHA-1 of
its bytes and of its similarity text; the history of every file from git and the commit it
was read at; and the similar incidents and recurring-cause groups with the digest of the
texts they were computed from.

It is written with ``marshal`` for the reason ``pm.cache`` gives: the fastest loader in the
standard library, and it cannot run code. It is kept under ``.git``, as trusted as the
repository's hooks, rather than in the output folder, which anyone could commit.
"""

from __future__ import annotations

import marshal
import os
import sys
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from pm import __version__
from pm.location import git_dir

STATE_NAME = "site-v1.marshal"
_FORMAT = ("pm-site", 1, __version__, sys.version_info[:2])


def state_path(root: Path) -> Path | None:
    found = git_dir(root)
    return found / "pm" / STATE_NAME if found is not None else None


def load(path: Path | None) -> dict[str, Any]:
    """The saved state, or ``{}`` when there is none (or it cannot be trusted)."""
    if path is None:
        return {}
    try:
        header, data = marshal.loads(path.read_bytes())  # noqa: S302 - see the module doc
    except Exception:  # noqa: BLE001 - missing, truncated, foreign: start afresh
        return {}
    return data if header == _FORMAT and isinstance(data, dict) else {}


def save(path: Path | None, data: dict[str, Any]) -> None:
    """Write the state; a read-only ``.git`` only makes the next build slower."""
    if path is None:
        return
    with suppress(OSError, ValueError):
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".site-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(marshal.dumps((_FORMAT, data)))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
