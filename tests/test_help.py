"""Help people can read at 3 a.m.: every command's, iterated from the declarations.

A command another change adds is covered without touching this file: its ``--help``
exits 0, ``pm --help`` lists its whole summary on one line at 80 columns, its help has
an ``Examples:`` block whose commands parse, every option and argument says what it is,
and its placeholders are plain words, the same for one option in every command.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest
import typer.main
from typer._click import Command
from typer.core import TyperGroup

from conftest import CliRunnerCall
from pm.cli import main
from pm.cli.commands import DECLARED, app
from pm.cli.helping import split_help, summary
from pm.errors import ExitCode

ROOT: Any = typer.main.get_command(app)
PLACEHOLDER = re.compile(r"\[?[A-Z][A-Z-]*\]?(\.\.\.)?")


def click_command(words: tuple[str, ...]) -> Command:
    command: Any = ROOT
    for word in words:
        command = command.commands[word]
    return command  # type: ignore[no-any-return]


# Every command and group, by its words: the declared commands, their groups and pm itself.
EVERY = sorted(
    {(): None, **{d.words[:1]: None for d in DECLARED}, **{d.words: None for d in DECLARED}}
)


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


@pytest.mark.parametrize("words", EVERY, ids=lambda w: " ".join(w) or "pm")
def test_every_help_exits_0_with_examples_and_fits_80_columns(
    cli: CliRunnerCall, words: tuple[str, ...]
) -> None:
    result = cli.ok(*words, "--help")
    assert result.stdout.startswith(f"Usage: {' '.join(('pm', *words))} ")
    assert "\nExamples:\n  " in result.stdout
    assert "pm " in result.stdout.split("\nExamples:\n")[1]
    too_long = [line for line in result.stdout.splitlines() if len(line) > 80]
    assert not too_long


@pytest.mark.parametrize("words", EVERY, ids=lambda w: " ".join(w) or "pm")
def test_every_option_and_argument_says_what_it_is(words: tuple[str, ...]) -> None:
    for param in click_command(words).params:
        assert getattr(param, "help", None), f"pm {' '.join(words)}: {param.name} has no help"


@pytest.mark.parametrize("words", EVERY, ids=lambda w: " ".join(w) or "pm")
def test_placeholders_are_plain_words(cli: CliRunnerCall, words: tuple[str, ...]) -> None:
    for param in click_command(words).params:
        if getattr(param, "is_flag", False):
            continue
        assert PLACEHOLDER.fullmatch(param.metavar or ""), (words, param.name, param.metavar)
    usage = cli.ok(*words, "--help").stdout.splitlines()[0]
    assert not set("{}<>") & set(usage), usage


# Where one option names different things: a report is a file, a site a folder; the
# repository pm action export files in is OWNER/REPO on a tracker, pm recall's a folder.
DIFFERENT = {"--output": {"FILE", "DIR"}, "--repo": {"REPO", "PATH"}}


def test_one_option_has_one_placeholder_in_every_command() -> None:
    seen: dict[str, set[str]] = {}
    for words in EVERY:
        for param in click_command(words).params:
            if getattr(param, "is_flag", False) or param.param_type_name != "option":
                continue
            for spelling in param.opts:
                if spelling.startswith("--"):
                    seen.setdefault(spelling, set()).add(str(param.metavar))
    for spelling, placeholders in seen.items():
        assert len(placeholders) == 1 or placeholders == DIFFERENT.get(spelling), spelling


def _listed(cli: CliRunnerCall, group: tuple[str, ...]) -> dict[str, str]:
    """The command list of ``pm GROUP --help``: each line's name and text."""
    text = cli.ok(*group, "--help").stdout
    block = text.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    rows = [line.split(None, 1) for line in block.splitlines()]
    return {row[0]: row[1] if len(row) > 1 else "" for row in rows}


