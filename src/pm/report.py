"""What reports say, as plain data: one incident, or a period across incidents.

The functions here return dicts of plain values (str, int, float, dates, lists), typed in
``pm.shapes``, which ``--format json`` prints as they are and the Jinja2 templates lay
out; ``pm.render.report`` adds the charts. No I/O: callers pass the postmortems and the
text they have read.

Definitions (also in the README):
- An incident belongs to a period when its ``started`` date (UTC) is within
  ``since..until``, both inclusive.
- Median is the middle value (mean of the two middle values for an even count); p90 is
  the nearest-rank 90th percentile (the value at rank ceil(0.9 * n)).
- Days to done for an action item: its done date minus the incident's resolved date
  (started when it never resolved). Days from creation to done: its done date minus its
  creation date (``created:`` in the file, else the day of the commit that first added
  it, ``pm.history.created_dates``), for items with both, done on or after creation.
- Overdue: open or in-progress items whose due date is before the as-of date (``until``).
- Review late: held after its due date. Review missing: not held, and due before as-of.
- Error budgets: see ``pm.slo`` (the window ending with ``until``).

Length: every figure of the period report sits here beside the definitions above, which
the README quotes; split, the definitions and the code computing them would drift apart.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from pm import metrics, records, similar, slo
from pm.model import ActionItem, Event, Postmortem
from pm.records import NamedTuple, datarecord
from pm.recurring import recurring_groups
from pm.render import views
from pm.sections import prose
from pm.timeparse import format_duration

if TYPE_CHECKING:
    from pm.shapes import (
        Counts,
        FollowThrough,
        IncidentData,
        ItemStats,
        LateActionView,
        Metrics,
        MetricTable,
        NameCount,
        NamedItemStats,
        PeriodData,
        Reviews,
        Trend,
    )

Created = Mapping[tuple[str, int], date]  # (postmortem id, item number): creation day

METRIC_LABELS = {
    "time_to_detect": ("MTTD", "Time to detect"),
    "time_to_acknowledge": ("MTTA", "Time to acknowledge"),
    "time_to_mitigate": ("MTTM", "Time to mitigate"),
    "time_to_resolve": ("MTTR", "Time to resolve"),
}


def median(values: Sequence[float]) -> float | None:
    """The middle value, or the mean of the two middle values (``statistics.median``,
    without importing ``statistics``, which loads ``fractions`` and ``random``)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


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
    postmortem: Postmortem,
    body: str,
    *,
    path: str,
    now: datetime,
    titles: dict[str, str],
    similar_matches: Sequence[similar.Match],
) -> IncidentData:
    """Everything ``pm report ID`` shows; ``body`` is its file's markdown body, ``titles``
    maps known ids to titles."""
    computed = metrics.compute(postmortem, now)
    duration = metrics.as_minutes(computed.duration)
    same = set(same_cause_ids(postmortem))
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
        "sections": [{"heading": h, "text": t} for h, t in prose(body).items()],
        "actions": [views.action(item, now.date()) for item in postmortem.actions],
        "related": [
            {"id": rid, "title": titles.get(rid), "same_cause": rid in same}
            for rid in linked_ids(postmortem)
        ],
        "similar": [
            {"id": m.id, "title": m.title, "score": m.score, "shared": m.shared, "weak": m.weak}
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


@datarecord(frozen=True)
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

    def history(self) -> Period:
        """Every incident up to ``until`` (of the service): what recurrence looks back on."""
        return Period(None, self.until, self.service)


def same_cause_ids(postmortem: Postmortem) -> list[str]:
    """The ids ``pm related --same-cause`` linked (kept under ``same_cause:``)."""
    value = postmortem.extra.get("same_cause")
    return [str(v) for v in value] if isinstance(value, list) else []


def linked_ids(postmortem: Postmortem) -> list[str]:
    """Every incident linked to this one: "see also" (``related:``), then same cause."""
    ids = list(postmortem.related)
    return ids + [i for i in same_cause_ids(postmortem) if i not in ids]


# The kinds of event a period report reads (the metrics' ends; the budgets read the
# start, mitigation and resolution among them): ``for_period`` keeps the first of each.
_KINDS_READ = frozenset(kind for ends in metrics.METRICS.values() for kind in ends)
# Keys of ``extra`` a period report reads: links, the explicit impact, the causes.
_PERIOD_EXTRA = ("same_cause", "impact_minutes", "causes")
# Of an item's ``extra``: the day it was created, when written (``history.created_dates``).
_CREATED = "created"
# The ``extra`` of every trimmed event and item: one read-only mapping, not 50,000 dicts.
_NO_EXTRA: dict[str, Any] = cast("dict[str, Any]", MappingProxyType({}))


def for_period(postmortem: Postmortem) -> Postmortem:
    """``postmortem`` as much as a period report reads of it, and no more.

    A period report over 50,000 postmortems holds all of them (the previous period, the
    recurring groups and the error budgets look beyond the period), and their timelines'
    prose is most of what they weigh. The report reads only the first event of the kinds
    in ``_KINDS_READ`` (``Postmortem.first``: the metrics, the impact interval), so the
    rest of the timeline (notes, later events), every event's text and the ``extra`` keys
    it never reads are dropped; of the action
    items it reads all but the ticket, the reason and their ``extra`` save ``created:``
    (follow-through, and the items that address a recurring cause). What similarity
    reads (``similar.doc_from``) stays. Events and items without an ``extra`` to keep
    share one read-only empty one: a report never writes them.
    """
    seen: set[str] = set()
    firsts = []
    for event in postmortem.timeline:
        if event.kind in _KINDS_READ and event.kind not in seen:
            seen.add(event.kind)
            firsts.append(Event(event.at, event.kind, "", _NO_EXTRA))
    items = []
    for item in postmortem.actions:
        kept = {_CREATED: item.extra[_CREATED]} if _CREATED in item.extra else _NO_EXTRA
        items.append(
            ActionItem(
                item.number, item.text, item.owner, item.priority, item.due, item.status,
                done=item.done, extra=kept,
            )
        )  # fmt: skip
    extra = {key: postmortem.extra[key] for key in _PERIOD_EXTRA if key in postmortem.extra}
    return records.replace(postmortem, timeline=firsts, actions=items, extra=extra)


def in_period(postmortems: Iterable[Postmortem], period: Period) -> list[Postmortem]:
    return [p for p in postmortems if period.contains(p)]


def period(
    everything: Sequence[Postmortem],
    window: Period,
    severities: Sequence[str],
    causes: Sequence[similar.Doc] | Mapping[str, similar.Doc],
    tuning: similar.Tuning | None = None,
    *,
    recurring: bool = True,
    slos: Sequence[slo.Slo] = (),
    now: datetime | None = None,
    created: Created | None = None,
    grouped: Sequence[similar.Group] | None = None,
) -> PeriodData:
    """The period report: counts and trend, metrics, follow-through, reviews, recurrence.

    ``everything`` is every readable postmortem (the previous period is counted from them);
    ``severities`` gives the order severities are listed in. ``causes`` holds what
    similarity compares (``similar.doc_from`` with each body) of every postmortem in
    ``window.history()``, oldest first: recurring causes are grouped from them, as
    ``tuning`` says (``[recurring]`` in the config; the defaults when None).
    ``recurring=False`` leaves the groups out (``[]``), for a caller that groups once for
    many periods (``pm site``). ``slos`` are the error budgets to count, for the window
    ending with the period, up to ``now`` (default: the period's end). ``created`` maps
    (id, number) to the day each action item was created, where known. ``grouped``:
    ``similar.group``'s groups of ``causes``, when the caller has them already (then
    ``causes`` may map ids to docs, made as the groups described ask for them).
    """
    postmortems = in_period(everything, window)
    return {
        "period": {"since": window.since, "until": window.until, "service": window.service},
        "total": len(postmortems),
        "counts": _counts(postmortems, window, everything, severities),
        "metrics": _metrics(postmortems, severities),
        "follow_through": _follow_through(postmortems, window.until, created or {}),
        "reviews": _reviews(postmortems, window.until),
        "recurring": (
            recurring_groups(everything, causes, window, tuning, grouped) if recurring else []
        ),
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
        "budgets": slo.budgets(
            slos, everything, window.until, now or slo.window_end(window.until), window.service
        ),
    }


def _ordered(counter: Counter[str], first: Sequence[str] = ()) -> list[NameCount]:
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
    everything: Sequence[Postmortem],
    severities: Sequence[str],
) -> Counts:
    by_severity = Counter(p.severity for p in postmortems)
    by_service = Counter(s for p in postmortems for s in p.services)
    starts = [p.started.date() for p in postmortems if p.started]
    by_month = Counter(f"{d.year:04d}-{d.month:02d}" for d in starts)
    first = window.since or (min(starts) if starts else window.until)
    months = _months(first, window.until) if first <= window.until else []
    trend: Trend = {"previous_period": None, "change_percent": None}
    if window.since is not None:
        length = (window.until - window.since).days + 1
        since, until = window.since - timedelta(days=length), window.since - timedelta(days=1)
        before = len(in_period(everything, Period(since, until, window.service)))
        trend = {
            "previous_since": since,
            "previous_until": until,
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


def _metric_stats(spans: Iterable[dict[str, timedelta | None]]) -> MetricTable:
    values: dict[str, list[float]] = defaultdict(list)
    for found in spans:
        for name, span in found.items():
            if span is not None:
                values[name].append(span.total_seconds() / 60)
    result: MetricTable = {}
    for name, (short, label) in METRIC_LABELS.items():
        found_minutes = values.get(name, [])
        med, high = median(found_minutes), p90(found_minutes)
        result[short] = {
            "label": label,
            "count": len(found_minutes),
            "median_minutes": _round(med),
            "p90_minutes": _round(high),
            "median": _minutes_text(med),
            "p90": _minutes_text(high),
        }
    return result


def _metrics(postmortems: list[Postmortem], severities: Sequence[str]) -> Metrics:
    present = [s for s in severities if any(p.severity == s for p in postmortems)]
    present += sorted({p.severity for p in postmortems} - set(present))
    # Each postmortem's spans once: the overall table and its severity's both read them.
    spans = [metrics.compute(p).spans for p in postmortems]
    return {
        "overall": _metric_stats(spans),
        "by_severity": {
            severity: _metric_stats(
                found for p, found in zip(postmortems, spans, strict=True) if p.severity == severity
            )
            for severity in present
        },
    }


class _ItemFacts(NamedTuple):
    """What follow-through counts of one action item, worked out once: the totals, each
    priority and each owner all count it."""

    status: str
    open: bool
    overdue: bool
    days_to_done: float | None  # from the incident's end (else start) to done
    created_to_done: float | None  # from the day it was created to done


def _item_facts(
    postmortem: Postmortem, item: ActionItem, as_of: date, created: Created
) -> _ItemFacts:
    days = ages = None
    if item.status == "done" and item.done is not None:
        base = postmortem.resolved_at or postmortem.started
        if base is not None:
            days = float((item.done - base.date()).days)
        made = created.get((postmortem.id, item.number))
        if made is not None and item.done >= made:
            ages = float((item.done - made).days)
    return _ItemFacts(item.status, item.is_open, item.days_overdue(as_of) > 0, days, ages)


def _item_stats(facts: Sequence[_ItemFacts]) -> ItemStats:
    days = [f.days_to_done for f in facts if f.days_to_done is not None]
    ages = [f.created_to_done for f in facts if f.created_to_done is not None]
    return {
        "created": len(facts),
        "done": sum(1 for f in facts if f.status == "done"),
        "wont_do": sum(1 for f in facts if f.status == "wont-do"),
        "open": sum(1 for f in facts if f.open),
        "overdue": sum(1 for f in facts if f.overdue),
        "median_days_to_done": _round(median(days)),
        "done_with_dates": len(days),
        "median_days_created_to_done": _round(median(ages)),
        "done_with_created": len(ages),
    }


def _named_stats(name: str, facts: Sequence[_ItemFacts]) -> NamedItemStats:
    return {"name": name, **_item_stats(facts)}


def _follow_through(postmortems: list[Postmortem], as_of: date, created: Created) -> FollowThrough:
    facts: list[_ItemFacts] = []
    by_priority: dict[str, list[_ItemFacts]] = defaultdict(list)
    by_owner: dict[str, list[_ItemFacts]] = defaultdict(list)
    late: list[tuple[Postmortem, ActionItem]] = []
    for p in postmortems:
        for item in p.actions:
            fact = _item_facts(p, item, as_of, created)
            facts.append(fact)
            by_priority[item.priority or "-"].append(fact)
            by_owner[item.owner or "-"].append(fact)
            if fact.overdue:
                late.append((p, item))
    overdue: list[LateActionView] = sorted(
        (views.late_action(p.id, i, as_of) for p, i in late),
        key=lambda row: (-row["days_overdue"], row["id"], row["number"]),
    )
    return {
        "as_of": as_of,
        **_item_stats(facts),
        "by_priority": [_named_stats(name, by_priority[name]) for name in sorted(by_priority)],
        "by_owner": [
            _named_stats(name, found)
            for name, found in sorted(by_owner.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
        "overdue_items": overdue,
    }


def _reviews(postmortems: list[Postmortem], as_of: date) -> Reviews:
    reviews: Reviews = {"late": [], "missing": []}
    for p in postmortems:
        due, held = p.review.due, p.review.held
        if due is None:
            continue
        if held is not None and held.date() > due:
            reviews["late"].append(
                {
                    "id": p.id,
                    "title": p.title,
                    "due": due,
                    "held": held.date(),
                    "days_late": (held.date() - due).days,
                }
            )
        elif held is None and p.status not in ("reviewed", "closed") and due < as_of:
            reviews["missing"].append(
                {"id": p.id, "title": p.title, "due": due, "days_overdue": (as_of - due).days}
            )
    return reviews
