"""The bodies of the commands CI runs: ``pm overdue`` (scheduled) and ``pm lint`` (pull
requests). Each returns its exit code: 1 while there are findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pm import queries
from pm.cli.shared import choice, unreadable
from pm.errors import ExitCode, PmError
from pm.vocabulary import output_format

if TYPE_CHECKING:
    from pm.config import Config

# The --format choices, here and not in the renderers: Typer's help names them, and the
# declarations must not import what rendering imports.
OVERDUE_FORMATS = ("text", "json", "github", "md")
LINT_FORMATS = ("text", "json", "github", "gitlab")


def overdue(
    as_of: str | None,
    owner: list[str] | None,
    severity: list[str] | None,
    fmt: str | None,
    as_json: bool,
    fail_on: str,
) -> ExitCode:
    from pm.overdue import FAIL_ON
    from pm.render import overdue as render
    from pm.workspace import Workspace

    fmt = output_format(fmt, as_json, OVERDUE_FORMATS, "text")
    choice(fail_on, FAIL_ON, "--fail-on")
    ws = Workspace(_repository(fmt))
    result = queries.overdue(ws, as_of=as_of, owner=owner, severity=severity)
    render.render(result, fmt)
    unreadable(result.errors)
    return ExitCode.FINDINGS if result.fails(fail_on) else ExitCode.OK


def lint(
    paths: list[str] | None,
    fmt: str | None,
    as_json: bool,
    strict: bool,
    fix: bool,
    discard_block_edits: bool,
    rules: bool,
) -> ExitCode:
    from pm import lint as linter
    from pm.render import lint as render

    fmt = output_format(fmt, as_json, LINT_FORMATS, "text")
    if rules:
        render.rules(list(linter.RULES.values()))
        return ExitCode.OK
    config = _repository(fmt, folder=not paths)
    result = linter.lint(
        config, paths or [], strict=strict, fix=fix, discard_block_edits=discard_block_edits
    )
    render.render(result, fmt)
    return ExitCode.FINDINGS if result.count("error") else ExitCode.OK


def _repository(fmt: str, *, folder: bool = True) -> Config:
    """The configuration of the repository to check, which must really be there (see
    ``location.check_readable``): a scheduled job in the wrong folder fails, with an
    ``::error::`` on the run's page when it speaks GitHub."""
    from pm.config import load_config
    from pm.location import check_readable

    try:
        config = load_config()
        check_readable(config, folder=folder)
    except PmError as error:
        if fmt == "github":
            from pm.render import ci, output

            output.write(ci.github_error(error.message))
        raise
    return config
