"""Rows people type into the generated tables, adopted into the front matter.

pm re-renders the timeline and action-item tables from the front matter on every
change, and the table is where a person pastes the timeline from chat. So before a
change, ``adopt`` compares each block as it is with what pm renders from the front
matter as read:

- a row the block has and the rendering lacks is parsed into an event or an action
  item and added to the postmortem; ``notes`` say what was adopted (for the notice and
  the commit body);
- a row pm cannot read, and a row of pm's own that was changed (gone, with typed
  rows in its place), is a ``Problem``: the caller refuses before anything is written
  and names the rows, so that nothing a person typed is ever dropped. A row of pm's
  that was only deleted comes back from the front matter (nothing typed is lost).

Timeline rows: ``| TIME | KIND | TEXT |`` or ``| TIME | TEXT |`` (kind ``note``), or a
plain line ``TIME TEXT`` as chat clients copy it (``[14:05] text``, ``14:05 - text``).
TIME is pm's ``2024-01-15 14:05``, ISO 8601, or ``14:05`` / ``14:05:30`` / ``2:05pm``
on the incident's day, in the table's zone unless it names ``Z``, ``UTC`` or an offset.
Action rows: the six columns pm renders (``#`` may be empty; due empty for the
priority's default; status empty for open, ``done 2024-01-20``, ``wont-do: reason``).

No I/O: this takes a postmortem and a body and changes only the postmortem.

Length: telling pm's rows from typed ones and reading the typed rows of both tables are
one question (which lines are a person's, and what they mean); each table's reader is
short, and they share the comparison, the problems and the notes.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta, tzinfo

from pm.errors import PmError
from pm.model import ACTION_STATUSES, EVENT_KINDS, ActionItem, Postmortem
from pm.records import datarecord, field

_SEPARATOR_CELL = re.compile(r":?-{1,}:?")
_ZONE = r"(?:\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2}))?"
_CLOCK = (
    r"(?:(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?"
    r"|(?P<h2>\d{1,2})\s*(?P<ampm2>[ap]\.?m\.?))"
)
_TIME = rf"(?:(?P<date>\d{{4}}-\d{{2}}-\d{{2}})[T ]\s*)?{_CLOCK}{_ZONE}"


@functools.cache
def _time_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A typed row's time as a table cell, and as the start of a plain line. Compiled
    the first time a typed row is read: half a millisecond (case-insensitive classes)
    that every write and every lint would pay otherwise."""
    cell = re.compile(rf"^{_TIME}$", re.IGNORECASE)
    line = re.compile(
        rf"^[\[(]?{_TIME}[\])]?\s*(?:[-\u2013\u2014:|]\s*)?(?P<text>\S.*)$", re.IGNORECASE
    )
    return cell, line


_UNESCAPE = re.compile(r"\\([\\`*_\[\]|<>#~!])")


@datarecord(frozen=True)
class Problem:
    """A row pm cannot adopt: its line in the body (1-based), its text, and why."""

    line: int
    row: str
    reason: str


@datarecord
class BlockEdit:
    """What a person changed in one generated block."""

    name: str
    adopted: list[str] = field(default_factory=list)  # one note per adopted row
    problems: list[Problem] = field(default_factory=list)
    duplicates: int = 0  # rows that repeat one already in the front matter
    edited: bool = False  # rows of pm's were changed: the block is the person's to fix


@datarecord
class Adoption:
    blocks: list[BlockEdit] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        return [note for block in self.blocks for note in block.adopted]

    @property
    def problems(self) -> list[Problem]:
        return [problem for block in self.blocks for problem in block.problems]


@datarecord(frozen=True)
class _Line:
    number: int  # 1-based line of the body
    text: str
    key: tuple[str, ...] | None  # cells of a table row; None for a line that is not one


