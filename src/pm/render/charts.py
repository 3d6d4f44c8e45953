"""Charts for reports: inline SVG for HTML, mermaid for markdown, Rich bars for terminals.

SVG is built here as text with every label escaped (``html.escape``), uses no scripts,
fonts, images or links, so a report opens offline as one file. Mermaid blocks use only
diagram types GitHub draws (``pie``, ``xychart-beta``, ``gantt``) and labels reduced to
characters mermaid cannot misread (``textsafety.mermaid_label``), never directives
(``%%{init``) or ``click``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pm.records import datarecord
from pm.textsafety import mermaid_label

MERMAID_KEYWORDS = ("pie", "xychart-beta", "gantt")
# A long timeline is summarised, so a chart stays drawable at any size: mermaid refuses
# text over 50,000 characters (GitHub then draws nothing), and a thousand ticks on one
# axis are a smear. Every event but notes is drawn first, then notes spread evenly.
MERMAID_MARKS = 50
SVG_MARKS = 300
_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


# --- mermaid -----------------------------------------------------------------------------


def mermaid_pie(title: str, items: Sequence[tuple[str, float]]) -> str:
    lines = [f"pie title {mermaid_label(title, 60)}"]
    lines += [f'    "{mermaid_label(label)}" : {_number(value)}' for label, value in items]
    return "\n".join(lines)


def mermaid_bars(
    title: str, items: Sequence[tuple[str, float]], axis: str, least: float = 0
) -> str:
    """A vertical bar chart (``xychart-beta``); its axis reaches ``least`` at least."""
    top = max((value for _, value in items), default=0)
    labels = ", ".join(f'"{mermaid_label(label, 24)}"' for label, _ in items)
    values = ", ".join(_number(value) for _, value in items)
    return "\n".join(
        [
            "xychart-beta",
            f'    title "{mermaid_label(title, 60)}"',
            f"    x-axis [{labels}]",
            f'    y-axis "{mermaid_label(axis)}" 0 --> {_number(max(1, least, _nice(top)))}',
            f"    bar [{values}]",
        ]
    )


def _nice(value: float) -> float:
    """A round axis maximum a little above ``value``."""
    if value <= 5:
        return float(int(value) + 1)
    step = 10 ** (len(str(int(value))) - 1)
    return float((int(value / step) + 1) * step)


def summarise(marks: Sequence[Any], limit: int, kind: Any = lambda m: m[0]) -> list[Any]:
    """At most ``limit`` of ``marks`` (time order kept): milestones first, then notes evenly."""
    if len(marks) <= limit:
        return list(marks)
    chosen = [n for n, mark in enumerate(marks) if kind(mark) != "note"][:limit]
    notes = [n for n, mark in enumerate(marks) if kind(mark) == "note"]
    room = limit - len(chosen)
    if room > 0 and notes:
        step = len(notes) / room
        chosen += [notes[int(i * step)] for i in range(room)]
    return [marks[n] for n in sorted(chosen)]


@datarecord(frozen=True)
class Phase:
    label: str
    start: datetime
    end: datetime


def mermaid_gantt(
    title: str,
    phases: Sequence[Phase],
    marks: Sequence[tuple[str, datetime]],
    limit: int = MERMAID_MARKS,
) -> str:
    """The incident's response phases as bars and its events (at most ``limit``) as milestones."""
    marks = summarise(marks, limit)
    times = [p.start for p in phases] + [p.end for p in phases] + [m for _, m in marks]
    long = bool(times) and max(times) - min(times) > timedelta(hours=20)
    lines = [
        "gantt",
        f"    title {mermaid_label(title, 60)}",
        "    dateFormat YYYY-MM-DD HH:mm",
        f"    axisFormat {'%m-%d %H:%M' if long else '%H:%M'}",
    ]
    fmt = "%Y-%m-%d %H:%M"
    if phases:
        lines.append("    section Response")
    for n, phase in enumerate(phases, start=1):
        end = max(phase.end, phase.start + timedelta(minutes=1))
        lines.append(
            f"    {mermaid_label(phase.label)} : p{n}, {phase.start.strftime(fmt)}, "
            f"{end.strftime(fmt)}"
        )
    if marks:
        lines.append("    section Events")
        for n, (label, moment) in enumerate(marks, start=1):
            lines.append(
                f"    {mermaid_label(label)} : milestone, m{n}, {moment.strftime(fmt)}, 1m"
            )
    return "\n".join(lines)


