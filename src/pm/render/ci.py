"""Output formats CI systems read, shared by ``pm overdue`` and ``pm lint``.

- GitHub Actions workflow commands (``::error file=F,line=L,title=T::message``), escaped
  as the Actions toolkit escapes them (``textsafety.ci_log``), so untrusted text stays
  inside its one command;
- a markdown table for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment;
- a GitLab Code Quality report (a JSON list GitLab shows on merge requests).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pm import textsafety
from pm.records import datarecord
from pm.render import output


@datarecord(frozen=True)
class Annotation:
    """One finding as CI sees it: a level, a place in a file, a short title, a message."""

    level: str  # "error" or "warning"
    path: str
    line: int | None
    title: str
    message: str


# --- GitHub Actions -----------------------------------------------------------------------


def github_command(annotation: Annotation) -> str:
    props = [f"file={textsafety.ci_log_property(annotation.path)}"]
    if annotation.line is not None:
        props.append(f"line={annotation.line}")
    props.append(f"title={textsafety.ci_log_property(annotation.title)}")
    return f"::{annotation.level} {','.join(props)}::{textsafety.ci_log(annotation.message)}"


def github_error(message: str) -> str:
    """A workflow command for an error of the run itself, not of a file (no repository)."""
    return f"::error title=pm::{textsafety.ci_log(message)}\n"


def github(annotations: Sequence[Annotation]) -> str:
    """One workflow command per line (an empty string for no annotations)."""
    return "".join(github_command(a) + "\n" for a in annotations)


def append_step_summary(text: str) -> bool:
    """Append to ``$GITHUB_STEP_SUMMARY`` when GitHub Actions set it; True if written."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(text)
    return True


# --- markdown -------------------------------------------------------------------------------


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured table; every cell escaped (``|``, newlines, ``<``, ``>``, ``&``)."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---" for _ in headers) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(textsafety.markdown_cell(cell) for cell in row) + " |")
    return "\n".join(lines) + "\n"


# --- GitLab Code Quality ---------------------------------------------------------------------

_GITLAB_SEVERITY = {"error": "major", "warning": "minor"}


def gitlab(annotations: Sequence[Annotation]) -> str:
    """A Code Quality report: a JSON list of issues with stable fingerprints.

    The fingerprint hashes the rule, the file, the message and the how-many-th such
    finding it is, not the line: adding a paragraph above a finding does not make GitLab
    report it as fixed and new again.
    """
    import hashlib  # only GitLab's report: text and GitHub output start faster without it

    seen: dict[tuple[str, str, str], int] = {}
    issues = []
    for annotation in annotations:
        key = (annotation.title, annotation.path, annotation.message)
        seen[key] = seen.get(key, 0) + 1
        digest = hashlib.sha256("\0".join((*key, str(seen[key]))).encode("utf-8"))
        issues.append(
            {
                "description": annotation.message,
                "check_name": annotation.title,
                "fingerprint": digest.hexdigest()[:32],
                "severity": _GITLAB_SEVERITY.get(annotation.level, "info"),
                "location": {
                    "path": annotation.path,
                    "lines": {"begin": annotation.line or 1},
                },
            }
        )
    return output.to_json(issues) + "\n"  # C1 and bidi controls escaped, as in all JSON
