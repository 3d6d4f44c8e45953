"""Every page of the site: its path, its template, the key of its inputs, and its data.

A page's key is a digest of everything it shows, computed cheaply from digests the build
already has (a file's SHA-1, the history's newest commit, the titles it links to, the
days an item is late today). Its data (``context``) is built only when the key changed:
that is where markdown is rendered and charts are drawn. Where a page links is decided
here too, so a link never points at a page the site does not have.

Page paths (all relative to the site folder; each page is one file, so the site works
from ``file://`` as from any static host):

- ``index.html``: every postmortem, with filters and search.
- ``postmortems/<id>.html``: one postmortem.
- ``actions/index.html``, ``actions/owners.html``: action items by status and by owner.
- ``reports/index.html``, ``reports/<year>.html``, ``reports/<year>-Q<n>.html``.
- ``causes/index.html``, ``causes/<first id>.html``: recurring-cause groups.
- ``services/index.html``, ``services/<slug>.html``.
- ``assets/site.css``, ``assets/site.js``, ``search/<year>-<month>.js``, and
  ``files/<path>``: images the prose shows, copied from the repository.

Length: one class that knows every page; each page kind is a short method, and they share
the links, keys and the data of one build.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pm import recurring, report, similar
from pm.config import Config
from pm.model import STATUSES
from pm.prose_html import LinkPolicy, ProseRenderer
from pm.site import collect

if TYPE_CHECKING:
    from pm.shapes import RecurringGroup
from pm.site.collect import Entry, Group, SiteData
from pm.site.links import WebLinks
from pm.site.prose import render_body, search_text
from pm.timeparse import format_duration

NAV = (
    ("index", "Postmortems", "index.html"),
    ("actions", "Action items", "actions/index.html"),
    ("reports", "Reports", "reports/index.html"),
    ("causes", "Recurring causes", "causes/index.html"),
    ("services", "Services", "services/index.html"),
)
HISTORY_SHOWN = 50
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
MAX_IMAGE_BYTES = 10 * 1024 * 1024
_SLUG = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

Context = dict[str, Any]
Partial = Callable[[str, Context], str]


@dataclass
class Spec:
    """One file of the site: a page drawn by ``template``, or bytes from ``content``."""

    path: str
    key: str
    template: str | None = None
    context: Callable[[], Context] | None = None
    content: Callable[[], bytes] | None = None
    current: str = ""  # the navigation entry the page belongs to
    files: list[str] = field(default_factory=list)  # images it shows (files/... paths)

    @property
    def root(self) -> str:
        return "../" * self.path.count("/")


def digest(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()  # noqa: S324 - change detection


def slugify(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:60]


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "-"


class Plan:
    """The pages of one build, from the data ``collect`` read."""

    def __init__(self, config: Config, data: SiteData, partial: Partial) -> None:
        self.config = config
        self.data = data
        self.partial = partial  # renders a template with a context (for generated blocks)
        self.enabled = set(config.site.pages)
        self.links = WebLinks.of(config)
        self.ranks = {name: n for n, name in enumerate(config.severity_names, start=1)}
        self.group_of = data.group_of()
        self.service_slugs = self._service_slugs()
        self._prose: ProseRenderer | None = None
        self._days = {
            e.id: e.postmortem.started.date() for e in data.entries if e.postmortem.started
        }
        self.global_key = digest(sorted(self.enabled), config.severity_names)

    # --- where things link -----------------------------------------------------------

    def incident_href(self, postmortem_id: str, root: str) -> str:
        """The page of a postmortem, or "" when the site has none (pages off, unknown id)."""
        if "postmortems" not in self.enabled or postmortem_id not in self.data.by_id:
            return ""
        return f"{root}postmortems/{postmortem_id}.html"

    def service_href(self, name: str, root: str) -> str:
        slug = self.service_slugs.get(name)
        return f"{root}services/{slug}.html" if slug and "services" in self.enabled else ""

    def cause_href(self, key: str, root: str) -> str:
        return f"{root}causes/{key}.html" if "causes" in self.enabled else ""

    def _service_slugs(self) -> dict[str, str]:
        names = sorted({s for e in self.data.entries for s in e.postmortem.services})
        slugs: dict[str, str] = {}
        taken: set[str] = set()
        for name in names:
            slug = slugify(name) or "service"
            if slug in taken or slug == "index":
                slug = f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"  # noqa: S324
            taken.add(slug)
            slugs[name] = slug
        return slugs

    def _title(self, postmortem_id: str) -> str | None:
        entry = self.data.by_id.get(postmortem_id)
        return entry.postmortem.title if entry else None

    def _rank(self, severity: str) -> int:
        return self.ranks.get(severity, 0)

    # --- the plan ----------------------------------------------------------------------

    def specs(self) -> Iterator[Spec]:
        yield self._index()
        yield from self._search()
        if "postmortems" in self.enabled:
            for entry in self.data.entries:
                yield self._postmortem(entry)
        if "actions" in self.enabled:
            yield from self._actions()
        if "reports" in self.enabled:
            yield from self._reports()
        if "causes" in self.enabled:
            yield from self._causes()
        if "services" in self.enabled:
            yield from self._services()

    # --- index and search --------------------------------------------------------------

    def _row(self, entry: Entry, root: str) -> Context:
        p = entry.postmortem
        started, duration = p.started, p.duration()
        return {
            "id": p.id,
            "title": p.title,
            "severity": p.severity,
            "rank": self._rank(p.severity),
            "status": p.status,
            "services": list(p.services),
            "tags": list(p.tags),
            "started": started.strftime("%Y-%m-%d %H:%M") if started else "-",
            "year": str(started.year) if started else "",
            "duration": format_duration(duration) if duration is not None else "ongoing",
            "href": self.incident_href(p.id, root),
        }

    def _index(self) -> Spec:
        entries = self.data.entries
        key = digest("index", self.global_key, [(e.id, e.row) for e in entries], self._months())

        def context() -> Context:
            rows = [self._row(e, "") for e in reversed(entries)]
            severities = [
                s for s in self.config.severity_names if any(r["severity"] == s for r in rows)
            ]
            severities += sorted({r["severity"] for r in rows} - set(severities))
            choices = [
                ("severity", "Severity", severities),
                ("status", "Status", [s for s in STATUSES if any(r["status"] == s for r in rows)]),
                ("service", "Service", sorted({s for r in rows for s in r["services"]})),
                ("tag", "Tag", sorted({t for r in rows for t in r["tags"]})),
                ("year", "Year", sorted({r["year"] for r in rows if r["year"]}, reverse=True)),
            ]
            return {"rows": rows, "choices": choices, "shards": self._months()}

        return Spec("index.html", key, "site/index.html.j2", context, current="index")

    def _by_month(self) -> dict[str, list[Entry]]:
        months: dict[str, list[Entry]] = defaultdict(list)
        for entry in self.data.entries:
            months[entry.id[:7]].append(entry)
        return months

    def _months(self) -> list[str]:
        return sorted(self._by_month())

    def _search(self) -> Iterator[Spec]:
        for month, members in sorted(self._by_month().items()):
            key = digest("search", [(e.id, e.digest) for e in members])

            def content(members: list[Entry] = members) -> bytes:
                found = [[e.id, _search_text(e)] for e in members]
                return f"pmSearch.add({json.dumps(found, ensure_ascii=True)});\n".encode()

            yield Spec(f"search/{month}.js", key, content=content)

    # --- one postmortem ----------------------------------------------------------------

    def _postmortem(self, entry: Entry) -> Spec:
        p = entry.postmortem
        changes = self.data.history.get(entry.path, [])
        group = self.group_of.get(p.id) if "causes" in self.enabled else None
        today = self.data.now.date()
        key = digest(
            "postmortem",
            self.global_key,
            entry.digest,
            len(changes),
            changes[0][0] if changes else "",
            [(i, score, shared, self._title(i)) for i, score, shared in self._similar(p.id)],
            [(r, self._title(r)) for r in report.linked_ids(p)],
            (group.key, len(group.ids), group.terms) if group else None,
            [item.days_overdue(today) for item in p.actions],
            self.data.now.strftime("%Y-%m-%d %H:%M") if p.resolved_at is None else "",
        )
        path = f"postmortems/{p.id}.html"
        spec = Spec(path, key, "site/postmortem.html.j2", current="index")
        spec.context = lambda: self._postmortem_context(entry, spec)
        return spec

    def _similar(self, postmortem_id: str) -> list[tuple[str, float, list[str]]]:
        return [m for m in self.data.similar.get(postmortem_id, []) if m[0] in self.data.by_id]

    def _postmortem_context(self, entry: Entry, spec: Spec) -> Context:
        from markupsafe import Markup

        from pm.render import charts

        p, root = entry.postmortem, spec.root
        body = collect.body(entry)
        matches = [
            similar.Match(id=i, title=self._title(i) or i, score=score, shared=shared, started=None)
            for i, score, shared in self._similar(p.id)
        ]
        titles = {r: t for r in report.linked_ids(p) if (t := self._title(r)) is not None}
        # The report's data, without its prose sections: the page renders the whole body.
        data = report.incident(
            p, "", path=entry.path, now=self.data.now, titles=titles, similar_matches=matches
        )
        phases = [charts.Phase(label, start, end) for label, start, end in report.phases(p)]
        events = [(e.kind, e.at, e.text) for e in p.timeline]
        changes = self.data.history.get(entry.path, [])
        group = self.group_of.get(p.id) if "causes" in self.enabled else None
        context: Context = {
            "report": data,
            "rank": self._rank(p.severity),
            "timeline_chart": Markup(charts.svg_timeline("Timeline (UTC)", phases, events)),  # noqa: S704 - pm.charts escapes every label
            "file": {
                "path": entry.path,
                "href": self.links.file(entry.path),
                "edit": self.links.edit(entry.path),
                "log": self.links.history(entry.path),
            },
            "history": [self._change(change) for change in changes[:HISTORY_SHOWN]],
            "earlier": max(0, len(changes) - HISTORY_SHOWN),
            "cause": {
                "href": self.cause_href(group.key, root),
                "count": len(group.ids),
                "terms": group.terms,
            }
            if group
            else None,
            "service_href": lambda name: self.service_href(name, root),
            "incident_href": lambda other: self.incident_href(other, root),
            "links": self.links,
        }
        policy = LinkPolicy(
            source=entry.path,
            link=lambda path, fragment: self._link(path, fragment, root),
            image=lambda path, _fragment: self._image(path, spec),
        )
        blocks = {"timeline": "site/timeline.html.j2", "actions": "site/actions-table.html.j2"}
        document, placed = render_body(
            self.prose(), body, policy, lambda name: self.partial(blocks[name], context)
        )
        context["document"] = Markup(document)  # noqa: S704 - pm.prose_html escapes all text
        context["placed"] = placed
        return context

    def prose(self) -> ProseRenderer:
        if self._prose is None:
            self._prose = ProseRenderer()
        return self._prose

    def _change(self, change: tuple[str, int, str, str, str]) -> Context:
        commit, seconds, author, _operation, subject = change
        return {
            "when": datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M"),
            "author": author,
            "change": subject,
            "short": commit[:10],
            "href": self.links.commit(commit),
        }

    def _link(self, path: str, fragment: str, root: str) -> str | None:
        """A relative link in prose: a postmortem's page, else the file on the repository."""
        anchor = f"#{quote(fragment, safe='')}" if fragment else ""
        folder = self.config.directory.strip("/") + "/"
        if path.startswith(folder) and path.endswith(".md"):
            href = self.incident_href(Path(path).stem, root)
            if href:
                return href + anchor
        target = self.config.root / path
        if not _is_regular(target):
            return None
        found = self.links.file(path)
        return found + anchor if found else None

    def _image(self, path: str, spec: Spec) -> str | None:
        """An image in prose: copied into the site (``files/<path>``) when it is one."""
        if not path.lower().endswith(IMAGE_TYPES):
            return None
        source = self.config.root / path
        try:
            inside = source.resolve().is_relative_to(self.config.root.resolve())
            info = source.stat()
        except (OSError, ValueError):
            return None
        if not inside or not stat.S_ISREG(info.st_mode) or info.st_size > MAX_IMAGE_BYTES:
            return None
        copy = f"files/{path}"
        spec.files.append(copy)
        return spec.root + quote(copy, safe="/")

    def image_spec(self, copy: str) -> Spec | None:
        source = self.config.root / copy.removeprefix("files/")
        try:
            info = source.stat()
        except OSError:
            return None
        key = digest("file", info.st_size, info.st_mtime_ns, info.st_ino)
        return Spec(copy, key, content=source.read_bytes)

    # --- action items ------------------------------------------------------------------

    def _items(self, entries: Sequence[Entry], root: str) -> list[Context]:
        from pm.render import views

        today = self.data.today
        return [
            {
                **views.action(item, today),
                "id": e.id,
                "title": e.postmortem.title,
                "href": self.incident_href(e.id, root),
            }
            for e in entries
            for item in e.postmortem.actions
        ]

    def _actions(self) -> Iterator[Spec]:
        key = digest(
            "actions", self.global_key, self.data.today, [e.acts for e in self.data.entries]
        )
        for view, path in (("status", "actions/index.html"), ("owner", "actions/owners.html")):

            def context(view: str = view) -> Context:
                items = self._items(self.data.entries, "../")
                return {
                    "view": view,
                    "today": self.data.today,
                    "counts": _counts(items),
                    "groups": _by_status(items) if view == "status" else _by_owner(items),
                }

            yield Spec(path, key, "site/actions.html.j2", context, current="actions")

    # --- period reports ----------------------------------------------------------------

    def _periods(self) -> list[tuple[str, date, date, str]]:
        """(name, since, until, year) of every year and quarter with an incident."""
        today = self.data.today
        found: list[tuple[str, date, date, str]] = []
        years = sorted(
            {e.postmortem.started.year for e in self.data.entries if e.postmortem.started}
        )
        for year in years:
            start = date(year, 1, 1)
            if start > today:
                continue
            found.append((str(year), start, min(date(year, 12, 31), today), str(year)))
            for quarter in range(4):
                since = date(year, 3 * quarter + 1, 1)
                last = date(year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1) - timedelta(
                    days=1
                )
                if since <= today:
                    found.append((f"{year}-Q{quarter + 1}", since, min(last, today), str(year)))
        return found

    def _started(self) -> Started:
        pairs = sorted((day, e.id) for e in self.data.entries if (day := self._days.get(e.id)))
        return Started([day for day, _ in pairs], [self.data.by_id[i] for _, i in pairs])

    def _reports(self) -> Iterator[Spec]:
        periods = self._periods()
        started = self._started()
        totals = {name: len(started.between(since, until)) for name, since, until, _ in periods}
        listing = digest("reports", self.global_key, [(p[0], totals[p[0]]) for p in periods])

        def index() -> Context:
            years: list[Context] = []
            for name, _since, _until, year in periods:
                if name == year:
                    years.append(
                        {
                            "name": name,
                            "href": f"{name}.html",
                            "total": totals[name],
                            "quarters": [],
                        }
                    )
                elif totals[name]:
                    years[-1]["quarters"].append(
                        {"name": name[5:], "href": f"{name}.html", "total": totals[name]}
                    )
            years.reverse()
            return {"years": years}

        yield Spec("reports/index.html", listing, "site/reports.html.j2", index, current="reports")
        for name, since, until, _year in periods:
            if not totals[name]:
                continue
            yield self._report(name, since, until, started)

    def _report(self, name: str, since: date, until: date, started: Started) -> Spec:
        before = since - ((until - since) + timedelta(days=1))
        subset = started.between(before, until)
        window = report.Period(since=since, until=until)
        touching = [g for g in self.data.groups if any(self._in(i, since, until) for i in g.ids)]
        members = [self.data.by_id[i] for g in touching for i in g.ids if i in self.data.by_id]
        key = digest(
            "report",
            self.global_key,
            since,
            until,
            # The previous period only counts (the trend): its ids matter, not their contents.
            [(e.id, e.digest if self._in(e.id, since, until) else "") for e in subset],
            [(g.ids, g.terms, g.labels) for g in touching],
            [(e.id, e.acts) for e in members],
        )

        def context() -> Context:
            from pm.render.report import period_svgs

            data = report.period(
                [e.postmortem for e in subset],
                window,
                self.config.severity_names,
                [],
                recurring=False,
            )
            data["recurring"] = self._recurring(touching, window)
            return {
                "name": name,
                "report": data,
                "charts": period_svgs(data),
                "links": self.links,
                "incident_href": lambda i: self.incident_href(i, "../"),
                "group_href": lambda g: self.cause_href(g["incidents"][0]["id"], "../"),
                "row_ids": False,
            }

        return Spec(f"reports/{name}.html", key, "site/report.html.j2", context, current="reports")

    def _in(self, postmortem_id: str, since: date, until: date) -> bool:
        day = self._days.get(postmortem_id)
        return day is not None and since <= day <= until

    def _recurring(self, groups: Sequence[Group], window: report.Period) -> list[RecurringGroup]:
        members = {
            i: self.data.by_id[i].postmortem for g in groups for i in g.ids if i in self.data.by_id
        }
        causes = {i: cause for g in groups for i, cause in g.causes.items()}
        usable = [g.as_similar() for g in groups if all(i in members for i in g.ids)]
        return recurring.describe_groups(usable, list(members.values()), causes, window)

    # --- recurring causes --------------------------------------------------------------

    def _causes(self) -> Iterator[Spec]:
        everything = report.Period(since=None, until=date.max)
        groups = [g for g in self.data.groups if all(i in self.data.by_id for i in g.ids)]

        def facts(g: Group) -> list[tuple[str, str, str]]:
            return [(i, self.data.by_id[i].row, self.data.by_id[i].acts) for i in g.ids]

        key = digest("causes", self.global_key, [(g.ids, g.terms, facts(g)) for g in groups])

        def index() -> Context:
            rows = [
                {**row, "href": self.cause_href(row["incidents"][0]["id"], "../")}
                for row in self._recurring(groups, everything)
            ]
            return {"groups": rows}

        yield Spec("causes/index.html", key, "site/causes.html.j2", index, current="causes")
        for g in groups:
            page_key = digest(
                "cause", self.global_key, g.ids, g.terms, g.labels, g.linked, facts(g)
            )

            def context(g: Group = g) -> Context:
                return {
                    "g": self._recurring([g], everything)[0],
                    "incident_href": lambda i: self.incident_href(i, "../"),
                }

            yield Spec(
                f"causes/{g.key}.html", page_key, "site/cause.html.j2", context, current="causes"
            )

    # --- services ----------------------------------------------------------------------

    def _services(self) -> Iterator[Spec]:
        members: dict[str, list[Entry]] = defaultdict(list)
        for entry in self.data.entries:
            for name in entry.postmortem.services:
                members[name].append(entry)
        today = self.data.today
        summary = []
        for name in sorted(members, key=lambda n: (-len(members[n]), n)):
            items = [a for e in members[name] for a in e.postmortem.actions]
            summary.append(
                {
                    "name": name,
                    "href": self.service_href(name, "../"),
                    "total": len(members[name]),
                    "open": sum(1 for a in items if a.is_open),
                    "overdue": sum(1 for a in items if a.days_overdue(today) > 0),
                    "last": _day(members[name][-1].postmortem.started),
                }
            )
        key = digest("services", self.global_key, summary)
        yield Spec(
            "services/index.html",
            key,
            "site/services.html.j2",
            lambda: {"services": summary},
            current="services",
        )
        for name, entries in members.items():
            ids = {e.id for e in entries}
            groups = [g for g in self.data.groups if any(i in ids for i in g.ids)]
            page_key = digest(
                "service",
                self.global_key,
                name,
                today,
                [(e.id, e.row, e.acts) for e in entries],
                [(g.ids, g.terms) for g in groups],
            )

            def context(
                name: str = name, entries: list[Entry] = entries, groups: list[Group] = groups
            ) -> Context:
                durations = [
                    d.total_seconds() / 60
                    for e in entries
                    if e.postmortem.resolved_at and (d := e.postmortem.duration()) is not None
                ]
                mttr = report.median(durations)
                items = [
                    a for a in self._items(entries, "../") if a["status"] in ("open", "in-progress")
                ]
                items.sort(key=lambda a: (-a["days_overdue"], a["due"], a["id"], a["number"]))
                return {
                    "name": name,
                    "incidents": [self._row(e, "../") for e in reversed(entries)],
                    "mttr": format_duration(timedelta(minutes=mttr)) if mttr is not None else "-",
                    "items": items,
                    "causes": [
                        {
                            "href": self.cause_href(g.key, "../"),
                            "count": len(g.ids),
                            "terms": g.terms,
                        }
                        for g in groups
                    ],
                    "today": today,
                }

            yield Spec(
                f"services/{self.service_slugs[name]}.html",
                page_key,
                "site/service.html.j2",
                context,
                current="services",
            )


