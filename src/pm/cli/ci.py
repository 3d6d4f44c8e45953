"""Commands CI runs: ``pm overdue`` (scheduled) and ``pm lint`` (pull requests)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pm import output
from pm.cli.app import app
from pm.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from datetime import date

    from pm.lint import Result
    from pm.overdue import Finding

OVERDUE_FORMATS = ("text", "json", "github", "markdown")
LINT_FORMATS = ("text", "json", "github", "gitlab")
FAIL_ON = ("any", "escalated", "never")


def _choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise UsageError(f"{option} must be one of {', '.join(choices)}, not {value!r}")
    return value


@app.command()
def overdue(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATE", help="Judge lateness on this date (default: today)."
        ),
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="NAME", help="Only this owner's items.")
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option("--severity", "-s", metavar="SEV", help="Only postmortems of this severity."),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help=f"One of: {', '.join(OVERDUE_FORMATS)}."
        ),
    ] = "text",
    fail_on: Annotated[
        str, typer.Option("--fail-on", metavar="LEVEL", help="Exit 1 on: any, escalated, never.")
    ] = "any",
) -> None:
    """Late action items and reviews; exit 1 while anything is late (see --fail-on)."""
    from pm import ci_output, lifecycle
    from pm import overdue as late
    from pm.errors import DataError
    from pm.timeparse import parse_date
    from pm.workspace import Filters, Workspace

    _choice(fmt, OVERDUE_FORMATS, "--format")
    _choice(fail_on, FAIL_ON, "--fail-on")
    ws = Workspace.load()
    day = parse_date(as_of, ws.today()) if as_of else ws.today()
    filters = Filters()
    if severity is not None:
        filters.severity = lifecycle.check_severity(severity, ws.config).name
    entries, errors = ws.find(filters)
    findings: list[late.Finding] = []
    for entry in entries:
        if found := late.late(entry.postmortem, day, ws.config):
            # Only files with findings are read again, for the lines of their findings.
            shown, raw = ws.store.display(entry.path), ws.store.file_bytes(entry.path)
            findings += late.placed(found, shown, raw)
    if owner is not None:
        findings = late.for_owner(findings, owner)
    if fmt == "json":
        output.print_json(late.json_view(findings, day, ws.config))
    elif fmt == "markdown":
        output.write(late.summary_markdown(findings, day))
    elif fmt == "github":
        output.write(ci_output.github([f.annotation() for f in findings]))
        ci_output.append_step_summary(late.summary_markdown(findings, day))
    else:
        _overdue_text(findings, day, complete=not errors)
    for error in errors:
        output.error(error.message)
    if errors:
        raise DataError(f"{len(errors)} postmortem file(s) could not be read")
    if late.fails(findings, fail_on):
        raise typer.Exit(int(ExitCode.FINDINGS))


def _overdue_text(findings: list[Finding], day: date, *, complete: bool = True) -> None:
    from pm import overdue as late

    rows = late.plain_rows(findings)
    if output.is_terminal() and rows:
        groups: dict[str, list[list[str]]] = {}
        for row in rows:
            groups.setdefault(row[0] if row[0] != "-" else "(no owner)", []).append(row[1:])
        for owner_name, owner_rows in groups.items():
            output.table(late.HEADERS[1:], owner_rows, title=owner_name)
    else:
        output.table(late.HEADERS, rows)
    escalated = sum(1 for f in findings if f.escalated)
    if findings:
        output.message(f"{len(findings)} late ({escalated} escalated) as of {day}.")
    elif complete:
        output.message(f"Nothing is late as of {day}.")
    else:  # never "nothing" while a broken file may hide a late item
        output.message(f"Nothing is late in the files pm could read as of {day}.")


@app.command()
def lint(
    paths: Annotated[
        list[str] | None,  # not Path: Typer's Path type crashes on a NUL before pm sees it
        typer.Argument(
            metavar="[PATH]...", help="Files or folders to check (default: every postmortem)."
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help=f"One of: {', '.join(LINT_FORMATS)}."
        ),
    ] = "text",
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat warnings (blameless language...) as errors.")
    ] = False,
    fix: Annotated[
        bool,
        typer.Option("--fix", help="Re-render out-of-sync generated blocks (not committed)."),
    ] = False,
    rules: Annotated[bool, typer.Option("--rules", help="List the rules and exit.")] = False,
) -> None:
    """Check postmortems: schema, lifecycle, generated blocks, blameless language."""
    from pm import ci_output
    from pm import lint as linter
    from pm.config import load_config

    _choice(fmt, LINT_FORMATS, "--format")
    if rules:
        output.table(
            ["RULE", "SEVERITY", "CHECKS"],
            [[r.id, r.severity, r.summary] for r in linter.RULES.values()],
        )
        return
    result = linter.lint(load_config(), [Path(p) for p in paths or []], strict=strict, fix=fix)
    annotations = [
        ci_output.Annotation(
            f.severity,
            f.path,
            f.line,
            f.rule,
            f"{f.message}" + (f" ({f.suggestion})" if f.suggestion else ""),
        )
        for f in result.findings
    ]
    if fmt == "json":
        output.print_json(_lint_json(result))
    elif fmt == "gitlab":
        output.write(ci_output.gitlab(annotations))
    elif fmt == "github":
        output.write(ci_output.github(annotations))
        ci_output.append_step_summary(_lint_markdown(result))
    else:
        for finding in result.findings:
            output.line(
                output.safe(
                    f"{finding.path}:{finding.line}: {finding.severity}: {finding.message} "
                    f"[{finding.rule}]"
                )
            )
            if finding.suggestion:
                output.line(output.safe(f"    suggestion: {finding.suggestion}"))
    for shown in result.fixed:
        output.message(f"Fixed the generated blocks of {shown} (not committed: review and commit).")
    errors, warnings = result.count("error"), result.count("warning")
    if fmt == "text":
        files = f"{result.files} file{'s' if result.files != 1 else ''}"
        output.message(
            f"{errors} error(s), {warnings} warning(s) in {files}."
            if result.findings
            else f"{files} clean."
        )
    if errors:
        raise typer.Exit(int(ExitCode.FINDINGS))


def _lint_json(result: Result) -> dict[str, object]:
    return {
        "version": 1,
        "files": result.files,
        "errors": result.count("error"),
        "warnings": result.count("warning"),
        "fixed": result.fixed,
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "suggestion": f.suggestion,
            }
            for f in result.findings
        ],
    }


def _lint_markdown(result: Result) -> str:
    from pm.ci_output import markdown_table

    head = "## pm lint\n\n"
    if not result.findings:
        return head + f"{result.files} file(s) clean.\n"
    head += f"{result.count('error')} error(s), {result.count('warning')} warning(s).\n\n"
    rows = [[f"{f.path}:{f.line}", f.severity, f.rule, f.message] for f in result.findings]
    return head + markdown_table(["Where", "Severity", "Rule", "Problem"], rows)
