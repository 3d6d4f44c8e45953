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
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    for prefix in ("goal 1 start pm --version", "goal 1 start pm list", "goal 1 start pm show"):
        assert any(line.startswith(prefix) for line in lines), prefix
    assert any(line.startswith("goal 1 start pm event") for line in lines)
    assert any(line.startswith("goal 2 warm pm list --json") for line in lines)
    assert any(line.startswith("goal 2 cold pm list --json") for line in lines)
    for number in ("2", "3", "4", "5", "6"):
        assert any(line.startswith(f"goal {number} ") for line in lines), number
    measured = [line for line in lines if line.startswith("goal ") and " = " in line]
    assert all(line.endswith(("): met", "): NOT met")) for line in measured)


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
