"""Command-line entry point: ``pm`` and ``python -m pm``."""

from __future__ import annotations

import gc
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        # Answer without importing Typer: scripts call this to probe for pm.
        from pm import __version__
        from pm.errors import ExitCode

        print(f"pm {__version__}")
        return ExitCode.OK
    # A pm command lives for a moment and builds thousands of objects without cycles:
    # the cyclic collector would only re-scan them (a third of a warm 10,000-file list).
    # Memory is still freed by reference counting.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if collecting:
            gc.enable()


def _run(args: list[str]) -> int:
    from pm.cli import fast
    from pm.render.output import tolerate_encoding

    tolerate_encoding()
    code = fast.run(args)  # list, show and event in their plain forms, without Typer
    if code is None:
        code = _run_typer(args)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        from pm.cli.guard import reader_gone

        reader_gone()  # the reader (``| head``) went away; that is not an error
    return code


def _run_typer(args: list[str]) -> int:
    from pm.cli import commands  # noqa: F401 - registers the commands
    from pm.cli.app import app
    from pm.cli.guard import reader_gone
    from pm.errors import ExitCode

    try:
        app(args=args, prog_name="pm")
    except SystemExit as exit_:
        code = exit_.code
        if code is None or isinstance(code, int):
            return code or ExitCode.OK
        return ExitCode.BUG  # SystemExit with a message: nothing in pm or Typer raises it
    except BrokenPipeError:
        reader_gone()
    return ExitCode.OK
