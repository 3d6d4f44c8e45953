"""Generate the fast path's table (``fast_commands.py``) from the Typer declarations.

    python -m pm.cli.fastgen          # rewrite src/pm/cli/fast_commands.py
    python -m pm.cli.fastgen --check  # exit 1 if it is out of date

The commands declared with ``fast=True`` in ``commands.py`` are read back from the click
command tree Typer builds (their arguments, options, flags and defaults, exactly as Typer
parses them) and written out as plain data, so the fast path never imports Typer and can
never disagree with it. A shape the fast parser does not handle (a float, a count, a
callback, an optional argument before a required one...) stops the generator with a
message rather than being parsed differently. A test runs ``table()`` and compares.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pm.cli.fast import Param, Spec

TABLE = Path(__file__).with_name("fast_commands.py")
_TYPES = {"str": "str", "int": "int"}
HELP_COLUMNS = 80  # click wraps help to min(terminal columns, 80) - 2: one text from 80 up


class Unsupported(Exception):
    """A declaration the fast parser cannot take; keep the command off the fast path."""


def table(*, every: bool = False) -> dict[tuple[str, ...], Spec]:
    """The spec of each fast command (of every command with ``every``), by its words."""
    import typer.main

    from pm.cli.commands import DECLARED, app

    root = typer.main.get_command(app)
    found = {}
    for declared in DECLARED:
        if not (declared.fast or every):
            continue
        group: Any = None
        command: Any = root
        for word in declared.words:
            group, command = command, command.commands[word]
        entry = spec(command.params, declared.body, " ".join(declared.words))
        found[declared.words] = entry
        if getattr(group, "default", None) == declared.words[-1]:
            # A group's default command also answers without its name (``pm event ID
            # TEXT``); the parser tries two words first, so ``pm event rm`` stays rm.
            found[declared.words[:-1]] = entry
    return found


def root_help() -> str:
    """``pm --help`` as Typer prints it on a terminal of ``HELP_COLUMNS`` or more."""
    import typer.main

    from pm.cli.commands import app

    root = typer.main.get_command(app)
    ctx = root.make_context("pm", [], resilient_parsing=True, terminal_width=HELP_COLUMNS - 2)
    return ctx.get_help()


def spec(params: list[Any], body: str, name: str) -> Spec:
    """One command's spec from its click parameters (Typer's TyperArgument/TyperOption)."""
    from typer.core import TyperArgument, TyperOption

    arguments: list[Param] = []
    options: dict[str, Param] = {}
    flags: dict[str, str] = {}
    defaults: dict[str, Any] = {}
    for param in params:
        where = f"pm {name} {param.name}"
        if param.callback is not None or param.envvar or getattr(param, "prompt", None):
            raise Unsupported(f"{where}: a callback, environment variable or prompt")
        if isinstance(param, TyperOption) and param.is_flag:
            if param.secondary_opts or param.count or param.default is not False:
                raise Unsupported(f"{where}: only --flag (off by default) is supported")
            flags.update(dict.fromkeys(param.opts, str(param.name)))
            defaults[str(param.name)] = False
            continue
        kind = _TYPES.get(param.type.name)
        many = param.multiple if isinstance(param, TyperOption) else param.nargs == -1
        if kind is None or param.nargs not in (1, -1) or (many and param.default is not None):
            raise Unsupported(f"{where}: a {param.type.name} of {param.nargs} values")
        entry = Param(str(param.name), kind, many, bool(param.required))
        if isinstance(param, TyperArgument):
            _check_order(arguments, entry, where)
            arguments.append(entry)
        elif isinstance(param, TyperOption):
            options.update(dict.fromkeys(param.opts, entry))
        else:
            raise Unsupported(f"{where}: a {type(param).__name__}")
        if not param.required:
            defaults[entry.name] = param.default
    return Spec(body, tuple(arguments), options, flags, defaults)


def _check_order(before: list[Param], entry: Param, where: str) -> None:
    """Typer assigns positional values in order; the fast parser assumes required ones
    first, then optional ones, then at most one that takes the rest."""
    if before and before[-1].many:
        raise Unsupported(f"{where}: an argument after one that takes the rest")
    if entry.required and not entry.many and any(not p.required for p in before):
        raise Unsupported(f"{where}: a required argument after an optional one")


def source(specs: dict[tuple[str, ...], Spec], help_text: str) -> str:
    """``fast_commands.py``: the table (and ``pm --help``'s text) as Python, formatted as
    ``ruff format`` leaves it."""
    lines = [
        '"""The fast path\'s table, generated by ``python -m pm.cli.fastgen``: do not edit.',
        "",
        "It says, for each command declared with ``fast=True`` in ``commands.py``, what Typer",
        "would parse (see ``fast.py``), and ``pm --help`` as Typer prints it.",
        "``tests/test_fast_path.py`` fails when it is stale.",
        "",
        "Length: generated data, one entry per fast command and the root help's lines; it is",
        "read, never edited, and splitting it would only spread one table over files.",
        '"""',
        "",
        "from pm.cli.fast import Param, Spec",
        "",
        f"HELP_COLUMNS = {HELP_COLUMNS}",
        "HELP = (",
        *(f"    {_quoted(line + chr(10))}" for line in help_text.splitlines()),
        ")",
        "",
        "COMMANDS: dict[tuple[str, ...], Spec] = {",
    ]
    for words, entry in specs.items():
        key = "(" + ", ".join(_text(w) for w in words) + ("," if len(words) == 1 else "") + ")"
        lines.append(f"    {key}: Spec(")
        lines.append(f"        body={_text(entry.body)},")
        if len(entry.arguments) <= 1:  # ruff keeps () and a one-element tuple on one line
            inner = f"{_param(entry.arguments[0])}," if entry.arguments else ""
            lines.append(f"        arguments=({inner}),")
        else:
            lines.append("        arguments=(")
            lines.extend(f"            {_param(p)}," for p in entry.arguments)
            lines.append("        ),")
        fields: tuple[tuple[str, dict[str, Any]], ...] = (
            ("options", entry.options),
            ("flags", entry.flags),
            ("defaults", entry.defaults),
        )
        for field, mapping in fields:
            if not mapping:
                lines.append(f"        {field}={{}},")
                continue
            lines.append(f"        {field}={{")
            lines.extend(f"            {_text(k)}: {_literal(v)}," for k, v in mapping.items())
            lines.append("        },")
        lines.append("    ),")
    lines.append("}")
    for line in lines:
        if len(line) > 100:  # ruff would wrap it, and the file would never be up to date
            raise Unsupported(f"a line longer than 100 characters: {line.strip()}")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """A string literal as ``ruff format`` writes it: double quotes unless the text holds
    more double quotes than single ones."""
    if not text.replace("\n", "").isprintable() or "\\" in text:
        raise Unsupported(f"help text the table cannot spell: {text!r}")
    quote = "'" if text.count('"') > text.count("'") else '"'
    escaped = text.replace(quote, "\\" + quote).replace("\n", "\\n")
    return f"{quote}{escaped}{quote}"


