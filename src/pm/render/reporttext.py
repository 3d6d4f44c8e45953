"""``pm report --format text``: the period report for a person at a terminal.

On a terminal the counts are Rich bar charts; piped (or written with ``-o``) the same
content is plain aligned text, so it can be mailed or diffed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

from pm.render import output
from pm.render.report import over_time, period_charts

if TYPE_CHECKING:
    from pm.shapes import PeriodData

Bars = tuple[str, list[tuple[str, float]], str]
Block = str | Bars


def blocks(data: PeriodData) -> Iterator[Block]:
    """The report as lines of text and bar charts, in reading order."""
    p = data["period"]
    scope = f", service {p['service']}" if p["service"] else ""
    yield f"Incident report: {p['since'] or 'the beginning'} to {p['until']}{scope}"
    trend = data["counts"]["trend"]
    line = f"{data['total']} incident{'' if data['total'] == 1 else 's'}"
    if trend["previous_period"] is not None:
        change = trend["change_percent"]
        line += f"; previous period {trend['previous_period']}"
        line += f" ({change:+d}%)" if change is not None else ""
    yield line
    yield ""
    yield from budget_blocks(data)
    yield "Recurring causes"
    if not data["recurring"]:
        yield "  none found"
    for group in data["recurring"]:
        yield (
            f"  {group['count']} incidents, {group['first']} to {group['last']} "
            f"({_days(group['span_days'])}): {', '.join(group['terms'])}"
        )
        if group["labels"]:
            yield f"    shared: {', '.join(group['labels'])}"
        status = {
            "open": f"{group['open_actions']} action item(s) addressing it still open",
            "done": "every action item addressing it is closed",
            "none": "no action item addresses it",
        }[group["status"]]
        yield f"    follow-up: {status}"
        for member in group["incidents"]:
            started = member["started"].strftime("%Y-%m-%d") if member["started"] else "-"
            mark = "" if member["in_period"] else "  (before this period)"
            yield f"    {started}  {member['severity']:<6} {member['id']}  {member['title']}{mark}"
    yield ""
    series = period_charts(data)
    yield ("Incidents by severity", series["severity"], "")
    yield (over_time(data["counts"]["by_month"])[0], series["month"], "")
    yield ("Incidents by service", series["service"], "")
    yield ("Median time to resolve by severity (minutes)", series["mttr"], "")
    yield "Response times: median / p90 (n incidents with both milestones)"
    rows = [("all", data["metrics"]["overall"]), *data["metrics"]["by_severity"].items()]
    for name, stats in rows:
        cells = [f"{short} {m['median']} / {m['p90']} ({m['count']})" for short, m in stats.items()]
        yield f"  {name:<6} " + "   ".join(cells)
    yield ""
    yield from _follow_through(data)
    yield ""
    yield "Reviews"
    reviews = data["reviews"]
    if not reviews["late"] and not reviews["missing"]:
        yield "  every review due in this period was held on time"
    for missing in reviews["missing"]:
        yield (
            f"  missing  {missing['id']} (due {missing['due']}, "
            f"{_days(missing['days_overdue'])} overdue)"
        )
    for late in reviews["late"]:
        yield (
            f"  late     {late['id']} (due {late['due']}, held {late['held']}, "
            f"{_days(late['days_late'])} late)"
        )


def _follow_through(data: PeriodData) -> Iterator[str]:
    f = data["follow_through"]
    yield "Follow-through"
    median = f["median_days_to_done"]
    yield (
        f"  {f['created']} action item{'' if f['created'] == 1 else 's'}: {f['done']} done, "
        f"{f['wont_do']} won't do, "
        f"{f['open']} open, {f['overdue']} overdue as of {f['as_of']}; median days to done "
        f"{median if median is not None else '-'}"
    )
    if f["median_days_created_to_done"] is not None:
        counted = f["done_with_created"]
        yield (
            f"  median days from an item's creation to done {f['median_days_created_to_done']:g} "
            f"({counted} done item{'' if counted == 1 else 's'})"
        )
    for title, named in (("priority", f["by_priority"]), ("owner", f["by_owner"])):
        for row in named:
            yield (
                f"  {title} {row['name']}: {row['created']} created, {row['done']} done, "
                f"{row['wont_do']} won't do, {row['open']} open, {row['overdue']} overdue"
            )
    for item in f["overdue_items"]:
        yield (
            f"  overdue {item['days_overdue']}d: {item['id']} #{item['number']} "
            f"{item['text']} ({item['owner']})"
        )


def budget_blocks(data: PeriodData) -> Iterator[Block]:
    """The error budgets (``[slo]``), each with a bar; nothing without SLOs."""
    if not data["budgets"]:
        return
    from pm.slo import bar

    yield f"Error budgets, counted to {data['budgets'][0]['as_of']:%Y-%m-%d %H:%M} UTC"
    for b in data["budgets"]:
        last = b["until"] - timedelta(days=1)
        span = f"{b['since']:%Y-%m-%d} to {last:%Y-%m-%d}"
        yield f"  {b['service']}: {b['target']:g}% over {b['window']} ({span})"
        state = "EXHAUSTED, over by" if b["exhausted"] else "remaining"
        remaining = b["remaining"].removesuffix(" over")
        yield f"    allowed {b['allowed']}, consumed {b['consumed']}, {state} {remaining}"
        yield f"    {bar(b['consumed_percent'])} {b['consumed_percent']:g}% used"
        for incident in b["incidents"]:
            yield f"    {incident['id']}  {_minutes(incident['minutes'])}"
    yield ""


def _minutes(value: float) -> str:
    from pm.slo import minutes_text

    return minutes_text(value)


def _days(count: int | None) -> str:
    """``1 day``, ``3 days``: what the HTML and markdown reports say too."""
    if count is None:
        return "- days"
    return f"{count} day" if count == 1 else f"{count} days"


def plain(data: PeriodData) -> str:
    lines: list[str] = []
    for block in blocks(data):
        if isinstance(block, str):
            lines.append(output.safe(block))
            continue
        title, items, unit = block
        lines.append(title)
        width = max((len(label) for label, _ in items), default=0)
        lines.extend(
            output.safe(f"  {label:<{width}}  {_number(value)}{unit}") for label, value in items
        )
        if not items:
            lines.append("  -")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def print_terminal(data: PeriodData) -> None:
    """Rich bars on a terminal; the plain text otherwise."""
    if not output.is_terminal():
        sys.stdout.write(plain(data))
        return
    from rich.console import Console
    from rich.text import Text

    from pm.render.charts import rich_bars
    from pm.render.show import fitted

    console = Console(highlight=False, no_color=bool(os.environ.get("NO_COLOR")))
    for block in blocks(data):
        if isinstance(block, str):  # a long line goes on under its own indent, plus two
            text = output.safe(block)
            body = text.lstrip(" ")
            lead = text[: len(text) - len(body)]
            for line in fitted(lead, body, console.width, indent=len(lead) + 2):
                console.print(Text(line), soft_wrap=True)
        elif block[1]:
            labels = [(output.safe(label), value) for label, value in block[1]]
            console.print(rich_bars(output.safe(block[0]), labels, block[2]))
            console.print()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
