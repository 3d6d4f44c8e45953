"""Lifecycle rules: what a valid title is, how ids are made, and what each change may do.

No I/O: functions take a Postmortem (and the few config values they need) and either
change it or raise an error that says what the user can do instead.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal

from pm import textsafety, timeline
from pm.config import Config, Severity
from pm.errors import DataError, UsageError
from pm.model import EVENT_KINDS, Closure, Event, Postmortem
from pm.timeparse import format_time, spoken, typed

MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_SLUG = 48
_NAME = re.compile(r"[\w][\w.\-/:@+]{0,63}")


def check_title(title: str) -> str:
    """A title is one line of printable text, 1 to 200 characters."""
    empty = "the title is empty; give a short description of the incident"
    return textsafety.check_line(title, "title", MAX_TITLE, empty=empty)


def check_text(text: str, what: str) -> str:
    """Free text (event, impact): up to 10,000 characters, no control characters but newlines."""
    return textsafety.check_text(text, what, MAX_TEXT)


def check_names(values: list[str], what: str) -> list[str]:
    """Services and tags are short words (letters, digits, ``-_./:@+``), kept unique."""
    result: list[str] = []
    for raw in values:
        value = raw.strip()
        if not _NAME.fullmatch(value):
            raise UsageError(
                f"{what} {value!r} must be one word of letters, digits or -_./:@+ "
                "(at most 64 characters)"
            )
        if value not in result:
            result.append(value)
    return result


def check_severity(name: str, config: Config) -> Severity:
    severity = config.severity(name)
    if severity is None:
        upper = config.severity(name.upper())
        if upper is not None:
            return upper
        known = ", ".join(config.severity_names)
        raise UsageError(f"unknown severity {name!r}; use one of {known}")
    return severity


def slugify(title: str) -> str:
    """ASCII words of the title joined by hyphens, cut at a word boundary; never a path."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > MAX_SLUG:
            break
        slug = candidate
    if not slug and words:
        slug = words[0][:MAX_SLUG]
    return slug or "incident"


def make_id(started: datetime, title: str, taken: set[str], tz: tzinfo = UTC) -> str:
    """``<start date>-<slug>``, with ``-2``, ``-3``... when that day already has the slug.

    The date is the start's date in ``tz``, the team's zone: an incident that started at
    20:00 in San Francisco on the 15th is ``...-15-...``, though it was the 16th in UTC.
    An id taken in another case counts as taken (``...-DB-Down`` takes ``...-db-down``):
    on macOS and Windows the two files would be one.
    """
    base = f"{started.astimezone(tz).date().isoformat()}-{slugify(title)}"
    folded = {other.casefold() for other in taken}
    candidate, n = base, 2
    while candidate.casefold() in folded:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def new_postmortem(
    *,
    title: str,
    severity: Severity,
    started: datetime,
    detected: datetime | None,
    services: list[str],
    tags: list[str],
    impact: str,
    taken_ids: set[str],
    tz: tzinfo = UTC,
    started_given: bool = True,
) -> Postmortem:
    """A new active postmortem. Its started event says "Incident opened" when the start is
    the moment it was opened (``started_given`` False), "Incident started" otherwise."""
    title = check_title(title)
    if detected is not None and detected < started:
        raise UsageError(
            f"detected ({format_time(detected)}) is before started ({format_time(started)})"
        )
    postmortem = Postmortem(
        id=make_id(started, title, taken_ids, tz),
        title=title,
        severity=severity.name,
        impact=check_text(impact, "impact"),
        services=check_names(services, "service"),
        tags=check_names(tags, "tag"),
    )
    text = timeline.STARTED_GIVEN if started_given else timeline.STARTED_LIVE
    postmortem.add_event(Event(at=started, kind="started", text=text))
    if detected is not None:
        postmortem.add_event(Event(at=detected, kind="detected", text=timeline.DETECTED))
    return postmortem


