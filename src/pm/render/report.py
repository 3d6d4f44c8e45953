"""Turn report data (``pm.report``) into markdown, HTML or JSON (``reporttext``: text).

Markdown and HTML go through Jinja2 templates (``report-incident.md.j2`` and friends; a
file of the same name in the repository's templates folder replaces the built-in one).
Charts are passed to templates ready-made: mermaid source for markdown, SVG for HTML
(marked safe because ``pm.render.charts`` escapes every label it draws).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pm.config import Config
from pm.render import charts, output
from pm.report import phases
from pm.site.links import WebLinks
from pm.templates import render

if TYPE_CHECKING:
    from pm.queries import IncidentReport
    from pm.shapes import IncidentData, NameCount, PeriodData

FORMATS_INCIDENT = ("md", "html", "json", "pdf")
FORMATS_PERIOD = ("text", "md", "html", "json", "pdf", "slack")
BUDGET_CHART = "Error budget used, percent of allowed"
_BLANKS = re.compile(r"\n{3,}")


def incident(config: Config, report: IncidentReport, fmt: str) -> str:
    data, postmortem = report.data, report.postmortem
    if fmt == "json":
        return output.to_json(data) + "\n"
    spans = [charts.Phase(label, start, end) for label, start, end in phases(postmortem)]
    title = "Timeline (UTC)"
    if fmt == "md":
        marks = [(e.kind, e.at) for e in postmortem.timeline]
        chart = charts.mermaid_gantt(title, spans, marks) if spans or marks else ""
        note = ""
        if len(marks) > charts.MERMAID_MARKS:
            note = (
                f"The chart draws {charts.MERMAID_MARKS} of the {len(marks)} events (every "
                "milestone, then notes spread evenly); the table lists them all."
            )
        page = render(
            config, "report-incident.md.j2", report=data, timeline_chart=chart, timeline_note=note
        )
        return _tidy(page)
    events = [(e.kind, e.at, e.text) for e in postmortem.timeline]
    svg = _safe(charts.svg_timeline(title, spans, events))
    return render(
        config,
        "report-incident.html.j2",
        report=data,
        timeline_chart=svg,
        prose=_prose(config, data),
        links=WebLinks.of(config),
    )


def _prose(config: Config, data: IncidentData) -> list[Any]:
    """Each prose section as HTML (pm.prose_html): links to the web and the repository."""
    from pm.prose_html import LinkPolicy, Page, ProseRenderer

    links = WebLinks.of(config)
    policy = LinkPolicy(source=str(data["path"]), link=lambda path, _: links.file(path))
    renderer, page = ProseRenderer(), Page(level=2)
    return [
        _safe(renderer.render(s["text"], policy, first_level=3, page=page))
        for s in data["sections"]
    ]


def _pairs(rows: list[NameCount]) -> list[tuple[str, float]]:
    return [(row["name"], float(row["count"])) for row in rows]


# A chart over time has a bar per month for up to two years, per quarter for up to three.
MOST_MONTHS = 24
MOST_QUARTERS = 12


def over_time(rows: list[NameCount]) -> tuple[str, list[tuple[str, float]]]:
    """Incidents over time as a chart's title and bars: by month (``2024-01``) for up to
    two years, by quarter (``2024-Q1``) for up to three, else by year, so a report over a
    long history (imported incidents) stays short instead of a bar per month."""
    pairs = _pairs(rows)
    if len(pairs) <= MOST_MONTHS:
        return "Incidents by month", pairs
    quarters: dict[str, float] = {}
    for month, count in pairs:
        key = f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
        quarters[key] = quarters.get(key, 0.0) + count
    if len(quarters) <= MOST_QUARTERS:
        return "Incidents by quarter", list(quarters.items())
    years: dict[str, float] = {}
    for month, count in pairs:
        years[month[:4]] = years.get(month[:4], 0.0) + count
    return "Incidents by year", list(years.items())


def period_charts(data: PeriodData) -> dict[str, list[tuple[str, float]]]:
    """The series each chart draws, shared by every format."""
    counts = data["counts"]
    follow = data["follow_through"]
    mttr = [
        (severity, stats["MTTR"]["median_minutes"])
        for severity, stats in data["metrics"]["by_severity"].items()
        if stats["MTTR"]["median_minutes"] is not None
    ]
    not_late = follow["open"] - follow["overdue"]
    actions = [
        ("done", follow["done"]),
        ("wont-do", follow["wont_do"]),
        ("open, on time", not_late),
        ("overdue", follow["overdue"]),
    ]
    return {
        "severity": _pairs(counts["by_severity"]),
        "month": over_time(counts["by_month"])[1],
        "service": _pairs(counts["by_service"][:10]),
        "mttr": [(name, float(value)) for name, value in mttr],
        "actions": [(name, float(value)) for name, value in actions if value],
        "budget": [(b["service"], b["consumed_percent"]) for b in data.get("budgets", [])],
    }


def period(config: Config, data: PeriodData, fmt: str) -> str:
    if fmt == "json":
        return output.to_json(data) + "\n"
    if fmt == "md":
        series = period_charts(data)
        drawn = {
            "severity": charts.mermaid_pie("Incidents by severity", series["severity"]),
            "month": charts.mermaid_bars(
                over_time(data["counts"]["by_month"])[0], series["month"], "Incidents"
            ),
            "service": charts.mermaid_bars("Incidents by service", series["service"], "Incidents"),
            "mttr": charts.mermaid_bars(
                "Median time to resolve by severity (minutes)", series["mttr"], "Minutes"
            ),
            "actions": charts.mermaid_pie("Action items", series["actions"]),
            "budget": charts.mermaid_bars(BUDGET_CHART, series["budget"], "Percent", 100),
        }
        drawn = {k: v for k, v in drawn.items() if series[k]}
        return _tidy(render(config, "report-period.md.j2", report=data, charts=drawn))
    return render(
        config,
        "report-period.html.j2",
        report=data,
        charts=period_svgs(data),
        links=WebLinks.of(config),
    )


def period_svgs(data: PeriodData) -> dict[str, Any]:
    """The period report's charts as SVG (marked safe), only those with data."""
    series = period_charts(data)
    svgs = {
        "severity": charts.svg_bars("Incidents by severity", series["severity"]),
        "month": charts.svg_bars(over_time(data["counts"]["by_month"])[0], series["month"]),
        "service": charts.svg_bars("Incidents by service (top 10)", series["service"]),
        "mttr": charts.svg_bars("Median time to resolve by severity", series["mttr"], " min"),
        "actions": charts.svg_bars("Action items", series["actions"]),
        "budget": charts.svg_bars(BUDGET_CHART, series["budget"], "%"),
    }
    return {k: _safe(v) for k, v in svgs.items() if series[k]}


def _safe(svg: str) -> Any:
    from markupsafe import Markup

    return Markup(svg)  # noqa: S704 - built by pm.render.charts, which escapes every label


def _tidy(text: str) -> str:
    """Markdown with single blank lines and one final newline (markdownlint MD012/MD047)."""
    return _BLANKS.sub("\n\n", text).strip("\n") + "\n"
