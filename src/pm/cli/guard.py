"""How a failure becomes ``pm: <message>`` and an exit code, for both ways a command runs.

Shared by the Typer group (``app.PmGroup``) and the fast path (``fast.py``), so a user's
mistake reads and exits the same whichever path ran the command.
"""

from __future__ import annotations

import os
import sys

from pm.errors import ExitCode, PmError
from pm.render import output


def report(error: BaseException, *, debug: bool) -> int | None:
    """Tell the user about ``error`` and return the exit code; None when it is not ours."""
    if isinstance(error, BrokenPipeError):
        reader_gone()  # nothing to say: not an error
        return ExitCode.OK
    if debug and isinstance(error, Exception):
        import traceback

        traceback.print_exc()
    if isinstance(error, PmError):
        output.error(error.message)
        for line in error.details:  # e.g. the output of the hook that refused a commit
            output.message(f"    {line}" if line else "")
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        output.error("interrupted")
        return ExitCode.INTERRUPTED
    if isinstance(error, Exception):
        output.error(
            f"internal error: {type(error).__name__}: {error} "
            "(this is a bug in pm; run again with --debug and report the traceback)"
        )
        return ExitCode.BUG
    return None


def reader_gone() -> None:
    """The reader of stdout went away (``pm list | head``): send the rest to /dev/null,
    so that the interpreter's last flush at exit does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
