"""The publishing jobs in examples/ci build the site where the host looks for it."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

import sitecheck
from conftest import CliRunnerCall, Repo
from test_ci_examples import _pm_commands
from test_site import example  # noqa: F401 - the fixture: the example repository

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "ci"


def load(name: str) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    return loaded


def test_github_pages_builds_and_deploys_on_every_push_to_main() -> None:
    workflow = load("github-pages.yml")
    assert workflow[True] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}  # type: ignore[index]
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    steps = jobs["build"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0  # history for each page
    assert _pm_commands(jobs) == ["pm site -o _site"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_site"
    assert jobs["deploy"]["needs"] == "build"
    assert jobs["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_gitlab_pages_publishes_the_public_folder_from_main() -> None:
    pipeline = load("gitlab-pages.yml")
    job = pipeline["pages"]
    assert isinstance(job, dict)
    assert job["rules"] == [{"if": '$CI_COMMIT_BRANCH == "main"'}]
    assert job["variables"]["GIT_DEPTH"] == 0
    assert _pm_commands(job) == ["pm site -o public"]
    assert job["artifacts"]["paths"] == ["public"]


@pytest.mark.parametrize("name", ["github-pages.yml", "gitlab-pages.yml"])
def test_the_job_builds_a_site_of_the_example(
    name: str,
    example: Repo,  # noqa: F811
    cli: CliRunnerCall,
) -> None:
    for command in _pm_commands(load(name)):
        args = shlex.split(command)[1:]
        cli.ok(*args)
        site = example.path / args[args.index("-o") + 1]
        assert (site / "index.html").is_file()
        assert sitecheck.problems(site) == []
