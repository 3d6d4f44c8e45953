"""``pm action verify``: commits carrying ``Pm-Action: <id>#<n>`` close action items with
evidence; a revert or a force push opens them again. Real repositories, real commits,
reverts made by ``git revert``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import CliRunnerCall, Repo, git

SERVICE_URL = "https://github.com/acme/payments-api"


class Service:
    """A service's repository beside the postmortems, with an ``origin``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()
        git(path, "init", "--quiet", "-b", "main")
        git(path, "remote", "add", "origin", "https://ci:s3cret@github.com/acme/payments-api.git")
        self.commit("initial")

    def commit(self, message: str, *trailers: str) -> str:
        """A commit changing a file, with ``Pm-Action`` trailers; its sha."""
        with (self.path / "code.txt").open("a", encoding="utf-8") as handle:
            handle.write(f"{message}\n")
        git(self.path, "add", "code.txt")
        text = message + (
            "\n\n" + "\n".join(f"Pm-Action: {t}" for t in trailers) if trailers else ""
        )
        git(self.path, "commit", "--quiet", "-m", text)
        return git(self.path, "rev-parse", "HEAD")


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return Service(tmp_path / "payments-api")


@pytest.fixture
def items3(repo: Repo, cli: CliRunnerCall, opened: str) -> str:
    """``opened`` with three open items."""
    for text, owner in (("Alert on pool use", "alice"), ("Load-test", "bob"), ("Runbook", "carol")):
        cli.ok("action", "add", opened, text, "--owner", owner)
    return opened


def item(repo: Repo, postmortem_id: str, number: int) -> dict[str, Any]:
    text = repo.postmortem_path(postmortem_id).read_text(encoding="utf-8")
    for found in yaml.safe_load(text.split("---\n")[1])["actions"]:
        if found["number"] == number:
            assert isinstance(found, dict)
            return found
    raise AssertionError(number)


def verify(cli: CliRunnerCall, service: Service, *args: str) -> str:
    result = cli.ok("action", "verify", "--repo", str(service.path), *args)
    return result.stderr


def test_a_trailer_closes_the_item_with_evidence_and_a_second_run_changes_nothing(
    repo: Repo, cli: CliRunnerCall, items3: str, service: Service
) -> None:
    fix = service.commit("Alert when the pool is 80% busy", f"{items3}#1")
    before = repo.commit_count()
    said = verify(cli, service, "--branch", "main")
    assert said == (
        f"Action item 1 of {items3} is done, by {fix[:12]} on {SERVICE_URL} main; committed.\n"
        f"{SERVICE_URL} main: 1 commit with Pm-Action trailers; 1 action item changed.\n"
    )
    assert repo.commit_count() == before + 1
    assert repo.subjects()[0] == f"pm: action-verify {items3} (#1 done by {fix[:12]})"
    body = repo.git("log", "-1", "--format=%b")
    assert f"Evidence: {fix} in {SERVICE_URL} main (2024-01-20T12:00:00+00:00)" in body
    assert "Pm-Operation: action-verify" in body
    first = item(repo, items3, 1)
    assert first["status"] == "done"
    assert str(first["done"]) == "2024-01-20"
    assert first["evidence"] == {
        "repo": SERVICE_URL,  # the origin URL, its user, password and .git left out
        "commit": fix,
        "date": yaml.safe_load("2024-01-20T12:00:00Z"),
    }
    assert item(repo, items3, 2)["status"] == "open"
    again = verify(cli, service)
    assert again.endswith("1 commit with Pm-Action trailers; nothing to change.\n")
    assert repo.commit_count() == before + 1
    rows = json.loads(cli.ok("action", "list", "--json").stdout)
    assert [row.get("evidence", {}).get("commit") for row in rows] == [fix, None, None]
    assert "evidence" not in rows[1]
    assert f"done by {fix[:12]} in {SERVICE_URL} (2024-01-20)" in cli.ok("show", items3).stdout


def test_several_trailers_in_one_commit_make_one_pm_commit_per_item(
    repo: Repo, cli: CliRunnerCall, items3: str, service: Service
) -> None:
    fix = service.commit("Pool alerts and runbook", f"{items3}#1", f"{items3}#3")
    before = repo.commit_count()
    assert verify(cli, service).endswith(
        "1 commit with Pm-Action trailers; 2 action items changed.\n"
    )
    assert repo.subjects()[:2] == [
        f"pm: action-verify {items3} (#3 done by {fix[:12]})",
        f"pm: action-verify {items3} (#1 done by {fix[:12]})",
    ]
    assert repo.commit_count() == before + 2
    assert [item(repo, items3, n)["status"] for n in (1, 2, 3)] == ["done", "open", "done"]


