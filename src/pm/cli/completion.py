"""Shell completion: ``pm completion bash|zsh|fish`` prints the script; the shell then runs
``pm`` with ``_PM_COMPLETE`` set to ask for the words that may come next.

``completion`` is the command's body; the other functions complete values of arguments
and options (``autocompletion=`` in ``commands.py``). The scripts and the protocol are
Typer's (its vendored Click ``shell_completion`` classes); ``main`` sends a run with
``_PM_COMPLETE`` here, past the fast path, so an ordinary command pays nothing for
completion. Values come cheaply: ids from the file
names (no file is read), severities from the configuration, kinds and statuses from the
model. Completing never fails loudly: with no repository there is simply nothing to offer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

VARIABLE = "_PM_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


def script(shell: str) -> str:
    """The script that makes ``shell`` complete pm's words."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="pm", complete_var=VARIABLE, shell=shell).strip()


def run(instruction: str) -> int:
    """Answer the shell: the completions for the words in its variables (``COMP_WORDS``
    and ``COMP_CWORD`` for bash, ``_TYPER_COMPLETE_ARGS`` for zsh and fish).

    Typer spells the instruction ``complete_bash``; Click's own spelling
    (``bash_complete``) is accepted too."""
    from typer._completion_classes import completion_init

    from pm.cli import commands  # noqa: F401 - registers the commands
    from pm.cli.app import app

    first, _, second = instruction.partition("_")
    if first in (*SHELLS, "powershell", "pwsh"):
        os.environ[VARIABLE] = f"{second}_{first}"  # bash_complete -> complete_bash
    completion_init()
    try:
        app(args=[], prog_name="pm")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 0
    return 0


def _directory(ctx: Any) -> Path:
    """Where the command line being completed runs: its ``-C`` folders, else PM_REPO,
    else here."""
    where = Path.cwd()
    directories = ctx.find_root().params.get("directory") if ctx is not None else None
    if not directories:
        named = os.environ.get("PM_REPO")
        return where / named if named else where
    for directory in directories:
        where = where / directory
    return where


def ids(ctx: Any, incomplete: str) -> list[str]:
    """Postmortem ids starting with what was typed, newest first, from the file names
    alone. (Typer offers only values that start with the word typed, so a slug does not
    complete to its id.)"""
    try:
        from pm.config import load_config

        config = load_config(_directory(ctx))
        folder = config.postmortems_dir
        found = [
            entry.name[:-3]
            for year in os.scandir(folder)
            if year.is_dir() and year.name.isdigit()
            for entry in os.scandir(year.path)
            if entry.name.endswith(".md") and not entry.name.startswith(".")
        ]
    except Exception:  # noqa: BLE001 - no repository, no config: nothing to offer
        return []
    return sorted((i for i in found if i.startswith(incomplete)), reverse=True)


def severities(ctx: Any, incomplete: str) -> list[str]:
    """The severities of this repository's configuration."""
    try:
        from pm.config import load_config

        names = load_config(_directory(ctx)).severity_names
    except Exception:  # noqa: BLE001 - a broken config: nothing to offer
        return []
    return _listed(names, incomplete)


def _listed(names: tuple[str, ...], incomplete: str) -> list[str]:
    """The names that complete the last value of a comma list (``SEV-1,S`` offers
    ``SEV-1,SEV-2``...), any case, leaving out the values already given."""
    given, comma, last = incomplete.rpartition(",")
    before = {value.strip().lower() for value in given.split(",")} if comma else set()
    return [
        f"{given}{comma}{name}"
        for name in names
        if name.lower().startswith(last.lower()) and name.lower() not in before
    ]


def kinds(incomplete: str) -> list[str]:
    from pm.model import EVENT_KINDS

    return [kind for kind in EVENT_KINDS if kind.startswith(incomplete.lower())]


def statuses(incomplete: str) -> list[str]:
    from pm.model import STATUSES

    return _listed(STATUSES, incomplete)


def shells(incomplete: str) -> list[str]:
    return [shell for shell in SHELLS if shell.startswith(incomplete)]


def completion(shell: str) -> None:
    """The body of ``pm completion SHELL``."""
    from pm.errors import UsageError

    if shell not in SHELLS:
        raise UsageError(f"no completion for {shell!r}; use one of {', '.join(SHELLS)}")
    sys.stdout.write(script(shell) + "\n")
