"""Reminders where people work: ``pm overdue`` and the period report as chat messages and
email, built as values (no I/O; ``pm notify`` posts them, see ``pm.webhook``).

- ``slack``: a Block Kit message, ``{"text": fallback, "blocks": [...]}``: a header, a
  summary, one ``mrkdwn`` section per owner (``<@U123>`` when ``[people]`` has their
  Slack id). Text is escaped as Slack asks (``&``, ``<``, ``>``), so a title cannot ping
  ``<!channel>`` or forge a link; sections stay under Slack's limits (3,000 characters,
  50 blocks), the rest counted in a last line.
- ``teams``: a Microsoft Teams connector message card (``"@type": "MessageCard"``), one
  section per owner with a fact per finding. Message cards cannot mention people; the
  ``[people]`` Teams name is shown beside the owner.
- ``email``: RFC 5322 messages (``email.message.EmailMessage``), plain text; one for
  everyone, or one per owner (``--group-by owner``) as an mbox stream: each message
  starts with a ``From `` line, body lines starting ``From `` are quoted ``>From ``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pm.render.overdue import by_owner

if TYPE_CHECKING:
    from email.message import EmailMessage

    from pm.config import Config
    from pm.overdue import Finding
    from pm.queries import OverdueResult
    from pm.shapes import PeriodData

FORMATS = ("slack", "teams", "email")
SLACK_SECTION = 3000  # characters of one section's text
SLACK_BLOCKS = 50
EMAIL_FROM = "pm <pm@localhost>"  # PM_EMAIL_FROM replaces it
_NO_OWNER = "(no owner)"
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def summary(result: OverdueResult) -> str:
    """One line: ``3 late (1 escalated), 2 due within 3 days as of 2024-10-01``."""
    late = len(result.findings)
    text = f"{late} late ({result.escalated} escalated)" if late else "Nothing is late"
    if result.due_within is not None:
        text += f", {len(result.soon)} due within {_days(result.due_within)}"
    return f"{text} as of {result.as_of.isoformat()}"


def groups(result: OverdueResult) -> list[tuple[str, list[Finding]]]:
    """The findings and due-soon items by owner (late first within each, most late
    first), owners in name order; reviews and stale incidents (no owner) last."""
    found: dict[str, list[Finding]] = {}
    for finding in [*by_owner(result.findings), *by_owner(result.soon)]:
        found.setdefault(finding.owner or _NO_OWNER, []).append(finding)
    return sorted(found.items(), key=lambda pair: (pair[0] == _NO_OWNER, pair[0].lower()))


# --- Slack ----------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Text as Slack shows it literally: ``&``, ``<`` and ``>`` as entities (no links,
    mentions or ``<!channel>`` from a title), control characters as spaces."""
    text = _CONTROLS.sub(" ", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_who(owner: str, config: Config) -> str:
    if owner == _NO_OWNER:
        return "*No owner* (reviews and incidents)"
    person = config.person(owner)
    if person.slack:
        return f"<@{slack_escape(person.slack)}> ({slack_escape(owner)})"
    return f"*{slack_escape(owner)}*"


def _mark(finding: Finding) -> str:
    if finding.kind == "due-soon":
        return ":hourglass_flowing_sand:"
    return ":rotating_light:" if finding.escalated else ":warning:"


def slack(result: OverdueResult, config: Config) -> dict[str, Any]:
    """``pm overdue --format slack``: a Block Kit message."""
    title = f"pm overdue: {summary(result)}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(title, 150)}}
    ]
    sections = [
        _slack_section(
            _slack_who(owner, config), [f"{_mark(f)} {slack_escape(f.message)}" for f in found]
        )
        for owner, found in groups(result)
    ]
    room = SLACK_BLOCKS - len(blocks) - 1
    if len(sections) > room:
        left = len(sections) - room + 1
        sections = [*sections[: room - 1], _mrkdwn(f"…and {left} more owners: run pm overdue.")]
    blocks += sections
    legend = ":warning: late  :rotating_light: escalated"
    if result.due_within is not None:
        legend += "  :hourglass_flowing_sand: due soon"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": legend}]})
    return {"text": title, "blocks": blocks}


def _slack_section(head: str, lines: Sequence[str]) -> dict[str, Any]:
    """``head`` and bullet ``lines`` in one section, cut to Slack's 3,000 characters."""
    text = head
    for index, line in enumerate(lines):
        more = f"\n…and {len(lines) - index} more"
        if len(text) + 3 + len(line) + len(more) > SLACK_SECTION:
            text += more
            break
        text += f"\n• {line}"
    return _mrkdwn(text)


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def slack_report(data: PeriodData) -> dict[str, Any]:
    """``pm report --format slack``: the weekly digest (counts, incidents opened and
    resolved in the period, action items late) as a Block Kit message."""
    period = data["period"]
    since = period["since"].isoformat() if period["since"] else "the beginning"
    scope = f", service {period['service']}" if period["service"] else ""
    title = f"pm report: {since} to {period['until'].isoformat()}{scope}"
    incidents = data["incidents"]
    resolved = [i for i in incidents if i["status"] != "active"]
    severities = ", ".join(f"{c['name']} {c['count']}" for c in data["counts"]["by_severity"])
    follow = data["follow_through"]
    lines = [
        f"*{_many(data['total'], 'incident')}*"
        + (f" ({slack_escape(severities)})" if severities else ""),
        f"*{len(resolved)} resolved*, {len(incidents) - len(resolved)} still active",
        f"*{_many(follow['created'], 'action item')}* created, {follow['done']} done, "
        f"{follow['open']} open, {follow['overdue']} late",
    ]
    late_reviews = len(data["reviews"]["missing"])
    if late_reviews:
        lines.append(f"*{_many(late_reviews, 'review')}* not held and past due")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(title, 150)}},
        _mrkdwn("\n".join(lines)),
    ]
    if incidents:
        rows = [
            f"{slack_escape(i['severity'])} *{slack_escape(i['id'])}* ({i['status']}): "
            f"{slack_escape(i['title'])}"
            for i in incidents
        ]
        blocks.append(_slack_section("*Incidents*", rows))
    if follow["overdue_items"]:
        rows = [
            f":warning: *{slack_escape(a['id'])}* #{a['number']} ({slack_escape(a['priority'])}, "
            f"{slack_escape(a['owner'] or _NO_OWNER)}) {_days(a['days_overdue'])} late: "
            f"{slack_escape(a['text'])}"
            for a in follow["overdue_items"]
        ]
        blocks.append(_slack_section("*Late action items*", rows))
    fallback = (
        f"{title}: {_many(data['total'], 'incident')}, "
        f"{_many(follow['overdue'], 'action item')} late"
    )
    return {"text": fallback, "blocks": blocks}


