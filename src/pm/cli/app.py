"""The Typer application: global options and the one place errors become exit codes."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer._click.core import Context

from pm import __version__
from pm.cli import guard
from pm.cli.helping import HelpGroup
from pm.errors import ExitCode


class PmGroup(HelpGroup):
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

    def list_commands(self, ctx: Context) -> list[str]:
        """In the order of their declarations (``commands.py``): a group such as
        ``event`` is listed where its first command is declared, not after every command."""
        from pm.cli.commands import DECLARED

        order = list(dict.fromkeys(d.words[0] for d in DECLARED))
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: order.index(n) if n in order else len(order))


class DefaultGroup(HelpGroup):
    """A group whose first word may be left out: ``pm event ID TEXT`` runs ``pm event add
    ID TEXT``. A first word that is not one of the group's commands (nor --help) is the
    default command's first argument."""

    default = "add"
    default_usage = "ID TEXT"  # the default command's arguments, for the usage line

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subcommand_metavar = f"{self.default_usage} | COMMAND [ARGS]..."

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default, *args]
        return super().parse_args(ctx, args)


class ReviewGroup(DefaultGroup):
    """``pm review ID`` is ``pm review held ID`` (``pm review schedule ID`` schedules)."""

    default = "held"
    default_usage = "ID"


class ActionGroup(HelpGroup):
    """``pm action``: ``-o`` was ``--owner`` in ``add`` and ``edit`` before it meant
    ``--output`` everywhere; it still works there, with a warning, and is not in help."""

    # The options of add and edit that take a value: the token after one is its value.
    _VALUED = frozenset({"--text", "--owner", "--priority", "-p", "--due", "--ticket"})

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and args[0] in ("add", "edit"):
            args = [args[0], *_owner_spelled(args[1:], self._VALUED)]
        return super().parse_args(ctx, args)


def _owner_spelled(args: list[str], valued: frozenset[str]) -> list[str]:
    """``args`` with the old ``-o NAME`` (or ``-oNAME``) spelled ``--owner``."""
    spelled: list[str] = []
    value_next = False
    for position, arg in enumerate(args):
        if arg == "--":
            return spelled + args[position:]
        if not value_next and (arg == "-o" or (arg.startswith("-o") and len(arg) > 2)):
            from pm.render.output import warn

            warn("-o for --owner is deprecated; use --owner")
            value_next = arg == "-o"
            spelled.append("--owner" if value_next else f"--owner={arg[2:]}")
            continue
        value_next = not value_next and arg in valued
        spelled.append(arg)
    return spelled


def _debug(ctx: Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug"))


app = typer.Typer(
    cls=PmGroup,
    name="pm",
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
            "--version",
            "-V",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
    pretty: Annotated[
        bool,
        typer.Option(
            "--pretty",
            help="Indent JSON output in a pipe or file too (on a terminal it always is).",
        ),
    ] = False,
    directory: Annotated[
        list[str] | None,
        typer.Option(
            "-C",
            metavar="DIR",
            help="Run as if pm had been started in DIR (like git -C; default: $PM_REPO).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Blameless incident postmortems as markdown files in git; every change is a commit.

    Run pm help COMMAND (or pm COMMAND --help) for a command's options and examples.

    Examples:
      pm init
      pm open "Checkout returns 502s" -s SEV-2 --service checkout
      pm -C ~/ops/postmortems list
      pm help open
    """
    from pm.location import change_directory
    from pm.render.output import pretty_json

    pretty_json(pretty)
    change_directory(directory or [])


NoCommit = Annotated[
    bool,
    typer.Option("--no-commit", help="Write the file but do not commit it."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
