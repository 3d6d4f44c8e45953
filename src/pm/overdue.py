"""Late follow-through: action items past due, reviews not held, incidents left active.

No I/O and no clock: ``late`` judges one postmortem on a given date (so a CI run with
``--as-of`` is reproducible), and ``placed`` finds the lines of one file's findings in the
bytes the caller read, which it needs to read only for files with findings. This module
says what is late, by which rule, by how much, and where in which file;
``pm.render.overdue`` prints it for people and CI.

The rules, each a finding ``kind``:

- ``action``: an open or in-progress item past its own due date (``item_lateness``, the
  one answer ``pm action list --overdue`` gives too);
- ``follow-up``: such an item, P0 or P1, still open more than 30 days after the review
  was held. It never fires before the item's due date (the due date wins); it is the
  same lateness, escalated;
- ``review``: a resolved postmortem whose required review is past its due date;
- ``review-unscheduled`` and ``review-scheduled-late`` (``unplanned_review``): a required
  review not due yet that no meeting is scheduled for, or whose meeting is scheduled
  after the due date. Never escalated (not late yet): they fail ``--fail-on any`` only;
- ``stale``: an incident still ``active`` longer than its severity's ``stale_hours``
  (a forgotten ``pm resolve``);
- ``budget``: a service's error budget (``[slo.SERVICE]``, ``pm.slo``) exhausted in the
  window ending with the as-of day. It is about the service, not one postmortem: its
  place is the ``[slo.SERVICE]`` line of the config, its "postmortem" the latest incident
  that consumed the budget, its due date the day the budget ran out. It has no owner and
  is never escalated: it fails ``--fail-on any``, not ``--fail-on escalated``;
- ``evidence``: a done item of a priority ``[overdue] require_evidence`` names, without
  the evidence of a fixing commit (``pm action verify``), or with it withdrawn. Late
  since the day it was called done; never escalated either.

``due_soon`` answers ``--due-within``: open items not late yet but due within a window
(kind ``due-soon``, ``days_late`` 0 or less). They are notices, never failures: they are
kept apart from the findings (``OverdueResult.soon``), so ``fails`` never sees them.

Length: each rule and the message CI prints for it belong together, with the owner
filter that decides which postmortems a run need not even decode (``may_concern``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo

from pm import frontmatter
from pm.config import Config, Severity
from pm.model import ActionItem, Postmortem
from pm.records import NamedTuple, datarecord, replace

# Open items of these priorities are chased again this long after the review was held.
FOLLOW_UP_PRIORITIES = ("P0", "P1")
FOLLOW_UP_DAYS = 30
# When a CI run fails (``--fail-on``): on any finding, only escalated ones, or never.
FAIL_ON = ("any", "escalated", "never")


@datarecord(frozen=True)
class Finding:
    """One late thing. ``item`` is the action number (None for a review).

    ``key`` is the front-matter key it is about; ``path`` and ``line`` are its place,
    empty until ``placed`` fills them in.
    """

    kind: str
    postmortem_id: str
    item: int | None
    text: str
    owner: str
    priority: str
    due: date
    days_late: int
    escalated: bool
    path: str
    line: int
    message: str
    key: frontmatter.KeyPath = ()

    @property
    def ident(self) -> tuple[str, str, int | None]:
        """What the finding is about, whatever the date: the postmortem, the rule, the
        item. ``pm notify --changed-since`` announces findings whose ident is new."""
        return (self.postmortem_id, self.kind, self.item)


def placed(findings: Sequence[Finding], path: str, where: frontmatter.FrontMap) -> list[Finding]:
    """One file's ``findings``, at ``path`` (as shown) and the line of each in the file
    whose keys are ``where`` (``Store.key_lines``: ``frontmatter.locate_top``, cached).

    Lines are 1 where the file no longer holds the key (it changed or is unreadable since).
    """
    return [replace(f, path=path, line=where.line(f.key)) for f in findings]


def places(key: frontmatter.KeyPath) -> bool:
    """Whether a finding can be placed at front-matter ``key`` (or be placed by it, its
    nearest located parent): the status, the review, the action items and their list."""
    return key[:1] in (("status",), ("review",), ("actions",)) and len(key) <= 2


class Lateness(NamedTuple):
    """How an open action item is late: by which rule (``action`` or ``follow-up``), since
    which due date, by how many days; ``follow_up`` is the review date + 30 days when the
    follow-up rule fired."""

    kind: str
    due: date
    days_late: int
    follow_up: date | None = None


def item_lateness(item: ActionItem, as_of: date, held: date | None = None) -> Lateness | None:
    """Whether ``item`` is late on ``as_of``, and by which rule; None when it is not.

    The one answer for ``pm overdue`` and ``pm action list --overdue``: an item is late
    only when it is open (or in progress) and ``as_of`` is after its own due date. A P0/P1
    item that is late and still open more than 30 days after the review (held on
    ``held``) is a ``follow-up``: the same lateness, escalated.
    """
    days = item.days_overdue(as_of)
    if days <= 0:
        return None
    if held is not None and item.priority in FOLLOW_UP_PRIORITIES:
        window_end = held + timedelta(days=FOLLOW_UP_DAYS)
        if window_end < as_of:
            return Lateness("follow-up", item.due, days, window_end)
    return Lateness("action", item.due, days)


def stale_from(postmortem: Postmortem, rule: Severity, tz: tzinfo = UTC) -> date | None:
    """The day an active incident is stale on (from the day after it was active
    ``stale_hours``); None when it is not active, has no start, or its severity's
    ``stale_hours`` is 0. ``pm overdue`` and ``pm lint`` both ask this."""
    started = postmortem.started
    if postmortem.status != "active" or started is None or not rule.stale_after:
        return None
    return (started + timedelta(hours=rule.stale_after)).astimezone(tz).date()


def late(postmortem: Postmortem, as_of: date, config: Config, tz: tzinfo = UTC) -> list[Finding]:
    """The late things of one postmortem on ``as_of``, in front-matter order, not placed.

    ``tz`` is the team's zone: the dates of times (the review held, the moment an incident
    became stale) are taken in it.
    """
    review = postmortem.review
    found: list[Finding] = []

    def add(
        key: frontmatter.KeyPath,
        kind: str,
        item: ActionItem | None,
        due: date,
        message: str,
        *,
        escalated: bool = False,
    ) -> None:
        days = (as_of - due).days
        finding = Finding(
            kind=kind,
            postmortem_id=postmortem.id,
            item=item.number if item else None,
            text=item.text if item else postmortem.title,
            owner=item.owner if item else "",
            priority=item.priority if item else "",
            due=due,
            days_late=days,
            escalated=escalated or days > config.escalation_days,
            path="",
            line=0,
            message=message,
            key=key,
        )
        found.append(finding)

    rule = config.rule_for(postmortem.severity)
    stale_day = stale_from(postmortem, rule, tz)
    if stale_day is not None and stale_day < as_of:
        started = postmortem.started
        if started is not None:
            began = started.astimezone(tz).date()
            add(
                ("status",),
                "stale",
                None,
                stale_day,
                f"{postmortem.id} ({postmortem.severity}) is still active "
                f"{_days(as_of, began)} after it started on {began.isoformat()}; a "
                f"{postmortem.severity} is stale after {rule.stale_after}h (stale_hours): "
                f"resolve it (pm resolve) if it is over: {postmortem.title}",
            )
    if (
        postmortem.status == "resolved"
        and rule.requires_postmortem
        and review.held is None
        and review.due is not None
        and review.due < as_of
    ):
        add(
            ("review",),
            "review",
            None,
            review.due,
            f"The postmortem review of {postmortem.id} ({postmortem.severity}) is "
            f"{_days_late(as_of, review.due)} (due {review.due.isoformat()}): {postmortem.title}",
        )
    planned = unplanned_review(postmortem, rule, as_of, tz)
    if planned is not None and review.due is not None:
        add(("review",), planned[0], None, review.due, planned[1])
    held = review.held.astimezone(tz).date() if review.held is not None else None
    for index, item in enumerate(postmortem.actions):
        lateness = item_lateness(item, as_of, held)
        if lateness is None:
            continue
        owner = item.owner or "(no owner)"
        if lateness.kind == "follow-up" and held is not None:
            add(
                ("actions", index),
                "follow-up",
                item,
                item.due,
                f"{item.priority} action item {item.number} of {postmortem.id} ({owner}) is "
                f"{_days_late(as_of, item.due)} (due {item.due.isoformat()}) and still "
                f"{item.status} {(as_of - held).days} days after the review of "
                f"{held.isoformat()}: {item.text}",
                escalated=True,
            )
        else:
            add(
                ("actions", index),
                "action",
                item,
                item.due,
                f"Action item {item.number} of {postmortem.id} ({item.priority}, {owner}) is "
                f"{_days_late(as_of, item.due)} (due {item.due.isoformat()}): {item.text}",
            )
    if config.require_evidence:
        found += _unproven(postmortem, as_of, config)
    return found


def _unproven(postmortem: Postmortem, as_of: date, config: Config) -> list[Finding]:
    """``evidence`` findings: done items of the priorities that require evidence, without it."""
    from pm.evidence import evidence_of

    found = []
    for index, item in enumerate(postmortem.actions):
        if item.status != "done" or item.priority not in config.require_evidence:
            continue
        recorded = evidence_of(item)
        if recorded is not None and not recorded.withdrawn:
            continue
        why = f"its fix was withdrawn ({recorded.withdrawn})" if recorded else "no commit names it"
        since = item.done or item.due
        found.append(
            Finding(
                kind="evidence",
                postmortem_id=postmortem.id,
                item=item.number,
                text=item.text,
                owner=item.owner,
                priority=item.priority,
                due=since,
                days_late=max(0, (as_of - since).days),
                escalated=False,
                path="",
                line=0,
                message=f"{item.priority} action item {item.number} of {postmortem.id} "
                f"({item.owner or '(no owner)'}) is done without evidence: {why} (a commit "
                f"with the trailer Pm-Action: {postmortem.id}#{item.number}, then pm action "
                f"verify): {item.text}",
                key=("actions", index),
            )
        )
    return found


def exhausted(
    postmortems: Sequence[Postmortem], config: Config, as_of: date, now: datetime
) -> list[Finding]:
    """A ``budget`` finding per exhausted error budget on ``as_of``, not placed."""
    from pm import slo

    found = []
    for rule in config.slos:
        data = slo.budget(rule, postmortems, as_of, now)
        if not data["exhausted"]:
            continue
        ran_out = slo.exhausted_since(data, postmortems, rule)
        latest = data["incidents"][-1]["id"] if data["incidents"] else ""
        found.append(
            Finding(
                kind="budget",
                postmortem_id=latest,
                item=None,
                text=f"{rule.service} error budget exhausted",
                owner="",
                priority="",
                due=ran_out,
                days_late=(as_of - ran_out).days,
                escalated=False,
                path="",
                line=0,
                message=f"The error budget of {rule.service} ({rule.target:g}% over "
                f"{rule.window}) is exhausted: {data['consumed']} of impact, {data['allowed']} "
                f"allowed ({data['remaining']}); incidents: "
                f"{', '.join(i['id'] for i in data['incidents'])}",
                key=("slo", rule.service),
            )
        )
    return found


def unplanned_review(
    postmortem: Postmortem, rule: Severity, as_of: date, tz: tzinfo = UTC
) -> tuple[str, str] | None:
    """The kind and message of a required review, not late yet, that is not on its way:
    ``review-unscheduled`` (no meeting scheduled, ``pm review schedule``) or
    ``review-scheduled-late`` (scheduled for a day after its due date). None otherwise;
    once the due date has passed, the ``review`` finding says it instead."""
    review = postmortem.review
    due = review.due
    if (
        postmortem.status != "resolved"
        or not rule.requires_postmortem
        or review.held is not None
        or due is None
        or due < as_of
    ):
        return None
    resolved = postmortem.resolved_at
    if resolved is None or resolved.astimezone(tz).date() > as_of:
        return None  # as of a day before the incident was over: nothing to plan yet
    what = (
        f"The postmortem review of {postmortem.id} ({postmortem.severity}), due {due.isoformat()}"
    )
    if review.scheduled is None:
        return (
            "review-unscheduled",
            f"{what}, is not scheduled (pm review schedule {postmortem.id} --at TIME): "
            f"{postmortem.title}",
        )
    day = review.scheduled.astimezone(tz).date()
    if day > due:
        return (
            "review-scheduled-late",
            f"{what}, is scheduled {_days(day, due)} after it, on {day.isoformat()}: "
            f"{postmortem.title}",
        )
    return None


def due_soon(postmortem: Postmortem, as_of: date, days: int) -> list[Finding]:
    """The open items of ``postmortem`` due from ``as_of`` to ``days`` days after it
    (not late yet), in front-matter order, not placed; ``days_late`` is 0 or less."""
    found: list[Finding] = []
    last = as_of + timedelta(days=days)
    for index, item in enumerate(postmortem.actions):
        if not item.is_open or not as_of <= item.due <= last:
            continue
        left = (item.due - as_of).days
        when = "today" if left == 0 else "tomorrow" if left == 1 else f"in {left} days"
        found.append(
            Finding(
                kind="due-soon",
                postmortem_id=postmortem.id,
                item=item.number,
                text=item.text,
                owner=item.owner,
                priority=item.priority,
                due=item.due,
                days_late=-left,
                escalated=False,
                path="",
                line=0,
                message=f"Action item {item.number} of {postmortem.id} ({item.priority}, "
                f"{item.owner or '(no owner)'}) is due {when} ({item.due.isoformat()}): "
                f"{item.text}",
                key=("actions", index),
            )
        )
    return found


def _days(as_of: date, since: date) -> str:
    days = (as_of - since).days
    return f"{days} day" if days == 1 else f"{days} days"


def _days_late(as_of: date, due: date) -> str:
    days = (as_of - due).days
    return f"{days} day late" if days == 1 else f"{days} days late"


def owner_key(owner: str) -> str:
    """An owner as ``--owner`` compares it: case and a leading ``@`` do not matter."""
    return owner.strip().lstrip("@").lower()


def for_owner(findings: Sequence[Finding], *owners: str) -> list[Finding]:
    """These owners' findings; case and a leading ``@`` do not matter."""
    wanted = {owner_key(owner) for owner in owners}
    return [f for f in findings if owner_key(f.owner) in wanted]


def may_concern(item_owners: Sequence[str], *owners: str) -> bool:
    """Whether a postmortem whose action items have ``item_owners`` can have a finding
    ``for_owner`` keeps: a finding's owner is its item's, or "" (review, stale, budget)."""
    wanted = {owner_key(owner) for owner in owners}
    return "" in wanted or any(owner_key(owner) in wanted for owner in item_owners)


def fails(findings: Sequence[Finding], fail_on: str) -> bool:
    """Whether the run should exit 1: ``any`` finding, only ``escalated`` ones, or ``never``."""
    if fail_on == "never":
        return False
    if fail_on == "escalated":
        return any(f.escalated for f in findings)
    return bool(findings)
