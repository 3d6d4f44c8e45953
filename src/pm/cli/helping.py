"""How pm's help reads: whole summaries, plain placeholders, an Examples block, usage on errors.

Every command and group is built from one of the click classes here (``commands.py``
passes ``cls=``), so the rules hold for a command another change adds:

- ``pm --help`` lists each command's whole summary, the first paragraph of its help, never
  cut with "..." (click shortens it to fit); a long one wraps instead.
- A help text may end in an ``Examples:`` paragraph: its lines are printed as written,
  after the options (click would re-flow them into one paragraph).
- Placeholders are plain words: an option or argument declared without ``metavar=`` shows
  its name in capitals (``--reason REASON``), never Typer's ``<str>``; the usage line
  reads ``pm show ID``, not ``pm show {ID}``.
- A usage error found while parsing (an option missing its value) prints the usage line
  and the hint, like every other usage error.

``help_`` is the body of ``pm help [COMMAND]...``.
"""

from __future__ import annotations

import inspect
from typing import Any

from typer._click import Context, HelpFormatter
from typer._click.exceptions import UsageError as ClickUsageError
from typer.core import TyperCommand, TyperGroup

EXAMPLES = "Examples:"


def split_help(text: str | None) -> tuple[str, list[str]]:
    """The description and the example lines of a help text (``Examples:`` and below)."""
    lines = inspect.cleandoc(text or "").splitlines()
    if EXAMPLES not in lines:
        return "\n".join(lines).strip(), []
    at = lines.index(EXAMPLES)
    examples = [line.strip() for line in lines[at + 1 :] if line.strip()]
    return "\n".join(lines[:at]).strip(), examples


def summary(text: str | None) -> str:
    """The first paragraph of a help text on one line, whole."""
    description, _ = split_help(text)
    return " ".join(description.split("\n\n")[0].split())


class _Help:
    """What commands and groups share; mixed in before Typer's classes."""

    help: str | None
    short_help: str | None
    params: list[Any]

    def _plain_metavars(self) -> None:
        for param in self.params:
            if param.metavar is None and not getattr(param, "is_flag", False):
                param.metavar = str(param.name or "value").upper().replace("_", "-")

    def get_short_help_str(self, limit: int = 45) -> str:
        return " ".join((self.short_help or "").split()) or summary(self.help)

    def format_help_text(self, ctx: Context, formatter: HelpFormatter) -> None:
        description, _ = split_help(self.help)
        if description:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(description)

    def format_epilog(self, ctx: Context, formatter: HelpFormatter) -> None:
        _, examples = split_help(self.help)
        if examples:
            formatter.write_paragraph()
            formatter.write_text(EXAMPLES)
            with formatter.indentation():
                for line in examples:
                    formatter.write(f"{' ' * formatter.current_indent}{line}\n")

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        pieces: list[str] = super().collect_usage_pieces(ctx)  # type: ignore[misc]
        return [_plain(piece) for piece in pieces]

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc,no-any-return]
        except ClickUsageError as error:
            if error.ctx is None:  # the parser's own errors: "requires an argument"
                error.ctx = ctx
                error.cmd = ctx.command
            raise


def _plain(piece: str) -> str:
    """``{ID}`` (Typer's mark of a required argument) as ``ID``."""
    if piece.startswith("{") and piece.endswith("}"):
        return piece[1:-1]
    return piece


class PmCommand(_Help, TyperCommand):
    """A pm command: see the module's docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain_metavars()


class HelpGroup(_Help, TyperGroup):
    """A group of pm commands (``pm``, ``pm event``, ``pm action``): see the module's docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain_metavars()


def help_(words: list[str] | None) -> None:
    """Print the help of ``pm COMMAND...`` (all of pm's without one), as ``--help`` does."""
    from typer._click.globals import get_current_context

    from pm.errors import UsageError

    ctx = get_current_context().find_root()
    for at, word in enumerate(words or []):
        group = ctx.command
        found = group.get_command(ctx, word) if isinstance(group, TyperGroup) else None
        if found is None or found.hidden:
            typed = " ".join((words or [])[: at + 1])
            raise UsageError(
                f"no command 'pm {typed}' ('{ctx.command_path} --help' lists the commands)"
            )
        ctx = found.make_context(word, [], parent=ctx, resilient_parsing=True)
    print(ctx.get_help())
