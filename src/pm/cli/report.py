"""``pm report`` (one incident or a period) and ``pm related`` (link two incidents)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pm import output
from pm.cli.app import NoCommit, app
from pm.errors import DataError, UsageError

if TYPE_CHECKING:
    from pm.config import Config


@app.command()
def report(
    postmortem_id: Annotated[
        str | None,
        typer.Argument(metavar="[ID]", help="Report on one postmortem; omit for a period."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Period start date (incidents started on or after)."),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Period end date, inclusive (default: today).")
    ] = None,
    service: Annotated[
        str | None, typer.Option("--service", help="Only incidents affecting this service.")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="text, md, html, json or pdf (default: text; md for one ID).",
        ),
    ] = None,
    out: Annotated[
        str | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Render a postmortem, or a period's incidents, for people who were not there."""
    from pm import report as reports
    from pm import report_output
    from pm.timeparse import parse_date
    from pm.workspace import Workspace

    ws = Workspace.load()
    if postmortem_id is not None:
        if since or until or service:
            raise UsageError("--since, --until and --service are for period reports, not one ID")
        fmt = fmt or "md"
        _check_format(fmt, report_output.FORMATS_INCIDENT, out)
        record = ws.get(postmortem_id)
        data = reports.incident(
            record,
            path=ws.store.display(record.path),
            now=ws.now(),
            titles=ws.titles(record.postmortem.related),
            similar_matches=ws.similar_by_cause(record),
        )
        text = report_output.incident(ws.config, data, record.postmortem, _source(fmt))
        _emit(_pdf(text, out) if fmt == "pdf" else text, out, ws.config)
        return
    fmt = fmt or "text"
    _check_format(fmt, report_output.FORMATS_PERIOD, out)
    today = ws.today()
    window = reports.Period(
        since=parse_date(since, today) if since else None,
        until=parse_date(until, today) if until else today,
        service=service,
    )
    if window.since is not None and window.since > window.until:
        raise UsageError(f"--since {window.since} is after --until {window.until}")
    records, errors = ws.find()
    data = reports.period(records, window, ws.config.severity_names)
    if fmt == "text" and out is None:
        from pm.cli.reporttext import print_terminal

        print_terminal(data)
    elif fmt == "text":
        from pm.cli.reporttext import plain

        _emit(plain(data), out, ws.config)
    else:
        text = report_output.period(ws.config, data, _source(fmt))
        _emit(_pdf(text, out) if fmt == "pdf" else text, out, ws.config)
    for error in errors:
        output.error(error.message)
    if errors:
        raise DataError(f"{len(errors)} postmortem file(s) could not be read and are not counted")


def _check_format(fmt: str, allowed: tuple[str, ...], out: str | None) -> None:
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(allowed)}")
    if fmt == "pdf" and out is None:
        raise UsageError("--format pdf writes a file; give one with -o FILE")


def _source(fmt: str) -> str:
    """The format a report is rendered in: a PDF is printed from the HTML report."""
    return "html" if fmt == "pdf" else fmt


def _pdf(html: str, out: str | None) -> bytes:
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


@app.command()
def related(
    postmortem_id: Annotated[str, typer.Argument(metavar="ID", help="Id, prefix or slug.")],
    other: Annotated[str, typer.Argument(metavar="OTHER", help="The incident to link to.")],
    no_commit: NoCommit = False,
) -> None:
    """Link two incidents both ways (each lists the other under related), in one commit."""
    from pm.workspace import Workspace

    ws = Workspace.load(commit=False if no_commit else None)
    first, second, changed = ws.relate(postmortem_id, other)
    a, b = first.postmortem.id, second.postmortem.id
    if not changed:
        output.message(f"{a} and {b} are already related; nothing to do.")
        return
    done = "committed" if ws.commit_enabled else "not committed (--no-commit)"
    output.message(f"Related {a} and {b}; {done}.")
