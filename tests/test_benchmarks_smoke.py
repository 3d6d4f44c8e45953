"""The benchmark tools run end to end on a small N (figures are printed, never asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_pm

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PM_NOW", None)
    return env


@pytest.mark.slow
def test_generator_builds_a_repository_pm_reads(tmp_path: Path) -> None:
    target = tmp_path / "repo"
    subprocess.run(
        [sys.executable, str(BENCHMARKS / "generate.py"), str(target), "-n", "30"],
        check=True,
        capture_output=True,
        env=bench_env(),
    )
    files = sorted((target / "postmortems").glob("*/*.md"))
    assert len(files) == 30
    assert len({f.parent.name for f in files}) > 1  # year folders
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=target, capture_output=True, text=True, check=True
    )
    subjects = log.stdout.splitlines()
    assert len(subjects) == 31  # one per postmortem, and the first commit
    assert subjects[0].startswith("pm: open ")
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
    listed = run_pm(target, "list")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 30
    text = files[0].read_text(encoding="utf-8")
    assert "<!-- pm:begin timeline -->\n\n| Time (UTC) |" in text
    assert 3000 < len(text.encode()) < 9000
    event = run_pm(target, "event", files[0].stem, "Benchmark note")
    assert event.returncode == 0, event.stderr


@pytest.mark.slow
def test_run_quick_prints_every_goal(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=bench_env(),
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "load average" in lines[2]
    for prefix in (
        "goal 1 start pm --version at 20",
        "goal 1 start pm list at 20",
        "goal 1 start pm open at 20",
        "goal 1 start pm resolve at 20",
        "goal 1 start pm action done at 20",
        "goal 1 start pm lint FILE at 20",
        "goal 2 flat pm show: 20: ",
        "goal 2 flat pm list --status active: 20: ",
        "goal 2 flat pm action add: 20: ",
        "note: git commit --only FILE: 20: ",
        "goal 3 floor pm list --json at 60, warm",
        "goal 3 floor pm report at 60, warm",
        "goal 4 pulls pm list --json at 60, fresh clone",
        "goal 4 pulls pm list --json at 60, after a pull of 10",
        "goal 5 lint --changed at 60",
        "goal 5 lint full at 60",
        "goal 5 lint memory at 60",
        "goal 6 memory pm report at 60",
        "goal 7 history pm init sets",
        "goal 7 history pm log at 60 commits",
    ):
        assert any(line.startswith(prefix) for line in lines), prefix
    assert not [line for line in lines if "could not be measured" in line]
    measured = [line for line in lines if line.startswith("goal ")]
    assert all(line.endswith((": met", ": NOT met")) for line in measured), measured
    timed = [line for line in measured if " ms (" in line]
    assert all(", n=" in line for line in timed)  # median (min-max, n=...)


@pytest.mark.slow
def test_search_benchmark_prints_both_goals(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "search.py"),
            "--quick",
            "-n",
            "30",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=bench_env(),
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert any(line.startswith("goal 13 search pm search at 30, caches warm") for line in lines)
    assert any(line.startswith("goal 13 search pm search at 30, no cache") for line in lines)


@pytest.mark.slow
def test_cold_benchmark_prints_every_case(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "cold.py"),
            "--quick",
            "-n",
            "30",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=bench_env(),
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for case in ("warm (30)", "fresh clone, cache restored", "after a pull of 10 files", "cold"):
        assert f"  {case}" in out, out
