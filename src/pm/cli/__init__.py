"""Command-line entry point: ``pm`` and ``python -m pm``."""

from __future__ import annotations

import gc
import sys


def main(argv: list[str] | None = None) -> int:
    args = _text(sys.argv[1:]) if argv is None else argv
    if args in (["--version"], ["-V"]):
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
    import os

    instruction = os.environ.get("_PM_COMPLETE")
    if instruction:  # the shell asks what may come next (``pm completion``)
        from pm.cli import completion

        return completion.run(instruction)
    from pm.cli import fast
    from pm.render.output import tolerate_encoding

    tolerate_encoding()
    code = fast.run(args)  # the common commands in their plain forms, without Typer
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


def _text(args: list[str]) -> list[str]:
    """Arguments as the person typed them. In a C/ASCII locale Python keeps the bytes it
    cannot decode as surrogates (``\\udcc3``): a UTF-8 terminal's ``ü`` arrives so. Such
    an argument is read as UTF-8 when its bytes are UTF-8; otherwise the surrogates stay
    and the text checks refuse the value, rather than store escapes for the bytes."""
    if all(arg.isascii() or arg.isprintable() for arg in args):
        return args  # the common case, without looking at every character
    return [_as_utf8(arg) for arg in args]


def _as_utf8(arg: str) -> str:
    if not any("\udc80" <= char <= "\udcff" for char in arg):
        return arg
    import os

    try:
        return os.fsencode(arg).decode("utf-8")
    except UnicodeError:
        return arg  # not UTF-8 either: the text checks name the problem
