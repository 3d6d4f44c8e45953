"""Measure pm against every goal of issue 15 and print each as a ratio.

    .venv/bin/python benchmarks/run.py            # 20, 1,000 and 10,000 postmortems
    .venv/bin/python benchmarks/run.py --large    # and 50,000 (building it takes minutes)
    .venv/bin/python benchmarks/run.py --quick    # a smoke run on 20 and 60 (the tests)
    .venv/bin/python benchmarks/run.py --sizes 50000 --only 2,5,6   # some goals, some sizes

Method, so that the figures can be trusted on a busy machine:

- Every figure is a median over ``n`` timed runs (after untimed warm-up runs), printed
  with its min-max and ``n``, and every goal is a ratio of two medians measured side by
  side: the commands of one goal alternate, round after round, so load moves both sides
  alike. Sizes are measured side by side too (one rotation holds the command at 20,
  1,000, 10,000 and 50,000), and each line prints them all. The load average is printed
  at the start and the end.
- Times are wall clock, from starting the process to its exit, stdout to /dev/null (not
  a terminal: JSON is compact, as when piped). pm's package is compiled to bytecode first,
  as an installed wheel has it, and runs without ``PYTHONDONTWRITEBYTECODE``.
- Repositories are built once under ``benchmarks/out/`` (git ignores it) by
  ``generate.py`` (one commit per postmortem) and reused; ``--fresh`` rebuilds them.
  Writes (``event``, ``open``, ``action add`` ...) add commits to them as they run.
- Floors are bare Python doing the least the command must: the parse floor reads every
  file and parses its front matter with PyYAML's C loader, with the cyclic garbage
  collector off as pm runs (``gc.disable``); the warm floor lists and ``stat``s every file
  and loads the summary cache.
- Memory is the peak resident set of the command's process (``ru_maxrss`` of
  ``RUSAGE_CHILDREN``, read in a fresh parent per command), one run per command.

Goals (issue 15; "met" at the largest size measured, which is 50,000 only with
``--large``):

1. start: common commands <= 5x ``python -c pass`` at 20; ``--help`` and the rest <= 8x.
2. flat: one-postmortem commands and filters that print little, at N vs at 20, warm,
   <= 1.5x (the growth of ``git commit --only`` itself is printed beside the writes).
3. near the floor: warm whole-repository reads <= 2x the warm floor; ``report`` <= 3x.
4. pulls: a read after a pull of 10 files vs the warm read plus 10 files' parse; a fresh
   clone with a restored cache vs the warm read (both <= 1.3x).
5. lint: ``lint --changed`` with one changed file <= 0.3 s; the full lint <= 1.3x the
   parse floor divided by the cores it uses; its peak memory < 100 MB.
6. memory: every command measured < 300 MB.
7. history: ``pm init`` sets git's commit-graph options; ``pm log ID`` vs ``git log``.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    CACHE,
    ENV,
    PM,
    PYTHON,
    Command,
    CommandFailed,
    Sample,
    build,
    compile_pm,
    drop_cache,
    measure,
    options,
)

# A bare parse of every front matter with PyYAML's C loader, the GC off as in pm.
FLOOR = """
import gc, os, sys, yaml
gc.disable()
loader = yaml.CSafeLoader
for year in os.scandir(sys.argv[1]):
    for entry in os.scandir(year.path):
        with open(entry.path, "rb") as handle:
            text = handle.read().decode()
        front = text[4 : text.index("\\n---\\n", 4)]
        yaml.load(front, Loader=loader)
"""

# What any warm whole-repository read must do: list and stat every file, load the cache.
WARM_FLOOR = """
import gc, marshal, os, sys
gc.disable()
for year in os.scandir(sys.argv[1]):
    for entry in os.scandir(year.path):
        os.stat(entry.path)
with open(sys.argv[2], "rb") as handle:  # a header, then pieces: each length, marshal
    data = handle.read()
view, start = memoryview(data), 0
while start < len(data):
    size = int.from_bytes(view[start : start + 8], "little")
    marshal.loads(view[start + 8 : start + 8 + size])
    start += 8 + size
