"""Measure ``pm search`` against ``pm list --json`` at 10,000 postmortems (issue 13's goal:
within 2x), warm (both caches in place) and cold (no cache: every file parsed and read).

    .venv/bin/python benchmarks/search.py            # 10,000 postmortems (~2 minutes)
    .venv/bin/python benchmarks/search.py --quick    # a smoke run on a small repository

The two commands alternate, round after round, so a busy machine moves both alike. The
repository is built once under ``benchmarks/out/`` by ``generate.py`` (as ``run.py`` does)
and reused. The query is two words the generated prose uses, so thousands match and the
ranking and printing of many hits are part of the time.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    CACHE,
    PM,
    Command,
    CommandFailed,
    build,
    count,
    goal,
    measure,
    options,
)

PROSE_CACHE = CACHE.parent / "prose-v1.marshal"
QUERY = ["connection", "timeout"]


def drop_caches(repo: Path) -> Callable[[int], None]:
    def setup(_round: int) -> None:
        (repo / CACHE).unlink(missing_ok=True)
        (repo / PROSE_CACHE).unlink(missing_ok=True)

    return setup


def main(argv: list[str] | None = None) -> int:
    args = options(__doc__, default=10_000).parse_args(argv)
    n = count(args)
    rounds, slow_rounds = (3, 2) if args.quick else (15, 3)
    repo = build(args.out / f"big-{n}", n, args.fresh)
    search = [PM, "search", *QUERY, "--limit", "20"]
    listing = [PM, "list", "--json"]
    try:
        warm_list, warm_search = measure(
            [
                Command(f"pm list --json ({n})", listing, repo),
                Command(f"pm search ({n})", search, repo),
            ],
            rounds,
        )
        goal("13 search", f"pm search at {n}, caches warm", warm_search, warm_list, 2)
        cold_list, cold_search = measure(
            [
                Command("pm list --json, cold", listing, repo, setup=drop_caches(repo)),
                Command("pm search, cold", search, repo, setup=drop_caches(repo)),
            ],
            slow_rounds,
            warmup=1,
        )
        goal("13 search", f"pm search at {n}, no cache", cold_search, cold_list, 2)
    except CommandFailed as error:
        print(f"goal 13 search could not be measured: {error}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
