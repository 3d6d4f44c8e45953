"""The review meeting's invitation: an iCalendar (RFC 5545) ``REQUEST``, written as text.

No I/O and no dependency: ``pm review schedule`` hands in what it read (the postmortem,
the people, the history's count of earlier schedules) and writes the text this returns.
What a calendar needs to treat a reschedule as the same meeting moved, not a second one:

- ``UID`` is derived from the postmortem id alone (``uid``), so every invite for one
  postmortem's review is one event;
- ``SEQUENCE`` is the number of earlier schedules of it (pm counts its ``schedule``
  commits in the file's history: no state is kept anywhere else), so a newer invite wins;
- ``DTSTAMP`` is when the invite was written; every time is UTC, written with ``Z``.

Lines end in CRLF and are folded at 75 octets (never inside a UTF-8 character); text
values escape ``\\``, ``;``, ``,`` and newlines; parameter values (``CN``) are quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from pm.config import Config
from pm.errors import UsageError
from pm.records import datarecord

PRODID = "-//pm//Postmortem review//EN"
_EMAIL = re.compile(r"[^\s@<>,;:\"\\()\[\]]+@[^\s@<>,;:\"\\()\[\]]+\.[^\s@<>,;:\"\\()\[\]]+")
_LIMIT = 75  # octets a line may hold, not counting its CRLF


@datarecord(frozen=True)
class Person:
    """Someone invited: a name (may be empty) and an email address."""

    name: str
    email: str


@datarecord(frozen=True)
class Invite:
    """Everything the invitation says; ``start`` and ``stamp`` are aware datetimes."""

    postmortem_id: str
    title: str
    start: datetime
    duration: timedelta
    stamp: datetime
    sequence: int
    organizer: Person | None
    attendees: tuple[Person, ...]
    description: str


def uid(postmortem_id: str) -> str:
    """The event's UID: the same for every invite to one postmortem's review."""
    return f"review-{postmortem_id}@pm"


def is_email(text: str) -> bool:
    return _EMAIL.fullmatch(text) is not None


def check_entries(entries: Iterable[str], config: Config, what: str) -> list[str]:
    """Names in ``[people]`` (with an email there) or email addresses; a usage error for
    anything else, naming ``what`` (``--attendees``)."""
    checked: list[str] = []
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        if "@" in entry.lstrip("@"):
            if not is_email(entry):
                raise UsageError(f"{what}: {entry!r} is not an email address like a@example.com")
        elif not config.person(entry).email:
            raise UsageError(
                f"{what}: {entry!r} is neither an email address nor a name with an email "
                f'in [people] of .pm.toml ({entry} = {{ email = "..." }})'
            )
        checked.append(entry)
    return checked


def people(
    config: Config,
    owners: Sequence[str],
    authors: Sequence[tuple[str, str]],
    invited: Sequence[str],
) -> tuple[list[Person], list[str]]:
    """Who is invited, each once (by email, any case), in this order: action-item owners
    (their email from ``[people]``), authors of the file's commits (name, email), and the
    ``invited`` (configured and given attendees: names in ``[people]`` or addresses).
    Also the owners left out because ``[people]`` has no email for them."""
    found: dict[str, Person] = {}
    missing: list[str] = []

    def add(name: str, email: str) -> None:
        if is_email(email):
            found.setdefault(email.lower(), Person(name, email))

    for owner in owners:
        email = config.person(owner).email
        if email:
            add(owner, email)
        elif owner and owner not in missing:
            missing.append(owner)
    for name, email in authors:
        add(name, email)
    for entry in invited:
        if "@" in entry.lstrip("@"):
            add("", entry)
        else:
            add(entry.strip().lstrip("@"), config.person(entry).email)
    return list(found.values()), missing


def description(
    postmortem_id: str, severity: str, due: date | None, path: str, items: Sequence[str]
) -> str:
    """The invitation's text: what is reviewed, by when, where the document is, and the
    open action items (``items``, one line each)."""
    lines = [f"Postmortem review of {postmortem_id} ({severity})."]
    if due is not None:
        lines.append(f"The review is due {due.isoformat()}.")
    lines.append(f"Document: {path}")
    if items:
        lines.append("Open action items:")
        lines.extend(f"- {item}" for item in items)
    return "\n".join(lines)


def calendar(invite: Invite) -> str:
    """The ``.ics`` text: one VCALENDAR with one VEVENT, CRLF line ends, folded lines."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:{uid(invite.postmortem_id)}",
        f"SEQUENCE:{invite.sequence}",
        f"DTSTAMP:{utc(invite.stamp)}",
        f"DTSTART:{utc(invite.start)}",
        f"DTEND:{utc(invite.start + invite.duration)}",
        f"SUMMARY:{text(f'Postmortem review: {invite.title}')}",
        f"DESCRIPTION:{text(invite.description)}",
    ]
    if invite.organizer is not None:
        lines.append(f"ORGANIZER{_cn(invite.organizer.name)}:mailto:{invite.organizer.email}")
    lines += [
        f"ATTENDEE{_cn(person.name)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
        f":mailto:{person.email}"
        for person in invite.attendees
    ]
    lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return "".join(f"{fold(line)}\r\n" for line in lines)


def utc(moment: datetime) -> str:
    """A DATE-TIME in UTC: ``20240122T150000Z``."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 3.3.11): ``\\`` ``;`` ``,`` and newlines."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\n", "\\n")
    return "".join(ch for ch in value if ch == "\t" or (ord(ch) >= 0x20 and ord(ch) != 0x7F))


def _cn(name: str) -> str:
    """``;CN="..."``: a quoted parameter value cannot hold a quote or a control character."""
    clean = "".join(ch for ch in name if ch != '"' and (ord(ch) >= 0x20 and ord(ch) != 0x7F))
    return f';CN="{clean.strip()}"' if clean.strip() else ""


def fold(line: str) -> str:
    """``line`` folded (RFC 5545 3.1): at most 75 octets a line, continuation lines start
    with one space, and a multi-octet UTF-8 character is never split."""
    parts: list[str] = []
    current, size, limit = "", 0, _LIMIT
    for ch in line:
        octets = len(ch.encode("utf-8"))
        if size + octets > limit:
            parts.append(current)
            current, size, limit = "", 0, _LIMIT - 1  # the leading space takes one octet
        current += ch
        size += octets
    parts.append(current)
    return "\r\n ".join(parts)
