"""Exit codes are one enum, errors carry their kind as a type, failures print one line.

The exit codes are a contract for CI scripts: the README's table and ``ExitCode`` list the
same codes. A bug (70), an interrupt (130) and a reader that went away (``pm list | head``)
end the same way whichever path (the fast path or Typer) ran the command.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import Repo, git
from pm.cli import guard, main
from pm.errors import (
    DataError,
    DuplicateKeyError,
    ExitCode,
    FileFormatError,
    NoCommitsError,
    RepoError,
    UsageError,
    WriteError,
)
from pm.gitrepo import GitRepo, run_git
from pm.workspace import Workspace

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_documents_exactly_the_exit_codes_of_the_enum() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Exit codes") : text.index("## CI recipes")]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert documented == {int(code) for code in ExitCode}


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("bad option"), 2),
        (DataError("bad data"), 3),
        (FileFormatError("x.md", "invalid YAML", 4), 3),
        (RepoError("mid-merge"), 4),
        (NoCommitsError("no commits"), 4),
        (WriteError("disk full"), 5),
    ],
)
def test_each_error_type_carries_its_exit_code(
    error: Exception, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert guard.report(error, debug=False) == code
    assert capsys.readouterr().err == f"pm: {error}\n"


def test_a_file_error_keeps_the_reason_apart_from_the_place() -> None:
    error = DuplicateKeyError("postmortems/2024/x.md", "invalid YAML: duplicate key 'id'", 3)
    assert error.message == "postmortems/2024/x.md:3: invalid YAML: duplicate key 'id'"
    assert error.reason == "invalid YAML: duplicate key 'id'"
    assert isinstance(error, FileFormatError) and error.exit_code == ExitCode.DATA


def test_bug_interrupt_and_foreign_exceptions(capsys: pytest.CaptureFixture[str]) -> None:
    assert guard.report(KeyboardInterrupt(), debug=False) == 130
    assert capsys.readouterr().err == "pm: interrupted\n"
    assert guard.report(ZeroDivisionError("division by zero"), debug=False) == 70
    assert capsys.readouterr().err == (
        "pm: internal error: ZeroDivisionError: division by zero (this is a bug in pm; "
        "run again with --debug and report the traceback)\n"
    )
    assert guard.report(SystemExit(2), debug=False) is None  # not ours: passed on


def failing(error: BaseException) -> Any:
    def load(*_args: object, **_kwargs: object) -> Workspace:
        raise error

    return classmethod(load)


@pytest.mark.parametrize(("args", "path"), [(["list"], "fast"), (["close", "2024-01-15"], "typer")])
@pytest.mark.parametrize(
    ("error", "code", "said"),
    [
        (RuntimeError("boom"), ExitCode.BUG, "pm: internal error: RuntimeError: boom"),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED, "pm: interrupted"),
    ],
)
def test_both_command_paths_exit_alike(
    repo: Repo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    path: str,
    error: BaseException,
    code: ExitCode,
    said: str,
) -> None:
    from pm.cli import fast

    assert (fast.parse(args) is not None) == (path == "fast")
    monkeypatch.setattr(Workspace, "load", failing(error))
    assert main(args) == code
    err = capsys.readouterr().err
    assert err.startswith(said) and err.count("\n") == 1


def test_a_broken_pipe_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reader went away: exit 0, nothing said, and stdout sent to /dev/null (both
    paths through a real pipe: test_startup.test_reader_that_goes_away_is_not_an_error)."""
    with (tmp_path / "stdout").open("w", encoding="utf-8") as stdout:
        monkeypatch.setattr(sys, "stdout", stdout)  # guard redirects this file, not pytest's
        assert guard.report(BrokenPipeError(), debug=False) == ExitCode.OK
        print("after the reader left", file=stdout, flush=True)
    assert (tmp_path / "stdout").read_text(encoding="utf-8") == ""
    assert capsys.readouterr().err == ""


def test_no_commits_yet_is_a_type_not_a_message(tmp_path: Path) -> None:
    """git log on a branch that has no commits: ``NoCommitsError``, and no history."""
    git(tmp_path, "init", "--quiet")
    (tmp_path / "draft.md").write_text("x\n", encoding="utf-8")
    with pytest.raises(NoCommitsError) as raised:
        run_git(tmp_path, "log")
    assert raised.value.message.startswith("git log failed: fatal: ")
    assert raised.value.exit_code == ExitCode.REPO
    assert GitRepo.discover(tmp_path).file_log(tmp_path / "draft.md") == []
    with pytest.raises(RepoError) as other:  # any other failure stays a plain RepoError
        run_git(tmp_path, "log", "no-such-revision")
    assert type(other.value) is RepoError
