"""Many pm processes at once on one repository: every change lands as its own commit."""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import CliRunnerCall, Repo, pm_command

pytestmark = pytest.mark.slow


def test_parallel_events_all_land(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    before = repo.commit_count()
    count = 8
    procs = [
        subprocess.Popen(
            [
                *pm_command(),
                "event",
                opened,
                f"parallel event {n}",
                "--at",
                f"2024-01-15T15:{n:02d}",
            ],
            cwd=repo.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for n in range(count)
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    for code, err in results:
        assert code == 0, err
    text = repo.read(f"postmortems/2024/{opened}.md")
    for n in range(count):
        assert f"  text: parallel event {n}\n" in text
        assert f"| 2024-01-15 15:{n:02d} | note | parallel event {n} |" in text
    assert repo.commit_count() == before + count
    assert repo.subjects()[:count] == [f"pm: event {opened} (note)"] * count
    # Linear history, nothing dangling or unreachable.
    assert repo.git("rev-list", "--merges", "HEAD") == ""
    assert repo.git("fsck", "--unreachable", "--no-reflogs", "--no-progress") == ""
    # Every commit changes exactly the one file.
    for rev in range(count):
        assert repo.files_in(f"HEAD~{rev}") == [f"postmortems/2024/{opened}.md"]


def test_parallel_opens_get_distinct_ids(repo: Repo) -> None:
    procs = [
        subprocess.Popen(
            [*pm_command(), "open", "Same title", "-s", "SEV-3", "--started", "2024-01-15T10:00"],
            cwd=repo.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(5)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    ids = sorted(out.split("\t")[0] for out, _ in outputs)
    assert ids == [
        "2024-01-15-same-title",
        "2024-01-15-same-title-2",
        "2024-01-15-same-title-3",
        "2024-01-15-same-title-4",
        "2024-01-15-same-title-5",
    ]
    assert repo.commit_count() == 6
    assert repo.git("status", "--porcelain") == ""
