"""Measure ``pm site`` against the goals of issue 16, with the method of ``run.py``.

Every figure is a ratio of two medians measured side by side (the commands alternate,
round after round), so a busy machine moves both sides alike:

    .venv/bin/python benchmarks/site.py            # 10,000 postmortems (~10 minutes)
    .venv/bin/python benchmarks/site.py --quick    # a smoke run on 200

- goal A: a full build of the site against ``pm report --format html`` over the same
  postmortems; cold (no summary cache, no site state, an empty output folder: a CI job on
  a fresh clone) and warm (caches kept, an empty output folder).
- goal B: the rebuild after one ``pm event`` (the event itself is not timed) against
  ``pm list --json``, which reads every postmortem as any whole-repository command must,
  and against ``python -c pass``: the time beyond start-up and beyond that read.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.common import (  # noqa: E402 - after the path is set, for a direct run
    PM,
    PYTHON,
    Command,
    build,
    count,
    drop_cache,
    measure,
    options,
    run_once,
)

STATE = Path(".git") / "pm" / "site-v1.marshal"


def fresh_site(repo: Path, out: Path, *, cold: bool) -> Command:
    def setup(_round: int) -> None:
        shutil.rmtree(out, ignore_errors=True)
        if cold:
            drop_cache(repo)(0)
            (repo / STATE).unlink(missing_ok=True)

    label = f"pm site, {'cold' if cold else 'warm caches'}, empty folder"
    return Command(label, [PM, "site", "-o", str(out)], repo, setup)


def report(repo: Path, out: Path, *, cold: bool) -> Command:
    setup = drop_cache(repo) if cold else None
    label = f"pm report --format html, {'cold' if cold else 'warm'}"
    argv = [PM, "report", "--since", "2000-01-01", "--format", "html", "-o", str(out)]
    return Command(label, argv, repo, setup)


def line(name: str, measured: str, reference: str, ratio: float) -> None:
    print(f"{name}: {measured} vs {reference} = {ratio:.2f}x", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = options(__doc__, default=10_000).parse_args(argv)
    n = count(args)
    slow, rounds = (1, 3) if args.quick else (3, 10)
    repo = build(args.out / f"big-{n}", n, args.fresh)
    site, html = args.out / f"site-{n}", args.out / f"report-{n}.html"
    print(f"# pm site benchmarks: {n} postmortems ({repo})", flush=True)

    for cold in (True, False):
        s_report, s_site = measure(
            [report(repo, html, cold=cold), fresh_site(repo, site, cold=cold)], slow, warmup=1
        )
        line(f"goal A full build, {n}", f"{s_site.label} {s_site.text()}",
             f"{s_report.label} {s_report.text()}", s_site.median / s_report.median)  # fmt: skip

    ids = sorted(p.stem for p in (repo / "postmortems").glob("*/*.md"))
    target = ids[-3]  # a recent incident, where events are added
    event = [PM, "event", target, "Benchmark note"]

    def after_event(_round: int) -> None:
        run_once(Command("pm event", event, repo), 0)

    run_once(Command("pm site", [PM, "site", "-o", str(site)], repo), 0)  # up to date
    rebuild = Command("pm site after pm event", [PM, "site", "-o", str(site)], repo, after_event)
    listing = Command("pm list --json", [PM, "list", "--json"], repo)
    start = Command("python -c pass", [PYTHON, "-c", "pass"], repo)
    s_start, s_list, s_rebuild = measure([start, listing, rebuild], rounds, warmup=1)
    line(f"goal B incremental, {n}", f"{s_rebuild.label} {s_rebuild.text()}",
         f"{s_list.label} {s_list.text()}", s_rebuild.median / s_list.median)  # fmt: skip
    print(
        f"goal B beyond start-up: {(s_rebuild.median - s_start.median) * 1000:.0f} ms "
        f"(python -c pass {s_start.text()}); beyond reading every postmortem "
        f"(pm list --json): {(s_rebuild.median - s_list.median) * 1000:.0f} ms",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
