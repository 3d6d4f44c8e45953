"""Regenerate ``examples/repo`` by running the real ``pm`` against a scratch repository.

The example is written by pm itself, so it is always valid pm output. Each step pins the
clock (``PM_NOW``) and the commit dates, so the files are the same on every run:

    .venv/bin/python examples/generate.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "repo"
PM = [sys.executable, "-m", "pm"]

# (clock, pm arguments). The clock is when the command is typed.
STEPS: list[tuple[str, list[str]]] = [
    (
        "2024-01-15T14:12:00Z",
        [
            "open",
            "Database connection pool exhausted",
            "-s",
            "SEV-1",
            "--service",
            "payments-api",
            "--service",
            "postgres",
            "--tag",
            "database",
            "--impact",
            "Checkout failed for about 30% of requests for 2 hours",
            "--started",
            "2024-01-15T14:05",
            "--detected",
            "2024-01-15T14:12",
        ],
    ),
    (
        "2024-01-15T14:20:00Z",
        [
            "event",
            "2024-01-15-database",
            "On-call acknowledged the page",
            "-k",
            "acknowledged",
            "--at",
            "2024-01-15T14:15",
        ],
    ),
    (
        "2024-01-15T15:10:00Z",
        [
            "event",
            "2024-01-15-database",
            "Pool of 10 connections saturated by a traffic spike; requests queue and time out",
            "-k",
            "identified",
            "--at",
            "2024-01-15T15:02",
        ],
    ),
    (
        "2024-01-15T15:45:00Z",
        [
            "event",
            "2024-01-15-database",
            "Pool size raised from 10 to 50 and pods restarted",
            "-k",
            "mitigated",
            "--at",
            "2024-01-15T15:40",
        ],
    ),
    (
        "2024-01-15T16:10:00Z",
        [
            "resolve",
            "2024-01-15-database",
            "Error rate back to baseline",
            "--at",
            "2024-01-15T16:05",
        ],
    ),
]


def run(cwd: Path, clock: str, args: list[str]) -> None:
    env = {
        **os.environ,
        "PM_NOW": clock,
        "GIT_AUTHOR_DATE": clock,
        "GIT_COMMITTER_DATE": clock,
    }
    subprocess.run([*PM, *args], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        subprocess.run(["git", "init", "--quiet", "-b", "main"], cwd=work, check=True)
        for key, value in (("user.name", "Alice Doe"), ("user.email", "alice@example.com")):
            subprocess.run(["git", "config", key, value], cwd=work, check=True)
        run(work, "2024-01-01T09:00:00Z", ["init"])
        for clock, args in STEPS:
            run(work, clock, args)
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.mkdir()
        shutil.copy2(work / ".pm.toml", TARGET / ".pm.toml")
        shutil.copytree(work / "postmortems", TARGET / "postmortems")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