@pytest.mark.parametrize(
    "group", sorted({d.words[:-1] for d in DECLARED}), ids=lambda g: " ".join(g) or "pm"
)
def test_help_lists_each_whole_summary_on_one_line(
    cli: CliRunnerCall, group: tuple[str, ...]
) -> None:
    """Each summary (the help's first paragraph) is whole, not cut to "...", and fits one
    line at 80 columns: keep a summary under 60 characters."""
    listed = _listed(cli, group)
    visible = {d.words[len(group)] for d in DECLARED if d.words[: len(group)] == group}
    visible = {name for name in visible if not click_command((*group, name)).hidden}
    assert set(listed) == visible
    for name, text in listed.items():
        command = click_command((*group, name))
        assert text == summary(command.help), f"{name}: the summary is cut or wraps"
        assert not text.endswith("...")


def parsed(args: list[str]) -> tuple[str, ...]:
    """The words of the command ``pm ARGS`` runs, parsed as pm parses them (a usage
    error raises)."""
    command: Any = ROOT
    ctx = command.make_context("pm", list(args))
    words: list[str] = []
    while isinstance(command, TyperGroup):
        name, command, rest = command.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
        words.append(str(name))
        ctx = command.make_context(name, rest, parent=ctx)
    return tuple(words)


def _pm_part(example: str) -> list[str]:
    """The pm command of a shell line: ``eval "$(pm completion bash)"``, ``cd x && pm
    init``, ``EDITOR=nano pm edit ID``, ``pm completion fish > FILE``."""
    if "$(" in example:
        example = example.split("$(", 1)[1].rsplit(")", 1)[0]
    example = example.split("&&")[-1].split(" > ")[0]
    args = shlex.split(example)
    while args and "=" in args[0]:
        args.pop(0)
    return args


def test_every_example_is_a_command_pm_can_parse() -> None:
    """Examples are copied into terminals: each must name a real command with real options."""
    for words in EVERY:
        _, examples = split_help(click_command(words).help)
        assert 1 <= len(examples) <= 4, words
        for example in examples:
            args = _pm_part(example)
            assert args[0] == "pm", example
            ran = parsed(args[1:])
            if words:  # an example of the command itself (or one of its group's)
                assert ran[: len(words)] == words or ran[:1] == words[:1], example


def test_pm_help_is_the_commands_help(cli: CliRunnerCall) -> None:
    assert cli.ok("help").stdout == cli.ok("--help").stdout
    assert cli.ok("help", "open").stdout == cli.ok("open", "--help").stdout
    assert cli.ok("help", "action", "add").stdout == cli.ok("action", "add", "--help").stdout
    assert cli.ok("help", "event").stdout == cli.ok("event", "--help").stdout


@pytest.mark.parametrize(
    "words", [["nope"], ["action", "nope"], ["show", "extra"], ["merge-driver"]]
)
def test_pm_help_of_an_unknown_command_is_a_usage_error(
    cli: CliRunnerCall, words: list[str]
) -> None:
    result = cli("help", *words)
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == f"pm: no command 'pm {' '.join(words)}' " + (
        f"('pm {words[0]} --help' lists the commands)\n"
        if len(words) > 1
        else "('pm --help' lists the commands)\n"
    )
    assert result.stdout == ""


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_on_both_paths(
    cli: CliRunnerCall, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    from pm import __version__

    assert cli.ok(flag).stdout == f"pm {__version__}\n"
    assert main([flag]) == ExitCode.OK  # the fast path: no Typer
    assert capsys.readouterr().out == f"pm {__version__}\n"


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["open", "Title", "-s"], "Usage: pm open [OPTIONS] TITLE"),
        (["list", "--status"], "Usage: pm list [OPTIONS]"),
        (["action", "add", "id", "Do it", "--owner"], "Usage: pm action add [OPTIONS] ID TEXT"),
        (["event", "id", "text", "--at"], "Usage: pm event add [OPTIONS] ID [TEXT]"),
    ],
)
def test_a_missing_option_value_prints_the_usage_line(
    cli: CliRunnerCall, args: list[str], usage: str
) -> None:
    result = cli(*args)
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith(f"{usage}\nTry 'pm ")
    assert "requires an argument" in result.stderr
