"""Shared fixtures: a real git repository in a temporary folder, with a pinned clock.

Every test runs with HOME pointing at an empty temporary folder (never the developer's
real git config), a fixed git identity and fixed commit dates, ``PM_NOW`` pinned and
``TZ=UTC``, so that files, ids, history and output are the same on every machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pm.cli.commands import app

NOW = "2024-01-20T12:00:00Z"
AUTHOR = ("Alice Doe", "alice@example.com")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text(
        "[user]\n"
        f"\tname = {AUTHOR[0]}\n"
        f"\temail = {AUTHOR[1]}\n"
        "[init]\n\tdefaultBranch = main\n"
        "[commit]\n\tgpgSign = false\n",
        encoding="utf-8",
    )
    for name in list(os.environ):
        if name.startswith(("GIT_", "PM_")) or name in ("VISUAL", "EDITOR", "NO_COLOR"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2024-01-20T12:00:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-01-20T12:00:00+00:00")
    monkeypatch.setenv("PM_NOW", NOW)
    # The zone pm reads and shows times in when the config names none: UTC, so outputs
    # are the same on every machine. Tests of other zones set TZ (or timezone) themselves.
    monkeypatch.setenv("TZ", "UTC")


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its stdout without trailing newlines."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"git {' '.join(args)} failed: {result.stderr}"
    return result.stdout.rstrip("\n")


@dataclass
class Repo:
    """A temporary git repository that is also the current directory."""

    path: Path

    def git(self, *args: str) -> str:
        return git(self.path, *args)

    def subjects(self) -> list[str]:
        """Commit subjects, newest first."""
        out = self.git("log", "--format=%s")
        return out.splitlines() if out else []

    def commit_count(self) -> int:
        return len(self.subjects())

    def files_in(self, rev: str = "HEAD") -> list[str]:
        """Paths changed by one commit."""
        out = self.git("show", "--name-only", "--format=", rev)
        return out.splitlines()

    def read(self, relative: str) -> str:
        return (self.path / relative).read_text(encoding="utf-8")

    def postmortem_path(self, postmortem_id: str) -> Path:
        return self.path / "postmortems" / postmortem_id[:4] / f"{postmortem_id}.md"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """An initialised git repository with one commit, as the working directory."""
    return make_repo(tmp_path / "repo", monkeypatch)


def make_repo(path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """``path`` made a git repository with one commit, and the working directory."""
    path.mkdir(parents=True)
    git(path, "init", "--quiet")
    (path / "README.md").write_text("# ops\n", encoding="utf-8")
    git(path, "add", "README.md")
    git(path, "commit", "--quiet", "-m", "initial")
    monkeypatch.chdir(path)
    return Repo(path)


@pytest.fixture
def cli() -> Iterator[CliRunnerCall]:
    yield CliRunnerCall()


class CliRunnerCall:
    """Call ``pm`` in-process through Typer's CliRunner; stdout and stderr kept apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(app, list(args), input=input, catch_exceptions=False)

    def ok(self, *args: str) -> Result:
        """Run and assert exit 0, showing stderr when it is not."""
        result = self(*args)
        assert result.exit_code == 0, f"pm {' '.join(args)} -> {result.exit_code}: {result.stderr}"
        return result


def pm_command() -> list[str]:
    """The installed ``pm`` console script beside this interpreter, for end-to-end runs."""
    script = Path(sys.executable).parent / "pm"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pm"]


def run_pm(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*pm_command(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture
def opened(repo: Repo, cli: CliRunnerCall) -> str:
    """A SEV-1 incident opened in ``repo``; returns its id."""
    result = cli.ok(
        "open",
        "Database connection pool exhausted",
        "-s",
        "SEV-1",
        "--service",
        "payments-api",
        "--started",
        "2024-01-15T14:05",
    )
    return result.stdout.split("\t")[0]
