"""20 pm processes at once, three rounds: every change lands, as its own linear commit.

Each round starts ``PROCESSES`` pm commands together, drawn in turn from ``MIX`` (events
on two incidents, open, action add, action start); a job knows its command line and the
text that proves its change is in the files (or, for a start, its commit subject).
Afterwards every command succeeded, each change is in the committed files and was added
by exactly one commit reachable from the branch, every commit holds one file, action
items have distinct numbers 1..n, the history is linear and git has nothing
unreachable. To stress a new command, add a factory to ``MIX``.
(test_concurrency.py covers the basic cases with 8 events and 5 opens.)
"""

from __future__ import annotations

import json
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
    proof: str  # a string the change adds to a committed postmortem (or its commit subject)
    in_subject: bool = False  # a change that adds no new text (action start): find its commit


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


def add_action(r: int, n: int, ids: list[str]) -> Job:
    text = f"Stress action r{r} n{n}."
    return Job(["action", "add", ids[0], text, "--owner", f"owner{n}"], text)


def start_action(r: int, n: int, ids: list[str]) -> Job:
    """Start one of the items made before the rounds, a different one in each job."""
    number = r * STARTS_PER_ROUND + n // len(MIX) + 1
    return Job(
        ["action", "start", ids[1], str(number)],
        f"pm: action-start {ids[1]} (#{number} in-progress)",
        in_subject=True,
    )


MIX: list[Factory] = [event_on(0), event_on(1), open_incident, add_action, start_action]
STARTS_PER_ROUND = sum(1 for n in range(PROCESSES) if n % len(MIX) == MIX.index(start_action))


def test_twenty_processes_three_rounds(repo: Repo, cli: CliRunnerCall) -> None:
    ids = [
        cli.ok("open", title, "-s", "SEV-1", "--started", "2024-01-15T14:00").stdout.split("\t")[0]
        for title in ("Stress target one", "Stress target two")
    ]
    for k in range(ROUNDS * STARTS_PER_ROUND):
        cli.ok("action", "add", ids[1], f"Item to start {k + 1}", "--owner", "bob")
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
        subjects = repo.git("log", "--format=%s", f"{head}..HEAD").splitlines()
        for job in jobs:
            if job.in_subject:
                assert subjects.count(job.proof) == 1, f"{job.args}: {subjects}"
                continue
            adding = repo.git("log", "--format=%H", f"-S{job.proof}", f"{head}..HEAD").split()
            assert len(adding) == 1, f"{job.args}: added by {len(adding)} commits"
            grep = repo.git("grep", "-l", "--fixed-strings", job.proof, "HEAD", "--", "postmortems")
            assert grep, f"{job.args}: not in the committed files"
        # Every item landed with its own number; every started item is in progress.
        items = [json.loads(cli.ok("show", pid, "--json").stdout)["actions"] for pid in ids]
        numbers = [item["number"] for item in items[0]]
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), numbers
        assert len(numbers) == (r + 1) * sum(1 for j in jobs if j.args[:2] == ["action", "add"])
        started = [i["number"] for i in items[1] if i["status"] == "in-progress"]
        assert started == list(range(1, (r + 1) * STARTS_PER_ROUND + 1)), started
        for rev in repo.git("rev-list", f"{head}..HEAD").split():
            assert len(repo.files_in(rev)) == 1
        assert repo.git("rev-list", "--merges", "HEAD") == ""
        assert repo.git("status", "--porcelain") == ""
        assert repo.git("fsck", "--unreachable", "--no-reflogs", "--no-progress") == ""
    listed = cli.ok("list").stdout.splitlines()
    opens = sum(1 for n in range(PROCESSES) if n % len(MIX) == MIX.index(open_incident))
    assert len(listed) == 2 + ROUNDS * opens
