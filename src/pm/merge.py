"""Three-way merge of two versions of one postmortem, as data: what git's merge driver does.

No I/O. Given the common ancestor (None when both sides created the file: an add/add), ours
and theirs, ``merge`` returns the merged postmortem, twice: ``ours`` with every conflict
resolved to our value, ``theirs`` to their value (the two are equal when nothing
conflicts), so that the file can show a conflict as the two versions of its lines.

- **Timeline events** are a union: an event added on either side is kept, an event on
  both sides appears once, an event one side removed (and the other kept) stays removed.
  The result is sorted by time. When both sides created the incident, only the earliest
  ``started`` event is kept.
- **Action items** keep their numbers. An item is recognised in each version by its
  number and text (``match``), so the same item changed on both sides merges field by
  field, also after a rebase renumbered it. Two different items that took the same
  number (each side added one) are both kept: the ``keep_numbers`` side's keeps the
  number, the other gets a fresh one (``actions.renumber_duplicates``), with a note.
- **Fields** merge three-way: one side changed it, take that; both changed it alike, take
  it; both changed it differently, a conflict. ``services``, ``tags`` and ``related`` are
  sets: additions from both sides are kept, removals from either side applied.
- A merge that would close the postmortem while the other side added or reopened an
  action item is a conflict on ``status``: no clean merge may produce a file that
  ``pm lint`` rejects.

Length: one merge, read top to bottom: the fields, the timeline, the action items and
the one rule a clean merge must not break share ``pick``, ``show`` and the ``Merged``
result; split, each part would import the others.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Any, Literal

from pm.actions import renumber_duplicates
from pm.model import EVENT_KINDS, ActionItem, Closure, Event, Postmortem
from pm.records import datarecord, field, replace

Side = Literal["ours", "theirs"]
KeyPath = tuple[str | int, ...]
ITEM_FIELDS = ("number", "text", "owner", "priority", "due", "status", "ticket", "done", "reason")


class _Missing:
    """A key one version does not have (an extra key added or removed)."""

    def __repr__(self) -> str:
        return "nothing"


MISSING: Any = _Missing()


@datarecord(frozen=True)
class FieldConflict:
    """Both sides changed one value differently.

    ``path`` is where the value is in the ``side`` version of the merge (the ``ours``
    version unless the value exists only in ``theirs``, like an item ours removed).
    """

    path: KeyPath
    side: Side
    ours: str
    theirs: str
    why: str = ""

    @property
    def name(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out


@datarecord
class Merged:
    """The merge: ``ours`` and ``theirs`` differ only in the values that conflict."""

    ours: Postmortem
    theirs: Postmortem
    conflicts: list[FieldConflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def merge(
    base: Postmortem | None,
    ours: Postmortem,
    theirs: Postmortem,
    *,
    keep_numbers: Side = "ours",
) -> Merged:
    """Merge ``ours`` and ``theirs``, both changed from ``base`` (None: both created it)."""
    origin = base if base is not None else Postmortem(id="", title="", severity="")
    left, right = copy.deepcopy(ours), copy.deepcopy(theirs)
    result = Merged(left, right)
    if base is None:
        result.notes.append(
            f"both sides created {ours.id} (the same title on the same day): merged as one incident"
        )
    for name in ("id", "title", "severity", "status", "impact"):
        _field(result, (name,), getattr(origin, name), getattr(ours, name), getattr(theirs, name))
    for name in ("services", "tags", "related"):
        merged = _merge_set(getattr(origin, name), getattr(ours, name), getattr(theirs, name))
        setattr(left, name, merged)
        setattr(right, name, list(merged))
    for name in ("due", "scheduled", "held"):
        _field(
            result,
            ("review", name),
            getattr(origin.review, name),
            getattr(ours.review, name),
            getattr(theirs.review, name),
        )
    _field(result, ("closed",), origin.closed, ours.closed, theirs.closed)
    for key in dict.fromkeys([*ours.extra, *theirs.extra]):
        values = (p.extra.get(key, MISSING) for p in (origin, ours, theirs))
        _field(result, (key,), *values, extra=True)
    left.timeline = _merge_events(origin.timeline, ours.timeline, theirs.timeline)
    if base is None:
        left.timeline = _earliest_start(left.timeline, ours.id, result.notes)
    left.timeline = _one_resolution(left.timeline, ours.id, result.notes)
    right.timeline = list(left.timeline)
    _merge_actions(result, origin.actions, ours.actions, theirs.actions, keep_numbers)
    _closed_with_open_items(result, ours, theirs)
    return result


# --- values -----------------------------------------------------------------------------------


def pick(base: Any, ours: Any, theirs: Any) -> tuple[Any, Any, bool]:
    """Three-way choice of one value: (ours' result, theirs' result, conflict)."""
    if theirs in (ours, base):
        return ours, ours, False
    if ours == base:
        return theirs, theirs, False
    return ours, theirs, True


def _field(
    result: Merged, path: KeyPath, base: Any, ours: Any, theirs: Any, *, extra: bool = False
) -> None:
    left, right, conflict = pick(base, ours, theirs)
    for version, chosen in ((result.ours, left), (result.theirs, right)):
        name = str(path[-1])
        value = chosen if chosen is MISSING else copy.deepcopy(chosen)  # never share inputs
        if extra:  # another tool's key: absent on a side is a value too
            version.extra.pop(name, None)
            if value is not MISSING:
                version.extra[name] = value
        else:
            setattr(version.review if path[0] == "review" else version, name, value)
    if conflict:
        result.conflicts.append(FieldConflict(path, "ours", show(ours), show(theirs)))


def _merge_set(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    """A list used as a set: both sides' additions, both sides' removals.

    When both changed it, the ancestor's values that stay keep their order and the added
    ones follow in sorted order, so the merge is the same whichever side is ours.
    """
    if theirs in (base, ours):
        return list(ours)
    if ours == base:
        return list(theirs)
    kept = [v for v in dict.fromkeys(base) if v in ours and v in theirs]
    added = sorted({*ours, *theirs} - set(base))
    return kept + added


def show(value: Any) -> str:
    """A value as a conflict message shows it."""
    if value is None or value is MISSING:
        return "nothing"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Closure):
        return f"closed at {show(value.at)}" + (" (forced)" if value.forced else "")
    if isinstance(value, ActionItem):
        return f"item {value.number} ({value.text!r})"
    if isinstance(value, str):
        return repr(value)
    return str(value)


# --- the timeline -----------------------------------------------------------------------------


def freeze(value: Any) -> Hashable:
    """A hashable stand-in for a YAML value (mappings and lists of other tools' keys)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value if isinstance(value, Hashable) else repr(value)


def _event_key(event: Event) -> Hashable:
    return (event.at, event.kind, event.text, freeze(event.extra))


def merge_count(base: int, ours: int, theirs: int) -> int:
    """How many copies of one event the merge keeps, from the copies in each version."""
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if ours > base and theirs > base:
        return max(ours, theirs)  # both added it: once
    if ours < base and theirs < base:
        return min(ours, theirs)
    return max(0, ours + theirs - base)


def _merge_events(base: list[Event], ours: list[Event], theirs: list[Event]) -> list[Event]:
    counts = [Counter(_event_key(e) for e in side) for side in (base, ours, theirs)]
    kept: Counter[Hashable] = Counter()
    result: list[Event] = []
    for event in (*ours, *theirs):
        key = _event_key(event)
        if kept[key] < merge_count(counts[0][key], counts[1][key], counts[2][key]):
            kept[key] += 1
            result.append(copy.deepcopy(event))
    result = _one_correction(base, ours, theirs, result)
    merged = Counter(_event_key(e) for e in result)
    if merged == counts[1]:
        return copy.deepcopy(ours)  # as ours has them (theirs only removed what ours did)
    if merged == counts[2]:
        return copy.deepcopy(theirs)
    rank: dict[Hashable, int] = {}
    for index, event in enumerate(base):
        rank.setdefault(_event_key(event), index)

    def order(event: Event) -> tuple[Any, ...]:
        kind = EVENT_KINDS.index(event.kind) if event.kind in EVENT_KINDS else len(EVENT_KINDS)
        new = len(base)  # new events after the ancestor's at the same time, as pm adds them
        return (event.at, rank.get(_event_key(event), new), kind, event.text, repr(event.extra))

    return sorted(result, key=order)


def _corrections(base: list[Event], side: list[Event]) -> dict[int, Event]:
    """The base events a side corrected (``pm event edit``): base index -> the new event.

    An event a side removed pairs with one it added when two of time, kind and text
    are the same (one field corrected); anything else is a removal and an addition."""
    keys = Counter(_event_key(e) for e in side)
    olds = Counter(_event_key(e) for e in base)
    removed = [i for i, e in enumerate(base) if keys[_event_key(e)] < olds[_event_key(e)]]
    added = [e for e in side if olds[_event_key(e)] < keys[_event_key(e)]]
    found: dict[int, Event] = {}
    for index in removed:
        old = base[index]
        for new in added:
            same = (old.at == new.at) + (old.kind == new.kind) + (old.text == new.text)
            if same == 2 and all(new is not taken for taken in found.values()):
                found[index] = new
                break
    return found


def _one_correction(
    base: list[Event], ours: list[Event], theirs: list[Event], result: list[Event]
) -> list[Event]:
    """Both sides corrected one event (one its time, the other its text): one event
    with both corrections, not two that each hold one. Where both changed one field
    differently, both stay, as before."""
    mine, other = _corrections(base, ours), _corrections(base, theirs)
    for index in mine.keys() & other.keys():
        old, left, right = base[index], mine[index], other[index]
        picked = [pick(getattr(old, f), getattr(left, f), getattr(right, f)) for f in _FIXABLE]
        if any(conflict for _ours, _theirs, conflict in picked) or left.extra != right.extra:
            continue
        values = {f: value for f, (value, _, _) in zip(_FIXABLE, picked, strict=True)}
        result = [e for e in result if not _same_event(e, left, right)]
        result.append(copy.deepcopy(replace(left, **values)))  # never share inputs
    return result


_FIXABLE = ("at", "kind", "text")


def _same_event(event: Event, *versions: Event) -> bool:
    """Whether ``event`` (a copy the merge made) is one of ``versions``."""
    return any(_event_key(event) == _event_key(v) for v in versions)


def _earliest_start(timeline: list[Event], postmortem_id: str, notes: list[str]) -> list[Event]:
    """Both sides opened the incident: one ``started`` event, the earliest."""
    starts = [e for e in timeline if e.kind == "started"]
    if len(starts) < 2:
        return timeline
    first = min(starts, key=lambda e: (e.at, e.text, repr(e.extra)))
    dropped = [e for e in starts if e is not first]
    for event in dropped:
        notes.append(
            f"{postmortem_id}: kept the earliest started event ({show(first.at)}); "
            f"dropped the other side's ({show(event.at)} {event.text!r})"
        )
    return [e for e in timeline if e.kind != "started" or e is first]


def _one_resolution(timeline: list[Event], postmortem_id: str, notes: list[str]) -> list[Event]:
    """Both sides resolved the incident: the earliest ``resolved`` event stays, a later
    one becomes a note with its text (two would leave the duration and a later ``pm
    reopen`` with two answers)."""
    resolutions = [e for e in timeline if e.kind == "resolved"]
    if len(resolutions) < 2:
        return timeline
    first = min(resolutions, key=lambda e: (e.at, e.text, repr(e.extra)))
    kept: list[Event] = []
    for event in timeline:
        if event.kind != "resolved" or event is first:
            kept.append(event)
            continue
        notes.append(
            f"{postmortem_id}: both sides resolved it; kept the earliest ({show(first.at)}) "
            f"and made the other side's ({show(event.at)}) a note"
        )
        kept.append(replace(event, kind="note"))
    return kept


# --- action items -----------------------------------------------------------------------------


def match(base: list[ActionItem], side: list[ActionItem]) -> dict[int, int]:
    """Which of ``base``'s items each of ``side``'s items is (side index -> base index).

    The same number, text and owner first; then the same text and owner (a rebase
    replays commits onto a branch where an item was renumbered: two people who added
    the same text each keep their own item); then the same number and text (its owner
    was changed); then the same text; then the same number (its text was edited). Items
    left unmatched are new on that side.
    """
    found: dict[int, int] = {}
    tests: tuple[Callable[[ActionItem, ActionItem], bool], ...] = (
        lambda old, item: (old.number, old.text, old.owner) == (item.number, item.text, item.owner),
        lambda old, item: (old.text, old.owner) == (item.text, item.owner),
        lambda old, item: old.number == item.number and old.text == item.text,
        lambda old, item: old.text == item.text,
        lambda old, item: old.number == item.number,
    )
    for same in tests:
        for index, item in enumerate(side):
            if index in found:
                continue
            taken = set(found.values())
            candidates = [j for j, old in enumerate(base) if j not in taken and same(old, item)]
            if candidates:
                found[index] = candidates[0]
    return found


def _same_new_item(one: ActionItem, other: ActionItem) -> bool:
    """Both sides added this very item (both created the incident, say): one item."""
    return replace(one, number=0) == replace(other, number=0)


@datarecord
class _Slot:
    """One item of the merge: its version in ours' and theirs' result (None: absent)."""

    ours: ActionItem | None
    theirs: ActionItem | None
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)  # field, ours, theirs
    removed_on: Side | None = None  # a modify/delete conflict: which side removed it