def differs(postmortem: Postmortem, body: str) -> bool:
    """Whether any generated block differs from what pm renders from ``postmortem``, cell
    by cell: a table a formatter aligned (a pre-commit hook, an editor) holds the same
    rows, so it is pm's own, not out of date and not typed into."""
    from pm import markdown
    from pm.frontmatter import block_content

    return any(
        (current := block_content(body, name)) is not None
        and current != table
        and _rows_as_cells(current) != _rows_as_cells(table)
        for name, table in markdown.blocks(postmortem).items()
    )


def unrendered_rows(postmortem: Postmortem, lines: dict[str, list[str]]) -> list[str]:
    """Of each block's ``lines``, the table rows that ``postmortem`` does not render:
    rows typed by hand (or rendered from a version the merge left behind), which
    re-rendering the block would drop."""
    from pm import markdown

    rendered = markdown.blocks(postmortem)
    found = []
    for name, block_lines in lines.items():
        table = rendered.get(name, "")
        known = {cells for line in table.split("\n") if (cells := _cells(line)) is not None}
        for line in block_lines:
            cells = _cells(line)
            if cells is not None and cells not in known and not _is_separator(cells):
                found.append(line.strip())
    return found


def _rows_as_cells(block: str) -> list[tuple[str, ...] | str]:
    """A block's lines as their cells, stripped (a separator row's as ``---``), and its
    other lines stripped: what stays when a formatter pads or aligns the columns."""
    rows: list[tuple[str, ...] | str] = []
    for line in block.splitlines():
        cells = _cells(line)
        if cells is None:
            if line.strip():
                rows.append(line.strip())
        else:
            rows.append(("---",) * len(cells) if _is_separator(cells) else cells)
    return rows


def adopt(
    postmortem: Postmortem,
    body: str,
    *,
    priorities: dict[str, int],
    today: date,
    tz: tzinfo = UTC,
    previous: Postmortem | None = None,
    partial: bool = False,
) -> Adoption:
    """Adopt what was typed into the body's generated blocks into ``postmortem``.

    ``previous`` is the postmortem as last committed, when known: rows rendered from it
    are pm's too (the front matter was edited by hand since, and the table is stale),
    never something typed. Blocks whose rows pm cannot all read are reported and
    nothing of theirs is adopted; the caller refuses. With ``partial`` (``pm lint
    --fix``) the rows that can be read are adopted all the same, and only the others
    are problems; a block whose rows of pm's were edited is never adopted from.
    """
    from pm import markdown
    from pm.frontmatter import find_block

    rendered = markdown.blocks(postmortem)  # from the front matter as read
    stale = markdown.blocks(previous) if previous is not None else {}
    result = Adoption()
    for name, table in rendered.items():
        span = find_block(body, name)
        if span is None:
            continue
        current = body[span[0] : span[1]].replace("\r\n", "\n")
        if current.strip("\n") == table:
            continue
        first_line = body.count("\n", 0, span[0]) + 1
        lines = [
            _Line(first_line + i, text.strip(), _cells(text))
            for i, text in enumerate(current.split("\n"))
        ]
        block = BlockEdit(name)
        typed = _typed_lines(lines, table, stale.get(name, ""), block)
        if block.problems:  # pm's own rows were changed: adopt nothing from this block
            block.edited = True
            result.blocks.append(block)
            continue
        if name == "timeline":
            _adopt_events(postmortem, typed, block, tz, partial)
        else:
            _adopt_actions(postmortem, typed, block, priorities, today, partial)
        if block.duplicates and not block.problems:
            what = "timeline" if name == "timeline" else "action-items"
            block.adopted.append(
                f"Dropped from the {what} table: {block.duplicates} row(s) that repeat "
                "what the front matter already holds"
            )
        if block.problems or block.adopted:
            result.blocks.append(block)
    return result


