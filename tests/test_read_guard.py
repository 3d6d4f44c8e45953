"""CI that cannot be fooled (issue 11, item 8): reads fail where there is nothing to read.

A scheduled ``pm overdue`` in the wrong directory (no checkout, a ``working-directory``
typo, ``GIT_DIR`` pointing elsewhere) used to print nothing and exit 0: green forever.
Every read command now fails there with one line and exit 4 (and an ``::error::`` in
GitHub format), unless the repository really has a postmortems folder, which may be
empty. ``GIT_DIR``/``GIT_WORK_TREE`` lead pm to the work tree git would use, or to a
clear refusal. ``pm log`` in a shallow clone says so, and how to deepen it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, git, make_repo, run_pm

# Every read command, with an id where it needs one ("db" matches no file: the check
# comes first, so the error is about the repository, never "no postmortem matches").
READS = [
    ["list"],
    ["list", "--json"],
    ["show", "db"],
    ["show", "db", "--json"],
    ["action", "list"],
    ["action", "list", "db"],
    ["action", "list", "--json"],
    ["overdue"],
    ["overdue", "--format", "json"],
    ["overdue", "--format", "markdown"],
    ["lint"],
    ["lint", "--format", "json"],
    ["lint", "--format", "gitlab"],
    ["report"],
    ["report", "--format", "json"],
    ["report", "db"],
    ["log", "db"],
]


def ids(args: list[str]) -> str:
    return " ".join(args)


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder in no git repository, as the working directory."""
    folder = tmp_path / "not-a-checkout"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize("args", READS, ids=ids)
def test_reads_outside_any_repository_fail(
    nowhere: Path, cli: CliRunnerCall, args: list[str]
) -> None:
    result = cli(*args)
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr == (
        f"pm: {nowhere} is not in a git repository, so there are no postmortems to read; "
        "run pm in the repository that holds them (or pm init to start one)\n"
    )


@pytest.mark.parametrize("args", READS, ids=ids)
def test_reads_in_a_repository_without_postmortems_fail(
    repo: Repo, cli: CliRunnerCall, args: list[str]
) -> None:
    result = cli(*args)
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr == (
        f"pm: no postmortems folder: postmortems/ in {repo.path} does not exist; run pm in "
        "the repository that holds your postmortems, pm init to start one, or set "
        "directory in .pm.toml\n"
    )


# Changes to a postmortem, which name one by id: in the wrong folder they say so too.
WRITES = [
    ["event", "db", "Failed over"],
    ["resolve", "db"],
    ["action", "add", "db", "Alert on lag", "--owner", "bob"],
    ["set", "db", "severity", "SEV-2"],
    ["reopen", "db", "--reason", "back"],
]


@pytest.mark.parametrize("args", WRITES, ids=ids)
def test_changes_in_a_repository_without_postmortems_say_so(
    repo: Repo, cli: CliRunnerCall, args: list[str]
) -> None:
    """Not "no postmortem matches 'db'" (exit 3), as if the id were mistyped."""
    head = repo.git("rev-parse", "HEAD")
    result = cli(*args)
    assert result.exit_code == 4, result.stderr
    assert result.stderr.startswith("pm: no postmortems folder: postmortems/ in ")
    assert repo.git("rev-parse", "HEAD") == head
    assert not (repo.path / "postmortems").exists()


def test_a_postmortems_folder_that_is_a_file_is_no_folder(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / "postmortems").write_text("not a folder\n", encoding="utf-8")
    result = cli("overdue")
    assert result.exit_code == 4
    assert "no postmortems folder" in result.stderr


def test_the_configured_folder_is_the_one_checked(repo: Repo, cli: CliRunnerCall) -> None:
    """``directory = "incidents"`` with only a postmortems/ folder: nothing to read."""
    (repo.path / "postmortems").mkdir()
    (repo.path / ".pm.toml").write_text('directory = "incidents"\n', encoding="utf-8")
    result = cli("overdue")
    assert result.exit_code == 4
    assert "no postmortems folder: incidents/ in" in result.stderr
    assert "set directory in .pm.toml" in result.stderr


# Reads that succeed on an empty folder, and what they print there.
EMPTY_OK = [
    ["list"],
    ["list", "--json"],
    ["action", "list"],
    ["overdue"],
    ["overdue", "--format", "github"],
    ["lint"],
    ["lint", "--format", "github"],
    ["report"],
]


@pytest.mark.parametrize("args", EMPTY_OK, ids=ids)
def test_an_empty_postmortems_folder_is_an_answer(
    repo: Repo, cli: CliRunnerCall, args: list[str]
) -> None:
    """``pm init`` makes the folder with a .gitkeep: no postmortems yet is fine (exit 0)."""
    cli.ok("init")
    assert sorted(p.name for p in (repo.path / "postmortems").iterdir()) == [".gitkeep"]
    result = cli.ok(*args)
    assert "::error" not in result.stdout


