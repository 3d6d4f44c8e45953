"""The bodies of ``pm report`` (one incident, or a period's incidents, printed or written
to a file with ``-o``) and ``pm site`` (the static website of every postmortem)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pm import queries
from pm.cli.shared import unreadable
from pm.errors import DataError, UsageError
from pm.render import output

if TYPE_CHECKING:
    from pm.config import Config
    from pm.history import AsOf
    from pm.workspace import Workspace


def report(
    postmortem_id: str | None,
    since: str | None,
    until: str | None,
    service: str | None,
    as_of_commit: str | None,
    as_of_date: str | None,
    fmt: str | None,
    as_json: bool,
    out: str | None,
) -> None:
    from pm.cli.shared import reading
    from pm.render import report as render
    from pm.vocabulary import output_format

    ws = reading()
    if postmortem_id is not None:
        if since or until or service or as_of_commit or as_of_date:
            raise UsageError(
                "--since, --until, --service, --as-of-commit and --as-of-date are for period "
                "reports, not one ID"
            )
        fmt = output_format(fmt, as_json, render.FORMATS_INCIDENT, "md")
        _check_format(fmt, render.FORMATS_INCIDENT, out)
        found = queries.incident_report(ws, postmortem_id)
        text = render.incident(ws.config, found, _source(fmt))
        _emit(_pdf(text) if fmt == "pdf" else text, out, ws.config)
        return
    fmt = output_format(fmt, as_json, render.FORMATS_PERIOD, "text")
    _check_format(fmt, render.FORMATS_PERIOD, out)
    at = _as_of(ws, as_of_commit, as_of_date)
    period = queries.period_report(ws, since=since, until=until, service=service, at=at)
    config = at.config if at is not None else ws.config
    if fmt == "text" and out is None:
        from pm.render.reporttext import print_terminal

        print_terminal(period.data)
    elif fmt == "text":
        from pm.render.reporttext import plain

        _emit(plain(period.data), out, config)
    elif fmt == "slack":
        from pm.render import chat

        _emit(output.to_json(chat.slack_report(period.data)) + "\n", out, config)
    else:
        text = render.period(config, period.data, _source(fmt))
        _emit(_pdf(text) if fmt == "pdf" else text, out, config)
    unreadable(period.errors, "could not be read and are not counted")


def _as_of(ws: Workspace, commit: str | None, day: str | None) -> AsOf | None:
    """``--as-of-commit`` or ``--as-of-date`` (not both): the repository as it was."""
    if commit is not None and day is not None:
        raise UsageError("use --as-of-commit or --as-of-date, not both")
    from pm import history

    if commit is not None:
        return history.at_commit(ws, commit)
    return history.at_date(ws, day) if day is not None else None


def _check_format(fmt: str, allowed: tuple[str, ...], out: str | None) -> None:
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(allowed)}")
    if fmt == "pdf" and out is None:
        raise UsageError("--format pdf writes a file; give one with -o FILE")


def _source(fmt: str) -> str:
    """The format a report is rendered in: a PDF is printed from the HTML report."""
    return "html" if fmt == "pdf" else fmt


def _pdf(html: str) -> bytes:
    from pm.pdf import print_pdf

    return print_pdf(html)


def _emit(text: str | bytes, out: str | None, config: Config) -> None:
    """Print, or write ``out`` atomically (a new file, or over an existing file).

    ``-o`` writes where the user asks, like a shell redirect, except into the postmortems
    folder: a report must never replace a postmortem (or a link to one).
    """
    if out is None:
        sys.stdout.write(text if isinstance(text, str) else text.decode("utf-8"))
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
    data = text.encode("utf-8") if isinstance(text, str) else text
    atomic_write(path, data, create=not path.exists())
    output.message(f"Wrote {out}")


def site(out: str | None, full: bool) -> None:
    from pm.site.build import build
    from pm.workspace import Workspace

    ws = Workspace.load()
    if out is not None and "\x00" in out:
        raise UsageError(f"cannot write {out!r}: a folder name cannot hold a NUL character")
    folder = Path(out) if out is not None else ws.config.root / ws.config.site.output
    result = build(ws, folder, full=full)
    unchanged = result.pages - result.written
    shown = os.path.relpath(result.out)
    shown = str(result.out) if shown.startswith("..") else shown
    output.message(
        f"Built {shown}: {result.written} file(s) written, {unchanged} unchanged, "
        f"{result.removed} removed ({result.seconds:.1f}s); open {shown}/index.html"
    )
    for error in result.errors:
        output.error(error.message)
    if result.errors:
        raise DataError(
            f"{len(result.errors)} postmortem file(s) could not be read and are not on the site"
        )
