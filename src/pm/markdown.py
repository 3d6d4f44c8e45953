"""Markdown for the generated blocks: the timeline and action-item tables.

``blocks`` says which blocks a body has and what each holds; ``pm.frontmatter`` puts them
between their markers.

Free text from users is data, never markup: table cells escape the characters that would
end a cell, start a link or emphasis, or open raw HTML (and so could forge a pm marker).
"""

from __future__ import annotations

import re

from pm.model import ActionItem, Event, Postmortem

_CELL_SPECIAL = re.compile(r"([\\`*_\[\]|<>#~!])")
_WHITESPACE = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape(text: str) -> str:
    """Make free text safe inside a markdown table cell or paragraph: one line, no markup."""
    text = _CONTROL.sub("", _WHITESPACE.sub(" ", text)).strip()
    text = text.replace("&", "&amp;")
    return _CELL_SPECIAL.sub(r"\\\1", text)


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
        rows.append(f"| {when} | {event.kind} | {escape(event.text)} |")
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
        text = escape(item.text)
        if item.ticket:
            text += f" ({escape(item.ticket)})"
        rows.append(
            f"| {item.number} | {item.priority} | {text} | {escape(item.owner)} "
            f"| {item.due.isoformat()} | {escape(status)} |"
        )
    return "\n".join(rows)
