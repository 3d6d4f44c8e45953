"""What every benchmark shares: the options (``--quick``, ``-n``, ``--out``, ``--fresh``),
the repositories ``generate.py`` builds, and side-by-side timing (``measure``).

Every figure a benchmark prints is a ratio of two medians measured side by side: the
commands alternate, round after round, so a busy or slow machine moves both sides alike.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
PM = str(Path(PYTHON).parent / "pm")
CACHE = Path(".git") / "pm" / "cache-v1.marshal"


def options(
    doc: str | None, *, default: int, quick: int = 200, fresh: bool = True
) -> argparse.ArgumentParser:
    """The options every benchmark takes; a script adds its own before ``parse_args``.
    ``count(args)`` is the size it measures."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N and few runs: a smoke run")
    parser.add_argument("-n", "--count", type=int, help=f"postmortems ({default:,})")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where repos are built")
    if fresh:
        parser.add_argument("--fresh", action="store_true", help="rebuild the repositories")
    parser.set_defaults(default_count=default, quick_count=quick)
    return parser


def count(args: argparse.Namespace) -> int:
    return int(args.count or (args.quick_count if args.quick else args.default_count))


def compile_pm() -> None:
    """Installed wheels ship compiled bytecode; an editable install run under
    PYTHONDONTWRITEBYTECODE would otherwise compile pm on every run."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("pm")
    if spec is not None and spec.origin is not None:
        compileall.compile_dir(Path(spec.origin).parent, quiet=1)


@dataclass
class Sample:
    label: str
    times: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def text(self) -> str:
        return (
            f"{self.median * 1000:.1f} ms "
            f"({min(self.times) * 1000:.1f}-{max(self.times) * 1000:.1f}, n={len(self.times)})"
        )


_TOKENS = itertools.count(1)


@dataclass
class Command:
    """A command to time. ``setup(token)`` runs untimed before each run, and ``argv`` may
    hold ``{n}``: both get the same token, unique within the benchmark run."""

    label: str
    argv: list[str]
    cwd: Path
    setup: Callable[[int], None] | None = None


def env() -> dict[str, str]:
    """The user's environment, minus anything that would change what pm does."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PM_"))}
    clean.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed pm runs: bytecode is kept
    clean.update(
        {
            "GIT_AUTHOR_NAME": "Bench Author",
            "GIT_AUTHOR_EMAIL": "bench@example.com",
            "GIT_COMMITTER_NAME": "Bench Author",
            "GIT_COMMITTER_EMAIL": "bench@example.com",
        }
    )
    return clean


ENV = env()


class CommandFailed(Exception):
    """A measured command failed: its goal is reported as not measured, the run goes on."""


def run_once(command: Command, round_: int = 0) -> float:
    token = next(_TOKENS)
    if command.setup is not None:
        command.setup(token)
    argv = [part.replace("{n}", str(token)) for part in command.argv]
    started = time.perf_counter()
    result = subprocess.run(
        argv, cwd=command.cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        check=False,
    )  # fmt: skip
    took = time.perf_counter() - started
    if result.returncode not in (0, 1):  # 1: a check found something (overdue, lint)
        first = (result.stderr.decode().strip().splitlines() or ["no message"])[0]
        raise CommandFailed(f"{command.label} exited {result.returncode}: {first[:200]}")
    return took


def measure(commands: Sequence[Command], rounds: int, warmup: int = 2) -> list[Sample]:
    """Run the commands in turn, ``rounds`` times, after ``warmup`` untimed rounds."""
    for round_ in range(warmup):
        for command in commands:
            run_once(command, -1 - round_)
    samples = [Sample(c.label) for c in commands]
    for round_ in range(rounds):
        for command, sample in zip(commands, samples, strict=True):
            sample.times.append(run_once(command, round_))
    return samples


def goal(number: str, what: str, measured: Sample, reference: Sample, limit: float) -> None:
    ratio = measured.median / reference.median
    verdict = "met" if ratio <= limit else "NOT met"
    print(
        f"goal {number} {what}: {measured.text()} vs {reference.label} {reference.text()}"
        f" = {ratio:.2f}x (goal <= {limit:g}x): {verdict}",
        flush=True,
    )


def build(target: Path, n: int, fresh: bool) -> Path:
    """The repository of ``n`` postmortems at ``target``, built by ``generate.py`` unless
    it is there already (``fresh``: rebuilt)."""
    if fresh and target.exists():
        shutil.rmtree(target)
    if not (target / ".git").is_dir():
        if target.exists():
            shutil.rmtree(target)
        subprocess.run([PYTHON, str(HERE / "generate.py"), str(target), "-n", str(n)], check=True)
    return target


def drop_cache(repo: Path) -> Callable[[int], None]:
    def setup(_token: int) -> None:
        (repo / CACHE).unlink(missing_ok=True)

    return setup