def test_lint_of_named_files_needs_the_repository_not_the_folder(
    repo: Repo, cli: CliRunnerCall, nowhere: Path
) -> None:
    """``pm lint FILE`` (pre-commit passes the staged files) names what to read."""
    other = repo.path / "notes.md"
    other.write_text("# notes\n", encoding="utf-8")
    result = cli("lint", str(other))  # the working directory is outside any repository
    assert result.exit_code == 4
    assert "is not in a git repository" in result.stderr


@pytest.mark.parametrize("command", ["overdue", "lint"])
def test_github_format_adds_an_error_annotation(
    nowhere: Path, cli: CliRunnerCall, command: str
) -> None:
    """The run's page shows why it failed, not only the log."""
    result = cli(command, "--format", "github")
    assert result.exit_code == 4
    message = (
        f"{nowhere} is not in a git repository, so there are no postmortems to read; "
        "run pm in the repository that holds them (or pm init to start one)"
    )
    assert result.stdout == f"::error title=pm::{message}\n"
    assert result.stderr == f"pm: {message}\n"


@pytest.mark.slow
def test_the_installed_pm_fails_a_scheduled_job_in_the_wrong_folder(tmp_path: Path) -> None:
    """The real thing a CI runner does: run ``pm overdue --format github`` in a folder."""
    empty = tmp_path / "workspace"
    empty.mkdir()
    result = run_pm(empty, "overdue", "--format", "github", "--fail-on", "escalated")
    assert result.returncode == 4
    assert result.stdout.startswith("::error title=pm::")
    assert result.stderr.count("\n") == 1
    lint = run_pm(empty, "lint", "--format", "github")
    assert lint.returncode == 4
    assert lint.stdout.startswith("::error title=pm::")


def test_a_broken_dot_git_is_no_repository(nowhere: Path, cli: CliRunnerCall) -> None:
    """An empty ``.git`` folder (a failed clone) is not a repository to git, nor to pm."""
    (nowhere / ".git").mkdir()
    (nowhere / "postmortems").mkdir()
    result = cli("overdue")
    assert result.exit_code == 4
    assert "is not in a git repository" in result.stderr


