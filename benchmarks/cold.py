"""Measure a whole-repository read where the cache's stat keys cannot match (issue 15, goal 4):
``pm list --json`` at 10,000 postmortems, warm, in a fresh clone with the cache restored
from another checkout (as a CI cache step does), after a pull that changed 10 files, and
cold (no cache at all).

    .venv/bin/python benchmarks/cold.py            # 10,000 postmortems (~3 minutes)
    .venv/bin/python benchmarks/cold.py --quick    # a smoke run on a small repository

The commands alternate, round after round, so a busy machine moves them alike. Each round
first puts the cache in place (copied, as ``actions/cache`` restores it), so every round of
"restored" and "pulled" checks the files' content rather than their stat. The repository is
built once under ``benchmarks/out/`` by ``generate.py`` (as ``run.py`` does); the clones
are made beside it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import CACHE, ENV, PM, Command, CommandFailed, build, count, measure, options

CHANGED = 10  # files the pull brings


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=ENV, capture_output=True, text=True, check=True
    ).stdout


def pm(cwd: Path, *args: str) -> None:
    subprocess.run([PM, *args], cwd=cwd, env=ENV, capture_output=True, check=True)


def clone(source: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    git(source.parent, "clone", "--quiet", str(source), str(target))
    return target


def restore(saved: Path, repo: Path) -> Callable[[int], None]:
    """Put ``saved`` in place as ``repo``'s cache before each run."""

    def setup(_round: int) -> None:
        (repo / CACHE).parent.mkdir(exist_ok=True)
        shutil.copyfile(saved, repo / CACHE)

    return setup


def drop(repo: Path) -> Callable[[int], None]:
    def setup(_round: int) -> None:
        (repo / CACHE).unlink(missing_ok=True)

    return setup


def prepare(repo: Path, out: Path) -> tuple[Path, Path, Path, Path]:
    """(the fresh clone, its restored cache, the pulled clone, its pre-pull cache)."""
    pm(repo, "list", "--json")  # the cache a CI job saved
    restored_cache = out / "restored-cache.marshal"
    shutil.copyfile(repo / CACHE, restored_cache)
    fresh = clone(repo, out / "fresh-clone")
    # Upstream: 10 postmortems changed by hand, in one commit.
    upstream = clone(repo, out / "upstream")
    paths = sorted((upstream / "postmortems").glob("*/*.md"))
    step = max(1, len(paths) // CHANGED)
    for path in paths[::step][:CHANGED]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("## Summary\n", "## Summary\n\nEdited upstream.\n", 1))
    git(upstream, "commit", "--quiet", "-am", "Edit 10 postmortems")
    # A clone with a warm cache, then a pull of that commit.
    pulled = clone(repo, out / "pulled-clone")
    pm(pulled, "list", "--json")
    pre_pull = out / "pre-pull-cache.marshal"
    shutil.copyfile(pulled / CACHE, pre_pull)
    git(pulled, "pull", "--quiet", "--ff-only", str(upstream), "HEAD")
    return fresh, restored_cache, pulled, pre_pull


def main(argv: list[str] | None = None) -> int:
    args = options(__doc__, default=10_000).parse_args(argv)
    n = count(args)
    rounds = 2 if args.quick else 7
    repo = build(args.out / f"big-{n}", n, args.fresh)
    work = args.out / f"cold-{n}"
    work.mkdir(parents=True, exist_ok=True)
    fresh, restored_cache, pulled, pre_pull = prepare(repo, work)
    listing = [PM, "list", "--json"]
    try:
        warm, restored, after_pull, cold = measure(
            [
                Command(f"warm ({n})", listing, repo),
                Command(
                    "fresh clone, cache restored", listing, fresh, restore(restored_cache, fresh)
                ),
                Command(
                    f"after a pull of {CHANGED} files", listing, pulled, restore(pre_pull, pulled)
                ),
                Command("cold: no cache", listing, fresh, drop(fresh)),
            ],
            rounds,
            warmup=1,
        )
        print(f"pm list --json at {n}, median (min-max, n):", flush=True)
        for sample in (warm, restored, after_pull, cold):
            ratio = sample.median / warm.median
            print(f"  {sample.label}: {sample.text()} = {ratio:.2f}x warm", flush=True)
    except CommandFailed as error:
        print(f"goal 15.4 could not be measured: {error}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
