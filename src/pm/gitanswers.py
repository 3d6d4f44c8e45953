"""What git's answers mean: its complaints as pm's errors, which hook refused a commit,
the line ending a new file gets.

``gitrepo`` runs git; this module reads what git said and decides what to tell the user,
without running anything: the one place git's complaints (``explain``), its safe.directory
refusal, its trace2 events (``hooks_run``) and its line-ending rules (``worktree_newline``)
are interpreted.
"""

from __future__ import annotations

import re
from contextlib import suppress
from pathlib import Path

from pm.errors import NoCommitsError, RepoError

# How long pm waits for another git process (an IDE's `git status`) to release
# index.lock before it gives up; it never removes the lock.
INDEX_LOCK_WAIT_SECONDS = 2.0
# The last lines of a refusing hook's output that pm shows.
HOOK_OUTPUT_LINES = 20


def _location() -> str:
    from pm.location import git_location

    return " and ".join(f"{name}={value}" for name, value in git_location().items())


def not_a_repository(path: Path, output: str) -> RepoError:
    """Why git finds no work tree at ``path``: its safe.directory refusal, the
    GIT_DIR/GIT_WORK_TREE settings, or no repository at all."""
    dubious = _dubious_ownership(output)
    if dubious is not None:
        return dubious
    location = _location()
    if not location:
        return RepoError(f"{path} is not in a git repository (run `git init` or `pm init`)")
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    said = lines[0] if lines else "no output"
    if "work tree" in output:
        return RepoError(
            f"{location}: that repository has no work tree ({said}); set GIT_WORK_TREE to "
            "the folder it is checked out in, or unset GIT_DIR"
        )
    return RepoError(
        f"{location}: git finds no repository there ({said}); unset "
        f"{'it' if ' and ' not in location else 'them'} or point "
        f"{'it' if ' and ' not in location else 'them'} at the repository that holds your "
        "postmortems"
    )


_DUBIOUS = re.compile(r"dubious ownership in repository at '([^'\n]*)'")


def _dubious_ownership(output: str) -> RepoError | None:
    """git's safe.directory refusal (a repository owned by another user, as in CI
    containers), with the command that lifts it."""
    match = _DUBIOUS.search(output)
    if match is None:
        return None
    where = match.group(1)
    return RepoError(
        f"git refuses to work in {where}: it is owned by another user (git's safe.directory "
        f"check, common in CI containers); if you trust it, run: git config --global --add "
        f"safe.directory {where}"
    )


def hooks_run(trace: Path) -> list[tuple[str, str, int]] | None:
    """(name, path, exit code) of each hook pm's git command ran, from its trace2 events;
    None when there are none to read (git too old to name hooks, trace2 turned off)."""
    try:
        text = trace.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if '"event":"version"' not in text:
        return None  # trace2 wrote nothing: nothing known
    if '"child_class":"hook"' not in text:
        return []  # the usual case, known without parsing a line
    import json

    lines = text.splitlines()
    events = []
    for line in lines:
        with suppress(ValueError):
            event = json.loads(line)
            if isinstance(event, dict):
                events.append(event)
    # The last top-level session: a retry after index.lock writes a second one, and git
    # commands the hooks run write theirs under a nested "parent/child" session id.
    sessions = [e.get("sid") for e in events if e.get("event") == "version"]
    top = next((sid for sid in reversed(sessions) if "/" not in str(sid)), None)
    if top is None:
        return None
    started: dict[object, tuple[str, str]] = {}
    hooks: list[tuple[str, str, int]] = []
    for event in events:
        if event.get("sid") != top:
            continue
        if event.get("event") == "child_start" and event.get("child_class") == "hook":
            argv = event.get("argv") or ["?"]
            started[event.get("child_id")] = (str(event.get("hook_name", "?")), str(argv[0]))
        elif event.get("event") == "child_exit" and event.get("child_id") in started:
            name, path = started.pop(event.get("child_id"))
            code = event.get("code")
            hooks.append((name, path, code if isinstance(code, int) else 1))
    return hooks


_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def hook_refusal(name: str, path: str, code: int, output: str) -> RepoError:
    """A hook refused pm's commit: which one, its exit code, and its last lines."""
    lines = [_COLOUR.sub("", line).rstrip() for line in output.splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    where = f"the {name} hook ({path}, exit {code}) refused the commit"
    if not lines:
        return RepoError(f"{where} and printed nothing")
    shown = lines[-HOOK_OUTPUT_LINES:]
    part = f"last {len(shown)} of {len(lines)} lines" if len(shown) < len(lines) else "its output"
    error = RepoError(f"{where}; {part}:")
    error.details = tuple(shown)
    return error


def worktree_newline(text: str, eol: str, autocrlf: str, core_eol: str) -> str:
    """The line ending git checks a text file out with, from its ``text`` and ``eol``
    attributes and ``core.autocrlf``/``core.eol`` (as git's convert.c decides)."""
    if text == "unset":  # -text: binary, never converted
        return "\n"
    if eol in ("crlf", "lf"):
        return "\r\n" if eol == "crlf" else "\n"
    autocrlf = "true" if autocrlf in ("true", "yes", "on", "1") else autocrlf
    if text == "unspecified":  # only core.autocrlf=true converts files nobody marked
        return "\r\n" if autocrlf == "true" else "\n"
    if autocrlf in ("true", "input"):
        return "\r\n" if autocrlf == "true" else "\n"
    return "\r\n" if core_eol == "crlf" else "\n"


def explain(args: tuple[str, ...], output: str) -> RepoError:
    """The one place git's complaint is read: a message for the user, a type for callers.

    A complaint of several lines (a path outside a sparse checkout and git's hints) is
    shown whole, under the first line.
    """
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    text = " ".join(line.strip() for line in lines)
    if "index.lock" in text:
        return RepoError(
            f"another git process has held index.lock for over {INDEX_LOCK_WAIT_SECONDS:.0f} "
            "s; wait for it and try again (pm never removes it)"
        )
    if "Author identity unknown" in text or "empty ident" in text or "useConfigOnly" in text:
        return RepoError("no git identity; set git config user.name and user.email")
    dubious = _dubious_ownership(text)
    if dubious is not None:
        return dubious
    words = [a for a in args if not a.startswith("-") and "=" not in a]
    command = f"git {words[0]}" if words else "git itself"
    first = next(
        (line.strip() for line in lines if line.lower().startswith(("fatal", "error"))),
        lines[0].strip() if lines else "no output",
    )
    message = f"{command} failed: {first}"
    error: RepoError = (
        NoCommitsError(message)  # git log on a branch not yet born
        if "does not have any commits" in text
        else RepoError(message)
    )
    if len(lines) > 1:  # the rest of it, or all of it when the first line is not first
        error.details = tuple(lines[1:] if lines[0].strip() == first else lines)
    return error


def newline_from(attributes: str, settings: str) -> str:
    """``worktree_newline`` from the output of ``git check-attr text eol -- <path>``
    (``<path>: <attribute>: <value>`` lines) and ``git config --get-regexp``."""
    found = {}
    for line in attributes.splitlines():
        rest, _, value = line.rpartition(": ")
        found[rest.rpartition(": ")[2]] = value.strip()
    config = {}
    for line in settings.splitlines():
        key, _, value = line.partition(" ")
        config[key.lower()] = value.strip().lower()
    return worktree_newline(
        found.get("text", "unspecified"),
        found.get("eol", "unspecified"),
        config.get("core.autocrlf", "false"),
        config.get("core.eol", "native"),
    )