def _param(param: Param) -> str:
    fields = [_text(param.name)]
    if param.type != "str":
        fields.append(f"type={_text(param.type)}")
    if param.many:
        fields.append("many=True")
    if param.required:
        fields.append("required=True")
    return f"Param({', '.join(fields)})"


def _literal(value: object) -> str:
    if isinstance(value, Param):
        return _param(value)
    if isinstance(value, str):
        return _text(value)
    if value is None or isinstance(value, bool | int):
        return repr(value)
    raise Unsupported(f"a default of type {type(value).__name__}: {value!r}")


def _text(value: str) -> str:
    if not value.isprintable() or '"' in value or "\\" in value:
        raise Unsupported(f"a name or default the table cannot spell: {value!r}")
    return f'"{value}"'


def main(argv: list[str] | None = None) -> int:
    check = (sys.argv[1:] if argv is None else argv) == ["--check"]
    text = source(table(), root_help())
    current = TABLE.read_text(encoding="utf-8") if TABLE.exists() else ""
    if text == current:
        print(f"{TABLE} is up to date.")
        return 0
    if check:
        print(f"{TABLE} is out of date: run python -m pm.cli.fastgen", file=sys.stderr)
        return 1
    TABLE.write_text(text, encoding="utf-8")
    print(f"Wrote {TABLE}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