"""

# Runs a command and prints its peak resident memory (KiB): a fresh parent per run, so
# RUSAGE_CHILDREN holds that one command's peak and nothing else.
PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


@dataclass
class Bench:
    repos: dict[int, Path]
    rounds: int
    slow: int
    quick: bool

    @property
    def sizes(self) -> list[int]:
        return sorted(self.repos)

    @property
    def small(self) -> Path:
        return self.repos[self.sizes[0]]

    @property
    def largest(self) -> int:
        return self.sizes[-1]

    def ids(self, n: int) -> list[str]:
        return sorted(p.stem for p in (self.repos[n] / "postmortems").glob("*/*.md"))

    def middle(self, n: int) -> str:
        ids = self.ids(n)
        return ids[len(ids) // 2]


def verdict(ratio: float, limit: float) -> str:
    return f"(goal <= {limit:g}x): {'met' if ratio <= limit else 'NOT met'}"


def per_size(samples: dict[int, Sample]) -> str:
    return "; ".join(f"{n:,}: {s.text()}" for n, s in samples.items())


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def pm_out(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [PM, *args], cwd=repo, env=ENV, capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):
        raise CommandFailed(f"pm {' '.join(args)}: {done.stderr.strip()[:200]}")
    return done.stdout


def peak_mb(argv: list[str], cwd: Path) -> float:
    result = subprocess.run(
        [PYTHON, "-c", PEAK, *argv], cwd=cwd, env=ENV, capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip()) / 1024


# --- the commands -------------------------------------------------------------------------


def opened_id(repo: Path, title: str) -> str:
    out = pm_out(repo, "open", title, "-s", "SEV-3")
    return out.split("\t")[0].strip() or out.split()[2].rstrip(",")


def action_item(repo: Path, target: str, *, started: bool) -> str:
    number = pm_out(repo, "action", "add", target, "Bench item", "--owner", "bob").strip()
    if started:
        pm_out(repo, "action", "start", target, number)
    return number


class Writes:
    """Commands that change the repository, each with the untimed setup it needs."""

    def __init__(self, repo: Path, target: str) -> None:
        self.repo, self.target = repo, target
        self.pending: dict[str, str] = {}

    def command(self, name: str) -> Command:
        repo, target = self.repo, self.target
        if name == "event":
            return Command("pm event", [PM, "event", target, "Bench note {n}"], repo)
        if name == "open":
            return Command("pm open", [PM, "open", "Bench open {n}", "-s", "SEV-3"], repo)
        if name == "action add":
            argv = [PM, "action", "add", target, "Bench {n}", "--owner", "bob"]
            return Command("pm action add", argv, repo)
        if name == "resolve":
            return self._needing("resolve", lambda: opened_id(repo, "Bench resolve"))
        if name == "action start":
            return self._needing("action start", lambda: action_item(repo, target, started=False))
        if name == "action done":
            return self._needing("action done", lambda: action_item(repo, target, started=True))
        raise ValueError(name)

    def _needing(self, name: str, make: Callable[[], str]) -> Command:
        """A command whose argument is made afresh (untimed) before each run."""
        key = f"{{{name}}}"
        argv = [PM, "resolve", key] if name == "resolve" else [PM, *name.split(), self.target, key]

        command = Command(f"pm {name}", argv, self.repo)

        def setup(_token: int) -> None:
            value = make()
            command.argv = [value if a == key else a for a in argv]

        command.setup = setup
        return command


def goal_start(b: Bench) -> None:
    """Goal 1: start-up at 20 postmortems against ``python -c pass``."""
    repo, n = b.small, b.sizes[0]
    target = b.middle(n)
    path = next((repo / "postmortems").glob(f"*/{target}.md")).relative_to(repo)
    base = Command("python -c pass", [PYTHON, "-c", "pass"], repo)
    reads = {
        "pm list": ["list"],
        "pm show": ["show", target],
        "pm log": ["log", target],
        "pm action list": ["action", "list"],
        "pm overdue": ["overdue"],
        "pm lint FILE": ["lint", str(path)],
    }
    others = {"pm --version": ["--version"], "pm --help": ["--help"], "pm report": ["report"]}
    commands = [base] + [Command(k, [PM, *v], repo) for k, v in {**reads, **others}.items()]
    # The writes in a rotation of their own: a read just after a write finds the file
    # too recent to cache (see pm.cache) and parses it.
    writes = Writes(repo, target)
    names = ["event", "open", "resolve", "action add", "action start", "action done"]
    samples = measure(commands, b.rounds)
    write_samples = measure([base, *(writes.command(x) for x in names)], b.rounds, warmup=1)
    floor = samples[0]
    for sample in samples[1:] + write_samples[1:]:
        limit = 8 if sample.label in others else 5
        ratio = sample.median / floor.median
        print(
            f"goal 1 start {sample.label} at {n}: {sample.text()} vs python -c pass "
            f"{floor.text()} = {ratio:.2f}x {verdict(ratio, limit)}",
            flush=True,
        )


def _flat_line(label: str, samples: dict[int, Sample], limit: float, b: Bench) -> None:
    first, last = samples[b.sizes[0]], samples[b.largest]
    ratio = last.median / first.median
    print(
        f"goal 2 flat {label}: {per_size(samples)} = {ratio:.2f}x at {b.largest:,} vs "
        f"{b.sizes[0]} {verdict(ratio, limit)}",
        flush=True,
    )


def goal_flat(b: Bench) -> None:
    """Goal 2: one-postmortem commands and small filters, warm, at N against at 20."""
    reads: dict[str, Callable[[int], list[str]]] = {
        "pm show": lambda n: ["show", b.middle(n)],
        "pm show --json": lambda n: ["show", b.middle(n), "--json"],
        "pm report ID": lambda n: ["report", b.middle(n)],
        "pm list --status active": lambda n: ["list", "--status", "active"],
        "pm action list --mine": lambda n: ["action", "list", "--mine"],
        "pm overdue --owner nobody (nothing late)": lambda n: ["overdue", "--owner", "nobody"],
    }
    for label, argv in reads.items():
        commands = [Command(f"{label} ({n})", [PM, *argv(n)], r) for n, r in b.repos.items()]
        samples = dict(zip(b.sizes, measure(commands, b.rounds), strict=True))
        _flat_line(label, samples, 1.5, b)
    for name in ("event", "open", "action add"):
        commands = [Writes(r, b.middle(n)).command(name) for n, r in b.repos.items()]
        samples = dict(zip(b.sizes, measure(commands, b.rounds, warmup=1), strict=True))
        _flat_line(f"pm {name}", samples, 1.5, b)
    commits = []
    for n, repo in b.repos.items():
        target = next((repo / "postmortems").glob(f"*/{b.middle(n)}.md")).relative_to(repo)
        commits.append(_git_commit(repo, target))
    samples = dict(zip(b.sizes, measure(commits, b.rounds, warmup=1), strict=True))
    ratio = samples[b.largest].median / samples[b.sizes[0]].median
    print(f"note: git commit --only FILE: {per_size(samples)} = {ratio:.2f}x", flush=True)


def _git_commit(repo: Path, target: Path) -> Command:
    def setup(token: int) -> None:
        with (repo / target).open("a", encoding="utf-8") as handle:
            handle.write(f"\nBench line {token}.\n")

    argv = ["git", "commit", "--quiet", "--only", str(target), "-m", "Bench {n}"]
    return Command("git commit --only", argv, repo, setup)


def goal_floor(b: Bench) -> None:
    """Goal 3: warm whole-repository reads against the warm floor; report; at each N."""
    reads = {
        "pm list --json": (["list", "--json"], 2.0),
        "pm list": (["list"], 2.0),
        "pm action list": (["action", "list"], 2.0),
        "pm overdue": (["overdue"], 2.0),
        "pm report": (["report"], 3.0),
    }
    for n in b.sizes[1:]:
        repo = b.repos[n]
        pm_out(repo, "list")  # the cache in place
        floor = Command(
            "stat every file + load the cache",
            [PYTHON, "-c", WARM_FLOOR, str(repo / "postmortems"), str(repo / CACHE)],
            repo,
        )
        commands = [floor] + [Command(k, [PM, *v[0]], repo) for k, v in reads.items()]
        rounds = b.rounds if n <= 1000 else b.slow
        samples = measure(commands, rounds, warmup=1)
        for sample, (_argv, limit) in zip(samples[1:], reads.values(), strict=True):
            ratio = sample.median / samples[0].median
            print(
                f"goal 3 floor {sample.label} at {n:,}, warm: {sample.text()} vs "
                f"{samples[0].label} {samples[0].text()} = {ratio:.2f}x {verdict(ratio, limit)}",
                flush=True,
            )


def goal_pulls(b: Bench, out: Path) -> None:
    """Goal 4: a fresh clone with a restored cache, and a read after a pull of 10 files."""
    from benchmarks.cold import CHANGED, drop, prepare, restore

    # One file's parse, from the floor over the second size (every file, once).
    second = b.repos[b.sizes[1]]
    floor = Command("parse floor", [PYTHON, "-c", FLOOR, str(second / "postmortems")], second)
    per_file = measure([floor], b.slow, warmup=0)[0].median / b.sizes[1]
    for n in b.sizes[1:]:
        repo = b.repos[n]
        work = out / f"cold-{n}"
        work.mkdir(parents=True, exist_ok=True)
        fresh, restored_cache, pulled, pre_pull = prepare(repo, work)
        listing = [PM, "list", "--json"]
        cases = [
            Command("warm", listing, repo),
            Command("fresh clone, cache restored", listing, fresh, restore(restored_cache, fresh)),
            Command(f"after a pull of {CHANGED}", listing, pulled, restore(pre_pull, pulled)),
            Command("cold: no cache", listing, fresh, drop(fresh)),
        ]
        warm, restored, after_pull, cold = measure(cases, b.slow, warmup=1)
        expected = warm.median + CHANGED * per_file
        for sample, reference in ((restored, warm.median), (after_pull, expected)):
            ratio = sample.median / reference
            what = "warm" if reference == warm.median else f"warm + {CHANGED} parses"
            print(
                f"goal 4 pulls pm list --json at {n:,}, {sample.label}: {sample.text()} vs "
                f"{what} {reference * 1000:.1f} ms = {ratio:.2f}x {verdict(ratio, 1.3)}",
                flush=True,
            )
        print(f"note: pm list --json at {n:,}, cold: {cold.text()}", flush=True)


def goal_lint(b: Bench) -> None:
    """Goal 5: ``lint --changed`` with one changed file; the full lint against the floor."""
    base = Command("python -c pass", [PYTHON, "-c", "pass"], b.small)
    changed = []
    for n, repo in b.repos.items():
        target = next((repo / "postmortems").glob(f"*/{b.middle(n)}.md"))
        text = target.read_text(encoding="utf-8")
        if "Bench edit." not in text:
            target.write_text(text.replace("## Summary\n", "## Summary\n\nBench edit.\n", 1))
        changed.append(Command(f"pm lint --changed ({n})", [PM, "lint", "--changed"], repo))
    samples = measure([base, *changed], b.rounds, warmup=1)
    for n, sample in zip(b.sizes, samples[1:], strict=True):
        met = "met" if sample.median <= 0.3 else "NOT met"
        print(
            f"goal 5 lint --changed at {n:,}: {sample.text()} "
            f"({sample.median / samples[0].median:.2f}x python -c pass {samples[0].text()}) "
            f"(goal <= 300 ms): {met}",
            flush=True,
        )
    cores = os.cpu_count() or 1
    for n in b.sizes[1:]:
        repo = b.repos[n]
        floor = Command("parse floor", [PYTHON, "-c", FLOOR, str(repo / "postmortems")], repo)
        full = Command("pm lint", [PM, "lint"], repo, drop_cache(repo))
        rounds = b.slow if n <= 10_000 else 1
        s_floor, s_full = measure([floor, full], rounds, warmup=0)
        ratio = s_full.median / (s_floor.median / cores)
        print(
            f"goal 5 lint full at {n:,}: {s_full.text()} vs parse floor {s_floor.text()} / "
            f"{cores} cores = {ratio:.2f}x {verdict(ratio, 1.3)}",
            flush=True,
        )
        peak = peak_mb([PM, "lint"], repo)
        met = "met" if peak < 100 else "NOT met"
        print(f"goal 5 lint memory at {n:,}: peak {peak:.0f} MB (goal < 100 MB): {met}", flush=True)


def goal_memory(b: Bench) -> None:
    """Goal 6: the peak memory of every whole-repository command at the largest N."""
    n = b.largest
    repo = b.repos[n]
    target = b.middle(n)
    commands = {
        "pm list --json": ["list", "--json"],
        "pm list --json, cold": ["list", "--json"],
        "pm show": ["show", target],
        "pm action list": ["action", "list"],
        "pm overdue": ["overdue"],
        "pm report": ["report"],
        "pm report, cold": ["report"],
        "pm search": ["search", "connection", "timeout", "--limit", "20"],
        "pm event": ["event", target, "Bench memory"],
        "pm log": ["log", target],
    }
    worst = 0.0
    for label, argv in commands.items():
        if label.endswith("cold"):
            drop_cache(repo)(0)
        peak = peak_mb([PM, *argv], repo)
        worst = max(worst, peak)
        met = "met" if peak < 300 else "NOT met"
        print(f"goal 6 memory {label} at {n:,}: peak {peak:.0f} MB (goal < 300 MB): {met}")
    print(f"note: the largest peak at {n:,} is {worst:.0f} MB", flush=True)


def goal_history(b: Bench) -> None:
    """Goal 7: ``pm init`` configures the commit-graph; ``pm log ID`` against ``git log``."""
    with tempfile.TemporaryDirectory(prefix="pm-bench-init-") as folder:
        subprocess.run(["git", "init", "--quiet", folder], check=True, env=ENV)
        pm_out(Path(folder), "init")
        values = [
            subprocess.run(
                ["git", "config", name], cwd=folder, capture_output=True, text=True, check=False
            ).stdout.strip()
            for name in ("fetch.writeCommitGraph", "gc.writeCommitGraph")
        ]
    met = "met" if values == ["true", "true"] else "NOT met"
    print(f"goal 7 history pm init sets fetch/gc.writeCommitGraph: {values}: {met}", flush=True)
    for n in b.sizes[1:]:
        repo = b.repos[n]
        target = b.middle(n)
        path = str(next((repo / "postmortems").glob(f"*/{target}.md")).relative_to(repo))
        git_log = Command("git log -- FILE", ["git", "log", "--", path], repo)
        pm_log = Command("pm log", [PM, "log", target], repo)
        s_git, s_pm = measure([git_log, pm_log], b.rounds, warmup=1)
        ratio = s_pm.median / s_git.median
        print(
            f"goal 7 history pm log at {n:,} commits: {s_pm.text()} vs git log -- FILE "
            f"{s_git.text()} = {ratio:.2f}x {verdict(ratio, 2)}",
            flush=True,
        )


def header(b: Bench) -> None:
    version = subprocess.run([PM, "--version"], capture_output=True, text=True, check=True)
    git = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True)
    print(f"# pm benchmarks (issue 15), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}; {version.stdout.strip()}; {git.stdout.strip()}"
    )
    print(f"sizes: {', '.join(f'{n:,}' for n in b.sizes)} postmortems; {load()}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = options(__doc__, default=10_000, quick=60)
    parser.add_argument("--large", action="store_true", help="also 50,000 postmortems")
    parser.add_argument("--only", help="goal numbers to run, e.g. 1,5")
    parser.add_argument("--sizes", help="the sizes instead, e.g. 20,50000 (20 comes first)")
    args = parser.parse_args(argv)
    if args.sizes:
        sizes = sorted({20, *(int(x) for x in args.sizes.split(","))})
    elif args.quick:
        sizes = [20, args.count or 60]
    else:
        sizes = [20, 1_000, args.count or 10_000] + ([50_000] if args.large else [])
    compile_pm()
    names = {20: "small-20"}
    repos = {n: build(args.out / names.get(n, f"big-{n}"), n, args.fresh) for n in sizes}
    bench = Bench(repos, rounds=2 if args.quick else 10, slow=1 if args.quick else 3,
                  quick=args.quick)  # fmt: skip
    header(bench)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("1", lambda: goal_start(bench)),
        ("2", lambda: goal_flat(bench)),
        ("3", lambda: goal_floor(bench)),
        ("4", lambda: goal_pulls(bench, args.out)),
        ("5", lambda: goal_lint(bench)),
        ("6", lambda: goal_memory(bench)),
        ("7", lambda: goal_history(bench)),
    ]
    wanted = set(args.only.split(",")) if args.only else None
    failed = False
    for number, step in steps:
        if wanted is not None and number not in wanted:
            continue
        try:
            step()
        except CommandFailed as error:
            failed = True
            print(f"goal {number} could not be measured: {error}", flush=True)
    print(f"# done, {datetime.now(UTC):%H:%M} UTC; {load()}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
