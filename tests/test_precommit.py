"""The pre-commit hook, run by the real ``pre-commit`` on a sample repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import Repo, pm_command
from factories import postmortem, write

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
BROKEN = "---\nid: [\n---\n"


def _manifest() -> dict[str, object]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["pm-lint"]
    hook: dict[str, object] = hooks[0]
    return hook


def test_published_manifest() -> None:
    hook = _manifest()
    assert hook["entry"] == "pm lint"
    assert hook["language"] == "python"
    assert hook["files"] == r"^postmortems/[0-9]{4}/.*\.md$"


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")}
    return subprocess.run(
        [str(PRE_COMMIT), *args], cwd=repo, capture_output=True, text=True, env=env, check=False
    )


@pytest.mark.slow
def test_hook_blocks_a_commit_of_a_broken_postmortem(repo: Repo) -> None:
    """A local hook with the manifest's ``files`` pattern, installed as the git hook.

    ``language: system`` runs this checkout's ``pm``, so the test needs no network;
    the next test installs the published hook the way users get it.
    """
    hook = _manifest()
    config = {
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {
                        "id": hook["id"],
                        "name": hook["name"],
                        "entry": " ".join([*pm_command(), "lint"]),
                        "language": "system",
                        "files": hook["files"],
                    }
                ],
            }
        ]
    }
    (repo.path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    repo.git("add", ".pre-commit-config.yaml")
    repo.git("commit", "--quiet", "-m", "pre-commit config")
    installed = _run(repo.path, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr

    broken = repo.path / "postmortems/2024/2024-01-01-broken.md"
    broken.parent.mkdir(parents=True)
    broken.write_text(BROKEN, encoding="utf-8")
    (repo.path / "notes.md").write_text("not a postmortem: ---\n", encoding="utf-8")
    (repo.path / "postmortems/README.md").write_text("# Postmortems\n", encoding="utf-8")
    repo.git("add", "-A")
    refused = _commit(repo.path)
    assert refused.returncode != 0
    assert "postmortems/2024/2024-01-01-broken.md:3: error: invalid YAML" in refused.stderr
    assert repo.subjects()[0] == "pre-commit config"

    broken.unlink()
    write(repo.path, postmortem("2024-01-01-fine"))
    repo.git("add", "-A")
    accepted = _commit(repo.path)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "pm lint" in accepted.stderr and "Passed" in accepted.stderr
    assert repo.files_in() == [
        "notes.md",
        "postmortems/2024/2024-01-01-fine.md",
        "postmortems/README.md",
    ]


def _commit(path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(path.parent / "pre-commit-home")}
    return subprocess.run(
        ["git", "commit", "-m", "add postmortem"],
        cwd=path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.mark.slow
def test_published_hook_installs_from_this_checkout(repo: Repo) -> None:
    """``pre-commit try-repo`` builds the hook's own virtualenv from this project.

    pip fetches the build backend (hatchling) from PyPI; without network the test skips.
    """
    if not (ROOT / ".git").exists():
        pytest.skip("needs this project as a git checkout")
    broken = repo.path / "postmortems/2024/2024-01-01-broken.md"
    broken.parent.mkdir(parents=True)
    broken.write_text(BROKEN, encoding="utf-8")
    repo.git("add", "-A")
    result = _run(repo.path, "try-repo", str(ROOT), "pm-lint", "--all-files")
    output = result.stdout + result.stderr
    if "Installing environment" in output and "pm lint" not in output:
        pytest.skip(f"pre-commit could not build the hook environment (offline?): {output[-300:]}")
    assert result.returncode == 1, output
    assert "postmortems/2024/2024-01-01-broken.md:3: error: invalid YAML" in output
    assert "[file.unreadable]" in output
