"""Action-item rules: adding items, moving them between states, numbers after a merge.

No I/O. Items are numbered within their postmortem and a number is never reused. Two
branches that each add an item can both pick number N; after the merge the file holds two
items numbered N. ``renumber_duplicates`` gives the later ones fresh numbers, and every
change pm makes runs it first, so such a file is repaired (and said so) on its next change.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from pm.errors import DataError, UsageError
from pm.model import ACTION_STATUSES, ActionItem, Postmortem
from pm.textsafety import check_line

MAX_ACTION_TEXT = 500
MAX_OWNER = 100
MAX_TICKET = 200


def check_ticket(ticket: str) -> str:
    """A ticket reference or URL: one word, no spaces."""
    ticket = check_line(ticket, "ticket", MAX_TICKET)
    if any(c.isspace() for c in ticket):
        raise UsageError(f"the ticket {ticket!r} must be one word (an id like OPS-12, or a URL)")
    return ticket


def check_priority(priority: str, priorities: dict[str, int]) -> str:
    for name in (priority, priority.upper()):
        if name in priorities:
            return name
    raise UsageError(f"unknown priority {priority!r}; use one of {', '.join(priorities)}")


def check_status(status: str) -> str:
    if status not in ACTION_STATUSES:
        raise UsageError(f"unknown status {status!r}; use one of {', '.join(ACTION_STATUSES)}")
    return status


def default_due(priority: str, priorities: dict[str, int], today: date) -> date:
    """The due date a priority gives an item added today (P0 7 days, P1 30, P2 90)."""
    return today + timedelta(days=priorities[priority])


def _refuse_if_closed(postmortem: Postmortem, what: str) -> None:
    if postmortem.status == "closed":
        raise DataError(f"{postmortem.id} is closed; {what} is not possible on a closed one")


def add(
    postmortem: Postmortem,
    *,
    text: str,
    owner: str,
    priority: str,
    due: date,
    ticket: str | None,
) -> ActionItem:
    """Append an open item with the next free number."""
    _refuse_if_closed(postmortem, "adding action items")
    item = ActionItem(
        number=postmortem.next_action_number(),
        text=check_line(text, "action text", MAX_ACTION_TEXT),
        owner=check_line(owner, "owner", MAX_OWNER),
        priority=priority,
        due=due,
        ticket=check_ticket(ticket) if ticket else None,
    )
    postmortem.actions.append(item)
    return item


def check_unambiguous(postmortem: Postmortem, number: int) -> None:
    """Refuse to guess which of two items numbered ``number`` (after a merge) is meant."""
    same = [item for item in postmortem.actions if item.number == number]
    if len(same) > 1:
        texts = "; ".join(repr(item.text) for item in same)
        raise DataError(
            f"{postmortem.id} has {len(same)} action items numbered {number} (from a merge: "
            f"{texts}); run `pm action renumber {postmortem.id}` and use the new numbers"
        )


@dataclass(frozen=True)
class Transition:
    """A status change: from which statuses it is allowed, and the status it sets."""

    name: str
    allowed_from: tuple[str, ...]
    to: str


TRANSITIONS = {
    "start": Transition("start", ("open",), "in-progress"),
    "done": Transition("done", ("open", "in-progress"), "done"),
    "wont-do": Transition("wont-do", ("open", "in-progress"), "wont-do"),
    "reopen": Transition("reopen", ("done", "wont-do"), "open"),
}


def transition(
    postmortem: Postmortem, number: int, name: str, *, today: date, reason: str | None
) -> ActionItem:
    """Move item ``number`` to the state ``name`` sets; refuse moves that make no sense."""
    rule = TRANSITIONS[name]
    if name in ("start", "reopen"):
        _refuse_if_closed(postmortem, f"`pm action {name}`")
    check_unambiguous(postmortem, number)
    item = postmortem.action(number)
    if reason is not None:
        reason = check_line(reason, "reason", MAX_ACTION_TEXT, required=False) or None
    if name == "wont-do" and not reason:
        raise UsageError("wont-do needs --reason: say why the item will not be done")
    if item.status not in rule.allowed_from:
        hint = " (reopen it first: pm action reopen)" if item.status in ("done", "wont-do") else ""
        raise DataError(
            f"action item {number} of {postmortem.id} is {item.status}; "
            f"`{name}` needs it {' or '.join(rule.allowed_from)}{hint}"
        )
    item.status = rule.to
    item.done = today if rule.to == "done" else None
    item.reason = reason if rule.to == "wont-do" else None
    return item


def duplicate_numbers(postmortem: Postmortem) -> list[int]:
    """Numbers held by more than one item (only a merge produces them)."""
    counts = Counter(item.number for item in postmortem.actions)
    return sorted(number for number, count in counts.items() if count > 1)


def renumber_duplicates(postmortem: Postmortem) -> list[str]:
    """Give every later item that repeats a number a fresh one; one note per renumbering."""
    seen: set[int] = set()
    fresh = postmortem.next_action_number()
    notes: list[str] = []
    for item in postmortem.actions:
        if item.number in seen:
            notes.append(
                f"action item {item.number} ({item.text!r}) of {postmortem.id} repeated "
                f"number {item.number} after a merge; it is now {fresh}"
            )
            item.number = fresh
            fresh += 1
        seen.add(item.number)
    return notes
