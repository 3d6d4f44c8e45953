"""The bodies of the commands CI runs: ``pm overdue`` (scheduled) and ``pm lint`` (pull
requests). Each returns its exit code: 1 while there are findings."""

from __future__ import annotations

from pm import queries
from pm.cli.shared import choice, unreadable
from pm.errors import ExitCode

# The --format choices, here and not in the renderers: Typer's help names them, and the
# declarations must not import what rendering imports.
OVERDUE_FORMATS = ("text", "json", "github", "markdown")
LINT_FORMATS = ("text", "json", "github", "gitlab")


def overdue(
    as_of: str | None, owner: str | None, severity: str | None, fmt: str, fail_on: str
) -> ExitCode:
    from pm.overdue import FAIL_ON
    from pm.render import overdue as render
    from pm.workspace import Workspace

    choice(fmt, OVERDUE_FORMATS, "--format")
    choice(fail_on, FAIL_ON, "--fail-on")
    result = queries.overdue(Workspace.load(), as_of=as_of, owner=owner, severity=severity)
    render.render(result, fmt)
    unreadable(result.errors)
    return ExitCode.FINDINGS if result.fails(fail_on) else ExitCode.OK


def lint(
    paths: list[str] | None,
    fmt: str,
    strict: bool,
    fix: bool,
    discard_block_edits: bool,
    rules: bool,
) -> ExitCode:
    from pm import lint as linter
    from pm.config import load_config
    from pm.render import lint as render

    choice(fmt, LINT_FORMATS, "--format")
    if rules:
        render.rules(list(linter.RULES.values()))
        return ExitCode.OK
    result = linter.lint(
        load_config(), paths or [], strict=strict, fix=fix, discard_block_edits=discard_block_edits
    )
    render.render(result, fmt)
    return ExitCode.FINDINGS if result.count("error") else ExitCode.OK
