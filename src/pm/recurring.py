"""Recurring causes in the period report: groups of similar postmortems, and their follow-up.

``pm.similar`` groups postmortems by the prose of their causes; this module keeps the
groups that reach into the report's period, with their dates, shared terms and labels,
and the action items that address the cause (and whether any is still open). No I/O:
callers pass the postmortems and what similarity compares of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pm import similar
from pm.model import OPEN_ACTION_STATUSES, Postmortem
from pm.render import views

if TYPE_CHECKING:
    from pm.report import Period
    from pm.shapes import AddressingView, RecurringGroup


def recurring_groups(
    everything: Sequence[Postmortem],
    docs: Sequence[similar.Doc] | Mapping[str, similar.Doc],
    window: Period,
    tuning: similar.Tuning | None = None,
    grouped: Sequence[similar.Group] | None = None,
) -> list[RecurringGroup]:
    """Groups among every incident up to ``until`` (``docs``) that reach into the period.

    Earlier incidents count: a cause that came back this period after three times last
    year is the pattern a reader needs to see. ``grouped``: the groups of ``docs``, when
    the caller has them (``causegroups.groups_of`` remembers them); then ``docs`` may map
    ids to docs, and only the latest causes of the groups described are looked up.
    """
    causes = docs if isinstance(docs, Mapping) else {d.id: d for d in docs}
    if grouped is None:  # every doc, as given: two files may hold one id
        every = list(docs.values()) if isinstance(docs, Mapping) else docs
        grouped, _ = similar.group(every, tuning=tuning or similar.DEFAULT_TUNING)
    return describe_groups(grouped, everything, causes, window)


def describe_groups(
    groups: Sequence[similar.Group],
    postmortems: Sequence[Postmortem],
    causes: Mapping[str, str | similar.Doc],
    window: Period,
) -> list[RecurringGroup]:
    """The groups (``similar.group``) that reach into ``window``, as reports describe them.

    ``postmortems`` holds every member of every group; ``causes`` maps ids to their written
    root cause or their ``Doc`` (the latest one decides which action items address the
    cause). ``pm site`` groups once and describes the groups for each of its periods.
    """
    by_id = {p.id: p for p in postmortems}
    result: list[RecurringGroup] = []
    for found in groups:
        members = [by_id[i] for i in found.ids]
        if not any(window.contains(p) for p in members):
            continue
        starts = [p.started.date() for p in members if p.started]
        addressing = _addressing(members, found.stems, _latest_cause(found.ids, causes))
        open_items = [a for a in addressing if a["status"] in OPEN_ACTION_STATUSES]
        result.append(
            {
                "incidents": [
                    {
                        "id": p.id,
                        "title": p.title,
                        "severity": p.severity,
                        "started": p.started,
                        "in_period": window.contains(p),
                    }
                    for p in members
                ],
                "in_period": sum(1 for p in members if window.contains(p)),
                "count": len(members),
                "first": min(starts) if starts else None,
                "last": max(starts) if starts else None,
                "span_days": (max(starts) - min(starts)).days if starts else None,
                "terms": found.terms,
                "labels": found.labels,
                "linked": [list(pair) for pair in found.linked],
                "actions": addressing,
                "open_actions": len(open_items),
                "status": "open" if open_items else ("done" if addressing else "none"),
            }
        )
    return result


def _latest_cause(ids: list[str], causes: Mapping[str, str | similar.Doc]) -> set[str]:
    """Stems of the most recent written root cause in a group (ids are oldest first).

    The latest postmortem usually understands the cause best: in the seed case, five
    incidents blamed traffic or capacity and the sixth named the query behind all of them.
    """
    for postmortem_id in reversed(ids):
        cause = causes.get(postmortem_id, "")
        if isinstance(cause, similar.Doc):
            if cause.fields.get("root_cause"):
                return {term for term, _ in similar.field_tokens(cause, "root_cause")}
        elif cause:
            return {term for term, _ in similar.tokens(cause)}
    return set()


def _addressing(
    members: list[Postmortem], stems: list[str], cause: set[str]
) -> list[AddressingView]:
    """Action items that address the group's cause.

    An item addresses it when its text carries two of the group's shared key terms (or its
    only one), or two words of the latest written root cause.
    """
    key = set(stems)
    need = min(2, len(key))
    found: list[AddressingView] = []
    if not need and not cause:
        return found
    for p in members:
        for item in p.actions:
            words = {term for term, _ in similar.tokens(item.text)}
            if (need and len(words & key) >= need) or len(words & cause) >= 2:
                found.append(views.addressing_action(p.id, item))
    return found