def _merge_actions(
    result: Merged,
    base: list[ActionItem],
    ours: list[ActionItem],
    theirs: list[ActionItem],
    keep_numbers: Side,
) -> None:
    keys = _slot_keys(base, ours, theirs)
    old = {("base", j): item for j, item in enumerate(base)}
    mine = {keys["ours"][i]: item for i, item in enumerate(ours)}
    other = {keys["theirs"][i]: item for i, item in enumerate(theirs)}
    first, second = (mine, other) if keep_numbers == "ours" else (other, mine)
    slots: list[_Slot] = []
    for key in dict.fromkeys([*first, *second]):
        a, b = mine.get(key), other.get(key)
        if key[0] != "base" and a is not None and b is not None:  # both added it
            keeper = a if keep_numbers == "ours" else b
            slots.append(_Slot(copy.deepcopy(keeper), copy.deepcopy(keeper)))
            continue
        slot = _merge_item(old.get(key), a, b)
        if slot is not None:
            slots.append(slot)
    _renumber(result, slots)
    result.ours.actions = [s.ours for s in slots if s.ours is not None]
    result.theirs.actions = [s.theirs for s in slots if s.theirs is not None]
    for slot in slots:
        side: Side = "ours" if slot.ours is not None else "theirs"
        item = slot.ours if slot.ours is not None else slot.theirs
        assert item is not None
        index = next(i for i, x in enumerate(getattr(result, side).actions) if x is item)
        for name, mine_shown, theirs_shown in slot.conflicts:
            path: KeyPath = ("actions", index, name)
            result.conflicts.append(FieldConflict(path, side, mine_shown, theirs_shown))
        if slot.removed_on is not None:
            kept = "theirs" if slot.removed_on == "ours" else "ours"
            why = f"{slot.removed_on} removed action item {item.number}, {kept} changed it"
            shown = show(item)
            values = ("nothing", shown) if slot.removed_on == "ours" else (shown, "nothing")
            result.conflicts.append(FieldConflict(("actions", index), side, *values, why))


