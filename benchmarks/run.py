"""Measure pm against the goals of issue 6 and print each goal's ratio.

Every figure is a ratio of two medians measured side by side in the same run (commands
alternate, round after round), so a busy or slow machine moves both sides alike:

    .venv/bin/python benchmarks/run.py            # 20 vs 10,000 postmortems (~3 minutes)
    .venv/bin/python benchmarks/run.py --quick    # a smoke run on small repositories

Each line reads ``goal N <what>: <median> ms (min-max) vs <reference> ... = <ratio>x
(goal <= Gx): met|NOT met``. Repositories are built once under ``benchmarks/out/`` (git
ignores it) by ``generate.py`` and reused; ``--fresh`` rebuilds them.
"""

from __future__ import annotations

import argparse
import compileall
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
PM = str(Path(PYTHON).parent / "pm")
CACHE = Path(".git") / "pm" / "cache-v1.marshal"

# A bare parse of every front matter with PyYAML's C loader: the cold-read floor.
FLOOR = """
import os, sys, yaml
loader = yaml.CSafeLoader
for year in os.scandir(sys.argv[1]):
    for entry in os.scandir(year.path):
        with open(entry.path, "rb") as handle:
            text = handle.read().decode()
        front = text[4 : text.index("\\n---\\n", 4)]
        yaml.load(front, Loader=loader)
"""

# Runs a command and prints its peak resident memory (KiB): a fresh parent per run, so
# RUSAGE_CHILDREN holds that one command's peak and nothing else.
PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


@dataclass
class Sample:
    label: str
    times: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def text(self) -> str:
        return (
            f"{self.median * 1000:.1f} ms "
            f"({min(self.times) * 1000:.1f}-{max(self.times) * 1000:.1f}, n={len(self.times)})"
        )


@dataclass
class Command:
    label: str
    argv: list[str]
    cwd: Path
    setup: Callable[[int], None] | None = None


