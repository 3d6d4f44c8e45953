"""The text ``pm show`` prints: a compact page an on-call engineer can read at a glance."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from pm import metrics
from pm.model import EVIDENCE, ActionItem, Postmortem
from pm.timeparse import format_duration, local_text

if TYPE_CHECKING:
    from pm.similar import Match

_LABELS = {
    "time_to_detect": "detect",
    "time_to_acknowledge": "acknowledge",
    "time_to_mitigate": "mitigate",
    "time_to_resolve": "resolve",
}


def render_show(
    postmortem: Postmortem,
    path: str,
    now: datetime,
    tz: tzinfo = UTC,
    width: int | None = None,
) -> Iterator[str]:
    """The page, every time in ``tz`` (the team's zone) with its zone named; long lines
    wrapped at ``width`` (a terminal's) under their text, none wrapped without it."""

    def _when(moment: datetime | None) -> str:
        return local_text(moment, tz) if moment else "-"

    computed = metrics.compute(postmortem, now)
    yield from fitted(f"{postmortem.id}: ", postmortem.title, width, indent=2)
    yield f"  severity  {postmortem.severity}    status  {postmortem.status}"
    duration = format_duration(computed.duration) if computed.duration is not None else "-"
    if computed.duration is not None and postmortem.resolved_at is None:
        duration += " (ongoing)"
    started = f"  started   {_when(postmortem.started)}"
    if width is not None and len(started) + len(duration) + 14 > width:
        yield from (started, f"  duration  {duration}")  # two lines on a narrow terminal
    else:
        yield f"{started}    duration  {duration}"
    if postmortem.impact:
        yield from fitted("  impact    ", postmortem.impact, width)
    if postmortem.services:
        yield f"  services  {', '.join(postmortem.services)}"
    if postmortem.tags:
        yield f"  tags      {', '.join(postmortem.tags)}"
    if postmortem.related:
        yield f"  related   {', '.join(postmortem.related)}"
    spans = [
        f"{_LABELS[name]} {format_duration(span)}"
        for name, span in computed.spans.items()
        if span is not None
    ]
    yield f"  time to   {'; '.join(spans) if spans else '-'}"
    review = postmortem.review
    if review.held:
        yield f"  review    held {_when(review.held)}"
    elif review.due or review.scheduled:
        due = f"due {review.due.isoformat()}, " if review.due else ""
        when = f"scheduled {_when(review.scheduled)}" if review.scheduled else "not held yet"
        yield f"  review    {due}{when}"
    if postmortem.closed:
        forced = f" (forced: {postmortem.closed.reason})" if postmortem.closed.forced else ""
        yield f"  closed    {_when(postmortem.closed.at)}{forced}"
    yield f"  file      {path}"
    yield ""
    yield "Timeline"
    yield from _timeline(postmortem, _when, width)
    yield ""
    yield ACTIONS
    yield from _actions(postmortem.actions, width)


def _timeline(
    postmortem: Postmortem, when_text: Callable[[datetime | None], str], width: int | None
) -> Iterator[str]:
    nw = len(str(len(postmortem.timeline)))
    whens = [when_text(event.at) for event in postmortem.timeline]
    tw = max(map(len, whens), default=0)
    kw = max((len(event.kind) for event in postmortem.timeline), default=0)
    for number, (event, when) in enumerate(zip(postmortem.timeline, whens, strict=True), 1):
        yield from fitted(
            f"  {number:>{nw}}  {when:<{tw}}  {event.kind:<{kw}}  ", event.text, width
        )


def _actions(items: list[ActionItem], width: int | None) -> Iterator[str]:
    if not items:
        yield "  none yet (pm action add)"
    iw = max((len(str(item.number)) for item in items), default=0)
    pw = max((len(item.priority) for item in items), default=0)
    sw = max((len(item.status) for item in items), default=0)
    ow = max((len(item.owner) for item in items), default=0)
    for item in items:
        head = (
            f"  {item.number:>{iw}}  {item.priority:<{pw}}  {item.status:<{sw}}"
            f"  due {item.due.isoformat()}  {item.owner:<{ow}}  "
        )
        yield from fitted(head, item.text + _ticket(item), width)
        if EVIDENCE in item.extra:
            yield from _evidence(item, iw + 4)


def fitted(prefix: str, text: str, width: int | None, indent: int | None = None) -> Iterator[str]:
    """``prefix + text``, wrapped at ``width`` with the rest under the text's column (or
    ``indent``), so a long timeline entry or item reads as one block on a terminal.

    Words are never broken (an id, a URL or a path stays whole, even past the width); when
    the text's column leaves fewer than 24 columns, the rest goes under column 6. Widths
    are terminal columns (a CJK character takes two, and may end a line: ``pm.render.
    wrap``). Without a width (a pipe, a file) the line is whole, as scripts and ``grep``
    expect."""
    from pm.render.wrap import cells, wrap

    if width is None or cells(prefix) + cells(text) <= width:
        yield prefix + text
        return
    under = cells(prefix) if indent is None else indent
    if width - under < _NARROWEST:
        under = min(under, 6)
    yield from wrap(text, max(width, under + 1), prefix, " " * under)


_NARROWEST = 24


def _evidence(item: ActionItem, indent: int) -> Iterator[str]:
    """The commit that did the item (``pm action verify``), under it."""
    from pm.evidence import evidence_of

    found = evidence_of(item)
    if found is None:
        return
    pad = " " * indent
    what = f"{found.commit[:12]} in {found.repo} ({found.date.date().isoformat()})"
    if found.withdrawn:
        yield f"{pad}evidence withdrawn: {found.withdrawn}"
    else:
        yield f"{pad}done by {what}"


def _ticket(item: ActionItem) -> str:
    """`` [gh#123]``: the item's ticket, short (``pm action list`` shows it so too)."""
    if not item.ticket:
        return ""
    from pm.trackers import short

    return f" [{short(item.ticket)}]"


ACTIONS = "Action items"
_HEAD = re.compile(r"^(  severity  )(\S+)(    status  )(\S+)")
# An item's first line: its number within the first few columns (a wrapped line's rest is
# indented far deeper, so words there are never painted).
_ITEM = re.compile(r"^( {2,9}\d+  )(\S+)( +)(\S+)")


def printed(
    postmortem: Postmortem, path: str, now: datetime, tz: tzinfo = UTC, width: int | None = None
) -> Iterator[str]:
    """The page as printed: control characters shown escaped, wrapped at ``width`` and in
    colour on a terminal (``colour.enabled()``)."""
    from pm.render.colour import enabled
    from pm.render.output import safe

    page = (safe(text) for text in render_show(postmortem, path, now, tz, width))
    return colourise(page) if enabled() else page


def colourise(lines: Iterable[str]) -> Iterator[str]:
    """The page's lines (already made safe) with the severity, the status and each action
    item's status in colour, for a terminal (``colour.enabled()``)."""
    from pm.render.colour import paint, severity_style, word_style

    in_actions = False
    for line in lines:
        if line == ACTIONS:
            in_actions = True
        elif not line:
            in_actions = False
        head = _HEAD.match(line)
        item = _ITEM.match(line) if in_actions else None
        if head is not None:
            first, second = severity_style(head[2]), word_style(head[4])
            found = head
        elif item is not None:
            first, second = None, word_style(item[4])
            found = item
        else:
            yield line
            continue
        yield (
            found[1]
            + paint(found[2], first)
            + found[3]
            + paint(found[4], second)
            + line[found.end() :]
        )


def render_similar(matches: list[Match] | None, width: int | None = None) -> Iterator[str]:
    """Earlier incidents with a similar written cause; nothing while no cause is written
    (``matches`` None, as ``queries.similar_by_cause`` answers then)."""
    if matches is None:
        return
    yield ""
    yield "Similar past incidents (by root cause)"
    if not matches:
        yield "  none found"
    for match in matches:
        weak = "weak match; " if match.weak else ""
        text = f"{match.title}  ({weak}shared: {', '.join(match.shared)})"
        yield from fitted(f"  {match.id}  ", text, width, indent=4)