def _slot_keys(
    base: list[ActionItem], ours: list[ActionItem], theirs: list[ActionItem]
) -> dict[str, list[tuple[str, int]]]:
    """Each side's items named by the item they are: ("base", j) or ("ours", i) when new.

    A new item of theirs that ours added too (the same in everything but its number) is
    ours' item; other new items of theirs are ("theirs", i).
    """
    in_ours, in_theirs = match(base, ours), match(base, theirs)
    ours_keys = [("base", in_ours[i]) if i in in_ours else ("ours", i) for i in range(len(ours))]
    theirs_keys: list[tuple[str, int]] = []
    paired: set[int] = set()
    for index, item in enumerate(theirs):
        if index in in_theirs:
            theirs_keys.append(("base", in_theirs[index]))
            continue
        twin = next(
            (
                i
                for i, mine in enumerate(ours)
                if i not in in_ours and i not in paired and _same_new_item(mine, item)
            ),
            None,
        )
        if twin is None:
            theirs_keys.append(("theirs", index))
        else:
            paired.add(twin)
            theirs_keys.append(("ours", twin))
    return {"ours": ours_keys, "theirs": theirs_keys}


def _merge_item(
    base: ActionItem | None, ours: ActionItem | None, theirs: ActionItem | None
) -> _Slot | None:
    """One item three-way; None when it is gone from the merge."""
    if ours is None and theirs is None:
        return None
    if base is None or ours is None or theirs is None:
        if base is not None:  # one side removed it
            present = ours if ours is not None else theirs
            assert present is not None
            if present == base:
                return None  # removed on one side, unchanged on the other: removed
            removed_on: Side = "ours" if ours is None else "theirs"
            slot = _Slot(copy.deepcopy(ours), copy.deepcopy(theirs), removed_on=removed_on)
            return slot
        present = ours if ours is not None else theirs
        assert present is not None
        return _Slot(copy.deepcopy(present), copy.deepcopy(present))
    left, right = copy.deepcopy(ours), copy.deepcopy(theirs)
    slot = _Slot(left, right)
    for name in ITEM_FIELDS:
        a, b, conflict = pick(getattr(base, name), getattr(ours, name), getattr(theirs, name))
        setattr(left, name, a)
        setattr(right, name, b)
        if conflict:
            slot.conflicts.append((name, show(a), show(b)))
    left.extra, right.extra = {}, {}
    for key in dict.fromkeys([*ours.extra, *theirs.extra]):
        values = (item.extra.get(key, MISSING) for item in (base, ours, theirs))
        a, b, conflict = pick(*values)
        if a is not MISSING:
            left.extra[key] = copy.deepcopy(a)  # never share inputs
        if b is not MISSING:
            right.extra[key] = copy.deepcopy(b)
        if conflict:
            slot.conflicts.append((key, show(a), show(b)))
    return slot


