"""Service level objectives and their error budgets: ``[slo.SERVICE]`` in the config, and
how much of each budget incidents consumed. No I/O.

Definitions (also in the README, "Error budgets"):

- A service's budget covers its ``window`` (``30d``, ``4w``, ``12h``) ending at the end
  of the report's last day (midnight UTC after ``--until``); while that moment is still
  to come, the budget is counted up to now (the as-of moment).
- Allowed downtime: the window's minutes times ``(100 - target) / 100``.
- One incident's impact: from its ``started`` event to its first ``mitigated`` event,
  else its ``resolved`` event, else (still without an end) the as-of moment. An explicit
  ``impact_minutes`` in the front matter wins: that many minutes from ``started``. An
  incident without a ``started`` event has no place in time and is not counted.
- Consumed: the minutes of the union of the impact intervals of the incidents that name
  the service, clipped to the window. Overlapping incidents count their overlap once.
- Remaining: allowed minus consumed; negative when the budget is exhausted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from pm.errors import ConfigError
from pm.model import Postmortem
from pm.records import datarecord
from pm.timeparse import format_duration

if TYPE_CHECKING:
    from pm.shapes import BudgetData, BudgetIncident

SLO_KEYS = ("target", "window")
DEFAULT_WINDOW = "30d"
_WINDOW = re.compile(r"([1-9]\d{0,4})([dwh])")
_UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7}
_BAR = 20  # characters of the text bar


@datarecord(frozen=True)
class Slo:
    """``[slo.SERVICE]``: the availability ``target`` in percent over a rolling ``window``
    (as written, ``30d``), which lasts ``span``."""

    service: str
    target: float
    window: str
    span: timedelta

    @property
    def allowed_minutes(self) -> float:
        return self.span.total_seconds() / 60 * (100 - self.target) / 100


def parse(where: str, value: object) -> tuple[Slo, ...]:
    """The ``[slo]`` table: ``[slo.payments-api] target = 99.9, window = "30d"``."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: slo must be a table of service tables ([slo.payments-api])")
    found = []
    for service, table in value.items():
        key = f"slo.{service}"
        if not service or any(c.isspace() or c == "," for c in service):
            raise ConfigError(f"{where}: slo service name {service!r} must be one word")
        if not isinstance(table, dict):
            raise ConfigError(
                f'{where}: {key} must be a table like {{ target = 99.9, window = "30d" }}, '
                f"not {table!r}"
            )
        for sub in table:
            if sub not in SLO_KEYS:
                from pm.config import _did_you_mean

                raise ConfigError(f"{where}: unknown key {key}.{sub}{_did_you_mean(sub, SLO_KEYS)}")
        if "target" not in table:
            raise ConfigError(f"{where}: {key}.target is missing (a percentage like 99.9)")
        target = table["target"]
        if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target < 100:
            raise ConfigError(
                f"{where}: {key}.target must be a percentage above 0 and below 100, not {target!r}"
            )
        window = table.get("window", DEFAULT_WINDOW)
        found.append(Slo(service, float(target), *_window(where, key, window)))
    return tuple(found)


def _window(where: str, key: str, value: object) -> tuple[str, timedelta]:
    match = _WINDOW.fullmatch(value.strip().lower()) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(
            f'{where}: {key}.window must be a duration like "30d", "4w" or "12h", not {value!r}'
        )
    count, unit = int(match.group(1)), match.group(2)
    return f"{count}{unit}", timedelta(hours=count * _UNIT_HOURS[unit])


# --- what incidents consumed -------------------------------------------------------------

Interval = tuple[datetime, datetime]


def impact(postmortem: Postmortem, now: datetime) -> Interval | None:
    """When ``postmortem`` hurt its services (see the module's definitions), or None."""
    start = postmortem.started
    if start is None:
        return None
    minutes = postmortem.impact_minutes
    if minutes is not None:
        end = start + timedelta(minutes=minutes)
    else:
        end = postmortem.first("mitigated") or postmortem.resolved_at or max(now, start)
    return (start, end) if end > start else None


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of ``intervals``, as sorted intervals that do not touch or overlap."""
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def _clip(interval: Interval, low: datetime, high: datetime) -> Interval | None:
    start, end = max(interval[0], low), min(interval[1], high)
    return (start, end) if end > start else None


def _minutes(span: timedelta) -> float:
    return round(span.total_seconds() / 60, 1)


def window_end(until: date) -> datetime:
    """The end of a report's last day: midnight UTC after ``until``."""
    return datetime.combine(until + timedelta(days=1), time(), UTC)


def budget(slo: Slo, postmortems: Sequence[Postmortem], until: date, now: datetime) -> BudgetData:
    """The error budget of ``slo`` for the window ending with ``until``, counted up to
    ``now`` when that is earlier."""
    end = window_end(until)
    as_of = min(end, now)
    start = end - slo.span
    rows: list[BudgetIncident] = []
    spans: list[Interval] = []
    for postmortem in postmortems:
        if slo.service not in postmortem.services:
            continue
        hurt = impact(postmortem, as_of)
        inside = _clip(hurt, start, as_of) if hurt is not None else None
        if inside is None:
            continue
        spans.append(inside)
        rows.append(
            {
                "id": postmortem.id,
                "title": postmortem.title,
                "minutes": _minutes(inside[1] - inside[0]),
            }
        )
    consumed = _minutes(sum((b - a for a, b in merged(spans)), timedelta()))
    allowed = round(slo.allowed_minutes, 1)
    remaining = round(allowed - consumed, 1)
    return {
        "service": slo.service,
        "target": slo.target,
        "window": slo.window,
        "since": start,
        "until": end,
        "as_of": as_of,
        "allowed_minutes": allowed,
        "consumed_minutes": consumed,
        "remaining_minutes": remaining,
        "consumed_percent": round(100 * consumed / allowed, 1) if allowed else 0.0,
        "exhausted": remaining < 0 or (consumed > 0 and remaining == 0),
        "allowed": minutes_text(allowed),
        "consumed": minutes_text(consumed),
        "remaining": minutes_text(remaining),
        "incidents": sorted(rows, key=lambda r: r["id"]),
    }


def budgets(
    slos: Sequence[Slo],
    postmortems: Sequence[Postmortem],
    until: date,
    now: datetime,
    service: str | None = None,
) -> list[BudgetData]:
    """Every configured budget (only ``service``'s when given), in config order."""
    return [
        budget(slo, postmortems, until, now)
        for slo in slos
        if service is None or slo.service == service
    ]


def minutes_text(minutes: float) -> str:
    """``2h 09m``; ``1h 05m over`` for a negative remainder; seconds are dropped."""
    text = format_duration(timedelta(minutes=abs(minutes)))
    return f"{text} over" if minutes < 0 else text


def bar(percent: float) -> str:
    """``[########............]``: a budget's consumed part, full when exhausted."""
    filled = max(0, min(_BAR, round(_BAR * percent / 100)))
    return "[" + "#" * filled + "." * (_BAR - filled) + "]"


def exhausted_since(data: BudgetData, postmortems: Sequence[Postmortem], slo: Slo) -> date:
    """The day the window's incidents used the budget up (the as-of day when unknown)."""
    spans = []
    for postmortem in postmortems:
        hurt = impact(postmortem, data["as_of"]) if slo.service in postmortem.services else None
        inside = _clip(hurt, data["since"], data["as_of"]) if hurt is not None else None
        if inside is not None:
            spans.append(inside)
    left = timedelta(minutes=data["allowed_minutes"])
    for start, end in merged(spans):
        if end - start >= left:
            return (start + left).date()
        left -= end - start
    return data["as_of"].date()
