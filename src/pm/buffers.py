"""Editor buffers: where a person's text waits while their editor runs.

``pm edit`` (and ``pm open --edit``) never let an editor write the postmortem itself:
other pm commands keep working on the file while a person takes minutes to write, and
an editor saving over the file would undo what they did. The editor gets a copy, a
buffer, named ``<id>.<12 hex digits>.md`` after the file content it started from, in
``<git dir>/pm/edits/`` (never tracked, never committed, never listed as a postmortem;
``<postmortems>/.pm-edit/`` outside git). When the saved text is applied, the buffer is
removed. When it cannot be (the file changed meanwhile, the save is invalid, the editor
failed), it stays and pm says where; ``pm edit`` reopens a buffer that started from the
file as it is now, so an invalid save can be fixed where it was left.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pm.config import Config


def folder(config: Config) -> Path:
    from pm.location import git_dir

    found = git_dir(config.root)
    return found / "pm" / "edits" if found is not None else config.postmortems_dir / ".pm-edit"


def buffer_for(config: Config, postmortem_id: str, base: bytes) -> Path:
    """The buffer of an edit of ``postmortem_id`` that started from ``base``."""
    tag = hashlib.sha256(base).hexdigest()[:12]
    return folder(config) / f"{postmortem_id}.{tag}.md"


def kept(config: Config, postmortem_id: str) -> list[Path]:
    """Every buffer of ``postmortem_id`` still kept, oldest first."""
    found = folder(config).glob(f"{postmortem_id}.*.md")
    return sorted(
        (p for p in found if len(p.name) == len(postmortem_id) + 16),
        key=lambda p: p.stat().st_mtime_ns,
    )
