"""Build postmortem files directly from the model, for tests that need a given state.

Commands to move a postmortem through its lifecycle may not exist (or may be what is
under test), so these helpers write files the way pm does: the real template body, the
model's front matter, the generated blocks rendered by the store. ``commit`` adds them
to git like any hand-written file.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

from pm.config import Config, load_config
from pm.model import ActionItem, Closure, Event, Postmortem, Review
from pm.store import Record, Store
from pm.templates import render_postmortem

__all__ = ["ActionItem", "Closure", "Event", "Postmortem", "Review"]


def at(text: str) -> datetime:
    """``2024-01-15T14:05`` as an aware UTC time."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def day(text: str) -> date:
    return date.fromisoformat(text)


def action(
    number: int,
    text: str,
    owner: str = "alice",
    priority: str = "P1",
    due: str = "2024-02-15",
    status: str = "open",
    **extra: object,
) -> ActionItem:
    return ActionItem(number, text, owner, priority, day(due), status, **extra)  # type: ignore[arg-type]


def postmortem(
    postmortem_id: str,
    title: str = "Checkout API returns 500s",
    *,
    severity: str = "SEV-1",
    status: str = "resolved",
    started: str | None = None,
    resolved: str | None = None,
    review_due: str | None = None,
    review_held: str | None = None,
    actions: list[ActionItem] | None = None,
    closed: Closure | None = None,
) -> Postmortem:
    """A postmortem with a started event, and a resolved one unless still active."""
    start = at(started or f"{postmortem_id[:10]}T14:05")
    result = Postmortem(id=postmortem_id, title=title, severity=severity, status=status)
    result.add_event(Event(start, "started", "Incident opened"))
    if status != "active":
        result.add_event(
            Event(at(resolved) if resolved else start.replace(hour=16), "resolved", "Resolved")
        )
    result.review = Review(
        due=day(review_due) if review_due else None,
        held=at(review_held) if review_held else None,
    )
    result.actions = list(actions or [])
    result.closed = closed
    return result


def fill(body: str, sections: dict[str, str]) -> str:
    """Replace the placeholder comment under each ``## heading`` with the given prose."""
    for heading, text in sections.items():
        pattern = re.compile(rf"(## {re.escape(heading)}\n\n)<!--.*?-->", re.DOTALL)
        replacement = text.replace("\\", "\\\\")
        body, count = pattern.subn(rf"\g<1>{replacement}", body, count=1)
        assert count == 1, f"no placeholder under ## {heading}"
    return body


def write(
    root: Path,
    item: Postmortem,
    *,
    sections: dict[str, str] | None = None,
    config: Config | None = None,
) -> Path:
    """Write ``item`` as pm would, with the real template body; returns the file's path."""
    config = config or load_config(root)
    body = render_postmortem(config, item)
    if sections:
        body = fill(body, sections)
    store = Store(config)
    path = store.path_for(item.id)
    store.create(Record.new_file(path, item, body))
    return path


def commit(root: Path, message: str = "postmortems") -> None:
    """``git add -A`` and commit, as a person would after editing files by hand."""
    for args in (["add", "-A"], ["commit", "--quiet", "-m", message]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


FILLED = {
    "Summary": "Checkout returned errors for two hours after a connection pool filled up.",
    "Root Cause": "The pool size was fixed at 10 and nothing alerted on saturation.",
    "Contributing Factors": "The load test did not model the holiday traffic peak.",
}
