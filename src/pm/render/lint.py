"""``pm lint`` in each of its formats: text, json, github, gitlab; and the rule list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pm.render import ci, output, views

if TYPE_CHECKING:
    from pm.lint import LintResult, Rule

FORMATS = ("text", "json", "github", "gitlab")


def render(result: LintResult, fmt: str) -> None:
    """Print ``result`` in ``fmt`` (one of FORMATS); text ends with a count on stderr."""
    if fmt == "json":
        output.print_json(views.lint(result))
    elif fmt == "gitlab":
        output.write(ci.gitlab(ci_annotations(result)))
    elif fmt == "github":
        output.write(ci.github(ci_annotations(result)))
        ci.append_step_summary(summary_markdown(result))
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
    for note in result.notes:
        output.message(note)
    for shown in result.fixed:
        output.message(f"Fixed {shown} (not committed: review and commit).")
    if fmt == "text":
        errors, warnings = result.count("error"), result.count("warning")
        files = f"{result.files} file{'s' if result.files != 1 else ''}"
        output.message(
            f"{errors} error(s), {warnings} warning(s) in {files}."
            if result.findings
            else f"{files} clean."
        )


def rules(known: list[Rule]) -> None:
    """``pm lint --rules``."""
    output.table(["RULE", "SEVERITY", "CHECKS"], [[r.id, r.severity, r.summary] for r in known])


def ci_annotations(result: LintResult) -> list[ci.Annotation]:
    return [
        ci.Annotation(
            f.severity,
            f.path,
            f.line,
            f.rule,
            f"{f.message}" + (f" ({f.suggestion})" if f.suggestion else ""),
        )
        for f in result.findings
    ]


def summary_markdown(result: LintResult) -> str:
    """A summary for ``$GITHUB_STEP_SUMMARY``."""
    head = "## pm lint\n\n"
    if not result.findings:
        return head + f"{result.files} file(s) clean.\n"
    head += f"{result.count('error')} error(s), {result.count('warning')} warning(s).\n\n"
    rows = [[f"{f.path}:{f.line}", f.severity, f.rule, f.message] for f in result.findings]
    return head + ci.markdown_table(["Where", "Severity", "Rule", "Problem"], rows)
