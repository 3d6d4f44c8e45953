"""The per-file work of a lint spread over processes, results back in file order.

Files are independent once the names the blameless rules know are fixed, and most of a
whole-repository lint is per file (YAML and the blameless patterns). ``Workers`` runs
chunks of files in forked processes (they start in milliseconds with pm already imported)
and yields the results chunk by chunk in file order, so the output is the one a single
process prints, byte for byte. The parent holds findings only, and a worker one file at
a time: memory stays flat at any N.

Ctrl-C: workers ignore SIGINT; the parent stops them, and pm exits 130 as ever. A
worker's exception is raised in the parent (an internal error, exit 70), never
swallowed, and a worker that dies (killed, out of memory) is an error too.

Only where ``fork`` exists (Linux, macOS, BSD); elsewhere, and for a small lint where
starting workers costs more than they save, the same work runs in this process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from pm.errors import ExitCode, PmError, UsageError

T = TypeVar("T")
R = TypeVar("R")

# Below this many files a pool costs more than it saves (starting two workers and
# handing back results: tens of ms; linting a file: about a millisecond).
MIN_FILES = 200
CHUNK = 64  # files per task: big enough to amortise a hand-off, small enough to balance

_WORK: Callable[..., Any] | None = None  # the function workers run (inherited by fork)


def count(jobs: int | None, files: int) -> int:
    """How many processes lint ``files`` files: ``jobs`` (``--jobs``; 0 or None for every
    core, then one for a small lint), never more than there are files."""
    if jobs is not None and jobs < 0:
        raise UsageError(f"--jobs must be 0 (every core) or more, not {jobs}")
    if jobs == 1 or files < 2 or (not jobs and files < MIN_FILES):
        return 1  # without importing multiprocessing: 15 ms of a one-file lint
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if not jobs:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
        jobs = jobs or os.cpu_count() or 1
    return max(1, min(jobs, files))


def chunks(items: Sequence[T], workers: int) -> list[Sequence[T]]:
    """``items`` cut in order into tasks: at least four per worker, at most ``CHUNK`` each."""
    size = max(1, min(CHUNK, -(-len(items) // (workers * 4))))
    return [items[start : start + size] for start in range(0, len(items), size)]


class Workers:
    """``workers`` processes that run ``work(chunk, *args)``; one means this process.

    Use as a context manager: leaving it stops the workers, at once on an error."""

    def __init__(self, work: Callable[..., Any], workers: int) -> None:
        self.work = work
        self.workers = workers
        self._pool: Any = None

    def __enter__(self) -> Workers:
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            global _WORK  # noqa: PLW0603 - what forked workers inherit; cleared on exit
            _WORK = self.work
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("fork"), initializer=_quiet
            )
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        global _WORK
        pool, self._pool, _WORK = self._pool, None, None
        if pool is None:
            return
        if error is None:
            pool.shutdown()
            return
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()  # Ctrl-C or an error: do not wait for running chunks

    def map(self, items: Sequence[T], *args: Any) -> Iterator[tuple[Sequence[T], Any]]:
        """(chunk, its result) for each chunk of ``items``, in order, as they are done."""
        from pm.progress import track

        if self._pool is None:
            for item in track(items, "Reading"):
                yield [item], self.work([item], *args)
            return
        from concurrent.futures.process import BrokenProcessPool

        parts = chunks(items, self.workers)
        futures = [self._pool.submit(_run, part, *args) for part in parts]
        try:
            for part, future in zip(parts, track(futures, "Reading"), strict=True):
                yield part, future.result()
        except BrokenProcessPool:
            raise WorkerDied("a lint worker process died (killed, or out of memory?)") from None


class WorkerDied(PmError):
    """A worker process ended without its answer: the lint is incomplete, not clean."""

    exit_code = ExitCode.BUG


def _run(chunk: Sequence[Any], *args: Any) -> Any:
    assert _WORK is not None, "workers are forked with their work"
    return _WORK(chunk, *args)


def _quiet() -> None:
    """Workers ignore Ctrl-C: the parent stops them, and only it reports the interrupt."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
