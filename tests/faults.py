"""Fault injection for crash tests, with no hook in pm's own code.

``run(cwd, *pm_args, kill_at=(k, when))`` runs pm in a fresh ``python -c`` process that
first wraps the calls where a crash matters (``tempfile.mkstemp``, the temporary file's
``write``, ``os.fsync``, ``os.chmod``, ``os.link``, ``os.replace``, ``os.unlink`` and every
``subprocess.run`` of git) and then SIGKILLs itself at the k-th wrapped call, ``before``
or ``after`` it runs (``torn``: a write that got half its bytes out). With ``trace`` the
process writes the names of the wrapped calls it made, one a line, so a test can first
list every point and then crash at each.

``run(..., meanwhile=(k, when, argv))`` does not crash: at that point it runs ``argv``
(a ``git pull``, another process's write) to completion and then carries on, so a test
can put someone else's change into every window of a pm command.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

WHEN = ("before", "after")


class _State:
    count = 0
    target: tuple[int, str] | None = None
    trace: Path | None = None
    meanwhile: tuple[int, str, list[str]] | None = None
    run: Callable[..., Any] = subprocess.run


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _meanwhile(index: int, when: str) -> None:
    if _State.meanwhile is not None and _State.meanwhile[:2] == (index, when):
        _State.run(_State.meanwhile[2], check=False, capture_output=True)


def _enter(name: str) -> int:
    _State.count += 1
    if _State.trace is not None:
        with _State.trace.open("a", encoding="utf-8") as handle:
            handle.write(name + "\n")
    if _State.target == (_State.count, "before"):
        _die()
    _meanwhile(_State.count, "before")
    return _State.count


def _leave(index: int) -> None:
    if _State.target == (index, "after"):
        _die()
    _meanwhile(index, "after")


def _wrap(owner: Any, attribute: str, name: Callable[..., str] | str) -> None:
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        index = _enter(name(*args, **kwargs) if callable(name) else name)
        result = original(*args, **kwargs)
        _leave(index)
        return result

    setattr(owner, attribute, wrapper)


def _git_name(args: Any, *_: Any, **__: Any) -> str:
    words = [a for a in args[1:] if not a.startswith("-") and "=" not in a]
    return f"git {words[0] if words else '?'}"


class _TracedFile:
    """A file object whose ``write`` is a crash point (and can be torn in half)."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def write(self, data: bytes) -> int:
        index = _enter("write")
        if _State.target == (index, "torn"):
            self._handle.write(data[: len(data) // 2])
            self._handle.flush()
            _die()
        written: int = self._handle.write(data)
        _leave(index)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _TracedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


def install() -> None:
    """Wrap the crash points, reading the target from PM_FAULT_AT ("k:when")."""
    target = os.environ.get("PM_FAULT_AT")
    if target:
        index, when = target.split(":")
        _State.target = (int(index), when)
    meanwhile = os.environ.get("PM_FAULT_MEANWHILE")
    if meanwhile:
        index, when, command = json.loads(meanwhile)
        _State.meanwhile = (int(index), when, list(command))
    trace = os.environ.get("PM_FAULT_TRACE")
    _State.trace = Path(trace) if trace else None
    _wrap(tempfile, "mkstemp", "mkstemp")
    for name in ("fsync", "chmod", "link", "replace", "unlink"):
        _wrap(os, name, name)
    _wrap(subprocess, "run", _git_name)
    fdopen = os.fdopen

    def traced_fdopen(*args: Any, **kwargs: Any) -> Any:
        return _TracedFile(fdopen(*args, **kwargs))

    os.fdopen = traced_fdopen


def main() -> None:
    install()
    from pm.cli import main as pm_main

    sys.exit(pm_main(sys.argv[1:]))


def command(*pm_args: str) -> list[str]:
    """The argv that runs pm under fault injection (tests/ must be on PYTHONPATH)."""
    return [sys.executable, "-c", "import faults; faults.main()", *pm_args]


def run(
    cwd: Path,
    *pm_args: str,
    kill_at: tuple[int, str] | None = None,
    trace: Path | None = None,
    env: dict[str, str] | None = None,
    meanwhile: tuple[int, str, list[str]] | None = None,
) -> subprocess.CompletedProcess[str]:
    paths = [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
    extra = {"PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    if meanwhile is not None:
        extra["PM_FAULT_MEANWHILE"] = json.dumps(list(meanwhile))
    if kill_at is not None:
        extra["PM_FAULT_AT"] = f"{kill_at[0]}:{kill_at[1]}"
    if trace is not None:
        extra["PM_FAULT_TRACE"] = str(trace)
    return subprocess.run(
        command(*pm_args),
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **extra, **(env or {})},
        check=False,
    )
