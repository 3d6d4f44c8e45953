"""The CI examples in examples/ci are valid YAML and every pm command in them runs."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
import yaml

from conftest import CliRunnerCall, Repo
from factories import action, postmortem, write
from test_overdue import late  # noqa: F401 - the fixture: a repository with late items

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "ci"


def _pm_commands(node: object) -> list[str]:
    """Every shell line starting with ``pm `` anywhere in a parsed CI file."""
    if isinstance(node, dict):
        return [c for value in node.values() for c in _pm_commands(value)]
    if isinstance(node, list):
        return [c for value in node for c in _pm_commands(value)]
    if isinstance(node, str):
        return [line.strip() for line in node.splitlines() if line.strip().startswith("pm ")]
    return []


def test_github_workflow_shape() -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-workflow.yml").read_text(encoding="utf-8"))
    # PyYAML reads the bare key `on` as True (YAML 1.1); GitHub reads it as "on".
    triggers = workflow[True]
    assert set(triggers) == {"pull_request", "schedule", "workflow_dispatch"}
    runs = {name: _pm_commands(job) for name, job in workflow["jobs"].items()}
    assert runs == {
        "lint": ['pm lint --changed "origin/$GITHUB_BASE_REF" --format github'],
        "overdue": ["pm overdue --format github --fail-on escalated"],
    }


def test_gitlab_job_writes_a_code_quality_report() -> None:
    pipeline = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))
    lint = pipeline["pm-lint"]
    assert lint["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert lint["script"] == [
        'pm lint --changed "$CI_MERGE_REQUEST_DIFF_BASE_SHA" --format gitlab'
        " > gl-code-quality-report.json"
    ]


@pytest.mark.parametrize("name", ["github-workflow.yml", "gitlab-ci.yml"])
def test_every_job_keeps_pm_cache(name: str) -> None:
    """A fresh CI checkout with pm's cache restored parses only what changed (issue 15)."""
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    if name == "gitlab-ci.yml":
        template = data[".pm"]
        assert template["cache"]["paths"] == [".pm-cache/"]
        assert template["cache"]["key"] == "pm-$CI_COMMIT_REF_SLUG"
        for job in ("pm-lint", "pm-overdue"):
            assert data[job]["extends"] == ".pm"
            variables = {**template["variables"], **data[job].get("variables", {})}
            assert variables["PM_CACHE_DIR"] == ".pm-cache"
        return
    for job in data["jobs"].values():
        (cache,) = [s["with"] for s in job["steps"] if s.get("uses") == "actions/cache@v4"]
        assert cache["path"] == ".git/pm"
        assert cache["key"] == "pm-${{ github.ref }}-${{ github.sha }}"
        assert cache["restore-keys"].splitlines()[0] == "pm-${{ github.ref }}-"


COMMANDS = [
    command
    for name in ("github-workflow.yml", "gitlab-ci.yml")
    for command in _pm_commands(yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8")))
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_example_command_runs(
    late: Repo,  # noqa: F811
    cli: CliRunnerCall,
    command: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PM_NOW", "2024-09-30T08:00:00Z")  # the day the fixture is late
    # The base of the pull/merge request: here, the last commit (the new file is untracked).
    for name in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        monkeypatch.setenv(name, "HEAD")
    line = (
        command.partition(">")[0]
        .partition("#")[0]
        .replace("origin/$GITHUB_BASE_REF", "$GITHUB_BASE_REF")
    )
    args = [os.path.expandvars(arg) for arg in shlex.split(line)[1:]]
    if args[0] == "lint":  # a finding for lint to report (the late fixture is lint-clean)
        pending = postmortem("2024-09-29-unowned", "Unowned", actions=[action(1, "Fix", "")])
        write(late.path, pending)
    result = cli(*args)
    assert result.exit_code in (0, 1), result.stderr
    assert not result.stderr.startswith("pm: ")
    assert result.stdout


def test_readme_lists_every_lint_rule() -> None:
    from pm.lint import RULES

    readme = (EXAMPLES.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Lint rules") :]
    table = section[: section.index("\n## ")]  # up to the next top-level section
    listed = [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")]
    assert listed == list(RULES)
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.severity} |" in table


def test_recall_job_comments_on_pull_requests_from_a_separate_postmortems_repo() -> None:
    """examples/ci/github-recall.yml: the diff of the service's checkout, pm run in the
    postmortems' checkout, the markdown posted only when something was recalled."""
    workflow = yaml.safe_load((EXAMPLES / "github-recall.yml").read_text(encoding="utf-8"))
    assert set(workflow[True]) == {"pull_request"}
    assert workflow["permissions"]["pull-requests"] == "write"
    steps = workflow["jobs"]["recall"]["steps"]
    code, postmortems = (s["with"] for s in steps if s.get("uses") == "actions/checkout@v4")
    assert code["fetch-depth"] == 0 and postmortems["path"] == ".postmortems"
    base = 'pm -C .postmortems recall --diff "origin/$GITHUB_BASE_REF" --repo "$GITHUB_WORKSPACE"'
    assert _pm_commands(workflow) == [
        f"{base} --format github",
        f'{base} --format md > "$RUNNER_TEMP/recall.md"',
    ]
    comment = steps[-1]["run"]
    assert '[ -s "$RUNNER_TEMP/recall.md" ]' in comment
    assert 'gh pr comment "$PR" --body-file "$RUNNER_TEMP/recall.md"' in comment


@pytest.mark.parametrize("fmt", ["github", "md"])
def test_recall_job_commands_run(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job's command against a real service repository whose branch changed a file
    a past incident names (a folder named like its service)."""
    from conftest import git

    past = postmortem("2024-08-01-checkout-500s", "Checkout 500s")
    past.services = ["payments-api"]
    write(repo.path, past)
    service = tmp_path / "service"
    (service / "payments-api").mkdir(parents=True)
    git(service, "init", "--quiet", "-b", "main")
    (service / "payments-api" / "handler.py").write_text("x = 1\n", encoding="utf-8")
    git(service, "add", "-A")
    git(service, "commit", "--quiet", "-m", "service")
    git(service, "switch", "--quiet", "-c", "feature")
    (service / "payments-api" / "handler.py").write_text("x = 2\n", encoding="utf-8")
    git(service, "commit", "--quiet", "-am", "change")
    git(service, "update-ref", "refs/remotes/origin/main", "main")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(service))
    args = [
        "recall",
        "--diff",
        os.path.expandvars("origin/$GITHUB_BASE_REF"),
        "--repo",
        os.path.expandvars("$GITHUB_WORKSPACE"),
        "--format",
        fmt,
    ]
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    assert "payments-api" in result.stdout
