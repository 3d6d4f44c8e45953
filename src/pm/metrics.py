"""Incident metrics from the timeline: time to detect, acknowledge, mitigate, resolve."""

from __future__ import annotations

from datetime import datetime, timedelta

from pm.model import Postmortem
from pm.records import datarecord

# metric name -> (from kind, to kind)
METRICS = {
    "time_to_detect": ("started", "detected"),
    "time_to_acknowledge": ("detected", "acknowledged"),
    "time_to_mitigate": ("started", "mitigated"),
    "time_to_resolve": ("started", "resolved"),
}


@datarecord(frozen=True)
class Metrics:
    duration: timedelta | None
    spans: dict[str, timedelta | None]


def compute(postmortem: Postmortem, now: datetime | None = None) -> Metrics:
    """Each metric is the span between the first events of its two kinds, when both exist."""
    spans: dict[str, timedelta | None] = {}
    for name, (begin, end) in METRICS.items():
        start, stop = postmortem.first(begin), postmortem.first(end)
        spans[name] = stop - start if start is not None and stop is not None else None
    return Metrics(duration=postmortem.duration(until=now), spans=spans)


def as_minutes(span: timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds() / 60, 1)
