"""The CLI is declared once: a declaration is a signature, a body is one plain function.

- every Typer declaration in ``pm/cli/commands.py`` is a signature and a docstring with no
  code, and its body takes exactly the declared parameters, of the same types;
- bodies import no Typer (so the fast path can run any of them);
- the fast parser, given a table generated for *every* command, hands each body what
  Typer hands it: adding a command to the fast path is ``fast=True`` and a regeneration.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import typing
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main

from conftest import CliRunnerCall, Repo
from pm.cli import commands, fast, fastgen
from pm.cli.commands import DECLARED, app

CLI = Path(commands.__file__).parent


def _empty() -> None:
    """A docstring and nothing else."""


def body_of(ref: str) -> Any:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def declarations() -> dict[tuple[str, ...], Any]:
    """Each command's declaration (the function Typer reads), by its words."""
    found: dict[tuple[str, ...], Any] = {}
    groups: dict[str, Any] = {
        "": app,
        **{str(g.name): g.typer_instance for g in app.registered_groups},
    }
    for group_name, group in groups.items():
        for info in group.registered_commands:
            words = (group_name, str(info.name)) if group_name else (str(info.name),)
            found[words] = info.callback.__wrapped__
    return found


def test_every_command_is_declared_through_command() -> None:
    assert set(declarations()) == {d.words for d in DECLARED}
    assert len(DECLARED) == 36  # notify, action export, recall, review schedule


@pytest.mark.parametrize("declared", DECLARED, ids=lambda d: " ".join(d.words))
def test_a_declaration_is_a_signature_and_its_body_takes_it(declared: commands.Declared) -> None:
    declaration = declarations()[declared.words]
    assert declaration.__doc__, "the docstring is the command's help"
    assert declaration.__code__.co_code == _empty.__code__.co_code, "no code in a declaration"
    body = body_of(declared.body)
    wanted = typing.get_type_hints(declaration)
    given = typing.get_type_hints(body)
    wanted.pop("return"), given.pop("return")
    assert list(inspect.signature(body).parameters) == list(
        inspect.signature(declaration).parameters
    )
    assert given == wanted


def test_bodies_do_not_import_typer() -> None:
    for module in (
        "incident", "followup", "reports", "checks", "maintenance", "shared", "fast", "tracking",
    ):  # fmt: skip
        tree = ast.parse((CLI / f"{module}.py").read_text(encoding="utf-8"))
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
        assert not any(name.split(".")[0] == "typer" for name in imported), module