def test_unknown_ids_and_numbers_are_reported_not_fatal(
    repo: Repo, cli: CliRunnerCall, items3: str, service: Service
) -> None:
    fix = service.commit(
        "Several", "2023-01-01-nothing#1", f"{items3}#9", "no number here", f"{items3}#2"
    )
    result = cli("action", "verify", "--repo", str(service.path))
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        f"pm: warning: commit {fix[:12]} names '2023-01-01-nothing#1' in its Pm-Action "
        "trailer: no such postmortem",
        f"pm: warning: commit {fix[:12]} names '{items3}#9' in its Pm-Action trailer: "
        f"{items3} has no action item 9",
        f"pm: warning: commit {fix[:12]} names 'no number here' in its Pm-Action trailer: "
        "not <postmortem id>#<number>",
    ]
    assert item(repo, items3, 2)["status"] == "done"


def test_a_trailer_must_be_a_trailer(
    repo: Repo, cli: CliRunnerCall, items3: str, service: Service
) -> None:
    """git's own trailer parsing: the key in any case, only in the last paragraph."""
    service.commit(f"Mentions it in the subject Pm-Action: {items3}#1\n\nand more prose")
    service.commit(f"Lower case key\n\npm-action: {items3}#2")
    assert verify(cli, service).endswith(
        "1 commit with Pm-Action trailers; 1 action item changed.\n"
    )
    assert [item(repo, items3, n)["status"] for n in (1, 2)] == ["open", "done"]


def test_a_reverted_fix_reopens_the_item_and_a_reapplied_one_closes_it(
    repo: Repo, cli: CliRunnerCall, items3: str, service: Service
) -> None:
    fix = service.commit("Alert on pool use", f"{items3}#1")
    verify(cli, service)
    git(service.path, "revert", "--no-edit", "HEAD")
    revert = git(service.path, "rev-parse", "HEAD")
    said = verify(cli, service)
    reason = f"{fix[:12]} was reverted by {revert[:12]} on {SERVICE_URL} main"
    assert said.startswith(f"Action item 1 of {items3} is open again: {reason}; committed.\n")
    assert repo.subjects()[0] == f"pm: action-verify {items3} (#1 reopened)"
    assert f"Reason: {reason}" in repo.git("log", "-1", "--format=%b")
    first = item(repo, items3, 1)
    assert first["status"] == "open" and "done" not in first
    assert first["evidence"]["withdrawn"] == reason
    assert first["evidence"]["commit"] == fix
    assert f"evidence withdrawn: {reason}" in cli.ok("show", items3).stdout
    before = repo.commit_count()
    assert verify(cli, service).endswith("nothing to change.\n")
    assert repo.commit_count() == before
    git(service.path, "revert", "--no-edit", "HEAD")  # the revert reverted: the fix is back
    assert verify(cli, service).startswith(f"Action item 1 of {items3} is done, by {fix[:12]}")
    assert "withdrawn" not in item(repo, items3, 1)["evidence"]


def test_a_fix_gone_from_the_branch_reopens_the_item(
    repo: Repo, cli: CliRunnerCall, items3: str, service: Service
) -> None:
    """A force push that drops the fixing commit: it is no longer reachable from main."""
    service.commit("Alert on pool use", f"{items3}#1")
    verify(cli, service)
    git(service.path, "reset", "--quiet", "--hard", "HEAD~1")
    service.commit("Something else")
    said = verify(cli, service)
    assert (
        f"is open again: {item(repo, items3, 1)['evidence']['commit'][:12]} is no longer on" in said
    )
    assert item(repo, items3, 1)["status"] == "open"


def test_only_the_branch_counts(
    repo: Repo, cli: CliRunnerCall, items3: str, service: Service
) -> None:
    git(service.path, "switch", "--quiet", "-c", "feature")
    service.commit("Alert on pool use", f"{items3}#1")
    git(service.path, "switch", "--quiet", "main")
    assert verify(cli, service, "--branch", "main").endswith(
        "main: 0 commits with Pm-Action trailers; nothing to change.\n"
    )
    assert verify(cli, service, "--branch", "feature").startswith(
        f"Action item 1 of {items3} is done"
    )
    git(service.path, "merge", "--quiet", "--no-ff", "-m", "Merge feature", "feature")
    assert verify(cli, service).endswith("1 commit with Pm-Action trailers; nothing to change.\n")


