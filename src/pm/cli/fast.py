"""Run the commands people type most without importing Typer, which is most of start-up.

Importing Typer and building its command tree costs about 50 ms, four times Python's own
start, on every run. For the commands declared with ``fast=True`` (``commands.py``),
written in the plain forms below, pm parses the arguments itself and calls the same body
Typer would call. Anything else, such as ``--help``, ``--debug``, an unknown or repeated
option, a missing or extra argument, a value that is not a number, an attached short
option (``-sSEV-1``) or ``--``, returns None and Typer runs the command as usual, so every
error message and every help text still comes from one place.

A leading ``-C DIR`` (``pm -C ../other list``) is read here too, as the Typer root does.
``pm --help`` prints the text Typer printed when the table was generated.

The table (``fast_commands.py``) is generated from the Typer declarations by
``python -m pm.cli.fastgen``; a test fails when it is out of date.
"""

from __future__ import annotations

from typing import Any

from pm.cli import guard
from pm.errors import ExitCode
from pm.records import NamedTuple


class Param(NamedTuple):
    """One argument or value option: the body's parameter it fills, and how."""

    name: str
    type: str = "str"  # "str" or "int"
    many: bool = False  # a list: a repeatable option, or an argument taking the rest
    required: bool = False  # Typer refuses the command without it


class Spec(NamedTuple):
    """One command: its body (``module:function``), its arguments in order, its value
    options and flags by spelling, and the value of every parameter not given.

    (Named tuples, not dataclasses: defining a dataclass costs about half a millisecond
    of every start-up.)"""

    body: str
    arguments: tuple[Param, ...]
    options: dict[str, Param]
    flags: dict[str, str]
    defaults: dict[str, Any]


def parse(
    args: list[str], commands: dict[tuple[str, ...], Spec] | None = None
) -> tuple[Spec, dict[str, Any]] | None:
    """The command and its parameters, or None when Typer should handle these arguments.

    ``commands`` is the generated table unless a test passes another."""
    if commands is None:
        from pm.cli.fast_commands import COMMANDS

        commands = COMMANDS
    for words in (tuple(args[:2]), tuple(args[:1])):
        if words and words in commands:
            spec = commands[words]
            break
    else:
        return None
    positional: list[str] = []
    given = _options(spec, args[len(words) :], positional)
    if given is None or any(p.required and p.name not in given for p in spec.options.values()):
        return None
    arguments = _arguments(spec.arguments, positional)
    if arguments is None:
        return None
    return spec, {**spec.defaults, **arguments, **given}


def _options(spec: Spec, args: list[str], positional: list[str]) -> dict[str, Any] | None:
    """The options and flags given, by parameter; other tokens go to ``positional``."""
    given: dict[str, Any] = {}
    tokens = iter(args)
    for token in tokens:
        if not token.startswith("-") or token == "-":  # noqa: S105 - "-" is an argument
            positional.append(token)
            continue
        name, equals, attached = token.partition("=")
        text: str | None
        if equals and name.startswith("--") and name in spec.options:
            param, text = spec.options[name], attached
        elif token in spec.flags:
            if spec.flags[token] in given:
                return None
            given[spec.flags[token]] = True
            continue
        elif token in spec.options:
            param, text = spec.options[token], next(tokens, None)
            if text is None or text.startswith("-"):
                return None
        else:
            return None  # --help, --debug, --, unknown or attached forms: Typer's job
        value = _value(param, text)
        if value is None or (param.name in given and not param.many):
            return None
        if param.many:
            given.setdefault(param.name, []).append(value)
        else:
            given[param.name] = value
    return given


def _value(param: Param, text: str) -> str | int | None:
    if param.type == "int":
        try:
            return int(text)
        except ValueError:
            return None  # Typer says what is wrong with it
    return text


def _arguments(specs: tuple[Param, ...], given: list[str]) -> dict[str, Any] | None:
    """Positional values by parameter, as Typer assigns them: in order, and an argument
    that takes the rest (only ever the last) takes the rest; None for too few or too many.
    An optional argument not given is left out (its default applies)."""
    found: dict[str, Any] = {}
    position = 0
    for spec in specs:
        if spec.many:
            values = [_value(spec, text) for text in given[position:]]
            if None in values or (spec.required and not values):
                return None
            if values:
                found[spec.name] = values
            position = len(given)
        elif position < len(given):
            value = _value(spec, given[position])
            if value is None:
                return None
            found[spec.name] = value
            position += 1
        elif spec.required:
            return None
    return found if position == len(given) else None


def directories(args: list[str]) -> tuple[list[str], list[str]] | None:
    """The leading ``-C DIR`` options and the arguments after them; None when a ``-C``
    has no value (Typer says so)."""
    found: list[str] = []
    while args and args[0] == "-C":
        if len(args) < 2 or args[1].startswith("-"):
            return None
        found.append(args[1])
        args = args[2:]
    return found, args


def run(args: list[str]) -> int | None:
    """Run the command and return its exit code, or None to let Typer run it."""
    if args in (["--help"], ["-h"], ["help"]):
        return _root_help()
    pretty = args[:1] == ["--pretty"]  # ``pm --pretty list --json``
    leading = directories(args[1:] if pretty else args)
    if leading is None:
        return None
    where, args = leading
    parsed = parse(args)
    if parsed is None:
        return None
    spec, parameters = parsed
    from pm.cli.shared import call
    from pm.location import change_directory
    from pm.render.output import pretty_json

    pretty_json(pretty)
    try:
        change_directory(where)
        return call(spec.body, parameters)
    except BaseException as error:
        code = guard.report(error, debug=False)
        if code is None:
            raise
        return code
    return ExitCode.OK


def _root_help() -> int | None:
    """``pm --help``, as generated from Typer (``fastgen``), when the terminal is wide
    enough for the text generated; Typer wraps it for a narrower one."""
    import shutil

    from pm.cli.fast_commands import HELP, HELP_COLUMNS

    if shutil.get_terminal_size().columns < HELP_COLUMNS:
        return None
    print(HELP, end="")
    return ExitCode.OK