def refusal(shown: str, problems: list[Problem], line_offset: int = 0) -> str:
    """The one-line error that names the rows a command will not drop."""
    named = "; ".join(
        f"line {p.line + line_offset} {_quote(p.row)}: {p.reason}" for p in problems[:5]
    )
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return (
        f"{shown}: text typed into a generated table that pm cannot adopt: {named}{more}; "
        "fix those rows (or move them into the front matter), or drop them with "
        "`pm lint --fix --discard-block-edits`"
    )


def _quote(row: str) -> str:
    return "`" + (row if len(row) <= 80 else row[:77] + "...") + "`"


# --- telling pm's rows from typed ones --------------------------------------------------------


def _cells(text: str) -> tuple[str, ...] | None:
    """A table row's cells, stripped; None for a line that is not a table row."""
    stripped = text.strip()
    if "|" not in stripped:
        return None
    parts = re.split(r"(?<!\\)\|", stripped)
    if stripped.startswith("|"):
        parts = parts[1:]
    if stripped.endswith("|") and not stripped.endswith("\\|"):
        parts = parts[:-1]
    return tuple(part.strip() for part in parts)


def _is_separator(key: tuple[str, ...] | None) -> bool:
    return key is not None and all(_SEPARATOR_CELL.fullmatch(c.replace(" ", "")) for c in key)


def _typed_lines(lines: list[_Line], table: str, stale: str, block: BlockEdit) -> list[_Line]:
    """The lines a person added to the block; pm's rows that are gone become problems.

    pm's rows are matched in order, cell by cell (a formatter that aligns the columns
    changes nothing); the header, the separator and the "no events yet" line may go.
    A row of the ``stale`` rendering (from the front matter as last committed) is pm's.
    """
    matched, missing = _match_rendered(lines, table)
    old_rows = {cells for text in stale.split("\n") if (cells := _cells(text)) is not None}
    typed: list[_Line] = []
    for index, line in enumerate(lines):
        if index in matched or not line.text or _is_separator(line.key):
            continue
        if line.key is not None and line.key in old_rows:
            continue
        following = lines[index + 1] if index + 1 < len(lines) else None
        if following is not None and _is_separator(following.key):
            continue  # a pasted table's own header row
        typed.append(line)
    if missing and typed:  # rows of pm's were edited: which typed row is which is a guess
        edit = _one_cell_edit(missing, typed, table, block.name)
        if edit is not None:
            block.problems.append(edit)
            return []
        first = lines[0].number if lines else 1
        block.problems.extend(
            Problem(first, row, "this row of pm's was changed or removed") for row in missing
        )
        block.problems.extend(
            Problem(line.number, line.text, "typed where a row of pm's was changed")
            for line in typed
        )
        return []
    return typed  # a row only deleted comes back from the front matter: nothing is lost


_HOW = {"actions": "pm action done, start or edit", "timeline": "pm event edit"}


def _one_cell_edit(missing: list[str], typed: list[_Line], table: str, name: str) -> Problem | None:
    """One row of pm's edited in place (a status typed over ``open``): the problem names
    the cells that changed, under their column names, and the command that changes them,
    instead of two long rows that differ where a quote cuts them off."""
    if len(missing) != 1 or len(typed) != 1:
        return None
    old, new, header = _cells(missing[0]), typed[0].key, _cells(table.partition("\n")[0])
    if old is None or new is None or header is None or not (len(old) == len(new) == len(header)):
        return None
    changes = ", ".join(
        f"{column} {was!r} -> {now!r}"
        for column, was, now in zip(header, old, new, strict=True)
        if was != now
    )
    how = _HOW.get(name, "pm's commands")
    reason = f"a row of pm's edited in place ({changes}); change it with {how}"
    return Problem(typed[0].number, typed[0].text, reason)


