"""The body of ``pm report``: one incident, or a period's incidents, printed or written
to a file (``-o``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pm import queries
from pm.cli.shared import unreadable
from pm.errors import UsageError
from pm.render import output

if TYPE_CHECKING:
    from pm.config import Config


def report(
    postmortem_id: str | None,
    since: str | None,
    until: str | None,
    service: str | None,
    fmt: str | None,
    out: str | None,
) -> None:
    from pm.cli.shared import reading
    from pm.render import report as render

    ws = reading()
    if postmortem_id is not None:
        if since or until or service:
            raise UsageError("--since, --until and --service are for period reports, not one ID")
        fmt = fmt or "md"
        _check_format(fmt, render.FORMATS_INCIDENT)
        found = queries.incident_report(ws, postmortem_id)
        _emit(render.incident(ws.config, found, fmt), out, ws.config)
        return
    fmt = fmt or "text"
    _check_format(fmt, render.FORMATS_PERIOD)
    period = queries.period_report(ws, since=since, until=until, service=service)
    if fmt == "text" and out is None:
        from pm.render.reporttext import print_terminal

        print_terminal(period.data)
    elif fmt == "text":
        from pm.render.reporttext import plain

        _emit(plain(period.data), out, ws.config)
    else:
        _emit(render.period(ws.config, period.data, fmt), out, ws.config)
    unreadable(period.errors, "could not be read and are not counted")


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(allowed)}")


def _emit(text: str, out: str | None, config: Config) -> None:
    """Print, or write ``out`` atomically (a new file, or over an existing file).

    ``-o`` writes where the user asks, like a shell redirect, except into the postmortems
    folder: a report must never replace a postmortem (or a link to one).
    """
    if out is None:
        sys.stdout.write(text)
        return
    from pm.store import atomic_write

    if "\x00" in out:
        raise UsageError(f"cannot write {out!r}: a file name cannot hold a NUL character")
    path = Path(out)
    try:
        if path.is_dir():
            raise UsageError(f"{out} is a directory; give a file name for -o")
        if not path.parent.is_dir():
            raise UsageError(f"cannot write {out}: folder {path.parent} does not exist")
        inside = path.resolve().is_relative_to(config.postmortems_dir.resolve())
    except OSError as error:  # a name too long, a loop of links
        raise UsageError(f"cannot write {out}: {error.strerror}") from None
    if inside:
        raise UsageError(f"{out} is in the postmortems folder; write the report elsewhere")
    atomic_write(path, text.encode("utf-8"), create=not path.exists())
    output.message(f"Wrote {out}")
