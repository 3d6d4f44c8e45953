"""What every command body uses: the workspace, the word "committed", unreadable files.

``call`` runs a body by its reference (``"pm.cli.incident:event"``) with the parameters a
parser produced: the Typer declarations (``commands.py``) and the fast path (``fast.py``)
both end here, so a command runs the same code whichever parsed it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from pm.errors import DataError, NotPostmortemError, UsageError
from pm.render import output

if TYPE_CHECKING:
    from pm.workspace import Workspace


def call(body: str, params: dict[str, Any]) -> int:
    """Run the body ``module:function`` with ``params``; its exit code (None is 0)."""
    module, _, name = body.partition(":")
    code = getattr(import_module(module), name)(**params)
    return int(code or 0)


def workspace(no_commit: bool = False) -> Workspace:
    """The workspace of the current folder; its notices (renumbered items, a due date in
    the past) are printed as warnings, and its notes (how a typed time was read) as
    notes, as they happen."""
    from pm.workspace import Workspace

    ws = Workspace.load(commit=False if no_commit else None)
    ws.on_notice = output.warn
    ws.on_note = output.note
    return ws


def reading() -> Workspace:
    """The workspace for a read command; RepoError (exit 4) where there is nothing to read:
    outside a git repository, or in one without a postmortems folder."""
    from pm.location import check_readable

    ws = workspace()
    check_readable(ws.config)
    return ws


def committed(ws: Workspace) -> str:
    return "committed" if ws.commit_enabled else "not committed (--no-commit)"


def unreadable(errors: list[DataError], consequence: str = "could not be read") -> None:
    """Name each file that could not be read on stderr; then fail with exit code 3.

    A file that is not a postmortem (meeting notes in a year folder, a postmortem saved
    outside one) is a one-line warning: the rest of the answer stands."""
    broken = [error for error in errors if not isinstance(error, NotPostmortemError)]
    for error in errors:
        if isinstance(error, NotPostmortemError):
            output.warn(error.message)
        else:
            output.error(error.message)
    if broken:
        raise DataError(f"{len(broken)} postmortem file(s) {consequence}")


def choice(value: str, choices: tuple[str, ...], option: str) -> str:
    """``value`` when it is one of ``choices``; a usage error naming ``option`` otherwise."""
    if value not in choices:
        raise UsageError(f"{option} must be one of {', '.join(choices)}, not {value!r}")
    return value
