"""A progress bar on stderr for long work over many files, only where a person watches.

``track(items, label)`` yields the items; once the work has taken longer than half a
second (``PM_PROGRESS_AFTER`` seconds, an internal setting for tests) it draws a Rich
progress bar on stderr, and clears it when done. Nothing is drawn when stderr is not a
terminal (a pipe, a file, CI), on ``TERM=dumb``, or for a quick command: Rich is imported
only when a bar is drawn, so the fast path pays one clock read per file.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from typing import IO, Any, TypeVar

T = TypeVar("T")
AFTER = 0.5  # seconds of work before a bar is worth drawing


def wanted(stream: IO[str] | None = None) -> bool:
    """Whether a bar may be drawn on ``stream`` (stderr): a terminal, not a dumb one."""
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _after() -> float:
    try:
        return max(0.0, float(os.environ.get("PM_PROGRESS_AFTER", AFTER)))
    except ValueError:
        return AFTER


def track(
    items: Sequence[T], label: str, *, stream: IO[str] | None = None, force: bool = False
) -> Iterator[T]:
    """``items``, one by one; a bar on ``stream`` (stderr) once the work takes a while.

    ``force`` draws on a stream that is not a terminal (for tests)."""
    if len(items) < 2 or not (force or wanted(stream)):
        yield from items
        return
    after, start = _after(), time.monotonic()
    bar: Any = None
    task: Any = None
    try:
        for index, item in enumerate(items):
            if bar is None and time.monotonic() - start >= after:
                bar, task = _start(label, len(items), index, stream, force)
            elif bar is not None:
                bar.update(task, completed=index)
            yield item
    finally:
        if bar is not None:
            bar.update(task, completed=len(items))
            bar.stop()


def _start(label: str, total: int, done: int, stream: IO[str] | None, force: bool) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    target = stream if stream is not None else sys.stderr
    console = Console(file=target, force_terminal=True if force else None)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task(label, total=total, completed=done)
    bar.start()
    return bar, task
