"""Filing an issue with a tracker's own command-line tool: ``gh`` (GitHub) or ``glab``
(GitLab), for ``pm action export --create``.

The tool runs with an argument list (never a shell) and every value as ``--name=value``,
so a title starting with ``-`` stays a title. Its login, host and default repository are
the user's (``gh auth login``, ``glab auth login``); ``repo`` picks another repository.
A failure (the tool missing, a non-zero exit, no issue URL in what it printed) is a
``TrackerError``: exit code 6, naming the tool's exit status and its last line of output.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from pm.errors import TrackerError
from pm.trackers import CREATE_TOOLS, created_url

TIMEOUT_SECONDS = 120


def arguments(tracker: str, issue: dict[str, Any], repo: str | None) -> list[str]:
    """The command that files ``issue`` (as ``trackers.issue`` builds it)."""
    tool = CREATE_TOOLS[tracker]
    args = [tool, "issue", "create", f"--title={issue['title']}"]
    if tracker == "github":
        args.append(f"--body={issue['body']}")
        args += [f"--label={label}" for label in issue["labels"]]
    else:
        args += [f"--description={issue['body']}", f"--label={','.join(issue['labels'])}"]
        args.append("--yes")  # glab asks before it files; pm has shown nothing to confirm
    if issue.get("assignee"):
        args.append(f"--assignee={issue['assignee']}")
    if repo:
        args.append(f"--repo={repo}")
    return args


def create(tracker: str, issue: dict[str, Any], *, repo: str | None, cwd: Path) -> str:
    """File ``issue`` and return the created issue's URL."""
    args = arguments(tracker, issue, repo)
    tool = args[0]
    try:
        result = subprocess.run(
            args,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        raise TrackerError(
            f"{tool} is not installed or not on PATH (pm files {tracker} issues with it; "
            f"without --create pm prints them as JSON)"
        ) from None
    except subprocess.TimeoutExpired:
        raise TrackerError(f"{tool} issue create did not finish in {TIMEOUT_SECONDS} s") from None
    said = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    last = said[-1] if said else "no output"
    if result.returncode != 0:
        raise TrackerError(f"{tool} issue create failed (exit {result.returncode}): {last}")
    url = created_url(result.stdout)
    if url is None:
        raise TrackerError(f"{tool} issue create printed no issue URL: {last}")
    return url
