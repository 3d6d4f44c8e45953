"""``[overdue] require_evidence = ["P0"]``: a done P0 item without the evidence of a
fixing commit (``pm action verify``) is a ``pm overdue`` finding, in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, git

REQUIRE = '[overdue]\nrequire_evidence = ["P0"]\n'


@pytest.fixture
def proven(repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path) -> str:
    """Items: 1 P0 done by hand, 2 P0 done by a commit (verify), 3 P1 done by hand."""
    cli.ok("action", "add", opened, "Alert on pool use", "--owner", "alice", "-p", "P0")
    cli.ok("action", "add", opened, "Raise the pool size", "--owner", "bob", "-p", "P0")
    cli.ok("action", "add", opened, "Runbook", "--owner", "carol", "-p", "P1")
    cli.ok("action", "done", opened, "1", "--on", "2024-01-16")
    cli.ok("action", "done", opened, "3")
    service = tmp_path / "service"
    service.mkdir()
    git(service, "init", "--quiet", "-b", "main")
    (service / "pool.conf").write_text("size = 50\n", encoding="utf-8")
    git(service, "add", "pool.conf")
    git(service, "commit", "--quiet", "-m", f"Pool\n\nPm-Action: {opened}#2")
    cli.ok("action", "verify", "--repo", str(service))
    (repo.path / ".pm.toml").write_text(REQUIRE, encoding="utf-8")
    return opened


def test_a_done_p0_without_evidence_is_a_finding(
    repo: Repo, cli: CliRunnerCall, proven: str
) -> None:
    result = cli("overdue", "-f", "json")
    assert result.exit_code == 1
    found = json.loads(result.stdout)["findings"]
    (finding,) = [f for f in found if f["kind"] == "evidence"]  # the incident is also stale
    assert finding["kind"] == "evidence"
    assert finding["item"] == 1
    assert finding["owner"] == "alice"
    assert finding["days_late"] == 4  # since it was called done, 2024-01-16
    assert finding["escalated"] is False
    assert finding["message"] == (
        f"P0 action item 1 of {proven} (alice) is done without evidence: no commit names it "
        f"(a commit with the trailer Pm-Action: {proven}#1, then pm action verify): "
        "Alert on pool use"
    )
    assert finding["line"] > 1  # the item's line in the file
    (repo.path / ".pm.toml").write_text("", encoding="utf-8")
    kinds = [f["kind"] for f in json.loads(cli("overdue", "-f", "json").stdout)["findings"]]
    assert "evidence" not in kinds  # not asked for: no finding


def test_every_format_says_it(repo: Repo, cli: CliRunnerCall, proven: str) -> None:
    text = cli("overdue").stdout
    assert "evidence" in text and "no evidence" in text and "Alert on pool use" in text
    github = cli("overdue", "-f", "github").stdout
    assert "title=Done without evidence::P0 action item 1 of" in github
    assert f"| alice | evidence | {proven} | 1 | P0 |" in cli("overdue", "-f", "md").stdout
    slack = json.dumps(json.loads(cli("overdue", "-f", "slack").stdout))
    assert "is done without evidence" in slack
    teams = json.dumps(json.loads(cli("overdue", "-f", "teams").stdout))
    assert f"{proven} #1 (no evidence)" in teams
    assert "is done without evidence" in cli("overdue", "-f", "email").stdout


def test_a_withdrawn_fix_is_no_evidence(
    repo: Repo, cli: CliRunnerCall, proven: str, tmp_path: Path
) -> None:
    """Reverted, the item is open again (no longer done): reopened by verify; done again
    by hand, its withdrawn evidence does not count."""
    service = tmp_path / "service"
    git(service, "revert", "--no-edit", "HEAD")
    cli.ok("action", "verify", "--repo", str(service))
    cli.ok("action", "done", proven, "2")
    found = json.loads(cli("overdue", "-f", "json").stdout)["findings"]
    found = [f for f in found if f["kind"] == "evidence"]
    assert [f["item"] for f in found] == [1, 2]
    assert "its fix was withdrawn (" in found[1]["message"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '[overdue]\nrequire_evidence = ["P9"]\n',
            "overdue.require_evidence: unknown priority 'P9'",
        ),
        ('[overdue]\nrequire_evidence = "P0"\n', "overdue.require_evidence must be a list"),
        ('[overdue]\nrequire_evidense = ["P0"]\n', "did you mean 'require_evidence'?"),
    ],
)
def test_the_setting_is_checked(repo: Repo, cli: CliRunnerCall, table: str, message: str) -> None:
    (repo.path / ".pm.toml").write_text(table, encoding="utf-8")
    result = cli("overdue")
    assert result.exit_code == 3
    assert message in result.stderr
