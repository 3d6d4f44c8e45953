"""Reports from the repository as it was: ``pm report --as-of-commit REV`` and
``--as-of-date DATE``.

Everything is read from git's object database through ``pm.gitrepo`` (one ``ls-tree`` and
one ``cat-file --batch`` for the postmortems, one ``cat-file`` for the config); the
working tree, the index and the summary cache are not touched, so a report of last
quarter can run beside uncommitted work.

- ``--as-of-commit REV``: the postmortems and the config (``.pm.toml``, else
  ``[tool.pm]`` in pyproject.toml) of that commit; the report's "now" (what ``--until``
  defaults to, ages, overdue, budgets counted to now) is the commit's committer time.
  A report taken right after that commit is reproduced byte for byte.
- ``--as-of-date DATE``: the last commit on the current branch, following first
  parents, committed at or before the end of DATE in the team's zone; "now" is the end
  of that day (the last second before midnight), or the present moment when that is
  earlier.

Templates (your ``templates`` folder) are read from the working tree, as they are now.

An action item's creation day is its ``created:`` date when the file has one, else the
day (in the team's zone) of the first commit that added its ``- number: N`` line to the
file, found by ``created_dates`` with one ``git log -p -U0`` over the files of the
report's incidents (the whole folder past ``_MANY_FILES`` of them): its cost grows with
those files' history, not the repository's. An item never committed has none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from pm.errors import ConfigError, DataError, NotFoundError, RepoError, UsageError
from pm.records import NamedTuple, replace

if TYPE_CHECKING:
    from pathlib import Path

    from pm.config import Config
    from pm.gitrepo import GitRepo
    from pm.model import Postmortem
    from pm.workspace import Workspace


class AsOf(NamedTuple):
    """The repository at one commit: its postmortems (with their markdown bodies), the
    files that could not be read, its config, and the moment the report is taken at."""

    commit: str
    now: datetime
    config: Config
    postmortems: list[tuple[Postmortem, str]]
    errors: list[DataError]


def at_commit(ws: Workspace, rev: str) -> AsOf:
    """The repository as commit ``rev`` holds it; "now" is its commit time."""
    from pm.gitrepo import GitRepo

    repo = GitRepo.discover(ws.config.root)
    snapshot = repo.snapshot(rev, ws.config.postmortems_dir)
    return _read(ws, repo, snapshot.commit, snapshot.when, snapshot.files)


def at_date(ws: Workspace, text: str) -> AsOf:
    """The last commit on the current branch at or before the end of day ``text``."""
    from pm.gitrepo import GitRepo
    from pm.periods import period_end

    day = period_end(text, ws.today(), "--as-of-date")
    end = datetime.combine(day + timedelta(days=1), time(), ws.tz) - timedelta(seconds=1)
    repo = GitRepo.discover(ws.config.root)
    commit = repo.commit_before(end)
    if commit is None:
        first = repo.first_commit_time()
        since = f"; the first is from {first.astimezone(ws.tz):%Y-%m-%d}" if first else ""
        raise UsageError(f"--as-of-date {day}: no commit on this branch by then{since}")
    snapshot = repo.snapshot(commit, ws.config.postmortems_dir)
    return _read(ws, repo, snapshot.commit, min(end, ws.now()), snapshot.files)


def _read(
    ws: Workspace, repo: GitRepo, commit: str, now: datetime, files: dict[str, bytes]
) -> AsOf:
    from pm import frontmatter
    from pm.store import Store

    config = config_at(ws.config, repo, commit)
    store = Store(config)
    postmortems: list[tuple[Postmortem, str]] = []
    errors: list[DataError] = []
    # As ``Store.paths`` lists them: <year>/<name>.md, by file name.
    names = sorted(
        (name.rsplit("/", 1)[-1], name) for name in files if _listed(name, config.directory)
    )
    for _, name in names:
        raw = files[name]
        try:
            record = store.parse(config.root / name, raw)
        except DataError as error:
            errors.append(error)
            continue
        postmortems.append((record.postmortem, frontmatter.body_of(raw)))
    return AsOf(commit, now, config, postmortems, errors)


def _listed(name: str, directory: str) -> bool:
    parts = name.removeprefix(directory.rstrip("/") + "/").split("/")
    return (
        len(parts) == 2
        and len(parts[0]) == 4
        and parts[0].isdigit()
        and parts[1].endswith(".md")
        and not parts[1].startswith(".")
    )


def config_at(current: Config, repo: GitRepo, commit: str) -> Config:
    """The configuration ``commit`` holds (the defaults when it has none); the time zone
    found on this machine stands in when that config names none, as it would today."""
    import tomllib

    from pm.config import CONFIG_FILE, Config, parse_config

    root = current.root
    short = commit[:12]
    found = None
    for name in (CONFIG_FILE, "pyproject.toml"):
        raw = repo.file_at(commit, repo.relative(root / name))
        if raw is None:
            continue
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{name} at {short}: invalid TOML: {error}") from None
        if name == CONFIG_FILE:
            found = (data, name)
            break
        table = data.get("tool", {}).get("pm")
        if isinstance(table, dict):
            found = (table, name)
            break
    try:
        config = parse_config(root, found[0], root / found[1]) if found else Config(root=root)
    except ConfigError as error:
        raise ConfigError(f"at {short}: {error.message}") from None
    if config.timezone_source == "config":
        return config
    return replace(
        config,
        timezone=current.timezone,
        timezone_source=current.timezone_source,
        timezone_problem=current.timezone_problem,
    )


_ITEM_LINE = re.compile(r"\s*-\s+number:\s*(\d+)\s*$")
_MANY_FILES = 200  # more files than this: the folder's log, not a list of paths
CREATED_NAME = "created-v1.marshal"
_CREATED_FORMAT = "pm-created"


def created_dates(
    config: Config, rev: str, postmortems: Sequence[Postmortem], tz: tzinfo
) -> dict[tuple[str, int], date]:
    """The creation day of every action item of ``postmortems`` that has one (see the
    module's docstring), in the history of ``rev``."""
    from pm.gitrepo import GitRepo
    from pm.store import Store

    found: dict[tuple[str, int], date] = {}
    wanted: list[Postmortem] = []
    for postmortem in postmortems:
        for item in postmortem.actions:
            day = _day(item.extra.get("created"))
            if day is not None:
                found[(postmortem.id, item.number)] = day
            elif not wanted or wanted[-1] is not postmortem:
                wanted.append(postmortem)
    if not wanted:
        return found
    store = Store(config)
    paths = (
        [config.postmortems_dir]
        if len(wanted) > _MANY_FILES
        else [store.path_for(p.id) for p in wanted]
    )
    try:
        added = _first_added(GitRepo.discover(config.root), config, rev, paths)
    except RepoError:  # no commit yet, or no history to read: no dates
        return found
    for (name, number), when in added.items():
        found.setdefault((name, int(number)), when.astimezone(tz).date())
    return found


def _first_added(
    git: GitRepo, config: Config, rev: str, paths: list[Path]
) -> dict[tuple[str, str], datetime]:
    """``git.first_added`` for the items' lines, remembered for the commit ``rev`` names.

    The answer depends only on that commit's history and the paths, so it is kept in
    ``created-v1.marshal`` beside the caches with both: while HEAD does not move, a
    report reads no patch (the log of 50,000 files' history takes 40 seconds). When HEAD
    moved on from the commit kept (a ``pm event``, a pull), only the commits since are
    read: an item line they add keeps the earlier of the two times. History rewritten
    (an amend, a reset) reads it all again. A missing, damaged or foreign file, or one
    that cannot be written, only costs the log again.
    """
    import marshal
    import sys
    from contextlib import suppress

    from pm import __version__
    from pm.cache import _write_atomically, cache_folder

    folder = cache_folder(config.root)
    try:
        commit = git.commit_of(rev) if folder is not None else None
    except NotFoundError:
        commit = None  # the log says what is wrong with it
    path = folder / CREATED_NAME if folder is not None else None
    names = tuple(git.relative(p) for p in paths)
    # A shallow clone cuts the commit's history at its boundary commits, and deepening it
    # (``git fetch --unshallow``, a CI cache from a ``--depth 1`` checkout) gives the same
    # commit more history: the boundary (git's ``shallow`` file) is one of the settings.
    try:
        boundary = (git.common_dir / "shallow").read_bytes()
    except OSError:
        boundary = b""
    # What the answer depends on besides the commit: a kept answer for another commit with
    # the same settings is one to carry forward when that commit is in HEAD's history.
    settings = (
        _CREATED_FORMAT,
        sys.version_info[:2],
        __version__,
        _ITEM_LINE.pattern,
        names,
        boundary,
    )
    earlier: tuple[str, dict[tuple[str, str], datetime]] | None = None
    if path is not None and commit is not None:
        with suppress(Exception):  # missing, damaged, foreign: read the log again
            # marshal builds plain data and never runs code; .git is as trusted as its hooks.
            (stored, kept_commit), found = marshal.loads(path.read_bytes())  # noqa: S302
            kept = {(n, i): datetime.fromisoformat(w) for n, i, w in found}
            if stored == settings and kept_commit == commit:
                return kept
            if stored == settings and isinstance(kept_commit, str):
                earlier = (kept_commit, kept)
    added = None
    if earlier is not None and commit is not None and git.is_ancestor(earlier[0], commit):
        with suppress(RepoError):  # the kept commit's objects pruned away: read it all
            since = git.first_added(f"{earlier[0]}..{commit}", paths, _ITEM_LINE)
            added = earlier[1]
            for item, when in since.items():
                if item not in added or when < added[item]:
                    added[item] = when
    if added is None:
        added = git.first_added(rev, paths, _ITEM_LINE)
    if path is not None and commit is not None:
        plain = [(n, i, when.isoformat()) for (n, i), when in added.items()]
        with suppress(OSError, ValueError):
            _write_atomically(path, marshal.dumps(((settings, commit), plain)))
    return added


def _day(value: object) -> date | None:
    """A ``created:`` date as the front matter's other dates are read; None if it is not one."""
    from pm.model import SchemaError, as_date

    try:
        return as_date(value, "created")
    except SchemaError:
        return None
