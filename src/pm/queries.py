"""The read side of the Python API: every question a command asks, no file changed.

``Workspace`` (``pm.workspace``) makes changes; these functions take a workspace and plain
values and return what a command shows, as typed results: the postmortems a filter
matches, one postmortem for ``pm show``, action items across postmortems, a file's audit
trail, similar past incidents, what is late on a date, and the data of the reports. The
CLI only prints them (``pm.render``).

Text arguments are read as the CLI reads them: ``since="2024-01-01"``, ``"2024-Q3"`` or
``"90d"`` (90 days back), or a ``date``; a filter takes one value, a comma list
(``"SEV-1,SEV-2"``) or several, and known names (severities, statuses, priorities) in
any case (``pm.vocabulary``). The results are named tuples: typed, immutable,
and cheap to define (start-up time is spent on every command).

Length: one short function per question a command asks, with its result type; the read
API in one file, as ``workspace.py`` holds the write API.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pm.errors import DataError, UsageError
from pm.model import ID_PATTERN, STATUSES
from pm.records import NamedTuple

if TYPE_CHECKING:
    from pm.cache import Head
    from pm.commits import LogEntry
    from pm.headindex import Columns
    from pm.history import AsOf
    from pm.model import ActionItem, Postmortem
    from pm.overdue import Finding
    from pm.search import Hit
    from pm.shapes import IncidentData, PeriodData
    from pm.similar import Doc, Match
    from pm.store import Entry
    from pm.workspace import Workspace

T = TypeVar("T")


def _day(ws: Workspace, value: date | str | None) -> date | None:
    """A DATE option as the CLI takes it (``2024-01-15``, ``today``, ``+7d``, ``7d ago``)
    or a date."""
    if isinstance(value, date):
        return value
    if not value:
        return None
    from pm.timeparse import parse_date

    return parse_date(value, ws.today())


def _since(
    ws: Workspace, value: date | str | None, what: str = "--since", today: date | None = None
) -> date | None:
    """The first day of a period as the CLI takes it (``2024-Q3``, ``90d``...) or a date;
    relative to ``today`` (default: the workspace's)."""
    if isinstance(value, date):
        return value
    if not value:
        return None
    from pm.periods import period_start

    return period_start(value, today or ws.today(), what)


def _until(ws: Workspace, value: date | str | None, today: date | None = None) -> date | None:
    """The last day of a period (``--until 2024-Q3`` is 2024-09-30) or a date."""
    if isinstance(value, date):
        return value
    if not value:
        return None
    from pm.periods import period_end

    return period_end(value, today or ws.today(), "--until")


# --- postmortems --------------------------------------------------------------------------


Names = str | Iterable[str] | None  # one value, a comma list, or several


class Filters(NamedTuple):
    """Which postmortems ``pm list`` (and ``pm overdue --severity``) looks at: each
    filter given is met by any one of its values; ``since`` is compared with the start's
    date in ``zone`` (the date in its id)."""

    status: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    since: date | None = None
    zone: tzinfo = UTC

    def match(self, postmortem: Postmortem) -> bool:
        if self.status and postmortem.status not in self.status:
            return False
        if self.severity and postmortem.severity not in self.severity:
            return False
        if self.service and not any(s in postmortem.services for s in self.service):
            return False
        if self.tag and not any(t in postmortem.tags for t in self.tag):
            return False
        started = postmortem.started
        return not (
            self.since and (started is None or started.astimezone(self.zone).date() < self.since)
        )

    def any(self) -> bool:
        return any((self.status, self.severity, self.service, self.tag, self.since))

    def admits(self, head: Head) -> bool:
        """``match`` without the start time, on the fields a cache entry gives unparsed
        (``Store.read_all``): what it refuses, ``match`` refuses."""
        if self.status and head.status not in self.status:
            return False
        if self.severity and head.severity not in self.severity:
            return False
        if self.service and not any(s in head.services for s in self.service):
            return False
        return not (self.tag and not any(t in head.tags for t in self.tag))

    def pick(self, columns: Columns) -> set[int] | None:
        """``admits`` asked of the filter index (``pm.headindex``): exactly the files it
        admits; None when no field of the head is filtered."""
        chosen: set[int] | None = None
        for field, wanted in (
            ("status", self.status),
            ("severity", self.severity),
            ("services", self.service),
            ("tags", self.tag),
        ):
            if wanted:
                found = columns.having(field, wanted)
                chosen = found if chosen is None else chosen & found
        return chosen


def find(ws: Workspace, filters: Filters | None = None) -> tuple[list[Entry], list[DataError]]:
    """The readable postmortems ``filters`` match, in file order, and one error per file
    that could not be read."""
    if filters is None:
        return ws.store.read_all()
    if not filters.any():
        return ws.store.read_all()
    entries, errors = ws.store.read_all(filters.admits, filters.pick)
    return [e for e in entries if filters.match(e.postmortem)], errors


def _oldest_first(entry: Entry) -> tuple[bool, float, str]:
    """By start time, then id; a postmortem without a start (a hand edit) last."""
    started = entry.postmortem.started
    return (started is None, started.timestamp() if started else 0.0, entry.postmortem.id)


def severities(ws: Workspace, values: Names) -> tuple[str, ...]:
    """The configured severities named, any case; a usage error names the known ones."""
    from pm.vocabulary import many, one_of

    return tuple(one_of(v, ws.config.severity_names, "severity") for v in many(values))


class Listing(NamedTuple):
    """``pm list``: the matching postmortems, the unreadable files, the filters used."""

    records: list[Entry]
    errors: list[DataError]
    filters: Filters


def list_postmortems(
    ws: Workspace,
    *,
    status: Names = None,
    severity: Names = None,
    service: Names = None,
    tag: Names = None,
    since: date | str | None = None,
) -> Listing:
    """The postmortems the filters match, oldest first (by start time, then id)."""
    filters = _list_filters(ws, status, severity, service, tag, since)
    records, errors = find(ws, filters)
    records.sort(key=_oldest_first)
    return Listing(records, errors, filters)


def list_shown(
    ws: Workspace,
    shape: Callable[[Entry], T],
    *,
    status: Names = None,
    severity: Names = None,
    service: Names = None,
    tag: Names = None,
    since: date | str | None = None,
) -> tuple[list[T], list[DataError], Filters]:
    """``list_postmortems`` with each match made into what is shown (``shape``) as it is
    read: (the shown rows in the same order, the errors, the filters). Only the rows are
    kept, never every decoded postmortem at once (``Store.each``): at 50,000 files that
    is the difference between a few tens of MB and hundreds."""
    filters = _list_filters(ws, status, severity, service, tag, since)
    keyed: list[tuple[tuple[bool, float, str], int, T]] = []
    errors: list[DataError] = []
    found = ws.store.each(filters.admits, filters.pick) if filters.any() else ws.store.each()
    for item in found:
        if isinstance(item, DataError):
            errors.append(item)
        elif filters.match(item.postmortem):
            # The index keeps the file order among equal keys, as the stable sort does.
            keyed.append((_oldest_first(item), len(keyed), shape(item)))
    keyed.sort(key=_first_two)
    return [row for _key, _index, row in keyed], errors, filters


def _first_two(item: tuple[Any, int, Any]) -> tuple[Any, int]:
    return item[0], item[1]


def _list_filters(
    ws: Workspace,
    status: Names,
    severity: Names,
    service: Names,
    tag: Names,
    since: date | str | None,
) -> Filters:
    from pm.vocabulary import many, one_of

    statuses = tuple(one_of(s, STATUSES, "status") for s in many(status))
    start = _since(ws, since)
    if start is not None and start > ws.today():
        raise UsageError(f"--since {start} is in the future (today is {ws.today()})")
    return Filters(statuses, severities(ws, severity), many(service), many(tag), start, ws.tz)


def view(ws: Workspace, ref: str) -> tuple[Entry, str]:
    """``ws.get`` for ``pm show`` and ``pm report ID``, which read and may compare causes:
    (entry, body).

    The one file's parse comes from its own small cache entry while its bytes are those
    parsed (``pm.singlecache``): loading the summary cache for it would cost more, and
    parsing it imports PyYAML. The causes it is compared with come from the token cache
    (``similar_by_cause``).
    """
    from pm import singlecache

    return singlecache.read(ws.store, ws.store.resolve(ref))


def titles(ws: Workspace, ids: list[str]) -> dict[str, str]:
    """Titles of the postmortems with these exact ids; missing or broken ones are left out."""
    found = {}
    for postmortem_id in ids:
        if not ID_PATTERN.fullmatch(postmortem_id):
            continue  # hand-edited related ids are data, never a path
        path = ws.store.path_for(postmortem_id)
        try:
            found[postmortem_id] = ws.store.read(path).postmortem.title
        except DataError:
            continue
    return found


# --- similar incidents ----------------------------------------------------------------------


def similar_by_cause(ws: Workspace, entry: Entry, body: str, limit: int = 3) -> list[Match] | None:
    """Earlier postmortems whose written cause reads like ``entry``'s (``pm show``).

    ``body`` is the entry's markdown body. None, and nothing read, while it has no root
    cause or contributing factors; then the files ``similar.cause_candidates`` chooses are
    compared. Unreadable files are skipped here: ``pm list`` and ``pm lint`` are where
    they are reported.
    """
    from pm import similar

    target = similar.doc_from(entry.postmortem, body)
    if not similar.has_cause(target):
        return None
    from pm import causedocs

    tuning = similar.tuning_of(ws.config)
    # The files compared are the latest (by id) up to the entry's day: only those listed.
    latest = ws.store.names_up_to(entry.path.name[:10], similar.SIMILAR_SCAN_LIMIT + 1)
    names = similar.cause_candidates(latest, entry.path)
    # The answer for this very text and these very files, if it was found before.
    remembered = causedocs.Remembered(ws.store, entry.path, (limit, tuning, target), names)
    found = remembered.matches()
    if found is None:
        # Tokens from the token cache where the file is unchanged; else read and tokenised.
        docs = causedocs.for_paths(ws.store, [Path(name) for name in names])
        found = similar.similar_docs(docs, target, limit, tuning=tuning)
        remembered.keep(found)
    return found


def similar_at_open(ws: Workspace, postmortem: Postmortem, limit: int = 3) -> list[Match]:
    """Past incidents like a new one, by title, services and tags (``pm open``).

    Only the files ``similar.title_candidates`` chooses are looked at, through the token
    cache (``causedocs.for_paths``): a file unchanged since it was tokenised is not read.
    The other files count only by name: paths as strings, each slug's words from the slug
    cache (``causedocs.slug_words``).
    """
    from pm import causedocs, similar

    own = f"{os.sep}{postmortem.id}.md"
    names = [name for name in ws.store.path_names() if not name.endswith(own)]
    slugs = [similar.file_slug(name) for name in names]
    words = causedocs.slug_words(ws.store, slugs)
    chosen, background = similar.title_candidates(names, postmortem.title, words=words, slugs=slugs)
    docs = causedocs.for_paths(ws.store, [Path(name) for name in chosen])
    return similar.similar_by_title(
        docs, postmortem.title, postmortem.services, postmortem.tags, limit, background=background
    )


class Found(NamedTuple):
    """``pm search``: the postmortems found, best first, how many there were in all, and
    the files that could not be read."""

    hits: list[tuple[Hit, Entry]]
    total: int
    errors: list[DataError]


def search(ws: Workspace, text: str, limit: int | None = None) -> Found:
    """Postmortems holding the words of ``text`` (``pm.search``), at most ``limit``.

    Front matter comes from the summary cache and the prose from the prose cache, so a
    repeated search reads no file that has not changed."""
    from pm import search as searching

    query = searching.terms(text)
    if not query:
        raise UsageError("nothing to search for; give one or more words")
    errors: list[DataError] = []
    by_id: dict[str, Path] = {}

    def readable() -> Iterator[Entry]:
        for item in ws.store.each():
            if isinstance(item, DataError):
                errors.append(item)
            else:
                by_id[item.postmortem.id] = item.path
                yield item

    # One postmortem and its prose at a time: only the hits are kept, not every text.
    pairs = ws.store.with_texts(readable(), searching.prose_of)
    docs = (searching.doc_from(e.postmortem, t) for e, t in pairs)
    shown, total = searching.best(docs, query, limit)
    # The few shown are read again, from the summary cache this read just loaded.
    entries, _ = ws.store.read_many([by_id[hit.id] for hit in shown])
    by_path = {e.path: e for e in entries}
    return Found(
        [(hit, by_path[by_id[hit.id]]) for hit in shown if by_id[hit.id] in by_path],
        total,
        errors,
    )


# --- the audit trail ------------------------------------------------------------------------


class History(NamedTuple):
    """``pm log``: every commit that touched the file, newest first; ``shallow`` when the
    clone's history is cut short (``git clone --depth``), so older commits are missing."""

    path: Path
    entries: list[LogEntry]
    shallow: bool = False


def log(ws: Workspace, ref: str) -> History:
    """The audit trail of one postmortem's file.

    The file is found but not parsed: the history matters most when the file is broken.
    """
    from pm.gitrepo import GitRepo

    path = ws.store.resolve(ref)
    repo = GitRepo.discover(ws.config.root)
    return History(path, repo.file_log(path), repo.shallow)


def identity(ws: Workspace) -> tuple[str, str]:
    """The git user's name and email (for ``--mine``)."""
    from pm.gitrepo import GitRepo

    return GitRepo.discover(ws.config.root).identity()


# --- action items ---------------------------------------------------------------------------


class ActionFilters(NamedTuple):
    """Which action items ``pm action list`` shows; ``owners`` match name or email."""

    owners: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    overdue: bool = False

    def match(self, item: ActionItem, today: date) -> bool:
        if self.owners and item.owner.casefold() not in {o.casefold() for o in self.owners}:
            return False
        if self.status and item.status not in self.status:
            return False
        if self.priority and item.priority not in self.priority:
            return False
        if not self.overdue:
            return True
        from pm.overdue import item_lateness  # the one answer pm overdue gives too

        return item_lateness(item, today) is not None

    def admits(self, head: Head) -> bool:
        """Whether a postmortem may hold a matching item, by its items' owners alone
        (``Filters.admits``): one refused holds no item ``match`` takes."""
        if not self.owners:
            return True
        wanted = {o.casefold() for o in self.owners}
        return any(owner.casefold() in wanted for owner in head.owners)

    def pick(self, columns: Columns) -> set[int] | None:
        """``admits`` asked of the filter index (``pm.headindex``)."""
        if not self.owners:
            return None
        wanted = {o.casefold() for o in self.owners}
        return columns.where("owners", lambda owner: owner.casefold() in wanted)


class ItemOf(NamedTuple):
    """The postmortem an action item of ``find_actions`` is in: its file and id. Not the
    postmortem itself: the rows of every item would hold every postmortem (at 50,000
    files, hundreds of MB) where a row shows only these."""

    path: Path
    id: str


class FoundActions(NamedTuple):
    """``find_actions``: the rows sorted by due date, the unreadable files, and the
    numbers repeated among the items of each file that has a row (path -> numbers)."""

    rows: list[tuple[ItemOf, ActionItem]]
    errors: list[DataError]
    repeated: dict[Path, list[int]]


def find_actions(
    ws: Workspace, filters: ActionFilters | None = None, ref: str | None = None
) -> FoundActions:
    """Action items across postmortems (or of one), sorted by due date; read one
    postmortem at a time (``Store.each``), keeping only its matching items."""
    from pm import actions

    errors: list[DataError] = []
    found: Iterable[Entry | DataError]
    if ref is not None:
        found = [ws.get(ref)]
    else:
        # Only an owner filter can refuse a postmortem by its head; without one, the
        # plain read (no heads file) is the cheaper one.
        narrow = filters is not None and bool(filters.owners)
        if filters is not None and narrow:
            found = ws.store.each(filters.admits, filters.pick)
        else:
            found = ws.store.each()
    today = ws.today()
    rows: list[tuple[ItemOf, ActionItem]] = []
    repeated: dict[Path, list[int]] = {}
    for entry in found:
        if isinstance(entry, DataError):
            errors.append(entry)
            continue
        postmortem = entry.postmortem
        place = ItemOf(entry.path, postmortem.id)
        before = len(rows)
        rows.extend(
            (place, item)
            for item in postmortem.actions
            if filters is None or filters.match(item, today)
        )
        if len(rows) > before:
            repeated[entry.path] = actions.duplicate_numbers(postmortem)
    rows.sort(key=lambda row: (row[1].due, row[0].id, row[1].number))
    return FoundActions(rows, errors, repeated)


class ActionRows(NamedTuple):
    """``pm action list``: the items, the day lateness is judged on, unreadable files, and
    the postmortems whose items repeat a number after a merge (id -> the numbers)."""

    rows: list[tuple[ItemOf, ActionItem]]
    today: date
    errors: list[DataError]
    repeated: dict[str, list[int]]


def action_rows(
    ws: Workspace,
    ref: str | None = None,
    *,
    owner: Names = None,
    status: Names = None,
    priority: Names = None,
    overdue: bool = False,
    mine: bool = False,
) -> ActionRows:
    """Action items across postmortems (or of ``ref``), sorted by due date; ``mine`` adds
    the git user's name, email and email name to the owners asked for."""
    from pm.model import ACTION_STATUSES
    from pm.vocabulary import many, one_of

    statuses = tuple(one_of(s, ACTION_STATUSES, "status") for s in many(status))
    priorities = tuple(one_of(p, ws.config.priorities, "priority") for p in many(priority))
    owners = many(owner)
    if mine:
        name, email = identity(ws)
        owners += (name, email, email.partition("@")[0])
    filters = ActionFilters(owners=owners, status=statuses, priority=priorities, overdue=overdue)
    rows, errors, numbers = find_actions(ws, filters, ref)
    repeated: dict[str, list[int]] = {}
    for place, _ in rows:
        if place.id not in repeated:  # the first row's file for an id, in row order
            repeated[place.id] = numbers[place.path]
    return ActionRows(rows, ws.today(), errors, {k: v for k, v in repeated.items() if v})


# --- what is late ---------------------------------------------------------------------------


class OverdueResult(NamedTuple):
    """``pm overdue``: what is late on ``as_of``, and the files that could not be read (a
    late item may hide in them); ``soon``: open items due within ``--due-within`` (notices,
    never failures)."""

    findings: list[Finding]
    as_of: date
    escalation_days: int
    errors: list[DataError]
    soon: tuple[Finding, ...] = ()
    due_within: int | None = None

    @property
    def escalated(self) -> int:
        return sum(1 for f in self.findings if f.escalated)

    def fails(self, fail_on: str = "any") -> bool:
        """Whether a CI run fails: on ``any`` finding, ``escalated`` ones, or ``never``."""
        from pm.overdue import fails

        return fails(self.findings, fail_on)


def overdue(
    ws: Workspace,
    *,
    as_of: date | str | None = None,
    owner: Names = None,
    severity: Names = None,
    due_within: int | None = None,
) -> OverdueResult:
    """Late action items and reviews on ``as_of`` (default: today), in file order; with
    ``due_within`` (days), also the open items due from ``as_of`` to that many days on."""
    from pm import overdue as late
    from pm.cache import LinesCache
    from pm.vocabulary import many

    day = _day(ws, as_of) or ws.today()
    wanted = Filters(severity=severities(ws, severity))
    owners = many(owner)
    budgets = not severity and bool(ws.config.slos)  # a budget looks at every postmortem

    def admit(head: Head) -> bool:
        """Postmortems that may have a finding of these owners (the rest are not decoded)."""
        return wanted.admits(head) and (
            budgets or not owners or late.may_concern(head.owners, *owners)
        )

    def pick(columns: Columns) -> set[int] | None:
        """``admit`` asked of the filter index (``pm.headindex``)."""
        chosen = wanted.pick(columns)
        keys = {late.owner_key(owner) for owner in owners}
        if budgets or not owners or "" in keys:
            return chosen
        concern = columns.where("owners", lambda owner: late.owner_key(owner) in keys)
        return concern if chosen is None else chosen & concern

    narrow = bool(severity or (owners and not budgets))  # else every head is admitted
    errors: list[DataError] = []
    paths: list[Path] = []  # of the postmortems read: the lines cache keeps theirs
    postmortems: list[Postmortem] = []  # only for the budgets, which weigh every one
    lines: LinesCache | None = None  # loaded for the first finding: none, none loaded
    findings: list[Finding] = []
    soon: list[Finding] = []
    # One postmortem at a time (``Store.each``): only the findings are kept, not every
    # postmortem (hundreds of MB at 50,000 files).
    for entry in ws.store.each(admit, pick) if narrow else ws.store.each():
        if isinstance(entry, DataError):
            errors.append(entry)
            continue
        if not wanted.match(entry.postmortem):
            continue
        paths.append(entry.path)
        if budgets:
            postmortems.append(entry.postmortem)
        found = late.late(entry.postmortem, day, ws.config, ws.tz)
        coming = late.due_soon(entry.postmortem, day, due_within) if due_within is not None else []
        if owners:  # before placing: only files with a finding shown are read again
            found, coming = late.for_owner(found, *owners), late.for_owner(coming, *owners)
        if found or coming:
            # Only files with findings are looked at again, for the lines of their findings.
            if lines is None:
                lines = LinesCache.for_root(ws.config.root)
            shown, where = (
                ws.store.display(entry.path),
                ws.store.key_lines(entry.path, lines, late.places),
            )
            findings += late.placed(found, shown, where)
            soon += late.placed(coming, shown, where)
    # An unfiltered run saw every readable file, so entries of files gone are dropped; a
    # filtered one keeps every entry it did not use.
    if lines is not None:
        filtered = bool(owners or severity)
        lines.keep_unread(None if filtered else [ws.store.display(p) for p in paths])
        lines.save()
    if budgets:  # a budget belongs to a service, not a severity
        exhausted = late.exhausted(postmortems, ws.config, day, ws.now())
        if owners:
            exhausted = late.for_owner(exhausted, *owners)
        findings += _placed_budgets(ws, exhausted)
    return OverdueResult(findings, day, ws.config.escalation_days, errors, tuple(soon), due_within)


def _placed_budgets(ws: Workspace, findings: list[Finding]) -> list[Finding]:
    """Budget findings at the ``[slo.SERVICE]`` line of the config file (line 1 when
    it is not found as such)."""
    import re

    from pm.records import replace

    source = ws.config.source
    if not findings or source is None:
        return findings
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    placed = []
    for finding in findings:
        name = re.escape(str(finding.key[-1]))
        header = re.compile(rf"\s*\[\s*(tool\.pm\.)?slo\.(\"{name}\"|'{name}'|{name})\s*\]")
        line = next((n for n, text in enumerate(lines, 1) if header.match(text)), 1)
        placed.append(replace(finding, path=ws.store.display(source), line=line))
    return placed


def new_since(
    ws: Workspace, result: OverdueResult, rev: str, *, owner: Names, severity: Names
) -> OverdueResult:
    """``result`` without what was already found at commit ``rev``: the findings (and due
    soon items) computed over the postmortem files at ``rev``, as of the date of its
    commit time, with the same filters. A finding is the same when it is about the same
    postmortem, rule and item (``Finding.ident``): an item that became late, escalated
    or was added since is new. Files unreadable at ``rev`` count as empty then."""
    from pm import overdue as late
    from pm.gitrepo import GitRepo
    from pm.vocabulary import many

    snapshot = GitRepo.discover(ws.config.root).snapshot(rev, ws.config.postmortems_dir)
    then = snapshot.when.astimezone(ws.tz).date()
    wanted = Filters(severity=severities(ws, severity))
    before: list[Finding] = []
    for name, raw in snapshot.files.items():
        try:
            postmortem = ws.store.parse(ws.config.root / name, raw).postmortem
        except DataError:
            continue
        if not wanted.match(postmortem):
            continue
        before += late.late(postmortem, then, ws.config, ws.tz)
        if result.due_within is not None:
            before += late.due_soon(postmortem, then, result.due_within)
    if not severity and ws.config.slos:
        parsed = []
        for name, raw in snapshot.files.items():
            try:
                parsed.append(ws.store.parse(ws.config.root / name, raw).postmortem)
            except DataError:
                continue
        before += late.exhausted(parsed, ws.config, then, snapshot.when)
    if owners := many(owner):
        before = late.for_owner(before, *owners)
    seen = {f.ident for f in before}
    return result._replace(
        findings=[f for f in result.findings if f.ident not in seen],
        soon=tuple(f for f in result.soon if f.ident not in seen),
    )


# --- reports --------------------------------------------------------------------------------


class IncidentReport(NamedTuple):
    """``pm report ID``: the data templates and ``--format json`` get, and the postmortem
    (its timeline chart is drawn from it)."""

    data: IncidentData
    postmortem: Postmortem


def incident_report(ws: Workspace, ref: str) -> IncidentReport:
    from pm import report

    entry, body = view(ws, ref)
    data = report.incident(
        entry.postmortem,
        body,
        path=ws.store.display(entry.path),
        now=ws.now(),
        titles=titles(ws, report.linked_ids(entry.postmortem)),
        similar_matches=similar_by_cause(ws, entry, body) or [],
    )
    return IncidentReport(data, entry.postmortem)


class PeriodReport(NamedTuple):
    """``pm report``: the figures of a period, and the files that could not be read (they
    are not counted)."""

    data: PeriodData
    errors: list[DataError]


def period_report(
    ws: Workspace,
    *,
    since: date | str | None = None,
    until: date | str | None = None,
    service: str | None = None,
    at: AsOf | None = None,
) -> PeriodReport:
    """Incidents that started from ``since`` (default: the first) to ``until`` (default:
    today), both inclusive, optionally only those affecting ``service``; ``at``: from the
    repository as it was then (``pm.history``), today being that moment's day."""
    from pm import report, similar
    from pm.similar import doc_from
    from pm.timeparse import zone

    config = at.config if at is not None else ws.config
    now = at.now if at is not None else ws.now()
    today = now.astimezone(zone(config.timezone)).date()
    window = report.Period(
        _since(ws, since, today=today), _until(ws, until, today=today) or today, service
    )
    if window.since is not None and window.since > window.until:
        raise UsageError(
            f"--since {window.since} is after --until {window.until}: the period is empty"
        )
    history = window.history()
    if at is None:
        # One postmortem decoded at a time, kept as much as the report reads of it.
        from pm.store import Entry, give_back_memory

        entries: list[Entry] = []
        errors: list[DataError] = []
        for item in ws.store.each():
            if isinstance(item, DataError):
                errors.append(item)
            else:
                entries.append(Entry(item.path, report.for_period(item.postmortem)))
        ws.store.release_summaries()
        everything = [e.postmortem for e in entries]
        from pm import causedocs, causegroups

        chosen = [e for e in entries if history.contains(e.postmortem)]
        tuning = similar.tuning_of(config)
        files = causegroups.files_read(ws.store, chosen)
        ids = {entry.postmortem.id for entry in chosen}
        grouped = causegroups.remembered_groups(ws.store, files, tuning, ids)
        causes: Sequence[Doc] | Mapping[str, Doc]
        if grouped is not None:  # no file changed: only the described groups' causes
            causes = causegroups.DocsOnDemand(ws.store, chosen)
        else:
            # Tokens from the token cache where the file is unchanged; else read and
            # tokenised (without parsing its YAML again), and only its causes are kept.
            found = causedocs.for_entries(ws.store, chosen, entries)
            grouped = causegroups.groups_of(
                ws.store, found.docs, tuning, files if found.as_read else None
            )
            # Only the groups' members are described: the other docs (80 MB at 50,000)
            # go before the figures are worked out.
            members = {i for group in grouped for i in group.ids}
            causes = {doc.id: doc for doc in found.docs if doc.id in members}
            del found
            give_back_memory()
    else:
        errors = at.errors
        everything = [p for p, _ in at.postmortems]
        causes = [doc_from(p, body) for p, body in at.postmortems if history.contains(p)]
        tuning = similar.tuning_of(config)
        from pm import causegroups

        grouped = causegroups.groups_of(ws.store, causes, tuning)
    from pm.history import created_dates

    counted = [p for p in everything if window.contains(p)]
    rev = at.commit if at is not None else "HEAD"
    data = report.period(
        everything,
        window,
        config.severity_names,
        causes,
        tuning,
        slos=config.slos,
        now=now,
        created=created_dates(config, rev, counted, zone(config.timezone)),
        grouped=grouped,
    )
    return PeriodReport(data, errors)