def add_event(
    postmortem: Postmortem, at: datetime, kind: str, text: str, tz: tzinfo = UTC
) -> Event:
    """Append a timeline event; the single started/resolved events have their own commands.
    ``tz`` is the zone refusals speak in."""
    if kind not in EVENT_KINDS:
        raise UsageError(f"unknown event kind {kind!r}; use one of {', '.join(EVENT_KINDS)}")
    if kind == "resolved":
        raise UsageError("use `pm resolve` to record the resolution")
    started = postmortem.started
    if kind == "started" and started is not None:
        raise DataError(
            f"{postmortem.id} already started at {spoken(started, tz)}; to move the start: "
            f"pm set {postmortem.id} started {typed(at, tz)}"
        )
    text = check_text(text, "event text")
    if not text:
        raise UsageError("the event text is empty; say what happened")
    if started is not None and at < started:
        raise UsageError(timeline.before_start_hint(postmortem, at, tz))
    event = Event(at=at, kind=kind, text=text)
    postmortem.add_event(event)
    return event


def review_due(resolved: datetime, severity: Severity, tz: tzinfo = UTC) -> date | None:
    """The date the postmortem review is due, for severities that require one.

    ``review_hours`` after the resolution, as a date in ``tz``; or, with
    ``review_business_days``, that many weekdays after the day of the resolution (Saturdays
    and Sundays are skipped: resolved on a Friday with 2, the review is due on Tuesday).
    """
    if not severity.requires_postmortem:
        return None
    if severity.review_business_days is not None:
        return add_business_days(resolved.astimezone(tz).date(), severity.review_business_days)
    return (resolved + timedelta(hours=severity.review_hours)).astimezone(tz).date()


def add_business_days(day: date, count: int) -> date:
    """The ``count``-th weekday (Monday to Friday) after ``day``; ``day`` itself for 0."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def days_review_late(postmortem: Postmortem, tz: tzinfo = UTC) -> int | None:
    """Days after its due date that the review was held (0 on time); None without both."""
    held, due = postmortem.review.held, postmortem.review.due
    if held is None or due is None:
        return None
    return max(0, (held.astimezone(tz).date() - due).days)


ReviewState = Literal["held", "due", "not-required", "on-resolve"]


def review_state(postmortem: Postmortem, severity: Severity) -> ReviewState:
    """Where the postmortem review stands: ``held``, ``due`` (a due date is set),
    ``not-required`` by the severity, or ``on-resolve`` (the due date is set then)."""
    if postmortem.review.held:
        return "held"
    if postmortem.review.due:
        return "due"
    if not severity.requires_postmortem:
        return "not-required"
    return "on-resolve"


def resolve(
    postmortem: Postmortem, at: datetime, text: str, severity: Severity, tz: tzinfo = UTC
) -> None:
    """Mark the incident over: a resolved event, status resolved, the review's due date."""
    if postmortem.status != "active":
        raise DataError(f"{postmortem.id} is already {postmortem.status}")
    started = postmortem.started
    if started is not None and at < started:
        raise UsageError(timeline.before_start_hint(postmortem, at, tz))
    text = check_text(text, "resolution text") or "Resolved"
    postmortem.add_event(Event(at=at, kind="resolved", text=text))
    postmortem.status = "resolved"
    postmortem.review.due = review_due(at, severity, tz)


# --- review and close -------------------------------------------------------------------


def missing_for_review(
    postmortem: Postmortem, body: str, required: tuple[tuple[str, ...], ...]
) -> list[str]:
    """What a postmortem still lacks before its review can be recorded as held;
    ``required`` is the configured groups of headings (``Config.review_required``)."""
    from pm.sections import missing_sections

    missing: list[str] = []
    if postmortem.status == "active":
        missing.append("the incident is not resolved (pm resolve)")
    for choices in missing_sections(body, required):
        if len(choices) == 1:
            missing.append(f"section '{choices[0]}' is empty")
        else:
            names = " and ".join(f"'{name}'" for name in choices)
            missing.append(f"sections {names} are {'both' if len(choices) == 2 else 'all'} empty")
    if not postmortem.actions:
        missing.append("no action items (pm action add)")
    return missing


def review(
    postmortem: Postmortem,
    body: str,
    at: datetime,
    severity: Severity,
    required: tuple[tuple[str, ...], ...],
) -> None:
    """Record the review as held; for severities that require a postmortem, only when complete
    (``required``: the groups of headings that must be written)."""
    if postmortem.status in ("reviewed", "closed"):
        held = postmortem.review.held
        when = f" (review held {format_time(held)})" if held else ""
        raise DataError(f"{postmortem.id} is already {postmortem.status}{when}")
    if severity.requires_postmortem:
        missing = missing_for_review(postmortem, body, required)
        if missing:
            raise DataError(
                f"{postmortem.id} is not ready for review ({postmortem.severity} requires a "
                f"postmortem): {'; '.join(missing)}"
            )
    elif postmortem.status == "active":
        raise DataError(f"{postmortem.id} is not resolved yet (pm resolve)")
    resolved = postmortem.resolved_at
    if resolved is not None and at < resolved:
        raise UsageError(
            f"{format_time(at)} is before the incident was resolved ({format_time(resolved)})"
        )
    postmortem.review.held = at
    postmortem.status = "reviewed"