# --- Microsoft Teams ------------------------------------------------------------------------

_TEAMS_MARKDOWN = re.compile(r"([\\`*_\[\]])")


def teams_escape(text: str) -> str:
    """Text as a message card shows it literally: HTML-significant characters as
    entities, markdown characters with a backslash, control characters as spaces."""
    text = _CONTROLS.sub(" ", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _TEAMS_MARKDOWN.sub(r"\\\1", text)


def teams(result: OverdueResult, config: Config) -> dict[str, Any]:
    """``pm overdue --format teams``: a connector message card."""
    title = f"pm overdue: {summary(result)}"
    sections = []
    for owner, found in groups(result):
        person = config.person(owner) if owner != _NO_OWNER else None
        who = teams_escape(owner)
        if person is not None and person.teams:
            who += f" ({teams_escape(person.teams)})"
        facts = [{"name": _teams_name(f), "value": teams_escape(f.message)} for f in found]
        sections.append({"activityTitle": who, "facts": facts, "markdown": True})
    colour = "C4314B" if result.escalated else "E8A33D" if result.findings else "2EB67D"
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": title,
        "themeColor": colour,
        "title": teams_escape(title),
        "sections": sections,
    }


_STATES = {  # else late or escalated
    "due-soon": "due soon",
    "budget": "exhausted",
    "review-unscheduled": "unscheduled",
    "review-scheduled-late": "scheduled late",
}


def _teams_name(finding: Finding) -> str:
    what = f"#{finding.item}" if finding.item is not None else finding.kind
    state = _STATES.get(finding.kind, "escalated" if finding.escalated else "late")
    return teams_escape(f"{finding.postmortem_id} {what} ({state})")


# --- email ----------------------------------------------------------------------------------


def emails(
    result: OverdueResult, config: Config, *, per_owner: bool, sender: str, now: datetime
) -> list[EmailMessage]:
    """One message for everyone (To: every owner ``[people]`` has an email for), or one
    per owner (To: theirs; ``X-Pm-Owner`` names the owner either way, for routing)."""
    if not per_owner:
        everyone = [f for _, found in groups(result) for f in found]
        owners = [owner for owner, _ in groups(result)]
        return [_email(summary(result), everyone, owners, config, sender, now, result)]
    return [
        _email(
            f"{_subject_name(owner)}: {_count(found)} as of {result.as_of.isoformat()}",
            found,
            [owner],
            config,
            sender,
            now,
            result,
        )
        for owner, found in groups(result)
    ]


def _count(found: Sequence[Finding]) -> str:
    late = sum(1 for f in found if f.kind != "due-soon")
    soon = len(found) - late
    parts = [f"{late} late"] if late else []
    if soon:
        parts.append(f"{soon} due soon")
    return ", ".join(parts)


def _subject_name(owner: str) -> str:
    return _CONTROLS.sub(" ", owner)


def _email(
    subject: str,
    found: Sequence[Finding],
    owners: Sequence[str],
    config: Config,
    sender: str,
    now: datetime,
    result: OverdueResult,
) -> EmailMessage:
    from email.message import EmailMessage
    from email.utils import format_datetime

    message = EmailMessage()
    message["From"] = sender
    addresses = sorted(
        {config.person(o).email for o in owners if o != _NO_OWNER and config.person(o).email}
    )
    if addresses:
        message["To"] = ", ".join(addresses)
    message["Subject"] = f"pm overdue: {subject}"
    message["Date"] = format_datetime(now)
    if len(owners) == 1:
        message["X-Pm-Owner"] = _subject_name(owners[0])
    lines = [f"pm overdue: {summary(result)}.", ""]
    for finding in found:
        label = _STATES.get(finding.kind, "escalated" if finding.escalated else "late")
        lines.append(f"- [{label}] {_CONTROLS.sub(' ', finding.message)}")
        lines.append(f"  {finding.path}:{finding.line}")
    if not found:
        lines.append("Nothing to report.")
    text = "\n".join(lines) + "\n"
    # Readable as it is (8bit) unless a line is too long for SMTP (998 bytes).
    longest = max(len(line.encode("utf-8")) for line in text.splitlines())
    message.set_content(text, cte="8bit" if longest < 990 else "quoted-printable")
    return message


def mbox(messages: Sequence[EmailMessage], now: datetime) -> str:
    """Messages as one mbox stream (``From `` lines between, ``>From `` quoting)."""
    import io
    from email.generator import Generator

    out = io.StringIO()
    stamp = now.strftime("%a %b %d %H:%M:%S %Y")
    for message in messages:
        message.set_unixfrom(f"From pm@localhost {stamp}")
        Generator(out, mangle_from_=True, maxheaderlen=78).flatten(message, unixfrom=True)
        out.write("\n")
    return out.getvalue()


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