def _match_rendered(lines: list[_Line], table: str) -> tuple[set[int], list[str]]:
    """Which lines are pm's rendered rows (by index), and pm's rows that are missing."""
    expected = [_Line(0, text.strip(), _cells(text)) for text in table.split("\n")]
    header = expected[0].key if expected and expected[0].key else None
    position = 0
    matched: set[int] = set()
    missing: list[str] = []
    for want in expected:
        found = next((i for i in range(position, len(lines)) if _same_row(lines[i], want)), None)
        if found is not None:
            matched.add(found)
            position = found + 1
        elif not (want.key is None or want.key == header or _is_separator(want.key)):
            missing.append(want.text)
    return matched, missing


def _same_row(line: _Line, want: _Line) -> bool:
    if want.key is None:
        return line.text == want.text
    if _is_separator(want.key):
        return _is_separator(line.key)
    return line.key == want.key


# --- timeline rows ----------------------------------------------------------------------------


def _unescape(cell: str) -> str:
    return _UNESCAPE.sub(r"\1", cell).replace("&amp;", "&").strip()


def _parse_event(line: _Line) -> tuple[re.Match[str], str, str] | str:
    """(time match, kind, text) of a typed timeline row, or why it cannot be read."""
    if line.key is not None:
        cells = line.key
        if len(cells) not in (2, 3):
            return "a timeline row has 2 or 3 columns: time, (kind,) text"
        match = _time_patterns()[0].match(cells[0])
        if match is None:
            return f"cannot read the time {cells[0]!r} (use 2024-01-15 14:05, or 14:05 UTC)"
        kind = cells[1].strip().lower() if len(cells) == 3 else "note"
        if kind not in EVENT_KINDS:
            return f"unknown kind {cells[1]!r} (use one of {', '.join(EVENT_KINDS)})"
        return match, kind, _unescape(cells[-1])
    match = _time_patterns()[1].match(line.text)
    if match is None:
        return "not a table row and no time at its start (write it as | TIME | KIND | TEXT |)"
    return match, "note", _unescape(match.group("text"))


def _moment(match: re.Match[str], day: date | None, tz: tzinfo) -> datetime | str:
    hour = int(match.group("h") or match.group("h2"))
    minute = int(match.group("m") or 0)
    second = int(match.group("s") or 0)
    ampm = (match.group("ampm") or match.group("ampm2") or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return f"{hour} is not an hour on a 12-hour clock"
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return "not a time of day"
    text_date = match.group("date")
    if text_date is not None:
        try:
            day = date.fromisoformat(text_date)
        except ValueError:
            return f"{text_date} is not a date"
    if day is None:
        return "the incident spans several days: give the date (2024-01-15 14:05)"
    zone_text = (match.group("zone") or "").upper()
    zone: tzinfo = tz
    if zone_text in ("Z", "UTC", "GMT"):
        zone = UTC
    elif zone_text:
        sign = -1 if zone_text[0] == "-" else 1
        digits = zone_text[1:].replace(":", "")
        from datetime import timezone

        zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        local = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone)
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        return "out of range"


def _incident_day(postmortem: Postmortem, tz: tzinfo) -> date | None:
    """The one day every event so far falls on (in ``tz``), or None if they span more."""
    days = {event.at.astimezone(tz).date() for event in postmortem.timeline}
    return days.pop() if len(days) == 1 else None


def _adopt_events(
    postmortem: Postmortem, typed: list[_Line], block: BlockEdit, tz: tzinfo, partial: bool
) -> None:
    from pm import lifecycle
    from pm.timeparse import format_time

    day = _incident_day(postmortem, tz)
    previous: datetime | None = None  # the last time-only row, for rows past midnight
    parsed: list[tuple[_Line, datetime, str, str]] = []
    for line in typed:
        read = _parse_event(line)
        if isinstance(read, str):
            block.problems.append(Problem(line.number, line.text, read))
            continue
        match, kind, text = read
        moment = _moment(match, day, tz)
        if isinstance(moment, str):
            block.problems.append(Problem(line.number, line.text, moment))
            continue
        if match.group("date") is None:
            if previous is not None and moment < previous:
                moment += timedelta(days=1)  # 23:50, then 00:10: the next day
            previous = moment
        parsed.append((line, moment, kind, text))
    if block.problems and not partial:
        return
    existing = {(e.at, e.kind, e.text) for e in postmortem.timeline}
    for line, moment, kind, text in parsed:
        if (moment, kind, text) in existing:
            block.duplicates += 1
            continue
        try:
            lifecycle.add_event(postmortem, moment, kind, text)
        except PmError as error:
            block.problems.append(Problem(line.number, line.text, error.message))
            continue
        existing.add((moment, kind, text))
        when = format_time(moment)
        block.adopted.append(f"Adopted from the timeline table: {when} {kind}: {text}")