def schedule_review(
    postmortem: Postmortem, at: datetime, severity: Severity, now: datetime
) -> None:
    """Set when the review meeting is to be held (``review.scheduled``); a reschedule
    moves it. Only for a resolved postmortem whose severity requires a review that is not
    held yet, at a time to come (after the resolution)."""
    if postmortem.review.held is not None or postmortem.status in ("reviewed", "closed"):
        held = postmortem.review.held
        when = f", review held {format_time(held)}" if held else ""
        raise DataError(
            f"{postmortem.id} is already {postmortem.status}{when}; nothing to schedule"
        )
    if not severity.requires_postmortem:
        raise DataError(
            f"{postmortem.id} is {postmortem.severity}, which requires no postmortem review; "
            "nothing to schedule"
        )
    if postmortem.status == "active":
        raise DataError(f"{postmortem.id} is still active; resolve it first (pm resolve)")
    if at < now - _SCHEDULE_SLACK:
        raise UsageError(
            f"{format_time(at)} is in the past; schedule the review ahead (a review already "
            f"held: pm review {postmortem.id} --at TIME)"
        )
    postmortem.review.scheduled = at


_SCHEDULE_SLACK = timedelta(minutes=5)  # clock skew, as for times in the future


def check_finished_record(
    postmortem: Postmortem, body: str, severity: Severity, required: tuple[tuple[str, ...], ...]
) -> None:
    """A reviewed or closed postmortem must hold what its severity requires of one
    (``required``: the configured groups of headings, ``Config.review_required``).

    For a severity change after the fact: a SEV-3 closed without a review cannot become a
    SEV-1 silently, since a closed SEV-1 without its review and write-up is what ``pm
    lint`` rejects. A forced close records why those were skipped, so it may.
    """
    if postmortem.status not in ("reviewed", "closed") or not severity.requires_postmortem:
        return
    if postmortem.closed is not None and postmortem.closed.forced:
        return
    from pm.sections import missing_sections

    missing = [f"section '{choices[0]}'" for choices in missing_sections(body, required)]
    if postmortem.review.held is None:
        missing.insert(0, "a held review (review.held)")
    if missing:
        raise DataError(
            f"{postmortem.id} is {postmortem.status}, and a {severity.name} postmortem needs "
            f"what it lacks: {', '.join(missing)}; write those first (pm edit), or keep "
            "its severity"
        )


def close_blockers(postmortem: Postmortem, severity: Severity) -> list[str]:
    """Why the postmortem cannot be closed yet: open items, a review not held."""
    blockers = [
        f"action item {item.number} is {item.status} ({item.owner}, due {item.due.isoformat()})"
        for item in postmortem.actions
        if item.is_open
    ]
    if severity.requires_postmortem and postmortem.review.held is None:
        blockers.append(f"the review is not held ({postmortem.severity} requires one: pm review)")
    return blockers


def close(
    postmortem: Postmortem,
    at: datetime,
    severity: Severity,
    *,
    force: bool = False,
    reason: str | None = None,
) -> list[str]:
    """Close the postmortem; with ``force`` despite blockers (returned, for the record)."""
    if postmortem.status == "closed":
        raise DataError(f"{postmortem.id} is already closed")
    if postmortem.status == "active":
        raise DataError(f"{postmortem.id} is still active; resolve it first (pm resolve)")
    if force:
        reason = " ".join(check_text(reason or "", "reason").split())
        if not reason:
            raise UsageError("--force needs --reason: say why it is closed anyway")
    elif reason:
        raise UsageError("--reason goes with --force (a normal close needs no reason)")
    blockers = close_blockers(postmortem, severity)
    if blockers and not force:
        raise DataError(
            f"cannot close {postmortem.id}: {'; '.join(blockers)} "
            "(or close anyway with --force --reason TEXT)"
        )
    postmortem.closed = Closure(at=at, forced=force, reason=reason if force else None)
    postmortem.status = "closed"
    return blockers
