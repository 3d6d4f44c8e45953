"""20 pm processes at once, three rounds: every change lands, as its own linear commit.

Each round starts ``PROCESSES`` pm commands together, drawn in turn from ``MIX``; a job
knows its command line and the text that proves its change is in the files. Afterwards
every command succeeded, each change is in the committed files and was added by exactly
one commit reachable from the branch, every commit holds one file, the history is linear
and git has nothing unreachable. To stress a new command, add a factory to ``MIX``.
(test_concurrency.py covers the basic cases with 8 events and 5 opens.)
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from conftest import CliRunnerCall, Repo, pm_command

pytestmark = pytest.mark.slow

PROCESSES = 20
ROUNDS = 3


@dataclass
class Job:
    args: list[str]
    proof: str  # a string the change adds to a committed postmortem


# A factory makes the job for round r, process n, given the ids of the two incidents.
Factory = Callable[[int, int, list[str]], Job]


def event_on(which: int) -> Factory:
    def make(r: int, n: int, ids: list[str]) -> Job:
        text = f"stress event r{r} n{n}."
        return Job(["event", ids[which], text, "--at", f"2024-01-15T15:{n:02d}"], text)

    return make


def open_incident(r: int, n: int, ids: list[str]) -> Job:
    title = f"Stress incident r{r} n{n}."
    return Job(["open", title, "-s", "SEV-3", "--started", "2024-01-19T10:00"], title)


MIX: list[Factory] = [event_on(0), event_on(1), open_incident]


def test_twenty_processes_three_rounds(repo: Repo, cli: CliRunnerCall) -> None:
    ids = [
        cli.ok("open", title, "-s", "SEV-1", "--started", "2024-01-15T14:00").stdout.split("\t")[0]
        for title in ("Stress target one", "Stress target two")
    ]
    for r in range(ROUNDS):
        head = repo.git("rev-parse", "HEAD")
        jobs = [MIX[n % len(MIX)](r, n, ids) for n in range(PROCESSES)]
        procs = [
            subprocess.Popen(
                [*pm_command(), *job.args],
                cwd=repo.path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=dict(os.environ),
            )
            for job in jobs
        ]
        outputs = [p.communicate(timeout=300) for p in procs]
        failures = [
            (j.args, err)
            for j, p, (_, err) in zip(jobs, procs, outputs, strict=True)
            if p.returncode
        ]
        assert failures == []
        assert repo.git("rev-list", "--count", f"{head}..HEAD") == str(PROCESSES)
        for job in jobs:
            adding = repo.git("log", "--format=%H", f"-S{job.proof}", f"{head}..HEAD").split()
            assert len(adding) == 1, f"{job.args}: added by {len(adding)} commits"
            grep = repo.git("grep", "-l", "--fixed-strings", job.proof, "HEAD", "--", "postmortems")
            assert grep, f"{job.args}: not in the committed files"
        for rev in repo.git("rev-list", f"{head}..HEAD").split():
            assert len(repo.files_in(rev)) == 1
        assert repo.git("rev-list", "--merges", "HEAD") == ""
        assert repo.git("status", "--porcelain") == ""
        assert repo.git("fsck", "--unreachable", "--no-reflogs", "--no-progress") == ""
    listed = cli.ok("list").stdout.splitlines()
    assert len(listed) == 2 + ROUNDS * sum(1 for n in range(PROCESSES) if n % len(MIX) == 2)
