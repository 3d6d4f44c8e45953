"""Output formats CI systems read, shared by ``pm overdue`` and ``pm lint``.

- GitHub Actions workflow commands (``::error file=F,line=L,title=T::message``), escaped
  as the Actions toolkit escapes them, so untrusted text stays inside its one command;
- a markdown table for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment;
- a GitLab Code Quality report (a JSON list GitLab shows on merge requests).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pm import markdown
from pm.render import output

_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# The rest of C0/C1 and the bidi controls: a log viewer acts on ESC (colours, hiding text).
_CONTROLS = re.compile(
    "[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


@dataclass(frozen=True)
class Annotation:
    """One finding as CI sees it: a level, a place in a file, a short title, a message."""

    level: str  # "error" or "warning"
    path: str
    line: int | None
    title: str
    message: str


# --- GitHub Actions -----------------------------------------------------------------------


def escape_data(text: str) -> str:
    """The message of a workflow command: ``%``, CR and LF percent-encoded.

    With no raw newline left, text can never begin a line of its own, so it can never
    start a workflow command (``::set-output``, ``::stop-commands::``...) of its own.
    """
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    # Other line breaks (NEL, LS, PS, VT, FF) are not ones the runner splits on, but a log
    # viewer might: they become spaces, so no reader sees a second line. Other controls
    # are shown as escapes (``\\x1b``), so an ANSI sequence cannot colour or hide the log.
    text = _OTHER_BREAKS.sub(" ", text)
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def escape_property(text: str) -> str:
    """A property value (``file=``, ``title=``): also ``:`` and ``,``, which end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(annotation: Annotation) -> str:
    props = [f"file={escape_property(annotation.path)}"]
    if annotation.line is not None:
        props.append(f"line={annotation.line}")
    props.append(f"title={escape_property(annotation.title)}")
    return f"::{annotation.level} {','.join(props)}::{escape_data(annotation.message)}"


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
    lines.extend("| " + " | ".join(markdown.escape(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


# --- GitLab Code Quality ---------------------------------------------------------------------

_GITLAB_SEVERITY = {"error": "major", "warning": "minor"}


def gitlab(annotations: Sequence[Annotation]) -> str:
    """A Code Quality report: a JSON list of issues with stable fingerprints.

    The fingerprint hashes the rule, the file, the message and the how-many-th such
    finding it is, not the line: adding a paragraph above a finding does not make GitLab
    report it as fixed and new again.
    """
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
