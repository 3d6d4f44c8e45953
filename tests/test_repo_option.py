"""``pm -C DIR`` and ``PM_REPO``: run pm on another repository, like ``git -C``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, run_pm
from pm.cli import fast, main


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def elsewhere(repo: Repo, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder outside the repository, made the working directory."""
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    return outside


def test_fast_path_reads_the_leading_directories() -> None:
    assert fast.directories(["-C", "a", "-C", "b", "list"]) == (["a", "b"], ["list"])
    assert fast.directories(["list", "-C", "a"]) == ([], ["list", "-C", "a"])
    assert fast.directories(["-C"]) is None
    assert fast.directories(["-C", "--debug", "list"]) is None


@pytest.mark.parametrize("how", ["fast", "typer"])
def test_dash_c_runs_on_the_named_repository(
    repo: Repo,
    opened: str,
    elsewhere: Path,
    cli: CliRunnerCall,
    capsys: pytest.CaptureFixture[str],
    how: str,
) -> None:
    args = ["-C", str(repo.path), "list"]
    if how == "fast":
        code, out, _ = run_main(capsys, *args)
    else:
        result = cli(*args)
        code, out = result.exit_code, result.stdout
    assert code == 0
    assert out.startswith(opened)


def test_dash_c_on_a_command_typer_runs_commits_there(
    repo: Repo, opened: str, elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(
        capsys, "-C", str(repo.path), "resolve", opened, "--at", "2024-01-15T16:05"
    )
    assert code == 0, err
    assert repo.subjects()[0].startswith(f"pm: resolve {opened}")


def test_dash_c_is_relative_to_the_one_before(
    repo: Repo, opened: str, elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    relative = os.path.relpath(repo.path.parent, elsewhere)
    code, out, _ = run_main(capsys, "-C", relative, "-C", repo.path.name, "show", opened)
    assert code == 0
    assert out.startswith(opened)


@pytest.mark.parametrize("how", ["fast", "typer"])
def test_pm_repo_names_the_repository_and_dash_c_wins(
    repo: Repo,
    opened: str,
    elsewhere: Path,
    cli: CliRunnerCall,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    monkeypatch.setenv("PM_REPO", str(repo.path))

    def run(*args: str) -> tuple[int, str, str]:
        if how == "fast":
            return run_main(capsys, *args)
        result = cli(*args)
        return result.exit_code, result.stdout, result.stderr

    code, out, _ = run("show", opened)
    assert code == 0 and out.startswith(opened)
    monkeypatch.chdir(elsewhere)
    code, _, err = run("-C", str(elsewhere), "show", opened)
    assert code == 4
    assert err.startswith(f"pm: {elsewhere} is not in a git repository")


@pytest.mark.parametrize("how", ["fast", "typer"])
@pytest.mark.parametrize("variable", [False, True])
def test_a_missing_directory_is_a_usage_error(
    repo: Repo,
    elsewhere: Path,
    cli: CliRunnerCall,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    how: str,
    variable: bool,
) -> None:
    if variable:
        monkeypatch.setenv("PM_REPO", "no-such-dir")
        args: list[str] = ["list"]
        message = "pm: PM_REPO=no-such-dir: no such directory\n"
    else:
        args = ["-C", "no-such-dir", "list"]
        message = "pm: -C no-such-dir: no such directory\n"
    if how == "fast":
        code, out, err = run_main(capsys, *args)
    else:
        result = cli(*args)
        code, out, err = result.exit_code, result.stdout, result.stderr
    assert (code, out, err) == (2, "", message)


def test_a_file_is_not_a_directory(
    repo: Repo, elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (elsewhere / "notes.txt").write_text("x", encoding="utf-8")
    assert run_main(capsys, "-C", "notes.txt", "list") == (
        2,
        "",
        "pm: -C notes.txt: not a directory\n",
    )


def test_a_folder_outside_git_is_refused_as_usual(
    repo: Repo, elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(capsys, "-C", str(elsewhere), "list")
    assert (code, out) == (4, "")
    assert err.startswith(f"pm: {elsewhere} is not in a git repository")


def test_dash_c_without_a_value_is_a_usage_error(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(capsys, "-C")
    assert code == 2
    assert "Option '-C' requires an argument" in err


@pytest.mark.slow
def test_installed_pm_takes_dash_c_and_pm_repo(repo: Repo, opened: str, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    listed = run_pm(outside, "-C", str(repo.path), "list")
    assert listed.returncode == 0 and listed.stdout.startswith(opened)
    shown = run_pm(outside, "show", opened, env={"PM_REPO": str(repo.path)})
    assert shown.returncode == 0 and shown.stdout.startswith(opened)