# Argument vectors for every command: options in each spelling, flags, repeated options,
# optional, numeric and rest-taking arguments.
SAMPLES = [
    ["init"],
    ["open", "Title", "-s", "SEV-1"],
    ["open", "Title", "-s", "SEV-1", "--branch"],
    [
        *["open", "Title", "--severity=SEV-2", "--service", "a", "--service", "b", "--tag", "t"],
        *["--impact", "x", "--started", "2024-01-01T10:00", "--detected", "10:05", "--no-commit"],
    ],
    ["event", "id", "text", "-k", "mitigated", "--at", "10:00"],
    ["event", "add", "id", "text", "--no-commit"],
    ["event", "edit", "id", "3", "--at", "10:00", "-k", "note", "--text", "t", "--no-commit"],
    ["event", "rm", "id", "2"],
    ["event", "rm", "id", "#2"],
    ["event", "id", "-", "-k", "ack"],
    ["resolve", "id"],
    ["resolve", "id", "done", "--at=11:00", "--no-commit"],
    ["list"],
    ["list", "--status", "active", "-s", "SEV-1", "--json", "--since", "30d"],
    ["show", "id", "--json"],
    ["show", "id", "-f", "json"],
    ["list", "--status", "active,resolved", "--status", "closed", "--format", "json"],
    ["action", "add", "id", "Do it", "--owner", "alice", "-p", "P2", "--due", "+7d"],
    ["action", "add", "id", "Do it", "--owner", "alice", "--ticket=T-1", "--no-commit"],
    ["action", "start", "id", "3"],
    ["action", "done", "id", "#2"],
    ["action", "done", "id", "2", "--reason", "shipped"],
    ["action", "wont-do", "id", "1", "--reason=obsolete", "--no-commit"],
    ["action", "reopen", "id", "4"],
    ["action", "renumber", "id"],
    ["action", "list"],
    ["action", "list", "id", "--owner", "a", "--status", "open", "-p", "P1", "--overdue"],
    ["action", "list", "--mine", "--json"],
    ["action", "list", "-f", "json", "--owner", "a,b", "--owner", "c"],
    ["action", "export", "id"],
    ["action", "export", "id", "1", "#3", "--to", "gitlab", "--create", "--repo=acme/p"],
    ["review", "id", "--at", "12:00"],
    ["review", "held", "id", "--no-commit"],
    ["review", "schedule", "id", "--at", "15:00", "--duration", "30m", "--attendees", "a,b"],
    ["review", "schedule", "id", "--at=tomorrow 9:00", "-o", "x.ics", "--attendees", "c"],
    ["close", "id", "--force", "--reason", "why"],
    ["set", "id", "tags", "a", "b", "--add"],
    ["set", "id", "title"],
    ["set", "id", "severity", "SEV-2", "--remove", "--no-commit"],
    ["log", "id"],
    ["log", "id", "--format", "json"],
    ["report"],
    ["report", "--json"],
    ["report", "id", "-f", "html", "-o", "out.html"],
    ["report", "--since", "2024-01-01", "--until", "2024-12-31", "--service", "x"],
    ["related", "a", "b", "--no-commit"],
    ["overdue"],
    ["overdue", "--json", "--owner", "a,b", "-s", "SEV-1", "-s", "SEV-2"],
    ["overdue", "--as-of", "2024-09-30", "--owner", "a", "-s", "SEV-1", "-f", "json"],
    ["overdue", "--fail-on", "never", "--format=github"],
    ["lint"],
    ["lint", "a.md", "folder", "--strict", "--fix", "--format", "gitlab"],
    ["lint", "--rules"],
    ["lint", "--json"],
    ["help"],
    ["help", "action", "add"],
    ["merge-driver", ".merge_file_a", ".merge_file_b", ".merge_file_c", "postmortems/x.md"],
]
# What the fast parser leaves to Typer: its errors are Typer's to write.
LEFT_TO_TYPER = [
    ["open", "Title"],  # a required option missing
    ["event", "rm", "id"],  # a subcommand is never read as an id
    ["action", "add", "id", "text"],
    ["action", "start", "id"],
    ["set", "id"],
    ["resolve", "a", "b", "c"],
    ["open", "Title", "-s", "SEV-1", "--service"],
    ["report", "--help"],
    ["action", "--help"],
    ["action"],
]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every body replaced by a recorder of the parameters it was called with."""
    calls: list[tuple[str, dict[str, Any]]] = []
    for declared in DECLARED:
        module, _, name = declared.body.partition(":")

        def record(ref: str = declared.body, **params: Any) -> None:
            calls.append((ref, params))

        monkeypatch.setattr(importlib.import_module(module), name, record)
    return calls


@pytest.mark.parametrize("args", SAMPLES, ids=" ".join)
def test_the_fast_parser_hands_every_body_what_typer_hands_it(
    repo: Repo,
    cli: CliRunnerCall,
    recorded: list[tuple[str, dict[str, Any]]],
    args: list[str],
) -> None:
    table = fastgen.table(every=True)
    # Every command could go on the fast path; `pm event ID TEXT` is `pm event add` too.
    assert set(table) == {d.words for d in DECLARED} | {("event",), ("review",)}
    parsed = fast.parse(args, table)
    assert parsed is not None
    cli.ok(*args)
    assert recorded == [(parsed[0].body, parsed[1])]


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=" ".join)
def test_what_the_fast_parser_leaves_to_typer(
    repo: Repo, cli: CliRunnerCall, recorded: list[Any], args: list[str]
) -> None:
    assert fast.parse(args, fastgen.table(every=True)) is None
    result = cli(*args)
    assert recorded == [] or args[-1] == "--help"
    assert result.exit_code == (0 if "--help" in args else 2)


def test_a_repeated_option_is_left_to_typer_too() -> None:
    """Typer takes the last value; the fast parser does not guess."""
    assert fast.parse(["lint", "-f", "json", "--format", "text"], fastgen.table(every=True)) is None


def test_the_generator_refuses_what_the_fast_parser_cannot_parse() -> None:
    sample = typer.Typer()

    @sample.command()
    def first(
        a: typing.Annotated[list[str] | None, typer.Argument()] = None,
        b: typing.Annotated[str, typer.Argument()] = "",
    ) -> None: ...

    @sample.command()
    def second(ratio: typing.Annotated[float, typer.Option("--ratio")] = 0.5) -> None: ...

    group: Any = typer.main.get_command(sample)
    for name in ("first", "second"):
        with pytest.raises(fastgen.Unsupported):
            fastgen.spec(group.commands[name].params, "x:y", name)
