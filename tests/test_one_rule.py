"""One question, one answer: every command agrees on what a severity requires.

A severity the configuration does not list (a hand-edited ``SEV-0``, or a level removed
from ``.pm.toml`` after incidents used it) once got three answers: ``pm resolve`` set no
review due date, ``pm overdue`` never reported the review late, and ``pm close`` refused
because the review was not held. Now every command asks ``Config.rule_for``, which treats
an unlisted severity as requiring a review (the safe answer).
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import CliRunnerCall, Repo
from pm import sections
from pm.config import Config


def _use_unlisted_severity(repo: Repo, postmortem_id: str) -> None:
    """Rename the incident's severity by hand to one the configuration does not list."""
    path = repo.postmortem_path(postmortem_id)
    path.write_text(
        path.read_text(encoding="utf-8").replace("severity: SEV-1", "severity: SEV-0"),
        encoding="utf-8",
    )
    repo.git("commit", "-qam", "SEV-0 by hand")


def test_an_unlisted_severity_requires_a_review_everywhere(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    _use_unlisted_severity(repo, opened)

    resolved = cli.ok("resolve", opened, "--at", "2024-01-15T16:05")
    assert "postmortem review due 2024-01-17" in resolved.stderr

    late = cli("overdue", "--as-of", "2024-01-20", "--format", "json")
    assert late.exit_code == 1
    findings = json.loads(late.stdout)["findings"]
    assert [(f["kind"], f["id"]) for f in findings] == [("review", opened)]

    refused = cli("close", opened)
    assert refused.exit_code == 3
    assert "the review is not held (SEV-0 requires one" in refused.stderr


def test_config_rule_for_is_the_one_answer(repo: Repo) -> None:
    config = Config(root=repo.path)
    assert config.requires_review("SEV-1") and config.requires_review("SEV-2")
    assert not config.requires_review("SEV-3")
    assert config.requires_review("SEV-0")  # unlisted: the safe answer
    assert config.rule_for("SEV-0").review_hours == config.rule_for("SEV-1").review_hours


def test_review_and_lint_use_one_definition_of_the_required_sections() -> None:
    body = (
        "## Summary\n\nDone.\n\n### Root cause\n\nA slow query.\n\n"
        "## What Went Poorly\n\n<!-- x -->\n"
    )
    # Any heading level and case counts, comments do not: one parser for both commands.
    required = Config(root=Path(".")).review_required  # the defaults; [review] replaces them
    assert sections.missing_sections(body, required) == [
        ("Contributing Factors", "What Went Poorly")
    ]
    assert sections.heading_line(body, "Root Cause") == 5
    fenced = "```\n## Summary\n```\n## Summary\n"
    assert sections.heading_line(fenced, "Summary") == 4