# --- SVG ---------------------------------------------------------------------------------


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def svg_bars(title: str, items: Sequence[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, one row per item, value printed after the bar."""
    row, left, width, top = 24, 180, 640, 34
    height = top + row * max(1, len(items)) + 10
    peak = max((value for _, value in items), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}">',
        f"<title>{_esc(title)}</title>",
        f'<text x="0" y="18" class="chart-title">{_esc(title)}</text>',
    ]
    if not items:
        parts.append(f'<text x="0" y="{top + 16}">No data</text>')
    span = width - left - 70
    for n, (label, value) in enumerate(items):
        y = top + n * row
        bar = max(1.0, span * value / peak) if value else 0.0
        colour = _COLOURS[n % len(_COLOURS)]
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{_esc(_short(label))}</text>'
        )
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{bar:.1f}" height="{row - 8}" fill="{colour}">'
            f"<title>{_esc(label)}: {_esc(_number(value))}{_esc(unit)}</title></rect>"
        )
        parts.append(
            f'<text x="{left + bar + 6:.1f}" y="{y + 15}">{_esc(_number(value))}{_esc(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_timeline(
    title: str,
    phases: Sequence[Phase],
    marks: Sequence[tuple[str, datetime, str]],
    limit: int = SVG_MARKS,
) -> str:
    """Phases as bars on a time axis, events (at most ``limit``) as ticks with their kind."""
    times = [p.start for p in phases] + [p.end for p in phases] + [m for _, m, _ in marks]
    if len(marks) > limit:  # the axis still spans every event
        title = f"{title}: {limit} of {len(marks)} events drawn"
        marks = summarise(marks, limit)
    row, left, width, top = 26, 130, 720, 34
    height = top + row * (len(phases) + 2) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}">',
        f"<title>{_esc(title)}</title>",
        f'<text x="0" y="18" class="chart-title">{_esc(title)}</text>',
    ]
    if not times:
        parts.append(f'<text x="0" y="{top + 16}">No timeline</text></svg>')
        return "".join(parts)
    first, last = min(times), max(times)
    total = max((last - first).total_seconds(), 60.0)
    span = width - left - 20

    def x(moment: datetime) -> float:
        return left + span * (moment - first).total_seconds() / total

    for n, phase in enumerate(phases):
        y = top + n * row
        start, end = x(phase.start), x(phase.end)
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{_esc(phase.label)}</text>'
        )
        parts.append(
            f'<rect x="{start:.1f}" y="{y + 4}" width="{max(2.0, end - start):.1f}" '
            f'height="{row - 8}" fill="{_COLOURS[n % len(_COLOURS)]}">'
            f"<title>{_esc(phase.label)}: {_esc(_span_text(phase.end - phase.start))}</title>"
            "</rect>"
        )
    y = top + len(phases) * row + 6
    parts.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">Events</text>')
    parts.append(f'<path d="M{left} {y + 12}H{left + span}" stroke="#999" fill="none"/>')
    for kind, moment, text in marks:
        px = x(moment)
        parts.append(
            f'<path d="M{px:.1f} {y + 2}V{y + 22}" stroke="#333" stroke-width="2">'
            f"<title>{_esc(moment.strftime('%Y-%m-%d %H:%M'))} {_esc(kind)}: {_esc(text)}</title>"
            "</path>"
        )
    axis_y = y + row + 14
    for moment in (first, last):
        anchor = "start" if moment == first else "end"
        parts.append(
            f'<text x="{x(moment):.1f}" y="{axis_y}" text-anchor="{anchor}">'
            f"{_esc(moment.strftime('%Y-%m-%d %H:%M UTC'))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _span_text(span: timedelta) -> str:
    from pm.timeparse import format_duration

    return format_duration(span)


# --- terminal ----------------------------------------------------------------------------


def rich_bars(title: str, items: Sequence[tuple[str, float]], unit: str = "") -> Any:
    """A Rich table of label, bar and value, for a terminal."""
    from rich.bar import Bar
    from rich.table import Table
    from rich.text import Text

    grid = Table(title=title, title_justify="left", box=None, show_header=False, pad_edge=False)
    grid.add_column(no_wrap=True)
    grid.add_column(width=40)
    grid.add_column(justify="right", no_wrap=True)
    peak = max((value for _, value in items), default=0) or 1
    for label, value in items:
        grid.add_row(
            Text(_short(label, 30)),
            Bar(size=peak, begin=0, end=value, width=40),
            Text(f"{_number(value)}{unit}"),
        )
    return grid
