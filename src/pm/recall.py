"""Past incidents that name the files a change touches (``pm recall``), and why.

An incident names a changed file when:

- **prose**: its written prose, a timeline event or an action item mentions the file's
  path (``config/pool.yaml``, or the end of it: ``pool/config.yaml`` names
  ``src/pool/config.yaml``), its file name (``reconcile.sql``), or a folder it is in
  (``src/payments/``). What counts as a mention is in ``mentions``;
- **service**: one of its services owns the file: ``[services.NAME] paths`` patterns
  (``pm.pathglob``) match it, or, for a service without patterns, a folder of the file
  has the service's name (``payments-api/handler.py``);
- **tag**: one of its tags is the name of a folder of the file or the file's name
  without its extension (tag ``dns`` names ``infra/dns/zones.tf`` and ``dns.tf``).

Names compare without regard to case, ``_`` and ``-`` alike; paths compare exactly, as
git's do. Pure: the caller gives what it read, nothing here reads a file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from pm.model import OPEN_ACTION_STATUSES
from pm.pathglob import compile_pattern
from pm.records import datarecord, field

if TYPE_CHECKING:
    from pm.model import ActionItem, Postmortem
    from pm.shapes import RecurringGroup

# How much a reason says about the file, strongest first: the full path written down,
# then the file's name or its service's patterns, a folder, a service's folder, a tag.
WEIGHTS = {"path": 6, "name": 5, "service": 4, "folder": 3, "service-folder": 2, "tag": 1}

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S*|\bwww\.\S+|\S+@\S+\.\w+", re.IGNORECASE)
# A run of the characters paths are made of; everything else (spaces, backticks, quotes,
# brackets, commas) ends a mention.
_TOKEN = re.compile(r"[A-Za-z0-9_./~+-]*[./][A-Za-z0-9_./~+-]*")
_EXTENSION = re.compile(r"[A-Za-z][A-Za-z0-9]{0,9}")
_ABBREVIATION = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]?")  # e.g. i.e. U.S. a.m
_NOT_EXTENSIONS = frozenset({"com", "org", "net", "edu", "gov"})  # host names, not files


@datarecord(frozen=True)
class Change:
    """One changed file: its path from the top of the repository, git's status letter
    (``?`` untracked, ``-`` named with ``--paths``), and its old path when renamed."""

    path: str
    status: str = "-"
    old_path: str | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """The paths the file had: a past incident may name the old one."""
        return (self.path,) if self.old_path is None else (self.path, self.old_path)


@datarecord(frozen=True)
class Reason:
    """Why an incident was recalled: ``file`` (a changed path) is named by ``kind``
    ("path", "name", "folder": a mention in ``where``; "service", "service-folder":
    service ``name``; "tag": tag ``name``). ``where`` is "prose", "event N" or "action
    #N" for a mention, and ``text`` the line that mentions it."""

    file: str
    kind: str
    name: str
    where: str = ""
    text: str = ""


@datarecord
class Recalled:
    """A past incident and why it was recalled, its open action items, and (filled by
    the caller) its recurring-cause group."""

    postmortem: Postmortem
    reasons: list[Reason]
    group: RecurringGroup | None = field(default=None)

    @property
    def weight(self) -> int:
        return max(WEIGHTS[r.kind] for r in self.reasons)

    @property
    def open_actions(self) -> list[ActionItem]:
        return [a for a in self.postmortem.actions if a.status in OPEN_ACTION_STATUSES]

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(r.file for r in self.reasons))


# --- mentions in prose ------------------------------------------------------------------------


def mentions(text: str) -> list[str]:
    """The file paths, file names and folders ``text`` mentions, in order, each once.

    A mention is a run of path characters with a ``/`` or a ``.``: a path of three or
    more parts (``db/migrations/0042``), of two parts ending in a file name
    (``config/pool.yaml``) or a ``/`` (``src/payments/``), or a file name with an
    extension (``reconcile.sql``). Not mentions: URLs and email addresses, two words
    with a slash (``read/write``, ``24/7``), abbreviations (``e.g.``), numbers and
    versions (``v1.2``, ``99.9``), host names (``api.example.com``).
    """
    found: dict[str, None] = {}
    for run in _TOKEN.findall(_URL.sub(" ", text)):
        token = run.rstrip(".").removeprefix("./")
        if _is_mention(token):
            found[token] = None
    return list(found)


def _is_mention(token: str) -> bool:
    if not token or (token.startswith("/") and token.count("/") == 1):
        return False
    folder = token.endswith("/")
    parts = [p for p in token.strip("/").split("/") if p]
    if not parts or any(p in (".", "..") or not re.search(r"[A-Za-z]", p) for p in parts):
        return False
    if folder:
        return len(parts) >= 2
    if len(parts) >= 3:
        return True
    return is_file_name(parts[-1])


