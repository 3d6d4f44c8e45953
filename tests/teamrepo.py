"""A team of responders: a bare origin and clones of it, each with its own git identity.

``team`` (a fixture) is an origin that ``pm init`` was run in and pushed, and three clones
(alice, bob, carol), each initialised with ``pm init`` as the README tells every responder
to do, so each has pm's merge driver in its git config. Git finds the driver as ``pm`` on
PATH: the fixture puts the installed script's folder first. Commands run pm in-process
(Typer's CliRunner) in the clone's folder; ``pull`` and ``push`` run the real git.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import Result

from conftest import CliRunnerCall, git

PEOPLE = {
    "alice": ("Alice Doe", "alice@example.com"),
    "bob": ("Bob Ng", "bob@example.com"),
    "carol": ("Carol Ruiz", "carol@example.com"),
}


@contextmanager
def inside(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@dataclass
class Clone:
    """One responder's clone of the origin."""

    name: str
    path: Path
    cli: CliRunnerCall = field(default_factory=CliRunnerCall)

    def git(self, *args: str) -> str:
        return git(self.path, *args)

    def run_git(self, *args: str) -> subprocess.CompletedProcess[str]:
        """git, success or not: a conflicting pull is an outcome tests look at."""
        return subprocess.run(
            ["git", *args], cwd=self.path, capture_output=True, text=True, check=False
        )

    def pm(self, *args: str) -> Result:
        with inside(self.path):
            return self.cli(*args)

    def ok(self, *args: str) -> Result:
        with inside(self.path):
            return self.cli.ok(*args)

    def pull(self, *, rebase: bool) -> subprocess.CompletedProcess[str]:
        setting = "true" if rebase else "false"
        return self.run_git("-c", f"pull.rebase={setting}", "pull", "--quiet")

    def push(self) -> None:
        self.git("push", "--quiet", "origin", "HEAD")

    def read(self, relative: str) -> str:
        return (self.path / relative).read_text(encoding="utf-8")

    def subjects(self) -> list[str]:
        return self.git("log", "--format=%s").splitlines()


@dataclass
class Team:
    origin: Path
    clones: dict[str, Clone]

    def __getitem__(self, name: str) -> Clone:
        return self.clones[name]

    def clone(self, name: str, where: Path) -> Clone:
        """A new clone of the origin for ``name`` (not yet initialised with pm init)."""
        path = where / name
        git(where, "clone", "--quiet", str(self.origin), name)
        person, email = PEOPLE.get(name, (name.title(), f"{name}@example.com"))
        git(path, "config", "user.name", person)
        git(path, "config", "user.email", email)
        return Clone(name, path)


def make_team(root: Path, monkeypatch: pytest.MonkeyPatch, names: tuple[str, ...]) -> Team:
    scripts = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", scripts + os.pathsep + os.environ.get("PATH", ""))
    origin = root / "origin.git"
    git(root, "init", "--quiet", "--bare", str(origin))
    team = Team(origin, {})
    first = team.clone(names[0], root)
    (first.path / "README.md").write_text("# ops\n", encoding="utf-8")
    first.git("add", "README.md")
    first.git("commit", "--quiet", "-m", "initial")
    first.ok("init")
    first.git("push", "--quiet", "origin", "HEAD")
    team.clones[first.name] = first
    for name in names[1:]:
        clone = team.clone(name, root)
        clone.ok("init")  # a fresh clone: installs the driver, changes no file
        assert clone.git("status", "--porcelain") == ""
        team.clones[name] = clone
    return team


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    """An origin and three initialised clones: alice, bob and carol."""
    return make_team(tmp_path, monkeypatch, ("alice", "bob", "carol"))
