"""The tables of ``pm list``, ``pm action list`` and ``pm log``: headers and rows of text.

``output.table`` lays them out (a Rich table on a terminal, tab-separated rows in a pipe).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING

from pm.timeparse import format_duration, zone_label

if TYPE_CHECKING:
    from pm.commits import LogEntry
    from pm.model import ActionItem, Postmortem
    from pm.queries import ItemOf
    from pm.store import Entry

LIST_HEADERS = ["ID", "SEV", "STATUS", "DURATION", "TITLE"]
ACTION_HEADERS = ["ID", "#", "OWNER", "PRIORITY", "DUE", "STATUS", "OVERDUE", "ACTION"]
LOG_HEADERS = ["COMMIT", "DATE (UTC)", "AUTHOR", "OPERATION", "SUBJECT"]


def log_headers(
    entries: list[LogEntry], tz: tzinfo = UTC, now: datetime | None = None
) -> list[str]:
    """``LOG_HEADERS`` with the zone the dates are in: ``DATE (PDT)``, or ``DATE (PST/PDT)``
    when the commits span a change of daylight saving time."""
    moments = [entry.date for entry in entries] or ([now] if now is not None else [])
    labels = list(dict.fromkeys(zone_label(m.astimezone(tz)) for m in moments)) or ["UTC"]
    return [*LOG_HEADERS[:1], f"DATE ({'/'.join(labels)})", *LOG_HEADERS[2:]]


def change_headers(headers: list[str]) -> list[str]:
    """``log_headers`` for rows made with ``log_rows(of=...)``: CHANGE, not SUBJECT."""
    return [*headers[:-1], "CHANGE"]


def duration_text(postmortem: Postmortem, now: datetime) -> str:
    duration = postmortem.duration(until=now)
    if duration is None:
        return "-"
    text = format_duration(duration)
    return text if postmortem.resolved_at else f"{text} (ongoing)"


def list_rows(records: list[Entry], now: datetime) -> list[list[str]]:
    return [list_row(r, now) for r in records]


def list_row(record: Entry, now: datetime) -> list[str]:
    """One ``pm list`` row."""
    p = record.postmortem
    return [p.id, p.severity, p.status, duration_text(p, now), p.title]


def action_rows(rows: list[tuple[ItemOf, ActionItem]], today: date) -> list[list[str]]:
    """One row per item; its ticket, short (``gh#123``), after the text."""
    return [
        [
            place.id,
            str(item.number),
            item.owner,
            item.priority,
            item.due.isoformat(),
            item.status,
            str(item.days_overdue(today)),
            item.text + (f" [{_short(item.ticket)}]" if item.ticket else ""),
        ]
        for place, item in rows
    ]


def _short(ticket: str) -> str:
    """``trackers`` (its patterns) is imported only when an item has a ticket."""
    from pm.trackers import short

    return short(ticket)


def log_rows(entries: list[LogEntry], tz: tzinfo = UTC, of: str | None = None) -> list[list[str]]:
    """One row per commit, its date in ``tz`` (the header names the zone). ``of``: the
    postmortem's id, for a terminal's table, whose last column is then the change alone
    (``log_change``)."""
    return [
        [
            entry.commit[:8],
            entry.date.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            entry.author,
            entry.operation or "manual",
            entry.subject if of is None else log_change(entry, of),
        ]
        for entry in entries
    ]


def log_change(entry: LogEntry, postmortem_id: str) -> str:
    """What a commit changed, without what its row already says: ``pm: set <id>
    (severity: SEV-1 -> SEV-2)`` is ``severity: SEV-1 -> SEV-2``, ``<id>: hand edit
    (...)`` is ``hand edit (...)``. At 80 columns the long id left no room for it."""
    subject = entry.subject
    prefix = f"pm: {entry.operation} {postmortem_id}"
    if entry.operation and subject.startswith(prefix):
        rest = subject[len(prefix) :].strip()
        if rest.startswith("(") and rest.endswith(")"):
            rest = rest[1:-1]
        return rest or entry.operation
    if subject.startswith(f"{postmortem_id}: "):
        return subject[len(postmortem_id) + 2 :]
    return subject
