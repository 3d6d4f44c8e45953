"""Run the commands people type most without importing Typer, which is most of start-up.

Importing Typer and building its command tree costs about 50 ms, four times Python's own
start, on every run. For ``list``, ``show``, ``event`` and ``log`` written in the plain forms below,
pm parses the arguments itself and calls the same functions the Typer commands call
(``handlers.py``). Anything else, such as ``--help``, ``--debug``, an unknown or repeated
option, a missing argument or ``--``, returns None and Typer runs the command as usual,
so every error message and every help text still comes from one place.

A test checks that these tables match the options Typer declares for the same commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pm.cli import guard, handlers
from pm.errors import ExitCode


@dataclass(frozen=True)
class Spec:
    """One command's arguments (in order), value options and flags, by parameter name."""

    run: Callable[..., None]
    arguments: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)


def _list(args: dict[str, Any]) -> None:
    handlers.list_postmortems(**args)


def _show(args: dict[str, Any]) -> None:
    handlers.show(args.pop("postmortem_id"), **args)


def _event(args: dict[str, Any]) -> None:
    handlers.add_event(args.pop("postmortem_id"), args.pop("text"), **args)


def _log(args: dict[str, Any]) -> None:
    handlers.show_log(args.pop("postmortem_id"), **args)


COMMANDS: dict[str, Spec] = {
    "list": Spec(
        run=_list,
        options={
            "--status": "status",
            "--severity": "severity",
            "-s": "severity",
            "--service": "service",
            "--tag": "tag",
            "--since": "since",
        },
        flags={"--json": "as_json"},
        defaults={
            "status": None,
            "severity": None,
            "service": None,
            "tag": None,
            "since": None,
            "as_json": False,
        },
    ),
    "show": Spec(
        run=_show,
        arguments=("postmortem_id",),
        flags={"--json": "as_json"},
        defaults={"as_json": False},
    ),
    "log": Spec(
        run=_log,
        arguments=("postmortem_id",),
        flags={"--json": "as_json"},
        defaults={"as_json": False},
    ),
    "event": Spec(
        run=_event,
        arguments=("postmortem_id", "text"),
        options={"--at": "at", "--kind": "kind", "-k": "kind"},
        flags={"--no-commit": "no_commit"},
        defaults={"at": None, "kind": "note", "no_commit": False},
    ),
}


def parse(args: list[str]) -> tuple[Spec, dict[str, Any]] | None:
    """The command and its parameters, or None when Typer should handle these arguments."""
    if not args or args[0] not in COMMANDS:
        return None
    spec = COMMANDS[args[0]]
    given: dict[str, Any] = {}
    positional: list[str] = []
    rest = iter(args[1:])
    for token in rest:
        if not token.startswith("-") or token == "-":  # noqa: S105 - "-" is an argument
            positional.append(token)
            continue
        name, equals, attached = token.partition("=")
        value: str | bool | None
        if equals and name.startswith("--") and name in spec.options:
            parameter, value = spec.options[name], attached
        elif token in spec.flags:
            parameter, value = spec.flags[token], True
        elif token in spec.options:
            parameter, value = spec.options[token], next(rest, None)
            if value is None or value.startswith("-"):
                return None
        else:
            return None  # --help, --debug, --, unknown or attached forms: Typer's job
        if parameter in given:
            return None
        given[parameter] = value
    if len(positional) != len(spec.arguments):
        return None
    return spec, {**spec.defaults, **dict(zip(spec.arguments, positional, strict=True)), **given}


def run(args: list[str]) -> int | None:
    """Run the command and return its exit code, or None to let Typer run it."""
    parsed = parse(args)
    if parsed is None:
        return None
    spec, parameters = parsed
    try:
        spec.run(parameters)
    except BaseException as error:
        code = guard.report(error, debug=False)
        if code is None:
            raise
        return code
    return ExitCode.OK
