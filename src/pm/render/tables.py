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


def log_rows(entries: list[LogEntry], tz: tzinfo = UTC) -> list[list[str]]:
    """One row per commit, its date in ``tz`` (the header names the zone)."""
    return [
        [
            entry.commit[:8],
            entry.date.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            entry.author,
            entry.operation or "manual",
            entry.subject,
        ]
        for entry in entries
    ]
