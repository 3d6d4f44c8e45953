"""A team in a test: one bare origin and a few clones of it, each a responder's laptop.

``Team.make(tmp_path, "alice", "bob")`` creates ``origin.git`` (bare) and a clone per
name, each with its own git identity (``user.name`` = the name), ``pull.rebase false``
and the initial commit pushed; ``team.clone("bob")`` is a ``conftest.Repo`` for it.
Commands run with ``cwd`` set explicitly: a test drives several clones at once, so the
process's current directory means nothing here.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from conftest import Repo, git, run_pm


@dataclass
class Team:
    origin: Path
    clones: dict[str, Repo] = field(default_factory=dict)

    @classmethod
    def make(cls, base: Path, *names: str) -> Team:
        origin = base / "origin.git"
        git(base, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
        seed = base / "seed"
        git(base, "clone", "--quiet", str(origin), str(seed))
        (seed / "README.md").write_text("# ops\n", encoding="utf-8")
        git(seed, "add", "README.md")
        git(seed, "commit", "--quiet", "-m", "initial")
        git(seed, "push", "--quiet", "origin", "HEAD:main")
        team = cls(origin)
        for name in names:
            team.add(base, name)
        return team

    def add(self, base: Path, name: str) -> Repo:
        path = base / name
        git(base, "clone", "--quiet", str(self.origin), str(path))
        git(path, "config", "user.name", name)
        git(path, "config", "user.email", f"{name}@example.com")
        git(path, "config", "pull.rebase", "false")
        repo = Repo(path)
        self.clones[name] = repo
        return repo

    def clone(self, name: str) -> Repo:
        return self.clones[name]

    def pm(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        """The installed ``pm`` in clone ``name``."""
        return run_pm(self.clones[name].path, *args)

    def ok(self, name: str, *args: str) -> str:
        """Run pm in clone ``name``, assert it succeeded, return its stdout."""
        result = self.pm(name, *args)
        assert result.returncode == 0, f"{name}: pm {' '.join(args)}: {result.stderr}"
        return result.stdout

    def sync(self, name: str) -> None:
        """Pull then push, as a responder does between commands."""
        repo = self.clones[name]
        repo.git("pull", "--quiet", "--no-edit")
        repo.git("push", "--quiet", "origin", "HEAD:main")
