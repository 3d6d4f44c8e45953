"""Markdown for the generated blocks: the timeline and action-item tables.

``blocks`` says which blocks a body has and what each holds; ``pm.frontmatter`` puts them
between their markers.

Free text from users is data, never markup: every cell goes through
``textsafety.markdown_cell``, which escapes the characters that would end a cell, start a
link or emphasis, or open raw HTML (and so could forge a pm marker).
"""

from __future__ import annotations

from pm.model import ActionItem, Event, Postmortem
from pm.textsafety import markdown_cell


def blocks(postmortem: Postmortem) -> dict[str, str]:
    """Every generated block of a postmortem's body, by name, as pm renders it now."""
    return {
        "timeline": timeline_table(postmortem.timeline),
        "actions": actions_table(postmortem.actions),
    }


def timeline_table(events: list[Event]) -> str:
    if not events:
        return "_No events yet: add them with `pm event`._"
    rows = ["| Time (UTC) | Kind | Event |", "| --- | --- | --- |"]
    for event in events:
        when = event.at.strftime("%Y-%m-%d %H:%M")
        rows.append(f"| {when} | {event.kind} | {markdown_cell(event.text)} |")
    return "\n".join(rows)


def actions_table(items: list[ActionItem]) -> str:
    if not items:
        return "_No action items yet: add them with `pm action add`._"
    rows = [
        "| # | Priority | Action | Owner | Due | Status |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for item in items:
        status = item.status
        if item.status == "done" and item.done:
            status = f"done {item.done.isoformat()}"
        elif item.status == "wont-do" and item.reason:
            status = f"wont-do: {item.reason}"
        text = markdown_cell(item.text)
        if item.ticket:
            text += f" ({markdown_cell(item.ticket)})"
        rows.append(
            f"| {item.number} | {item.priority} | {text} | {markdown_cell(item.owner)} "
            f"| {item.due.isoformat()} | {markdown_cell(status)} |"
        )
    return "\n".join(rows)
