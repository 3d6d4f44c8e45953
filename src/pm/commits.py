"""The commit-message contract: what pm writes into every commit, and how it reads it back.

Every change pm makes is one commit whose message is a one-line subject
(``pm: <operation> <id> (<detail>)``), optional body lines, and two trailers::

    Pm-Id: 2024-01-15-db-pool-exhausted
    Pm-Operation: event

``git log --grep 'Pm-Id: <id>'`` finds an incident's history, and ``pm log`` reads the
``Pm-Operation`` trailer back (``LOG_FORMAT`` and ``parse_log``) to tell pm's commits from
hand-made ones. User text can never add a line (so never a trailer) and never skip the CI
run of the push. No git runs here: ``gitrepo`` commits these messages and runs ``git log``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

ID_TRAILER = "Pm-Id"
OPERATION_TRAILER = "Pm-Operation"

# Words in a commit message that make CI systems skip the pipeline of the push (GitHub,
# GitLab, Bitbucket, Azure, CircleCI, Travis): user text must not be able to say them.
_SKIP_CI = re.compile(r"\[([^\[\]\n]*\b(?:skip|no)\b[^\[\]\n]*)\]|\*\*\*(NO_CI)\*\*\*", re.I)


def defuse(line: str) -> str:
    """One commit-message line (``textsafety.commit_line``), ``[skip ci]`` made ``(skip ci)``."""
    from pm.textsafety import commit_line

    return _SKIP_CI.sub(lambda m: f"({m.group(1) or m.group(2)})", commit_line(line))


def message(operation: str, postmortem_id: str, detail: str, body: Sequence[str] = ()) -> str:
    """A one-line subject, optional body lines, trailers; ``git log --grep 'Pm-Id: <id>'``.

    User text can never add a line (so never a trailer): every whitespace run, line breaks
    included, becomes one space, in the subject and in each body line. Nor can it skip
    the CI run of the push: ``[skip ci]`` and its kin are written ``(skip ci)``.
    """
    subject = f"pm: {operation} {postmortem_id}"
    if detail:
        subject += f" ({detail})"
    subject = defuse(subject)  # never more than one line, whatever the input
    lines = [defuse(line) for line in body]
    text = "".join(f"{line}\n" for line in lines if line)
    paragraph = f"{text}\n" if text else ""
    return (
        f"{subject}\n\n{paragraph}{ID_TRAILER}: {postmortem_id}\n{OPERATION_TRAILER}: {operation}\n"
    )


SUBJECT_LIMIT = 72  # what `git log --oneline` and a pull request's commit list show whole
_SHORTEST = 16  # less room than this for the text says nothing: the kind alone


def event_detail(operation: str, postmortem_id: str, kind: str, text: str) -> tuple[str, bool]:
    """The subject's detail for an event: ``kind: text`` when the subject fits in 72
    characters, the text shortened with ``…`` when it does not, the kind alone when not
    even a few words fit. True when the text was shortened or left out (the commit body
    then carries it whole).
    """
    text = defuse(text)
    room = SUBJECT_LIMIT - len(f"pm: {operation} {postmortem_id} ({kind}: )")
    if not text:
        return kind, False
    if len(text) <= room:
        return f"{kind}: {text}", False
    if room < _SHORTEST:
        return kind, True
    cut = text[: room - 1]
    space = cut.rfind(" ")
    if space >= room // 2:  # end on a whole word when that keeps most of the room
        cut = cut[:space]
    return f"{kind}: {cut.rstrip(' ,;:.-')}…", True


def pair_message(operation: str, first: str, second: str) -> str:
    """A change to two postmortems: both ids in the subject and as Pm-Id trailers."""
    subject = " ".join(f"pm: {operation} {first} {second}".split())
    return (
        f"{subject}\n\n{ID_TRAILER}: {first}\n{ID_TRAILER}: {second}\n"
        f"{OPERATION_TRAILER}: {operation}\n"
    )


def init_message(directory: str) -> str:
    """``pm init``: no postmortem yet, so no Pm-Id."""
    return f"pm: init {directory}\n\n{OPERATION_TRAILER}: init\n"


# --- reading it back ----------------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    """One commit that touched a file; ``operation`` is None for a commit made by hand."""

    commit: str
    date: datetime
    author: str
    email: str
    operation: str | None
    subject: str


# ``git log --format=`` for ``parse_log``. Record and field separators (ASCII RS/US) cannot
# occur in a one-line subject or a name.
LOG_FORMAT = (
    "%x1e%H%x1f%aI%x1f%an%x1f%ae%x1f"
    f"%(trailers:key={OPERATION_TRAILER},valueonly,separator=%x20)%x1f%s"
)


def parse_log(text: str) -> list[LogEntry]:
    """Parse ``git log`` output written with ``LOG_FORMAT`` (and an optional status)."""
    entries: list[LogEntry] = []
    for chunk in text.split("\x1e"):
        record = chunk.partition("\x1d")[0]
        if not record.strip():
            continue
        fields = record.split("\x1f")
        if len(fields) < 5:
            continue
        fields += [""] * (6 - len(fields))  # git's output is stripped: an empty subject
        commit, when, author, email, operation, subject = (f.strip() for f in fields)
        entries.append(
            LogEntry(
                commit=commit,
                date=datetime.fromisoformat(when).astimezone(UTC),
                author=author,
                email=email,
                operation=operation.split()[0] if operation.split() else None,
                subject=subject,
            )
        )
    return entries
