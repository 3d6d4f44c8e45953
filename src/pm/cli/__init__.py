"""Command-line entry point: ``pm`` and ``python -m pm``."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        # Answer without importing Typer: scripts call this to probe for pm.
        from pm import __version__

        print(f"pm {__version__}")
        return 0
    from pm.cli import fast

    code = fast.run(args)  # list, show and event in their plain forms, without Typer
    if code is None:
        code = _run_typer(args)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (``| head``) went away; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return code


def _run_typer(args: list[str]) -> int:
    from pm.cli import commands  # noqa: F401 - registers the commands
    from pm.cli.app import app

    try:
        app(args=args, prog_name="pm")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0
