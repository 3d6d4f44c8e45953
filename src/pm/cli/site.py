"""``pm site``: build the static website of every postmortem."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from pm import output
from pm.cli.app import app
from pm.errors import DataError


@app.command()
def site(
    out: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="The folder to build the site in (default: [site] output, _site).",
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Render every page again, changed or not.")
    ] = False,
) -> None:
    """Build a static website of every postmortem: browse, filter and search them offline."""
    from pm.site.build import build
    from pm.workspace import Workspace

    ws = Workspace.load()
    if out is not None and "\x00" in out:
        from pm.errors import UsageError

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
