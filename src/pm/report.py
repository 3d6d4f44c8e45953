"""What reports say, as plain data: one incident, or a period across incidents.

The functions here return dicts of plain values (str, int, float, dates, lists), which
``--format json`` prints as they are and the Jinja2 templates lay out; charts are added
by ``attach_charts``. No I/O: callers pass the records they have read.

Definitions (also in the README):
- An incident belongs to a period when its ``started`` date (UTC) is within
  ``since..until``, both inclusive.
- Median is the middle value (mean of the two middle values for an even count); p90 is
  the nearest-rank 90th percentile (the value at rank ceil(0.9 * n)).
- Days to done for an action item: its done date minus the incident's resolved date
  (started when it never resolved). The model keeps no creation date for items.
- Overdue: open or in-progress items whose due date is before the as-of date (``until``).
- Review late: held after its due date. Review missing: not held, and due before as-of.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pm import metrics, similar, views
from pm.model import ActionItem, Postmortem
from pm.sections import prose
from pm.store import Record
from pm.timeparse import format_duration

METRIC_LABELS = {
    "time_to_detect": ("MTTD", "Time to detect"),
    "time_to_acknowledge": ("MTTA", "Time to acknowledge"),
    "time_to_mitigate": ("MTTM", "Time to mitigate"),
    "time_to_resolve": ("MTTR", "Time to resolve"),
}


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)])


def _minutes_text(minutes: float | None) -> str:
    return "-" if minutes is None else format_duration(timedelta(minutes=minutes))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- one incident ------------------------------------------------------------------------


def incident(
    record: Record,
    *,
    path: str,
    now: datetime,
    titles: dict[str, str],
    similar_matches: Sequence[similar.Match],
) -> dict[str, Any]:
    """Everything ``pm report ID`` shows; ``titles`` maps known ids to titles."""
    postmortem = record.postmortem
    computed = metrics.compute(postmortem, now)
    duration = metrics.as_minutes(computed.duration)
    return {
        "id": postmortem.id,
        "title": postmortem.title,
        "severity": postmortem.severity,
        "status": postmortem.status,
        "impact": postmortem.impact,
        "services": list(postmortem.services),
        "tags": list(postmortem.tags),
        "started": postmortem.started,
        "resolved": postmortem.resolved_at,
        "duration_minutes": duration,
        "duration": _minutes_text(duration),
        "ongoing": postmortem.resolved_at is None,
        "review": {"due": postmortem.review.due, "held": postmortem.review.held},
        "metrics": [
            {
                "name": name,
                "short": METRIC_LABELS[name][0],
                "label": METRIC_LABELS[name][1],
                "minutes": metrics.as_minutes(span),
                "text": _minutes_text(metrics.as_minutes(span)),
            }
            for name, span in computed.spans.items()
        ],
        "timeline": [{"at": e.at, "kind": e.kind, "text": e.text} for e in postmortem.timeline],
        "sections": [{"heading": h, "text": t} for h, t in prose(record.doc.body).items()],
        "actions": [views.action(item, now.date()) for item in postmortem.actions],
        "related": [{"id": rid, "title": titles.get(rid)} for rid in postmortem.related],
        "similar": [
            {"id": m.id, "title": m.title, "score": m.score, "shared": m.shared}
            for m in similar_matches
        ],
        "path": path,
    }


def phases(postmortem: Postmortem) -> list[tuple[str, datetime, datetime]]:
    """The response phases that both ends of exist: (label, start, end)."""
    found = []
    for name, (begin, end) in metrics.METRICS.items():
        start, stop = postmortem.first(begin), postmortem.first(end)
        if start is not None and stop is not None:
            found.append(
                (METRIC_LABELS[name][1].removeprefix("Time to ").capitalize(), start, stop)
            )
    return found


# --- a period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    since: date | None
    until: date
    service: str | None = None

    def contains(self, postmortem: Postmortem) -> bool:
        started = postmortem.started
        if started is None:
            return False
        day = started.date()
        if self.since is not None and day < self.since:
            return False
        if day > self.until:
            return False
        return self.service is None or self.service in postmortem.services


def in_period(records: Iterable[Record], period: Period) -> list[Record]:
    return [r for r in records if period.contains(r.postmortem)]


def period(
    records: Sequence[Record],
    window: Period,
    severities: Sequence[str],
    *,
    recurring: bool = True,
) -> dict[str, Any]:
    """The period report: counts and trend, metrics, follow-through, reviews, recurrence.

    ``records`` is every readable postmortem (the previous period is counted from them);
    ``severities`` gives the order severities are listed in. ``recurring=False`` leaves the
    groups out (``[]``), for a caller that groups once for many periods (``pm site``).
    """
    chosen = in_period(records, window)
    postmortems = [r.postmortem for r in chosen]
    return {
        "period": {"since": window.since, "until": window.until, "service": window.service},
        "total": len(chosen),
        "counts": _counts(postmortems, window, records, severities),
        "metrics": _metrics(postmortems, severities),
        "follow_through": _follow_through(postmortems, window.until),
        "reviews": _reviews(postmortems, window.until),
        "recurring": _recurring(records, window) if recurring else [],
        "incidents": [
            {
                "id": p.id,
                "title": p.title,
                "severity": p.severity,
                "status": p.status,
                "started": p.started,
                "duration_minutes": metrics.as_minutes(p.duration()),
                "services": list(p.services),
            }
            for p in postmortems
        ],
    }


def _ordered(counter: Counter[str], first: Sequence[str] = ()) -> list[dict[str, Any]]:
    known = [name for name in first if counter.get(name)]
    rest = sorted((n for n in counter if n not in known), key=lambda n: (-counter[n], n))
    return [{"name": name, "count": counter[name]} for name in [*known, *rest]]


def _months(start: date, end: date) -> list[str]:
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _counts(
    postmortems: list[Postmortem],
    window: Period,
    everything: Sequence[Record],
    severities: Sequence[str],
) -> dict[str, Any]:
    by_severity = Counter(p.severity for p in postmortems)
    by_service = Counter(s for p in postmortems for s in p.services)
    starts = [p.started.date() for p in postmortems if p.started]
    by_month = Counter(f"{d.year:04d}-{d.month:02d}" for d in starts)
    first = window.since or (min(starts) if starts else window.until)
    months = _months(first, window.until) if first <= window.until else []
    trend: dict[str, Any] = {"previous_period": None, "change_percent": None}
    if window.since is not None:
        length = (window.until - window.since).days + 1
        previous = Period(
            window.since - timedelta(days=length), window.since - timedelta(days=1), window.service
        )
        before = len(in_period(everything, previous))
        trend = {
            "previous_since": previous.since,
            "previous_until": previous.until,
            "previous_period": before,
            "change_percent": (
                round(100 * (len(postmortems) - before) / before) if before else None
            ),
        }
    return {
        "by_severity": _ordered(by_severity, severities),
        "by_service": _ordered(by_service),
        "by_month": [{"name": m, "count": by_month.get(m, 0)} for m in months],
        "trend": trend,
    }


def _metric_stats(postmortems: Iterable[Postmortem]) -> dict[str, Any]:
    values: dict[str, list[float]] = defaultdict(list)
    for postmortem in postmortems:
        for name, span in metrics.compute(postmortem).spans.items():
            if span is not None:
                values[name].append(span.total_seconds() / 60)
    result = {}
    for name, (short, label) in METRIC_LABELS.items():
        found = values.get(name, [])
        med, high = median(found), p90(found)
        result[short] = {
            "label": label,
            "count": len(found),
            "median_minutes": _round(med),
            "p90_minutes": _round(high),
            "median": _minutes_text(med),
            "p90": _minutes_text(high),
        }
    return result


def _metrics(postmortems: list[Postmortem], severities: Sequence[str]) -> dict[str, Any]:
    present = [s for s in severities if any(p.severity == s for p in postmortems)]
    present += sorted({p.severity for p in postmortems} - set(present))
    return {
        "overall": _metric_stats(postmortems),
        "by_severity": {
            severity: _metric_stats(p for p in postmortems if p.severity == severity)
            for severity in present
        },
    }


def _item_stats(entries: list[tuple[Postmortem, ActionItem]], as_of: date) -> dict[str, Any]:
    days = []
    for postmortem, item in entries:
        if item.status == "done" and item.done is not None:
            base = postmortem.resolved_at or postmortem.started
            if base is not None:
                days.append(float((item.done - base.date()).days))
    return {
        "created": len(entries),
        "done": sum(1 for _, i in entries if i.status == "done"),
        "wont_do": sum(1 for _, i in entries if i.status == "wont-do"),
        "open": sum(1 for _, i in entries if i.is_open),
        "overdue": sum(1 for _, i in entries if i.days_overdue(as_of) > 0),
        "median_days_to_done": _round(median(days)),
        "done_with_dates": len(days),
    }


def _follow_through(postmortems: list[Postmortem], as_of: date) -> dict[str, Any]:
    entries = [(p, item) for p in postmortems for item in p.actions]
    by_priority: dict[str, list[tuple[Postmortem, ActionItem]]] = defaultdict(list)
    by_owner: dict[str, list[tuple[Postmortem, ActionItem]]] = defaultdict(list)
    for entry in entries:
        by_priority[entry[1].priority or "-"].append(entry)
        by_owner[entry[1].owner or "-"].append(entry)
    overdue: list[dict[str, Any]] = sorted(
        (
            {
                "id": p.id,
                "number": i.number,
                "text": i.text,
                "owner": i.owner,
                "priority": i.priority,
                "due": i.due,
                "days_overdue": i.days_overdue(as_of),
            }
            for p, i in entries
            if i.days_overdue(as_of) > 0
        ),
        key=lambda row: (-int(row["days_overdue"]), str(row["id"]), int(row["number"])),
    )
    return {
        "as_of": as_of,
        **_item_stats(entries, as_of),
        "by_priority": [
            {"name": name, **_item_stats(by_priority[name], as_of)} for name in sorted(by_priority)
        ],
        "by_owner": [
            {"name": name, **_item_stats(items, as_of)}
            for name, items in sorted(by_owner.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
        "overdue_items": overdue,
    }


def _reviews(postmortems: list[Postmortem], as_of: date) -> dict[str, Any]:
    late, missing = [], []
    for p in postmortems:
        due, held = p.review.due, p.review.held
        if due is None:
            continue
        if held is not None and held.date() > due:
            late.append(
                {
                    "id": p.id,
                    "title": p.title,
                    "due": due,
                    "held": held.date(),
                    "days_late": (held.date() - due).days,
                }
            )
        elif held is None and p.status not in ("reviewed", "closed") and due < as_of:
            missing.append(
                {"id": p.id, "title": p.title, "due": due, "days_overdue": (as_of - due).days}
            )
    return {"late": late, "missing": missing}


def _recurring(records: Sequence[Record], window: Period) -> list[dict[str, Any]]:
    """Groups among every incident up to ``until`` that reach into the period.

    Earlier incidents count: a cause that came back this period after three times last
    year is the pattern a reader needs to see.
    """
    history = Period(None, window.until, window.service)
    pool = in_period(records, history)
    docs = [similar.doc_from_record(r) for r in pool]
    causes = {d.id: d.fields.get("root_cause", "") for d in docs}
    groups, _ = similar.group(docs)
    return recurring_groups(groups, [r.postmortem for r in pool], causes, window)


def recurring_groups(
    groups: Sequence[similar.Group],
    postmortems: Sequence[Postmortem],
    causes: dict[str, str],
    window: Period,
) -> list[dict[str, Any]]:
    """The groups (``similar.group``) that reach into ``window``, as reports describe them.

    ``postmortems`` holds every member of every group; ``causes`` maps ids to their written
    root cause (the latest one decides which action items address the cause).
    """
    by_id = {p.id: p for p in postmortems}
    result = []
    for found in groups:
        members = [by_id[i] for i in found.ids]
        if not any(window.contains(p) for p in members):
            continue
        starts = [p.started.date() for p in members if p.started]
        addressing = _addressing(members, found.stems, _latest_cause(found.ids, causes))
        open_items = [a for a in addressing if a["status"] in ("open", "in-progress")]
        result.append(
            {
                "incidents": [
                    {
                        "id": p.id,
                        "title": p.title,
                        "severity": p.severity,
                        "started": p.started,
                        "in_period": window.contains(p),
                    }
                    for p in members
                ],
                "in_period": sum(1 for p in members if window.contains(p)),
                "count": len(members),
                "first": min(starts) if starts else None,
                "last": max(starts) if starts else None,
                "span_days": (max(starts) - min(starts)).days if starts else None,
                "terms": found.terms,
                "labels": found.labels,
                "linked": [list(pair) for pair in found.linked],
                "actions": addressing,
                "open_actions": len(open_items),
                "status": "open" if open_items else ("done" if addressing else "none"),
            }
        )
    return result


def _latest_cause(ids: list[str], causes: dict[str, str]) -> set[str]:
    """Stems of the most recent written root cause in a group (ids are oldest first).

    The latest postmortem usually understands the cause best: in the seed case, five
    incidents blamed traffic or capacity and the sixth named the query behind all of them.
    """
    for postmortem_id in reversed(ids):
        if causes.get(postmortem_id):
            return {term for term, _ in similar.tokens(causes[postmortem_id])}
    return set()


def _addressing(
    members: list[Postmortem], stems: list[str], cause: set[str]
) -> list[dict[str, Any]]:
    """Action items that address the group's cause.

    An item addresses it when its text carries two of the group's shared key terms (or its
    only one), or two words of the latest written root cause.
    """
    key = set(stems)
    need = min(2, len(key))
    found: list[dict[str, Any]] = []
    if not need and not cause:
        return found
    for p in members:
        for item in p.actions:
            words = {term for term, _ in similar.tokens(item.text)}
            if (need and len(words & key) >= need) or len(words & cause) >= 2:
                found.append(
                    {
                        "id": p.id,
                        "number": item.number,
                        "text": item.text,
                        "owner": item.owner,
                        "status": item.status,
                        "due": item.due,
                    }
                )
    return found
