"""Corrections to the timeline: moving the start or the detection, editing and removing
events by the number ``pm show`` prints, reopening a resolved incident.

No I/O. The rules every change keeps: the timeline is sorted, nothing happens before the
``started`` event, there is one ``started`` event, and ``resolved`` comes and goes only
with the status (``pm resolve``, ``pm reopen``). A refusal names the command to run
instead.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from pm.config import Severity
from pm.errors import DataError, UsageError
from pm.model import EVENT_KINDS, Change, Event, Postmortem
from pm.textsafety import check_line
from pm.timeparse import format_time, spoken, typed

# The started event's text: "opened" while the start is the moment pm opened the incident
# (``pm open`` without ``--started``), "started" once the start is a fact someone gave.
STARTED_LIVE = "Incident opened"
STARTED_GIVEN = "Incident started"
DETECTED = "Detected"
MAX_REASON = 500
_SHOWN = 3  # events named in a refusal before "and N more"


def describe(number: int, event: Event, tz: tzinfo = UTC) -> str:
    """``3 (2024-01-15T14:10:00Z detected: Pager fired)``: an event as refusals name it."""
    text = " ".join(event.text.split())
    if len(text) > 40:
        text = text[:39].rstrip() + "…"
    return f"{number} ({spoken(event.at, tz)} {event.kind}{': ' + text if text else ''})"


def event(postmortem: Postmortem, number: int) -> Event:
    """Event ``number``, one-based in the order of the file (as ``pm show`` numbers them)."""
    count = len(postmortem.timeline)
    if not 1 <= number <= count:
        known = f"1 to {count}" if count else "none"
        raise DataError(
            f"{postmortem.id} has no event {number} (events: {known}; pm show numbers them)"
        )
    return postmortem.timeline[number - 1]


def number_of(postmortem: Postmortem, target: Event) -> int:
    return next(n for n, e in enumerate(postmortem.timeline, 1) if e is target)


def before_start_hint(postmortem: Postmortem, at: datetime, tz: tzinfo = UTC) -> str:
    """The refusal of a time before the start, naming the command that moves the start
    (times in the team's zone ``tz``)."""
    started = postmortem.started
    assert started is not None
    return (
        f"{spoken(at, tz)} is before the incident started ({spoken(started, tz)}); if it "
        f"started earlier, move the start first: pm set {postmortem.id} started "
        f"{typed(at, tz)}"
    )


def _resort(postmortem: Postmortem, moved: Event) -> None:
    postmortem.timeline.remove(moved)
    postmortem.add_event(moved)


def _started_event(postmortem: Postmortem) -> Event | None:
    return next((e for e in postmortem.timeline if e.kind == "started"), None)


def move_start(postmortem: Postmortem, at: datetime, tz: tzinfo = UTC) -> Change:
    """Move the ``started`` event to ``at`` (create it if a hand edit removed it).

    Refused when another event would then come before the start: those events are named.
    A text that said the incident was opened now says it started.
    """
    start = _started_event(postmortem)
    if start is not None and start.at == at:
        raise DataError(f"{postmortem.id} already started at {spoken(at, tz)}; nothing to change")
    earlier = [(n, e) for n, e in enumerate(postmortem.timeline, 1) if e is not start and e.at < at]
    if earlier:
        named = ", ".join(describe(n, e, tz) for n, e in earlier[:_SHOWN])
        more = f" and {len(earlier) - _SHOWN} more" if len(earlier) > _SHOWN else ""
        one = len(earlier) == 1
        raise DataError(
            f"cannot move the start of {postmortem.id} to {spoken(at, tz)}: "
            f"{'event' if one else 'events'} {named}{more} would come before it; fix "
            f"{'its time' if one else 'their times'} first (pm event edit {postmortem.id} "
            "N --at TIME)"
        )
    if start is None:
        postmortem.add_event(Event(at=at, kind="started", text=STARTED_GIVEN))
        return Change("started", "none", format_time(at))
    old = start.at
    start.at = at
    if start.text == STARTED_LIVE:
        start.text = STARTED_GIVEN
    _resort(postmortem, start)
    return Change("started", format_time(old), format_time(at))


def move_detected(postmortem: Postmortem, at: datetime, tz: tzinfo = UTC) -> Change:
    """Move the first ``detected`` event to ``at``, or add one when there is none.

    Not before the start, and not after the incident was acknowledged (time to acknowledge
    counts from detection).
    """
    started = postmortem.started
    if started is not None and at < started:
        raise UsageError(before_start_hint(postmortem, at, tz))
    detected = next((e for e in postmortem.timeline if e.kind == "detected"), None)
    acknowledged = next((e for e in postmortem.timeline if e.kind == "acknowledged"), None)
    if acknowledged is not None and at > acknowledged.at:
        raise DataError(
            f"{spoken(at, tz)} is after {postmortem.id} was acknowledged (event "
            f"{describe(number_of(postmortem, acknowledged), acknowledged, tz)}); detection comes "
            "first"
        )
    if detected is None:
        postmortem.add_event(Event(at=at, kind="detected", text=DETECTED))
        return Change("detected", "none", format_time(at))
    if detected.at == at:
        raise DataError(
            f"{postmortem.id} was already detected at {spoken(at, tz)}; nothing to change"
        )
    old = detected.at
    detected.at = at
    _resort(postmortem, detected)
    return Change("detected", format_time(old), format_time(at))


def edit_event(
    postmortem: Postmortem,
    number: int,
    severity: Severity,
    *,
    at: datetime | None = None,
    kind: str | None = None,
    text: str | None = None,
    tz: tzinfo = UTC,
) -> tuple[list[Change], int]:
    """Change event ``number``'s time, kind or text; the changes and its number after.

    The timeline stays sorted (the event moves to its new place). The started event keeps
    its kind and moves as ``pm set ID started`` moves it; the resolved event keeps its
    kind (``pm reopen`` undoes a resolution) and a new time moves the review's due date.
    """
    from pm.lifecycle import check_text, review_due

    if at is None and kind is None and text is None:
        raise UsageError("say what to change: --at TIME, --kind KIND or --text TEXT")
    target = event(postmortem, number)
    changes: list[Change] = []
    if kind is not None and kind != target.kind:
        _check_kind_change(postmortem, number, target, kind)
        changes.append(Change("kind", target.kind, kind))
        target.kind = kind
    if text is not None:
        new_text = check_text(text, "event text")
        if not new_text:
            raise UsageError("the event text is empty; say what happened")
        if new_text != target.text:
            changes.append(Change("text", target.text or '""', new_text))
            target.text = new_text
    if at is not None and at != target.at:
        if target.kind == "started":
            changes.append(move_start(postmortem, at))
        else:
            started = postmortem.started
            if started is not None and at < started:
                raise UsageError(before_start_hint(postmortem, at, tz))
            changes.append(Change("at", format_time(target.at), format_time(at)))
            target.at = at
            _resort(postmortem, target)
            if target.kind == "resolved" and postmortem.review.held is None:
                postmortem.review.due = review_due(at, severity)
    if not changes:
        raise DataError(f"event {describe(number, target, tz)} is already so; nothing to change")
    order = ("started", "at", "kind", "text")
    return sorted(changes, key=lambda c: order.index(c.field)), number_of(postmortem, target)


def _check_kind_change(postmortem: Postmortem, number: int, target: Event, kind: str) -> None:
    if kind not in EVENT_KINDS:
        raise UsageError(f"unknown event kind {kind!r}; use one of {', '.join(EVENT_KINDS)}")
    if target.kind == "started":
        raise DataError(
            f"event {number} is the start of {postmortem.id} and stays the started event "
            f"(move it: pm set {postmortem.id} started TIME)"
        )
    if kind == "started":
        raise DataError(
            f"{postmortem.id} already has a started event; to move the start: "
            f"pm set {postmortem.id} started TIME"
        )
    if target.kind == "resolved":
        raise DataError(
            f"event {number} is the resolution of {postmortem.id}; if the incident is not "
            f"over, reopen it: pm reopen {postmortem.id} --reason TEXT"
        )
    if kind == "resolved":
        raise DataError(
            f"an event becomes the resolution only with pm resolve {postmortem.id} --at TIME"
        )


def remove_event(postmortem: Postmortem, number: int) -> Event:
    """Remove event ``number``; never the start, never the resolution of a resolved incident."""
    target = event(postmortem, number)
    if target.kind == "started":
        raise DataError(
            f"event {number} is the start of {postmortem.id} and cannot be removed; to "
            f"correct it: pm set {postmortem.id} started TIME"
        )
    if target.kind == "resolved" and postmortem.status != "active":
        raise DataError(
            f"event {number} is the resolution of {postmortem.id}; if the incident is not "
            f"over, reopen it: pm reopen {postmortem.id} --reason TEXT"
        )
    postmortem.timeline.remove(target)
    return target


def reopen(postmortem: Postmortem, reason: str) -> tuple[Event, str]:
    """The incident flared up again: resolved -> active. The ``resolved`` event stays in the
    timeline as history, a note that says it was reopened and why; the review's due date
    is cleared (``pm resolve`` sets it again). The note, and its text before."""
    empty = "pm reopen needs --reason: say why the incident is not over"
    reason = check_line(reason, "reason", MAX_REASON, empty=empty)
    if postmortem.status == "active":
        raise DataError(f"{postmortem.id} is active, not resolved; there is nothing to reopen")
    if postmortem.status != "resolved":
        raise DataError(
            f"{postmortem.id} is {postmortem.status}: its review was held on this resolution; "
            f'a flare-up now is a new incident: pm open "TITLE" -s SEV, then '
            f"pm related {postmortem.id} NEW-ID"
        )
    resolved = [e for e in postmortem.timeline if e.kind == "resolved"]
    if not resolved:
        raise DataError(f"{postmortem.id} is resolved but has no resolved event (pm lint)")
    target = resolved[-1]
    old = target.text
    target.kind = "note"
    target.text = f"{old} (reopened later: {reason})"
    postmortem.status = "active"
    postmortem.review.due = None
    return target, old
