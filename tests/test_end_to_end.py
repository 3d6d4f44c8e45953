"""The installed ``pm`` and ``python -m pm`` in real subprocesses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Repo, run_pm

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def test_console_script_and_module_agree(repo: Repo) -> None:
    from pm import __version__

    script = run_pm(repo.path, "--version")
    assert script.returncode == 0
    assert script.stdout == f"pm {__version__}\n"
    module = subprocess.run(
        [sys.executable, "-m", "pm", "--version"], capture_output=True, text=True, check=False
    )
    assert module.stdout == script.stdout


def test_incident_end_to_end(repo: Repo) -> None:
    opened = run_pm(repo.path, "open", "Cache stampede", "-s", "SEV-2", "--started", "10:00")
    assert opened.returncode == 0, opened.stderr
    pid = opened.stdout.split("\t")[0]
    assert pid == "2024-01-20-cache-stampede"
    assert (
        run_pm(repo.path, "event", pid, "mitigated", "-k", "mitigated", "--at", "10:30").returncode
        == 0
    )
    resolved = run_pm(repo.path, "resolve", pid, "--at", "11:00")
    assert resolved.stdout == "1h 00m\n"
    listed = run_pm(repo.path, "list")
    assert listed.stdout == f"{pid}\tSEV-2\tresolved\t1h 00m\tCache stampede\n"
    missing = run_pm(repo.path, "show", "nothing-like-this")
    assert missing.returncode == 3
    assert missing.stderr == "pm: no postmortem matches 'nothing-like-this' (see `pm list`)\n"
    assert "Traceback" not in missing.stderr


def test_no_colour_and_no_markup_when_piped(repo: Repo) -> None:
    run_pm(repo.path, "open", "[bold red]Not bold[/] \\[x]", "-s", "SEV-3", "--started", "10:00")
    listed = run_pm(repo.path, "list")
    assert "\x1b[" not in listed.stdout
    assert "[bold red]Not bold[/] \\[x]" in listed.stdout


def test_help_lists_every_command(repo: Repo) -> None:
    result = run_pm(repo.path, "--help")
    assert result.returncode == 0
    for command in ("init", "open", "event", "resolve", "list", "show"):
        assert f" {command} " in result.stdout


def test_demo_script_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(ROOT / "examples" / "demo.sh")],
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "TMPDIR": str(tmp_path),
            "HOME": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr
    assert "2024-01-15-database-connection-pool-exhausted" in result.stdout