# --- helpers -----------------------------------------------------------------------------


@dataclass
class Started:
    """Postmortems by start date, for the periods (a bisection, not a scan, per period)."""

    days: list[date]
    entries: list[Entry]

    def between(self, since: date, until: date) -> list[Entry]:
        import bisect

        low = bisect.bisect_left(self.days, since)
        return self.entries[low : bisect.bisect_right(self.days, until)]


def _is_regular(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _search_text(entry: Entry) -> str:
    p = entry.postmortem
    parts = [p.id, p.title, p.severity, p.status, p.impact, *p.services, *p.tags]
    parts.append(search_text(collect.body(entry)))
    parts += [f"{e.kind} {e.text}" for e in p.timeline]
    parts += [f"{a.text} {a.owner} {a.ticket or ''} {a.status} {a.reason or ''}" for a in p.actions]
    if p.closed is not None and p.closed.reason:
        parts.append(p.closed.reason)
    text = " ".join(_CONTROL.sub(" ", part) for part in parts)
    return " ".join(text.lower().split())


def _counts(items: list[Context]) -> Context:
    return {
        "total": len(items),
        "overdue": sum(1 for a in items if a["days_overdue"]),
        "open": sum(
            1 for a in items if a["status"] in ("open", "in-progress") and not a["days_overdue"]
        ),
        "done": sum(1 for a in items if a["status"] == "done"),
        "wont_do": sum(1 for a in items if a["status"] == "wont-do"),
    }


def _by_status(items: list[Context]) -> list[tuple[str, str, list[Context], bool]]:
    def due(a: Context) -> tuple[Any, ...]:
        return (a["due"], a["id"], a["number"])

    overdue = sorted(
        (a for a in items if a["days_overdue"]), key=lambda a: (-a["days_overdue"], *due(a))
    )
    progress = sorted(
        (a for a in items if a["status"] == "in-progress" and not a["days_overdue"]), key=due
    )
    waiting = sorted((a for a in items if a["status"] == "open" and not a["days_overdue"]), key=due)
    done = sorted(
        (a for a in items if a["status"] == "done"),
        key=lambda a: (a["done"] or a["due"], a["id"]),
        reverse=True,
    )
    dropped = sorted((a for a in items if a["status"] == "wont-do"), key=due, reverse=True)
    groups = [
        ("Overdue", "overdue", overdue, True),
        ("In progress", "in-progress", progress, True),
        ("Open", "open", waiting, True),
        ("Done", "done", done, False),
        ("Won't do", "wont-do", dropped, False),
    ]
    return [group for group in groups if group[2]]


def _by_owner(items: list[Context]) -> list[tuple[str, str, list[Context], bool]]:
    owners: dict[str, list[Context]] = defaultdict(list)
    for item in items:
        if item["status"] in ("open", "in-progress"):
            owners[item["owner"]].append(item)

    def rank(name: str) -> tuple[int, int, str]:
        late = sum(1 for a in owners[name] if a["days_overdue"])
        return (-late, -len(owners[name]), name.casefold())

    groups = []
    for n, name in enumerate(sorted(owners, key=rank), start=1):
        mine = sorted(
            owners[name], key=lambda a: (-a["days_overdue"], a["due"], a["id"], a["number"])
        )
        late = sum(1 for a in mine if a["days_overdue"])
        heading = f"{name or '(no owner)'}: {len(mine)} open, {late} overdue"
        groups.append((heading, f"owner-{n}", mine, True))
    return groups