def _renumber(result: Merged, slots: list[_Slot]) -> None:
    """Fresh numbers for the later of two items that share one (actions.renumber logic)."""
    shown = [s.ours if s.ours is not None else s.theirs for s in slots]
    items = [copy.copy(item) for item in shown if item is not None]
    probe = Postmortem(id=result.ours.id, title="", severity="", actions=items)
    result.notes.extend(renumber_duplicates(probe))
    for slot, item in zip(slots, items, strict=True):
        for version in (slot.ours, slot.theirs):
            if version is not None:
                version.number = item.number


# --- what no clean merge may produce ------------------------------------------------------------


def _closed_with_open_items(result: Merged, ours: Postmortem, theirs: Postmortem) -> None:
    """One side closed the postmortem, the other added or reopened an item: a conflict."""
    merged = result.ours
    if any(c.path == ("status",) for c in result.conflicts) or merged.status != "closed":
        return
    if merged.closed is not None and merged.closed.forced:
        return
    still_open = [item for item in merged.actions if item.is_open]
    if not still_open or (ours.status == "closed") == (theirs.status == "closed"):
        return
    closer: Side = "ours" if ours.status == "closed" else "theirs"
    other = theirs if closer == "ours" else ours
    target = result.theirs if closer == "ours" else result.ours
    target.status, target.closed = other.status, copy.deepcopy(other.closed)
    why = (
        f"{closer} closed it, the other side has action item {still_open[0].number} "
        f"({still_open[0].text!r}) {still_open[0].status}"
    )
    shown_status = (repr(result.ours.status), repr(result.theirs.status))
    result.conflicts.append(FieldConflict(("status",), "ours", *shown_status, why))
    if result.ours.closed != result.theirs.closed:
        shown = (show(result.ours.closed), show(result.theirs.closed))
        result.conflicts.append(FieldConflict(("closed",), "ours", *shown, why))