def test_hand_edits_are_respected(
    repo: Repo, cli: CliRunnerCall, items3: str, service: Service
) -> None:
    cli.ok("action", "done", items3, "2")
    fix = service.commit("Load-test and alert", f"{items3}#2", f"{items3}#1")
    said = verify(cli, service)
    assert f"Action item 2 of {items3} (done) has its evidence, {fix[:12]}" in said
    assert repo.subjects()[:2] == [
        f"pm: action-verify {items3} (#2 evidence {fix[:12]})",
        f"pm: action-verify {items3} (#1 done by {fix[:12]})",
    ]
    assert str(item(repo, items3, 2)["done"]) == "2024-01-20"
    cli.ok("action", "reopen", items3, "1", "--reason", "the alert never fired")
    assert verify(cli, service).endswith("nothing to change.\n")  # the person decides
    assert item(repo, items3, 1)["status"] == "open"
    cli.ok("action", "edit", items3, "1", "--owner", "dan")  # evidence survives other changes
    assert item(repo, items3, 1)["evidence"]["commit"] == fix


def test_the_postmortems_own_repository_and_a_folder_name(
    repo: Repo, cli: CliRunnerCall, items3: str
) -> None:
    """Without --repo the current repository is read; without origin it is named by its folder."""
    (repo.path / "fix.txt").write_text("fixed\n", encoding="utf-8")
    repo.git("add", "fix.txt")
    repo.git("commit", "--quiet", "-m", f"Fix it\n\nPm-Action: {items3}#3")
    said = cli.ok("action", "verify").stderr
    assert said.endswith("repo main: 1 commit with Pm-Action trailers; 1 action item changed.\n")
    assert item(repo, items3, 3)["evidence"]["repo"] == "repo"


def test_a_reverted_fix_on_a_closed_postmortem_opens_it_again(
    repo: Repo, cli: CliRunnerCall, items3: str, service: Service
) -> None:
    service.commit("All three", f"{items3}#1", f"{items3}#2", f"{items3}#3")
    verify(cli, service)
    cli.ok("resolve", items3)
    cli.ok("close", items3, "--force", "--reason", "review skipped in this test")
    git(service.path, "revert", "--no-edit", "HEAD")
    verify(cli, service)
    text = repo.postmortem_path(items3).read_text(encoding="utf-8")
    assert yaml.safe_load(text.split("---\n")[1])["status"] == "resolved"
    assert "Status: closed -> resolved" in repo.git("log", "--format=%b", "-3")


def test_errors(
    repo: Repo, cli: CliRunnerCall, items3: str, service: Service, tmp_path: Path
) -> None:
    missing = cli("action", "verify", "--repo", str(tmp_path / "nope"))
    assert (missing.exit_code, missing.stderr) == (
        2,
        f"pm: --repo {tmp_path / 'nope'}: no such folder\n",
    )
    plain = tmp_path / "plain"
    plain.mkdir()
    assert cli("action", "verify", "--repo", str(plain)).exit_code == 4
    branch = cli("action", "verify", "--repo", str(service.path), "--branch", "nope")
    assert branch.exit_code == 3
    assert branch.stderr == f"pm: unknown branch or revision 'nope' in {service.path}\n"
    dash = cli("action", "verify", "--repo", str(service.path), "--branch", "--output=x")
    assert dash.exit_code == 3  # never read as an option by git: no such revision
    service.commit("Fix", f"{items3}#1")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{service.path}", str(shallow))
    result = cli("action", "verify", "--repo", str(shallow))
    assert result.exit_code == 4
    assert "is a shallow clone" in result.stderr and "fetch-depth: 0" in result.stderr
    assert item(repo, items3, 1)["status"] == "open"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://github.com/acme/payments-api", SERVICE_URL),
        ("https://x-access-token:abc@github.com/acme/payments-api.git", SERVICE_URL),
        ("git@github.com:acme/payments-api.git", SERVICE_URL),
        ("ssh://git@gitlab.example.com:2222/ops/api.git", "ssh://gitlab.example.com:2222/ops/api"),
        ("/srv/git/api.git/", "/srv/git/api"),
    ],
)
def test_one_repository_one_name(url: str, name: str) -> None:
    from pm.verify import web_name

    assert web_name(url) == name