def env() -> dict[str, str]:
    """The user's environment, minus anything that would change what pm does."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PM_"))}
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


def run_once(command: Command, round_: int) -> float:
    if command.setup is not None:
        command.setup(round_)
    started = time.perf_counter()
    result = subprocess.run(
        command.argv,
        cwd=command.cwd,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    took = time.perf_counter() - started
    if result.returncode not in (0, 1):  # 1: a check found something (overdue)
        first = (result.stderr.decode().strip().splitlines() or ["no message"])[0]
        raise CommandFailed(f"{command.label} exited {result.returncode}: {first[:200]}")
    return took


class CommandFailed(Exception):
    """A measured command failed: its goal is reported as not measured, the run goes on."""


def measure(commands: Sequence[Command], rounds: int, warmup: int = 2) -> list[Sample]:
    """Run the commands in turn, ``rounds`` times, after ``warmup`` untimed rounds."""
    for round_ in range(warmup):
        for command in commands:
            run_once(command, -1 - round_)
    samples = [Sample(c.label, []) for c in commands]
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


def peak_kib(argv: list[str], cwd: Path) -> int:
    result = subprocess.run(
        [PYTHON, "-c", PEAK, *argv], cwd=cwd, env=ENV, capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip())


def build(target: Path, count: int, fresh: bool) -> Path:
    if fresh and target.exists():
        shutil.rmtree(target)
    if not (target / ".git").is_dir():
        if target.exists():
            shutil.rmtree(target)
        subprocess.run(
            [PYTHON, str(HERE / "generate.py"), str(target), "-n", str(count)], check=True
        )
    return target


def drop_cache(repo: Path) -> Callable[[int], None]:
    def setup(_round: int) -> None:
        (repo / CACHE).unlink(missing_ok=True)

    return setup


def available() -> set[str]:
    """The commands this build of pm has, read from ``pm --help``."""
    out = subprocess.run([PM, "--help"], capture_output=True, text=True, env=ENV, check=True)
    commands = out.stdout.partition("Commands:")[2]
    return {line.split()[0] for line in commands.splitlines() if line.startswith("  ")}


def header(small: Path, big: Path, n_small: int, n_big: int) -> None:
    version = subprocess.run([PM, "--version"], capture_output=True, text=True, check=True)
    git = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True)
    commits = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"], cwd=big, capture_output=True, text=True, check=True
    )
    print(f"# pm benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}; {version.stdout.strip()}; {git.stdout.strip()}"
    )
    print(
        f"repositories: small {n_small} postmortems ({small}); big {n_big} postmortems "
        f"and {commits.stdout.strip()} commits ({big})",
        flush=True,
    )


@dataclass
class Setup:
    """The repositories and settings one run measures."""

    small: Path
    big: Path
    medium: Path
    n_small: int
    n_big: int
    rounds: int
    slow_rounds: int
    have: set[str]

    def ids(self, repo: Path) -> list[str]:
        return sorted(p.stem for p in (repo / "postmortems").glob("*/*.md"))

    def event(self, repo: Path) -> Command:
        known = self.ids(repo)
        return Command("pm event", [PM, "event", known[len(known) // 2], "Benchmark note"], repo)

    def floor(self) -> Command:
        argv = [PYTHON, "-c", FLOOR, str(self.big / "postmortems")]
        return Command("PyYAML C parse of every front matter", argv, self.big)


def goal_start(s: Setup) -> None:
    """Goal 1: start-up on a small repository, against ``python -c pass``.

    The reads run in a rotation of their own: with ``pm event`` in it, every ``pm list``
    would find the file the event had just written, too recent to cache (see ``pm.cache``),
    and so parse it (importing PyYAML), a state that lasts two seconds after a write. The
    note after the goals measures that state too.
    """
    small_ids = s.ids(s.small)
    base_command = Command("python -c pass", [PYTHON, "-c", "pass"], s.small)
    reads = [
        base_command,
        Command("pm --version", [PM, "--version"], s.small),
        Command("pm list", [PM, "list"], s.small),
        Command("pm show", [PM, "show", small_ids[len(small_ids) // 2]], s.small),
    ]
    base, version, listed, shown = measure(reads, s.rounds)
    for sample in (version, listed, shown):
        goal("1 start", f"{sample.label} ({s.n_small} postmortems)", sample, base, 6)
    after_write = Command("pm list, just after pm event", [PM, "list"], s.small)
    base, evented, listed_after = measure([base_command, s.event(s.small), after_write], s.rounds)
    goal("1 start", f"{evented.label} ({s.n_small} postmortems)", evented, base, 10)
    print(
        f"note: {listed_after.label}: {listed_after.text()} = "
        f"{listed_after.median / base.median:.2f}x python -c pass",
        flush=True,
    )


def goal_reads(s: Setup) -> None:
    """Goal 2: every-postmortem reads at scale, warm cache against small, cold against floor."""
    readers = [("pm list --json", ["list", "--json"])]
    for name, command in (("overdue", ["overdue"]), ("action", ["action", "list"])):
        if name in s.have:
            readers.append((f"pm {' '.join(command)}", command))
        else:
            print(f"goal 2 pm {' '.join(command)}: not available in this build", flush=True)
    for label, command in readers:
        warm_small = Command(f"{label} ({s.n_small})", [PM, *command], s.small)
        warm_big = Command(f"{label} ({s.n_big})", [PM, *command], s.big)
        s_small, s_big = measure([warm_small, warm_big], max(s.rounds // 2, 2))
        goal("2 warm", f"{label} at {s.n_big}, cache warm", s_big, s_small, 1.5)
    for label, command in readers:
        cold = Command(f"{label} cold", [PM, *command], s.big, setup=drop_cache(s.big))
        s_floor, s_cold = measure([s.floor(), cold], s.slow_rounds, warmup=1)
        goal("2 cold", f"{label} at {s.n_big}, no cache", s_cold, s_floor, 1.3)


def goal_write(s: Setup) -> None:
    """Goal 3: a write in a repository of N files and N commits, against a small one."""
    s_small, s_big = measure([s.event(s.small), s.event(s.big)], max(s.rounds // 2, 1))
    s_small.label = f"pm event ({s.n_small} files)"
    goal("3 write", f"pm event at {s.n_big} files and commits", s_big, s_small, 2)


def goal_history(s: Setup) -> None:
    """Goal 4: ``pm log ID`` against ``git log -- <file>``."""
    if "log" not in s.have:
        print("goal 4 pm log: not available in this build", flush=True)
        return
    big_ids = s.ids(s.big)
    target = big_ids[len(big_ids) // 3]
    path = f"postmortems/{target[:4]}/{target}.md"
    git_log = Command("git log -- <file>", ["git", "log", "--", path], s.big)
    pm_log = Command("pm log", [PM, "log", target], s.big)
    s_git, s_pm = measure([git_log, pm_log], max(s.rounds // 2, 1))
    goal("4 history", f"pm log at {s.n_big} commits", s_pm, s_git, 2)


def goal_report(s: Setup) -> None:
    """Goal 5: a report over everything, cold, against the parse floor; its peak memory."""
    if "report" in s.have:
        report = Command("pm report", [PM, "report"], s.big, setup=drop_cache(s.big))
        s_floor, s_report = measure([s.floor(), report], s.slow_rounds, warmup=1)
        goal("5 report", f"pm report over {s.n_big}, no cache", s_report, s_floor, 10)
        peak = peak_kib([PM, "report"], s.big) / 1024
        verdict = "met" if peak < 300 else "NOT met"
        print(f"goal 5 report memory: peak {peak:.0f} MB (goal < 300 MB): {verdict}", flush=True)
    else:
        print("goal 5 pm report: not available in this build", flush=True)
    for label, argv in (("cold", True), ("warm", False)):
        if argv:
            drop_cache(s.big)(0)
        peak = peak_kib([PM, "list", "--json"], s.big) / 1024
        print(f"note: pm list --json over {s.n_big} ({label}) peaks at {peak:.0f} MB", flush=True)


def goal_growth(s: Setup) -> None:
    """Goal 6: four times the postmortems may cost at most about four times as much.

    Linear work shows as an exponent of at most 1 (less, with the fixed start-up cost);
    quadratic work would show as an exponent near 2.
    """
    medium_n = s.n_big // 4
    for label, cold in (("pm list --json, cold", True), ("pm list --json, warm", False)):
        at_medium = Command(
            f"{label} ({medium_n})",
            [PM, "list", "--json"],
            s.medium,
            drop_cache(s.medium) if cold else None,
        )
        at_big = Command(
            f"{label} ({s.n_big})",
            [PM, "list", "--json"],
            s.big,
            drop_cache(s.big) if cold else None,
        )
        rounds = s.slow_rounds if cold else max(s.rounds // 3, 1)
        s_medium, s_big = measure([at_medium, at_big], rounds, warmup=1)
        exponent = math.log(s_big.median / s_medium.median) / math.log(s.n_big / medium_n)
        verdict = "met" if exponent <= 1.2 else "NOT met"
        print(
            f"goal 6 growth {label}: {s_medium.text()} at {medium_n} -> {s_big.text()} at "
            f"{s.n_big}: time grows as N^{exponent:.2f} (goal: linear, <= N^1.2): {verdict}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N and few runs: a smoke run")
    parser.add_argument("-n", "--count", type=int, help="postmortems in the big repository")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where repos are built")
    parser.add_argument("--fresh", action="store_true", help="rebuild the repositories")
    args = parser.parse_args(argv)
    n_big = args.count or (200 if args.quick else 10_000)

    # Installed wheels ship compiled bytecode; an editable install under
    # PYTHONDONTWRITEBYTECODE would otherwise recompile pm on every run.
    import pm

    compileall.compile_dir(Path(pm.__file__).parent, quiet=1)
    setup = Setup(
        small=build(args.out / "small-20", 20, args.fresh),
        big=build(args.out / f"big-{n_big}", n_big, args.fresh),
        medium=build(args.out / f"big-{n_big // 4}", n_big // 4, args.fresh),
        n_small=20,
        n_big=n_big,
        rounds=3 if args.quick else 30,
        slow_rounds=2 if args.quick else 3,
        have=available(),
    )
    header(setup.small, setup.big, setup.n_small, setup.n_big)
    failed = False
    for step in (goal_start, goal_reads, goal_write, goal_history, goal_report, goal_growth):
        try:
            step(setup)
        except CommandFailed as error:
            failed = True
            number = step.__doc__.split(":")[0] if step.__doc__ else step.__name__
            print(f"{number.lower()} could not be measured: {error}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
