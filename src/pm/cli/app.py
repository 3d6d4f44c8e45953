"""The Typer application: global options and the one place errors become exit codes."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer._click.core import Context
from typer.core import TyperGroup

from pm import __version__
from pm.cli import guard
from pm.errors import ExitCode


class PmGroup(TyperGroup):
    """Turns PmError into ``pm: <message>`` on stderr and its exit code."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # Typer's own signals: help, usage errors, exits
        except BaseException as error:
            code = guard.report(error, debug=_debug(ctx))
            if code is None:
                raise
            raise typer.Exit(code) from None


def _debug(ctx: Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug"))


app = typer.Typer(
    cls=PmGroup,
    name="pm",
    help="Blameless incident postmortems as markdown files in git; every change is a commit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"pm {__version__}")
        raise typer.Exit(int(ExitCode.OK))


@app.callback()
def root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback when something fails.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Blameless incident postmortems as markdown files in git; every change is a commit."""


NoCommit = Annotated[
    bool,
    typer.Option("--no-commit", help="Write the file but do not commit it."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