def test_a_subfolder_config_in_a_repository_is_read(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``.pm.toml`` below the top of a repository (a monorepo): still a repository."""
    sub = repo.path / "ops"
    sub.mkdir()
    (sub / ".pm.toml").write_text('directory = "incidents"\n', encoding="utf-8")
    (sub / "incidents").mkdir()
    result = cli("list")
    assert result.exit_code == 4  # the working directory is the top: no .pm.toml there
    monkeypatch.chdir(sub)
    cli.ok("list")


# --- GIT_DIR and GIT_WORK_TREE ------------------------------------------------------------


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunnerCall) -> Repo:
    """A repository with one incident, at ``elsewhere``; the working directory is left
    in a folder outside it."""
    other = make_repo(tmp_path / "elsewhere", monkeypatch)
    cli.ok("open", "Queue stuck", "-s", "SEV-2", "--started", "2024-01-15T10:00")
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    return other


def test_git_dir_and_work_tree_lead_reads_and_writes_there(
    elsewhere: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pm uses the work tree git would: the one GIT_DIR and GIT_WORK_TREE name."""
    monkeypatch.setenv("GIT_DIR", str(elsewhere.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(elsewhere.path))
    listed = cli.ok("list")
    assert listed.stdout.split("\t")[0] == "2024-01-15-queue-stuck"
    commits = elsewhere.commit_count()
    cli.ok("event", "queue-stuck", "Drained the queue", "--at", "2024-01-15T10:30")
    assert elsewhere.commit_count() == commits + 1
    assert "Drained the queue" in elsewhere.read("postmortems/2024/2024-01-15-queue-stuck.md")
    assert elsewhere.git("status", "--porcelain") == ""
    assert not list(Path.cwd().iterdir())  # nothing written where pm was started


def test_relative_git_dir_is_read_from_where_pm_runs(
    elsewhere: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``GIT_DIR=../.git GIT_WORK_TREE=..`` from a subfolder, as git reads them."""
    sub = elsewhere.path / "docs"
    sub.mkdir()
    monkeypatch.chdir(sub)
    monkeypatch.setenv("GIT_DIR", "../.git")
    monkeypatch.setenv("GIT_WORK_TREE", "..")
    assert cli.ok("list").stdout.startswith("2024-01-15-queue-stuck\t")
    cli.ok("event", "queue-stuck", "From a subfolder", "--at", "2024-01-15T10:40")
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_WORK_TREE")
    assert elsewhere.subjects()[0].startswith("pm: event 2024-01-15-queue-stuck")
    assert not (sub / "postmortems").exists()


def test_git_variables_pointing_at_a_repository_without_postmortems_are_never_ignored(
    elsewhere: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """In a checkout with postmortems, but GIT_DIR/GIT_WORK_TREE name another repository:
    pm reads what git would (nothing there), never the working directory's files."""
    bare_files = make_repo(tmp_path / "no-postmortems", monkeypatch)
    monkeypatch.chdir(elsewhere.path)
    monkeypatch.setenv("GIT_DIR", str(bare_files.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(bare_files.path))
    result = cli("overdue", "--format", "github")
    assert result.exit_code == 4
    assert result.stdout.startswith("::error title=pm::no postmortems folder")
    assert result.stderr == (
        f"pm: no postmortems folder: postmortems/ in {bare_files.path} (the work tree of "
        f"GIT_DIR={bare_files.path / '.git'} and GIT_WORK_TREE={bare_files.path}) does not "
        "exist; run pm in the repository that holds your postmortems, pm init to start one, "
        "or set directory in .pm.toml\n"
    )


def test_git_dir_without_work_tree_uses_the_working_directory_as_git_does(
    elsewhere: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIT_DIR alone: git takes the working directory as the top of the work tree; so
    does pm, and there is no postmortems folder here."""
    monkeypatch.setenv("GIT_DIR", str(elsewhere.path / ".git"))
    result = cli("list")
    assert result.exit_code == 4
    assert f"(the work tree of GIT_DIR={elsewhere.path / '.git'})" in result.stderr
    assert git(elsewhere.path, "rev-parse", "--show-toplevel") == str(elsewhere.path)


def test_git_dir_that_is_no_repository_is_refused(
    nowhere: Path, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    (nowhere / "postmortems").mkdir()
    monkeypatch.setenv("GIT_DIR", str(nowhere / "missing.git"))
    for args in (["list"], ["overdue"], ["event", "x", "text"]):
        result = cli(*args)
        assert result.exit_code == 4, args
        assert result.stderr == (
            f"pm: GIT_DIR={nowhere / 'missing.git'}: git finds no repository there (fatal: "
            f"not a git repository: '{nowhere / 'missing.git'}'); unset it or point it at the "
            "repository that holds your postmortems\n"
        )


def test_git_dir_of_a_bare_repository_asks_for_a_work_tree(
    nowhere: Path, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(nowhere, "init", "--quiet", "--bare", "origin.git")
    monkeypatch.setenv("GIT_DIR", str(nowhere / "origin.git"))
    result = cli("overdue")
    assert result.exit_code == 4
    assert "that repository has no work tree" in result.stderr
    assert "set GIT_WORK_TREE to the folder it is checked out in" in result.stderr


def test_git_work_tree_alone_outside_a_repository_is_refused(
    elsewhere: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_WORK_TREE", str(elsewhere.path))
    result = cli("list")
    assert result.exit_code == 4
    assert result.stderr.startswith(f"pm: GIT_WORK_TREE={elsewhere.path}: git finds no repo")


# --- shallow clones --------------------------------------------------------------------------


@pytest.fixture
def origin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunnerCall) -> Repo:
    """A repository with an incident and four commits touching it."""
    repo = make_repo(tmp_path / "origin", monkeypatch)
    cli.ok("open", "Queue stuck", "-s", "SEV-2", "--started", "2024-01-15T10:00")
    cli.ok("event", "queue-stuck", "Paged", "--at", "2024-01-15T10:05", "-k", "detected")
    cli.ok("event", "queue-stuck", "Drained", "--at", "2024-01-15T10:30", "-k", "mitigated")
    cli.ok("resolve", "queue-stuck", "Back to normal", "--at", "2024-01-15T11:00")
    return repo


def test_log_in_a_shallow_clone_warns_and_says_how_to_deepen(
    origin: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunnerCall
) -> None:
    """``git clone --depth 1`` (what actions/checkout does by default): the log is shown,
    with a warning that it is cut short; after ``git fetch --unshallow`` it is whole."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{origin.path}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"
    monkeypatch.chdir(clone)
    result = cli.ok("log", "queue-stuck")
    assert len(result.stdout.splitlines()) == 1  # only the one commit the clone has
    assert result.stderr == (
        "pm: warning: this clone is shallow, so the history shown may be cut short (its "
        "oldest commit can look like the file's creation); fetch it all with git fetch "
        "--unshallow (GitHub Actions: actions/checkout with fetch-depth: 0)\n"
    )
    as_json = cli.ok("log", "queue-stuck", "--json")
    assert len(json.loads(as_json.stdout)) == 1
    assert "shallow" in as_json.stderr
    git(clone, "fetch", "--quiet", "--unshallow")
    deep = cli.ok("log", "queue-stuck")
    assert deep.stderr == ""
    assert [row.split("\t")[3] for row in deep.stdout.splitlines()] == [
        "resolve",
        "event",
        "event",
        "open",
    ]


def test_log_in_a_full_clone_says_nothing_of_depth(
    origin: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunnerCall
) -> None:
    clone = tmp_path / "full"
    git(tmp_path, "clone", "--quiet", f"file://{origin.path}", str(clone))
    monkeypatch.chdir(clone)
    result = cli.ok("log", "queue-stuck")
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 4


def test_reads_other_than_log_work_in_a_shallow_clone(
    origin: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunnerCall
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{origin.path}", str(clone))
    monkeypatch.chdir(clone)
    assert cli.ok("list").stdout.startswith("2024-01-15-queue-stuck\t")
    late = cli("overdue")  # the review of the resolved SEV-2 is late
    assert (late.exit_code, late.stderr) == (1, "1 late (0 escalated) as of 2024-01-20.\n")
    shutil.rmtree(clone / "postmortems")  # a sparse or broken checkout: no folder
    assert cli("overdue").exit_code == 4
