"""Issue trackers: what a ticket reference is, and an action item as an issue to file.

No I/O. ``recognise`` reads what ``--ticket`` was given: a GitHub or GitLab issue (or pull
or merge request) URL, a Jira browse URL, a bare key like ``OPS-12``, or any other
reference, kept as given. A recognised URL is stored in its plain form (no query, no
``#comment`` anchor, no trailing slash) and shown short where width is tight:
``gh#123``, ``gl#45``, ``gl!7`` (a merge request), ``OPS-12``.

``issue`` turns an action item into the issue ``pm action export`` prints (title, markdown
body linking back to the postmortem, labels, assignee); ``pm.filing`` files it with
``gh`` or ``glab``.
"""

from __future__ import annotations

import re
from typing import Any

from pm.model import ActionItem, Postmortem
from pm.records import datarecord

TRACKERS = ("github", "gitlab", "jira")
# Trackers pm files issues in itself, through their command-line tools.
CREATE_TOOLS = {"github": "gh", "gitlab": "glab"}
LABEL = "postmortem"
TITLE_LIMIT = 200  # GitHub allows 256; Jira's summary 255

_GITHUB = re.compile(r"/([\w.-]+)/([\w.-]+)/(issues|pull)/(\d+)/?")
_GITLAB = re.compile(r"/((?:[\w.-]+/)+)-/(issues|work_items|merge_requests)/(\d+)/?")
_JIRA = re.compile(r"/browse/([A-Z][A-Z0-9_]+-\d+)/?")
JIRA_KEY = re.compile(r"[A-Z][A-Z0-9_]+-\d+")
# scheme, host (no user info), path; the query and the anchor are dropped.
_URL = re.compile(r"(?i:(https?))://([A-Za-z0-9.-]+(?::\d+)?)(/[^?#\s]*)?(?:\?[^#\s]*)?(?:#\S*)?")
_ISSUE_PATH = re.compile(r"/(issues|work_items)/\d+/?$")


@datarecord(frozen=True)
class Ticket:
    """A ticket reference: which tracker (``github``, ``gitlab``, ``jira``, or ``other``),
    the value to store (a recognised URL in its plain form), and its short form."""

    tracker: str
    value: str
    short: str


def recognise(text: str) -> Ticket:
    """What ``text`` (one word, checked by ``actions.check_ticket``) refers to."""
    if JIRA_KEY.fullmatch(text):
        return Ticket("jira", text, text)
    url = _URL.fullmatch(text)
    if url is None:
        return Ticket("other", text, text)
    scheme, host, path = url.group(1).lower(), url.group(2).lower(), url.group(3) or "/"
    base = f"{scheme}://{host}"
    if "github" in host and (found := _GITHUB.fullmatch(path)):
        owner, name, kind, number = found.groups()
        return Ticket("github", f"{base}/{owner}/{name}/{kind}/{number}", f"gh#{number}")
    if "gitlab" in host and (found := _GITLAB.fullmatch(path)):
        project, kind, number = found.groups()
        mark = "!" if kind == "merge_requests" else "#"
        return Ticket("gitlab", f"{base}/{project}-/{kind}/{number}", f"gl{mark}{number}")
    if found := _JIRA.fullmatch(path):
        return Ticket("jira", f"{base}/browse/{found.group(1)}", found.group(1))
    return Ticket("other", text, text)


def short(ticket: str | None) -> str:
    """The short form of a stored ticket (``gh#123``), or "" when there is none."""
    return recognise(ticket).short if ticket else ""


# --- an action item as an issue ---------------------------------------------------------


def issue(
    postmortem: Postmortem,
    item: ActionItem,
    *,
    tracker: str,
    link: str,
    assignee: str | None,
) -> dict[str, Any]:
    """The issue ``pm action export`` prints for ``item``: ``link`` is where the
    postmortem is read (its page, its file on the web, or its repository path)."""
    cut = len(item.text) > TITLE_LIMIT
    title = item.text[: TITLE_LIMIT - 1] + "…" if cut else item.text
    name = _escaped(postmortem.title)
    source = f"[{name}]({link})" if "://" in link else f"“{name}” (`{link}`)"
    lines = [
        f"Action item #{item.number} of the postmortem {source}, "
        f"{postmortem.severity}, `{postmortem.id}`.",
        *(["", item.text] if cut else []),
        "",
        f"- Owner: {item.owner}",
        f"- Priority: {item.priority}",
        f"- Due: {item.due.isoformat()}",
    ]
    if postmortem.services:
        lines.append(f"- Services: {', '.join(postmortem.services)}")
    lines += [
        "",
        "The commit that does it can say so: end its message with the trailer "
        f"`Pm-Action: {postmortem.id}#{item.number}` (`pm action verify` then marks the "
        "item done, with the commit as evidence).",
    ]
    labels = [LABEL, item.priority, postmortem.severity, *postmortem.services]
    return {
        "id": postmortem.id,
        "number": item.number,
        "to": tracker,
        "title": title,
        "body": "\n".join(lines) + "\n",
        "labels": [label for label in dict.fromkeys(labels) if label],
        "assignee": assignee,
        "due": item.due.isoformat(),
    }


def _escaped(text: str) -> str:
    """A title inside a markdown link's text: brackets cannot end it early."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def created_url(output: str) -> str | None:
    """The issue URL ``gh issue create`` / ``glab issue create`` printed (the last web
    address naming an issue, on any host: GitHub Enterprise, a self-hosted GitLab), in
    its plain form; None when there is none."""
    for word in reversed(output.split()):
        url = _URL.fullmatch(word.strip("<>()"))
        if url is not None and _ISSUE_PATH.search(url.group(3) or ""):
            return recognise(url.group(0)).value
    return None


def exportable(postmortem: Postmortem, numbers: list[int]) -> tuple[list[ActionItem], list[str]]:
    """The items to export (the ``numbers`` given, else every item) that are open and have
    no ticket yet, and a note for each one left out because it is done or ticketed."""
    wanted = list(dict.fromkeys(numbers))
    chosen = [postmortem.action(n) for n in wanted] if wanted else list(postmortem.actions)
    kept: list[ActionItem] = []
    notes: list[str] = []
    for item in chosen:
        where = f"action item {item.number} of {postmortem.id}"
        if item.ticket:
            notes.append(f"{where} already has a ticket ({short(item.ticket)}); skipped")
        elif not item.is_open:
            if numbers:
                notes.append(f"{where} is {item.status}; skipped (only open items are exported)")
        else:
            kept.append(item)
    return kept, notes