def is_file_name(name: str) -> bool:
    """Whether ``name`` reads as a file name with an extension (``reconcile.sql``)."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem.strip(".") or _ABBREVIATION.fullmatch(name):
        return False
    return bool(_EXTENSION.fullmatch(extension)) and extension.lower() not in _NOT_EXTENSIONS


def mention_kind(mention: str, path: str) -> str | None:
    """How ``mention`` names the file at ``path``: "path" (all of it, or its end from a
    folder on), "name" (the file name alone), "folder" (a folder it is in), or None."""
    if mention.endswith("/"):
        folder = mention.strip("/")
        return "folder" if f"/{folder}/" in f"/{path.rsplit('/', 1)[0]}/" else None
    wanted = mention.lstrip("/")
    if wanted == path or path.endswith("/" + wanted):
        return "path" if "/" in wanted else "name"
    return None


def section_of(body: str, line: str) -> str | None:
    """The heading (``Root Cause``) of the section of ``body`` holding ``line``."""
    heading = None
    for text in body.splitlines():
        if text.startswith("## "):
            heading = text[3:].strip()
        elif line and line in text:
            return heading
    return None


# --- services and tags ----------------------------------------------------------------------


def _name(text: str) -> str:
    return text.casefold().replace("_", "-")


@functools.lru_cache(maxsize=4096)
def path_names(path: str) -> tuple[frozenset[str], str]:
    """The folder names of ``path`` and its file name without extensions, for tags and
    service names (compared by ``_name``)."""
    *folders, file = path.split("/")
    return frozenset(_name(f) for f in folders), _name(file.split(".", 1)[0])


class Services:
    """``[services.NAME] paths`` compiled once."""

    def __init__(self, config: Mapping[str, Sequence[str]]) -> None:
        self.patterns = {
            name: [(p, compile_pattern(p)) for p in patterns] for name, patterns in config.items()
        }

    def owns(self, service: str, path: str) -> tuple[str, str] | None:
        """("service", pattern) when the service's patterns match ``path``, or
        ("service-folder", folder) for an unconfigured service named like a folder."""
        patterns = self.patterns.get(service)
        if patterns is not None:
            for text, pattern in patterns:
                if pattern.match(path):
                    return "service", text
            return None
        folders, _ = path_names(path)
        return ("service-folder", service) if _name(service) in folders else None


# --- recall -----------------------------------------------------------------------------------


def reasons_for(
    postmortem: Postmortem, prose: str, changes: Sequence[Change], services: Services
) -> list[Reason]:
    """Why ``postmortem`` names any of ``changes``; empty when it names none. ``prose`` is
    the text people wrote in its body (``search.prose_of``)."""
    found: list[Reason] = []
    for change in changes:
        found += _services_and_tags(postmortem, change, services)
    texts = list(_texts(postmortem, prose))
    # Cheap first: only text holding a changed file's name or folder can name it.
    whole = "\n".join(text for _, text in texts)
    wanted = [c for c in changes if any(n in whole for n in _needles(c))]
    if wanted:
        found += _mentioned(texts, wanted)
    return found


def _services_and_tags(postmortem: Postmortem, change: Change, services: Services) -> list[Reason]:
    found = []
    for service in postmortem.services:
        for path in change.paths:
            owned = services.owns(service, path)
            if owned:
                found.append(Reason(change.path, owned[0], service, owned[1]))
                break
    for tag in postmortem.tags:
        for path in change.paths:
            folders, stem = path_names(path)
            if _name(tag) in folders or _name(tag) == stem:
                found.append(Reason(change.path, "tag", tag))
                break
    return found


def _texts(postmortem: Postmortem, prose: str) -> Iterable[tuple[str, str]]:
    """Where mentions are looked for: the prose's lines, the timeline, the action items."""
    for line in prose.splitlines():
        yield "prose", line
    for n, event in enumerate(postmortem.timeline, 1):
        yield f"event {n}", event.text
    for item in postmortem.actions:
        yield f"action #{item.number}", item.text


def _mentioned(texts: Iterable[tuple[str, str]], changes: Sequence[Change]) -> list[Reason]:
    """Where each changed file is named (a place once: the prose, an event, an item),
    by the strongest kind of mention found there."""
    needles = {c.path: _needles(c) for c in changes}
    best: dict[tuple[str, str], Reason] = {}
    for where, line in texts:
        wanted = [c for c in changes if any(n in line for n in needles[c.path])]
        if not wanted:
            continue
        for mention in mentions(line):
            for change in wanted:
                for path in change.paths:
                    kind = mention_kind(mention, path)
                    if kind is None:
                        continue
                    known = best.get((change.path, where))
                    if known is None or WEIGHTS[kind] > WEIGHTS[known.kind]:
                        reason = Reason(change.path, kind, mention, where, line.strip())
                        best[change.path, where] = reason
    return list(best.values())


@functools.lru_cache(maxsize=4096)
def _needles(change: Change) -> frozenset[str]:
    """What a text must contain to name the file: its name, or a folder and a ``/``."""
    found: set[str] = set()
    for path in change.paths:
        *folders, name = path.split("/")
        found.add(name)
        found.update(f"{folder}/" for folder in folders)
    return frozenset(found)


def recall(
    postmortems: Sequence[tuple[Postmortem, str]],
    changes: Sequence[Change],
    services: Services,
) -> list[Recalled]:
    """Every incident (with its prose) that names a changed file: strongest reason
    first, then the most files named, then the newest."""
    found = []
    for postmortem, prose in postmortems:
        reasons = reasons_for(postmortem, prose, changes, services)
        if reasons:
            reasons.sort(key=lambda r: (-WEIGHTS[r.kind], r.file))
            found.append(Recalled(postmortem, reasons))
    found.sort(key=lambda r: r.postmortem.id, reverse=True)
    found.sort(key=lambda r: (-r.weight, -len(r.files)))
    return found
