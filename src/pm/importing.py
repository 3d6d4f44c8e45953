"""Importing a timeline: what responders paste (``TIME [KIND: ]TEXT`` lines), a Slack
channel export, a PagerDuty incident's log entries, read into events (``pm event ID
--from FILE``).

No I/O: ``parse`` takes the text, the format (or None to detect it), the team's zone and
the current time, and returns the events with the problems found, each naming its line.
``plan`` then says which events are new to a postmortem: every imported event keeps a
``source:`` (``slack:<ts>``, ``pagerduty:<id>``, ``lines:<sha1 of the line>``), so a file
imported twice adds nothing the second time.

Length: three input formats, each a few short functions, and the rules that make an
import safe to repeat; split by format, each module would repeat the cleaning and the
messages the others share.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from pm.errors import UsageError
from pm.model import EVENT_KINDS, EVENT_SOURCE, Event, Postmortem
from pm.records import datarecord, field

if TYPE_CHECKING:
    from collections.abc import Callable

    from pm.timeparse import Reading

FORMATS = ("lines", "slack", "pagerduty")
SOURCE = EVENT_SOURCE  # the event key that names where an imported event came from
MAX_EVENT_TEXT = 2000  # a long chat message is cut here (the file keeps the rest nowhere)
_MAX_TIME_WORDS = 4  # "2024-03-05 1:46 pm Europe/Berlin"
# Slack message subtypes that say nothing about the incident: joins, topic changes, bots.
_SLACK_NOISE = frozenset(
    (
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "group_join",
        "group_leave",
        "bot_message",
        "bot_add",
        "bot_remove",
        "pinned_item",
        "unpinned_item",
        "reminder_add",
        "tombstone",
    )
)
_PAGERDUTY_KINDS = {
    "trigger_log_entry": "detected",
    "acknowledge_log_entry": "acknowledged",
    "resolve_log_entry": "note",
    "annotate_log_entry": "note",
}
_SLACK_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_LEADING_SEPARATOR = re.compile(r"^(?:[-\u2013\u2014|>]+\s*|:\s+)")  # hyphen, dashes, pipe, quote


@datarecord(frozen=True)
class Imported:
    """One event read from the input; ``line`` is where (one-based, for messages).
    ``resolution`` marks what the source calls the resolution, recorded as a note: the
    incident is resolved with ``pm resolve``, never implicitly."""

    at: datetime
    kind: str
    text: str
    source: str
    line: int
    resolution: bool = False


@datarecord
class Parsed:
    format: str
    events: list[Imported] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "line 7: cannot read time 'abc'"
    notes: list[str] = field(default_factory=list)
    skipped: int = 0  # entries that say nothing about the incident (joins, bots)


class Plan:
    """What an import adds to one postmortem: the new events, and how many it already has."""

    def __init__(self, new: list[Imported], already: int) -> None:
        self.new = new
        self.already = already


def detect(text: str) -> str:
    """The format of ``text``: JSON with ``log_entries`` (or a list of ``*_log_entry``
    objects) is PagerDuty, a JSON list of messages with ``ts`` is Slack, anything else
    lines."""
    data = _json(text)
    if isinstance(data, dict):
        if "log_entries" in data:
            return "pagerduty"
        if isinstance(data.get("messages"), list):
            return "slack"
    if isinstance(data, list) and data and all(isinstance(i, dict) for i in data):
        if any(str(i.get("type", "")).endswith("_log_entry") for i in data):
            return "pagerduty"
        if any("ts" in i for i in data):
            return "slack"
    return "lines"


def parse(text: str, fmt: str | None, tz: tzinfo, now: datetime, day: date | None = None) -> Parsed:
    """Read ``text`` in ``fmt`` (None: ``detect``); problems are in ``errors``.

    ``day`` is the incident's (local) start date: a line's clock time without a date
    (``14:07``) is on the day of the last dated line before it, else on ``day``, moving to
    the next day when the clock goes back by more than 12 hours (a paste across midnight);
    without ``day``, today's (``read_time``)."""
    if fmt is None:
        fmt = detect(text)
    if fmt not in FORMATS:
        raise UsageError(f"unknown import format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "lines":
        return _lines(text, tz, now, day)
    parsed = Parsed(fmt)
    try:
        data = json.loads(text)
    except ValueError as error:
        line = getattr(error, "lineno", 1)
        parsed.errors.append(f"line {line}: not a {fmt} export (JSON): {error}")
        return parsed
    if fmt == "slack":
        _slack(data, parsed)
    else:
        _pagerduty(data, parsed)
    return parsed


def plan(postmortem: Postmortem, events: list[Imported]) -> Plan:
    """The events not yet in ``postmortem`` (by source, or by the same time, kind and
    text), in time order; each source once."""
    sources = {
        str(e.extra[SOURCE]) for e in postmortem.timeline if isinstance(e.extra.get(SOURCE), str)
    }
    same = {(e.at, e.kind, e.text) for e in postmortem.timeline}
    new: list[Imported] = []
    for imported in events:
        if imported.source in sources or (imported.at, imported.kind, imported.text) in same:
            continue
        sources.add(imported.source)
        new.append(imported)
    new.sort(key=lambda i: i.at)
    return Plan(new, len(events) - len(new))


def check(postmortem: Postmortem, new: list[Imported], tz: tzinfo = UTC) -> None:
    """Refuse an import ``pm event`` would refuse: an event before the start (the hint
    moves the start to the earliest), a second start, a resolution (``pm resolve``)."""
    from pm.errors import DataError
    from pm.timeline import before_start_hint
    from pm.timeparse import spoken, typed

    started = postmortem.started
    if started is None:
        return
    early = [i for i in new if i.at < started]
    if early:
        first = min(early, key=lambda i: i.at)
        more = f" (and {len(early) - 1} more)" if len(early) > 1 else ""
        hint = before_start_hint(postmortem, first.at, tz)
        raise UsageError(f"line {first.line}{more}: {hint}; nothing was imported")
    for imported in new:
        if imported.kind == "started" and imported.at != started:
            raise DataError(
                f"line {imported.line}: {postmortem.id} already started at "
                f"{spoken(started, tz)}; to move the start: pm set {postmortem.id} started "
                f"{typed(imported.at, tz)}; nothing was imported"
            )


def event(imported: Imported, postmortem: Postmortem) -> Event:
    """The event to add; a start the postmortem already has (same time) is a note on it."""
    kind = imported.kind
    if kind == "started" and postmortem.started is not None:
        kind = "note"
    return Event(at=imported.at, kind=kind, text=imported.text, extra={SOURCE: imported.source})


# --- lines --------------------------------------------------------------------------------


def _lines(text: str, tz: tzinfo, now: datetime, day: date | None) -> Parsed:
    from pm.timeparse import is_clock, read_time

    parsed = Parsed("lines")
    previous: datetime | None = None

    def read(stamp: str) -> Reading:
        nonlocal day
        if day is None or not is_clock(stamp):
            reading = read_time(stamp, tz, now)
            if day is not None and reading.at.tzinfo is not None:
                day = reading.at.astimezone(tz).date()
            return reading
        reading = read_time(f"{day.isoformat()} {stamp}", tz, now, allow_future=True)
        if previous is not None and reading.at < previous - timedelta(hours=12):
            day += timedelta(days=1)
            reading = read_time(f"{day.isoformat()} {stamp}", tz, now, allow_future=True)
        if reading.at > now + timedelta(minutes=5):
            read_time(f"{day.isoformat()} {stamp}", tz, now)  # says it is in the future
        return reading

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        found = _time_and_rest(line, read)
        if isinstance(found, str):
            parsed.errors.append(f"line {number}: {found}")
            continue
        reading, rest = found
        previous = reading.at
        kind, body = _kind_and_text(rest)
        body = _clean(body)
        if not body:
            parsed.errors.append(f"line {number}: no text after the time; say what happened")
            continue
        if reading.note:
            parsed.notes.append(f"line {number}: {reading.note}")
        resolution = kind == "resolved"
        digest = hashlib.sha1(line.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]
        parsed.events.append(
            Imported(
                reading.at,
                "note" if resolution else kind,
                body,
                f"lines:{digest}",
                number,
                resolution,
            )
        )
    return parsed


def _time_and_rest(line: str, read: Callable[[str], Reading]) -> tuple[Reading, str] | str:
    """The time a line starts with (its longest first words ``read`` accepts, or the
    ``[14:14]`` a chat client copies) and the rest; or what is wrong."""
    words = line.split()
    if line.startswith("[") and "]" in line:
        stamp, _, rest = line[1:].partition("]")
        candidates = [(stamp.strip(), rest)]
    else:
        candidates = [
            (" ".join(words[:n]), " ".join(words[n:]))
            for n in range(min(_MAX_TIME_WORDS, len(words)), 0, -1)
        ]
    problems: list[str] = []
    for stamp, rest in candidates:
        try:
            reading = read(stamp)
        except UsageError as error:
            problems.append(error.message)
            continue
        zone_word = _zone_word(rest)
        if zone_word:  # "14:14 PST ...": the abbreviation is refused, saying what to write
            try:
                read(f"{stamp} {zone_word}")
            except UsageError as error:
                return error.message
        return reading, rest
    # What a time that reads says (in the future, a zone that does not exist), not that
    # the first word of the text is no zone abbreviation ("10:00 tomorrow").
    told = [
        p
        for p in problems
        if not p.startswith("cannot read time") and "not a time zone pm knows; write an" not in p
    ]
    return told[0] if told else f"cannot read time {candidates[-1][0]!r}"


def _zone_word(rest: str) -> str:
    """The zone abbreviation (``PST``) the text starts with: the time's, refused as such."""
    from pm.timeparse import ABBREVIATIONS

    first = rest.split(maxsplit=1)[0] if rest.split() else ""
    return first if first.isupper() and first in ABBREVIATIONS else ""


def _kind_and_text(rest: str) -> tuple[str, str]:
    rest = _LEADING_SEPARATOR.sub("", rest.strip())
    head, colon, tail = rest.partition(":")
    if colon and head.strip().lower() in EVENT_KINDS and head == head.rstrip():
        return head.strip().lower(), tail
    return "note", rest


# --- Slack --------------------------------------------------------------------------------


def _slack(data: Any, parsed: Parsed) -> None:
    messages = data.get("messages") if isinstance(data, dict) else data
    if not isinstance(messages, list):
        parsed.errors.append("line 1: not a Slack export: expected a list of messages")
        return
    for index, message in enumerate(messages, 1):
        where = f"message {index}"
        if not isinstance(message, dict):
            parsed.errors.append(f"{where}: not a message object")
            continue
        if message.get("subtype") in _SLACK_NOISE or message.get("bot_id"):
            parsed.skipped += 1
            continue
        ts = message.get("ts")
        try:
            at = datetime.fromtimestamp(float(str(ts)), UTC).replace(microsecond=0)
        except (TypeError, ValueError, OverflowError, OSError):
            parsed.errors.append(f"{where}: cannot read time {ts!r} (ts: epoch seconds)")
            continue
        body = _clean(_slack_text(str(message.get("text") or "")))
        if not body:
            parsed.skipped += 1
            continue
        name = _slack_name(message)
        parsed.events.append(Imported(at, "note", f"{name}: {body}", f"slack:{ts}", index))


def _slack_name(message: dict[str, Any]) -> str:
    profile = message.get("user_profile")
    if isinstance(profile, dict):
        for key in ("real_name", "display_name", "name"):
            if isinstance(profile.get(key), str) and profile[key].strip():
                return str(profile[key]).strip()
    for key in ("user_name", "username", "user"):
        if isinstance(message.get(key), str) and message[key].strip():
            return str(message[key]).strip()
    return "someone"


def _slack_text(text: str) -> str:
    """Slack's markup as a person reads it: ``<url|label>`` is the label, ``&amp;`` is &."""

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if label:
            return label
        return target[1:] if target.startswith(("!", "#")) else target

    return html.unescape(_SLACK_LINK.sub(link, text))


# --- PagerDuty ----------------------------------------------------------------------------


def _pagerduty(data: Any, parsed: Parsed) -> None:
    entries = data.get("log_entries") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        parsed.errors.append("line 1: not a PagerDuty log: expected log_entries, a list")
        return
    for index, entry in enumerate(entries, 1):
        where = f"entry {index}"
        if not isinstance(entry, dict):
            parsed.errors.append(f"{where}: not a log entry object")
            continue
        kind = _PAGERDUTY_KINDS.get(str(entry.get("type")))
        if kind is None:
            parsed.skipped += 1
            continue
        created = entry.get("created_at")
        try:
            at = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
            if at.tzinfo is None:
                raise ValueError
        except ValueError:
            parsed.errors.append(f"{where}: cannot read time {created!r} (created_at: ISO 8601)")
            continue
        entry_id = entry.get("id")
        if not isinstance(entry_id, str) or not entry_id.strip():
            parsed.errors.append(f"{where}: no id")
            continue
        body = _clean(_pagerduty_text(entry))
        resolution = entry.get("type") == "resolve_log_entry"
        parsed.events.append(
            Imported(
                at.astimezone(UTC).replace(microsecond=0),
                kind,
                body or str(entry.get("type")),
                f"pagerduty:{entry_id.strip()}",
                index,
                resolution,
            )
        )


def _summary(value: Any) -> str:
    return str(value.get("summary") or "") if isinstance(value, dict) else ""


def _pagerduty_text(entry: dict[str, Any]) -> str:
    summary = str(entry.get("summary") or "").strip().rstrip(".")
    channel = _summary(entry.get("channel"))
    kind = entry.get("type")
    if kind == "annotate_log_entry":
        agent = _summary(entry.get("agent")) or "someone"
        return f"PagerDuty note by {agent}: {channel}" if channel else f"PagerDuty: {summary}"
    detail = ""
    if kind == "trigger_log_entry":
        detail = _summary(entry.get("incident")) or channel
    text = f"PagerDuty: {summary}" if summary else "PagerDuty"
    return f"{text}: {detail}" if detail and detail not in summary else text


# --- shared -------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """One line of text an event can hold: whitespace runs made one space, other control
    characters dropped, cut at ``MAX_EVENT_TEXT`` with ``…``."""
    kept = "".join(c for c in text if c.isspace() or unicodedata.category(c) != "Cc")
    line = " ".join(kept.split())
    if len(line) > MAX_EVENT_TEXT:
        line = line[: MAX_EVENT_TEXT - 1].rstrip() + "…"
    return line


def _json(text: str) -> Any:
    stripped = text.lstrip()
    if not stripped.startswith(("[", "{")):
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None