# --- action-item rows -------------------------------------------------------------------------


def _adopt_actions(
    postmortem: Postmortem,
    typed: list[_Line],
    block: BlockEdit,
    priorities: dict[str, int],
    today: date,
    partial: bool,
) -> None:
    items: list[tuple[_Line, ActionItem]] = []
    for line in typed:
        read = _parse_action(line, postmortem, priorities, today)
        if isinstance(read, str):
            block.problems.append(Problem(line.number, line.text, read))
        else:
            items.append((line, read))
    if block.problems and not partial:
        return
    if items and postmortem.status == "closed":
        reason = f"{postmortem.id} is closed: no new action items"
        block.problems.extend(Problem(line.number, line.text, reason) for line, _ in items)
        return
    for _line, item in items:
        taken = {existing.number for existing in postmortem.actions}
        if item.number in taken or item.number <= 0:
            item.number = postmortem.next_action_number()
        postmortem.actions.append(item)
        block.adopted.append(
            f"Adopted from the action-items table: #{item.number} {item.priority} "
            f"{item.owner}: {item.text}"
        )


def _parse_action(
    line: _Line, postmortem: Postmortem, priorities: dict[str, int], today: date
) -> ActionItem | str:
    from pm import actions
    from pm.textsafety import check_line

    if line.key is None or len(line.key) != 6:
        return "an action row has 6 columns: #, priority, action, owner, due, status"
    number_cell, priority_cell, text_cell, owner_cell, due_cell, status_cell = (
        _unescape(c) for c in line.key
    )
    number = 0
    if number_cell.isdigit():
        number = int(number_cell)
    elif number_cell not in ("", "-", "?", "#", "new"):
        return f"{number_cell!r} is not an item number (leave it empty for the next one)"
    try:
        priority = actions.check_priority(priority_cell or "P1", priorities)
        text = check_line(text_cell, "action text", actions.MAX_ACTION_TEXT)
        owner = check_line(owner_cell, "owner", actions.MAX_OWNER)
    except PmError as error:
        return error.message
    if not text:
        return "the action text is empty"
    if not owner:
        return "no owner: every action item needs one person who drives it"
    if due_cell:
        try:
            due = date.fromisoformat(due_cell)
        except ValueError:
            return f"cannot read the due date {due_cell!r} (use YYYY-MM-DD)"
    else:
        due = actions.default_due(priority, priorities, today)
    item = ActionItem(number=number, text=text, owner=owner, priority=priority, due=due)
    problem = _status(item, status_cell, today)
    return problem if problem is not None else item


def _status(item: ActionItem, cell: str, today: date) -> str | None:
    """Set the item's status from a typed status cell; why it cannot, or None."""
    status, _, rest = cell.partition(":")
    words = status.split()
    name = words[0].lower() if words else "open"
    if name not in ACTION_STATUSES:
        return f"unknown status {cell!r} (use one of {', '.join(ACTION_STATUSES)})"
    item.status = name
    if name == "done":
        try:
            item.done = date.fromisoformat(words[1]) if len(words) > 1 else today
        except ValueError:
            return f"cannot read the done date in {cell!r} (use done 2024-01-20)"
    if name == "wont-do":
        if not rest.strip():
            return "wont-do needs a reason (wont-do: why)"
        item.reason = rest.strip()
    return None
