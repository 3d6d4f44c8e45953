"""``pm open --branch``: a new postmortem on its own branch, ``postmortem/<id>``, for review.

Either the branch exists, is checked out and holds the commit, or nothing changed: a
refused commit switches back and deletes the branch; an existing branch is refused first.
"""

from __future__ import annotations

from pathlib import Path

from conftest import CliRunnerCall, Repo
from pm.errors import ExitCode
from pm.workspace import Workspace

ID = "2024-01-20-checkout-returns-502s"


def hook(repo: Repo, name: str, script: str) -> None:
    path = repo.path / ".git" / "hooks" / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(0o755)


def branches(repo: Repo) -> list[str]:
    return repo.git("branch", "--format=%(refname:short)").splitlines()


def test_open_branch_commits_the_postmortem_on_a_new_branch(repo: Repo, cli: CliRunnerCall) -> None:
    cli.ok("init")
    before = repo.git("rev-parse", "HEAD")
    result = cli.ok("open", "Checkout returns 502s", "-s", "SEV-2", "--branch")
    assert result.stdout == f"{ID}\tpostmortems/2024/{ID}.md\n"
    assert f"committed on a new branch, postmortem/{ID}." in result.stderr
    assert repo.git("symbolic-ref", "--short", "HEAD") == f"postmortem/{ID}"
    assert repo.git("rev-parse", "HEAD~1") == before  # branched from where HEAD was
    assert repo.files_in() == [f"postmortems/2024/{ID}.md"]
    assert repo.git("rev-parse", "main") == before  # main did not move
    assert repo.git("status", "--porcelain") == ""


def test_uncommitted_work_goes_along_and_stays_out_of_the_commit(
    repo: Repo, cli: CliRunnerCall
) -> None:
    """As with git switch -c: the new branch starts at HEAD, so no change blocks it."""
    cli.ok("init")
    (repo.path / "README.md").write_text("# ops, edited\n", encoding="utf-8")
    repo.git("add", "README.md")
    cli.ok("open", "Checkout returns 502s", "-s", "SEV-2", "--branch")
    assert repo.files_in() == [f"postmortems/2024/{ID}.md"]
    assert repo.git("status", "--porcelain") == "M  README.md"


def test_an_existing_branch_is_refused_before_anything_changes(
    repo: Repo, cli: CliRunnerCall
) -> None:
    cli.ok("init")
    repo.git("branch", f"postmortem/{ID}")
    count = repo.commit_count()
    result = cli("open", "Checkout returns 502s", "-s", "SEV-2", "--branch")
    assert result.exit_code == ExitCode.REPO
    assert result.stderr == (
        f"pm: branch postmortem/{ID} exists already; switch to it (git switch "
        f"postmortem/{ID}) or open the postmortem without --branch\n"
    )
    assert repo.git("symbolic-ref", "--short", "HEAD") == "main"
    assert repo.commit_count() == count
    assert not repo.postmortem_path(ID).exists()


def test_a_refused_commit_switches_back_and_deletes_the_branch(
    repo: Repo, cli: CliRunnerCall
) -> None:
    cli.ok("init")
    hook(repo, "pre-commit", "echo 'no commits today'\nexit 1\n")
    count = repo.commit_count()
    result = cli("open", "Checkout returns 502s", "-s", "SEV-2", "--branch")
    assert result.exit_code == ExitCode.REPO
    assert "refused the commit" in result.stderr
    assert repo.git("symbolic-ref", "--short", "HEAD") == "main"
    assert branches(repo) == ["main"]
    assert repo.commit_count() == count
    assert not repo.postmortem_path(ID).exists()
    assert repo.git("status", "--porcelain") == ""


def test_branch_cannot_go_with_no_commit(repo: Repo, cli: CliRunnerCall) -> None:
    cli.ok("init")
    result = cli("open", "Checkout returns 502s", "-s", "SEV-2", "--branch", "--no-commit")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == (
        "pm: --branch commits the new postmortem; it cannot go with --no-commit\n"
    )
    assert branches(repo) == ["main"]
    assert not repo.postmortem_path(ID).exists()


def test_the_api_opens_on_a_branch_too(repo: Repo, cli: CliRunnerCall) -> None:
    cli.ok("init")
    ws = Workspace.load(Path.cwd())
    record = ws.open("Checkout returns 502s", "SEV-2", branch=True)
    assert record.postmortem.id == ID
    assert repo.git("symbolic-ref", "--short", "HEAD") == f"postmortem/{ID}"
