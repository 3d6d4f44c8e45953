"""Action-item rules: adding, correcting and removing items, moving them between states,
numbers after a merge.

No I/O. Items are numbered within their postmortem and a number is never reused (a
removed item's number is kept in ``removed_actions:``). Two branches that each add an
item can both pick number N; after the merge the file holds two items numbered N.
``renumber_duplicates`` gives the later ones fresh numbers, and every change pm makes runs
it first, so such a file is repaired (and said so) on its next change.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from pm.errors import DataError, UsageError
from pm.model import ACTION_STATUSES, REMOVED_ACTIONS, ActionItem, Change, Postmortem
from pm.records import datarecord
from pm.textsafety import check_line

MAX_ACTION_TEXT = 500
MAX_OWNER = 100
MAX_TICKET = 200


def check_ticket(ticket: str) -> str:
    """A ticket reference or URL: one word, no spaces. A GitHub, GitLab or Jira URL is
    kept in its plain form (``trackers.recognise``: no query, no anchor)."""
    from pm.trackers import recognise

    ticket = check_line(ticket, "ticket", MAX_TICKET)
    if any(c.isspace() for c in ticket):
        raise UsageError(f"the ticket {ticket!r} must be one word (an id like OPS-12, or a URL)")
    return recognise(ticket).value


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
        raise DataError(
            f"{postmortem.id} is closed; {what} is not possible on a closed one (a follow-up "
            f"found later is a new item: pm action add {postmortem.id} TEXT --owner NAME)"
        )


def reopen_for_follow_up(postmortem: Postmortem) -> str | None:
    """A closed postmortem that gets a new item is open again for it: back to ``reviewed``
    (``resolved`` when no review was held), so ``pm close`` can run again once the item is
    done. The status it had and has now (``closed -> reviewed``); None when not closed."""
    if postmortem.status != "closed":
        return None
    postmortem.status = "reviewed" if postmortem.review.held is not None else "resolved"
    postmortem.closed = None
    return f"closed -> {postmortem.status}"


def add(
    postmortem: Postmortem,
    *,
    text: str,
    owner: str,
    priority: str,
    due: date,
    ticket: str | None,
) -> ActionItem:
    """Append an open item with the next free number (never one a removed item had)."""
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


def edit(
    postmortem: Postmortem,
    number: int,
    priorities: dict[str, int],
    *,
    text: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    due: date | None = None,
    ticket: str | None = None,
) -> tuple[ActionItem, list[Change]]:
    """Correct item ``number``'s text, owner, priority, due date or ticket (``""`` removes
    the ticket). A new priority keeps the due date: the date is a promise someone made."""
    given = (text, owner, priority, due, ticket)
    if all(value is None for value in given):
        raise UsageError("say what to change: --text, --owner, --priority, --due or --ticket")
    check_unambiguous(postmortem, number)
    item = postmortem.action(number)
    new: dict[str, object] = {}
    if text is not None:
        new["text"] = check_line(text, "action text", MAX_ACTION_TEXT)
    if owner is not None:
        new["owner"] = check_line(owner, "owner", MAX_OWNER)
    if priority is not None:
        new["priority"] = check_priority(priority, priorities)
    if due is not None:
        new["due"] = due
    if ticket is not None:
        new["ticket"] = check_ticket(ticket) if ticket.strip() else None
    changes = []
    for name, value in new.items():
        old = getattr(item, name)
        if value != old:
            changes.append(Change(name, _shown(old), _shown(value)))
            setattr(item, name, value)
    if not changes:
        raise DataError(f"action item {number} of {postmortem.id} is already so; nothing to change")
    return item, changes


def _shown(value: object) -> str:
    if value is None or value == "":
        return "none"
    return value.isoformat() if isinstance(value, date) else str(value)


def remove(postmortem: Postmortem, number: int) -> ActionItem:
    """Remove item ``number`` (a duplicate, an item added by mistake). Its number goes
    into ``removed_actions:`` so that it is never handed out again."""
    check_unambiguous(postmortem, number)
    item = postmortem.action(number)
    postmortem.actions.remove(item)
    removed = sorted({*postmortem.removed_actions(), number})
    postmortem.extra[REMOVED_ACTIONS] = removed
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


@datarecord(frozen=True)
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
    postmortem: Postmortem,
    number: int,
    name: str,
    *,
    today: date,
    reason: str | None,
    on: date | None = None,
    started: date | None = None,
) -> ActionItem:
    """Move item ``number`` to the state ``name`` sets; refuse moves that make no sense.

    ``on`` is the day a ``done`` item was finished (default ``today``): not in the future,
    not before ``started``, the day the incident started.
    """
    if on is not None:
        if name != "done":
            raise UsageError("--on goes with done: the day the work was finished")
        if on > today:
            raise UsageError(f"--on {on.isoformat()} is in the future (today is {today})")
        if started is not None and on < started:
            raise UsageError(f"--on {on.isoformat()} is before {postmortem.id} started ({started})")
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
    item.done = (on or today) if rule.to == "done" else None
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
