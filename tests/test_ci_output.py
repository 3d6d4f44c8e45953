"""CI formats: GitHub workflow-command escaping, markdown cells, GitLab Code Quality."""

from __future__ import annotations

import json

import pytest

from pm.render.ci import Annotation, github, github_command, gitlab, markdown_table
from pm.textsafety import ci_log, ci_log_property


def test_message_escaping_follows_the_actions_toolkit() -> None:
    assert ci_log("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert ci_log_property("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext%3A a%2C b"
    # Percent first, so an escape sequence in the input is not decoded by the runner.
    assert ci_log("%0A") == "%250A"


def test_terminal_controls_are_shown_not_acted_on() -> None:
    """The Actions log viewer renders ANSI escapes: they print as text, as on a terminal."""
    assert ci_log("\x1b[2Jred\x07 \u202eexe\x9b\tok") == "\\x1b[2Jred\\x07 \\u202eexe\\x9b\tok"


@pytest.mark.parametrize(
    "evil",
    [
        "ok\n::stop-commands::pwned\n::error::forged",
        "ok\r::add-mask::secret",
        "x\n::set-output name=a::b",
        "ok\u2028::warning::not a line break for the runner, stays inline",
    ],
)
def test_untrusted_text_cannot_start_a_workflow_command(evil: str) -> None:
    out = github([Annotation("warning", "a,b:c.md", 3, evil, evil)])
    lines = out.splitlines(keepends=False)
    assert out.endswith("\n")
    assert out.count("\n") == 1 and "\r" not in out
    assert len(lines) == 1 and lines[0].startswith("::warning file=a%2Cb%3Ac.md,line=3,title=")


def test_command_layout() -> None:
    annotation = Annotation("error", "postmortems/2024/x.md", 12, "schema.type", "bad: value, here")
    assert github_command(annotation) == (
        "::error file=postmortems/2024/x.md,line=12,title=schema.type::bad: value, here"
    )
    no_line = Annotation("warning", "f.md", None, "t", "m")
    assert github_command(no_line) == "::warning file=f.md,title=t::m"


def test_markdown_cells_cannot_break_the_table() -> None:
    table = markdown_table(["A", "B"], [["x | y\nz", "<b>&amp;</b> `code`"]])
    assert table == (
        "| A | B |\n| --- | --- |\n| x \\| y z | \\<b\\>&amp;amp;\\</b\\> \\`code\\` |\n"
    )


def test_gitlab_code_quality_fields_and_stable_fingerprints() -> None:
    first = Annotation("error", "p/a.md", 4, "schema.type", "title must be text")
    again = Annotation("error", "p/a.md", 9, "schema.type", "title must be text")
    warning = Annotation("warning", "p/a.md", 20, "blameless.careless", '"careless" judges')
    report = json.loads(gitlab([first, again, warning]))
    assert report[0] == {
        "description": "title must be text",
        "check_name": "schema.type",
        "fingerprint": report[0]["fingerprint"],
        "severity": "major",
        "location": {"path": "p/a.md", "lines": {"begin": 4}},
    }
    assert report[2]["severity"] == "minor"
    fingerprints = [issue["fingerprint"] for issue in report]
    assert len(set(fingerprints)) == 3
    # Moving a finding to another line keeps its fingerprint: GitLab does not see it as new.
    moved = json.loads(
        gitlab([Annotation("error", "p/a.md", 40, "schema.type", "title must be text")])
    )
    assert moved[0]["fingerprint"] == fingerprints[0]
    assert gitlab([]) == "[]\n"
