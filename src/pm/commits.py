"""The commit-message contract: what pm writes into every commit, and how it reads it back.

Every change pm makes is one commit whose message is a one-line subject
(``pm: <operation> <id> (<detail>)``), optional body lines, and two trailers::

    Pm-Id: 2024-01-15-db-pool-exhausted
    Pm-Operation: event

``git log --grep 'Pm-Id: <id>'`` finds an incident's history, and ``pm log`` reads the
``Pm-Operation`` trailer back (``LOG_FORMAT``, ``parse_log`` and ``operation_of``, the one
place pm's trailers are read) to tell pm's commits from hand-made ones, also after a
commit-msg hook appended a footer. User text can never add a line (so never a trailer)
and never skip the CI run of the push. No git runs here: ``gitrepo`` commits these
messages and runs ``git log``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from pm.records import datarecord

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


def pair_message(operation: str, first: str, second: str, body: Sequence[str] = ()) -> str:
    """A change to two postmortems: both ids in the subject and as Pm-Id trailers."""
    subject = " ".join(f"pm: {operation} {first} {second}".split())
    text = "".join(f"{defuse(line)}\n" for line in body if line)
    paragraph = f"{text}\n" if text else ""
    return (
        f"{subject}\n\n{paragraph}{ID_TRAILER}: {first}\n{ID_TRAILER}: {second}\n"
        f"{OPERATION_TRAILER}: {operation}\n"
    )


HAND_EDIT = "hand-edit"


def hand_edit_message(postmortem_id: str, why: str, body: Sequence[str] = ()) -> str:
    """A person's edit that pm commits for them: ``<id>: hand edit (<why>)``.

    ``why`` says how it came to be committed by pm (``pm edit``, or ``committed by pm
    before 'event'``). The ``Pm-Operation: hand-edit`` trailer tells ``pm log`` (and
    anyone reading the history) that the content is the person's, not a pm operation.
    """
    subject = defuse(f"{postmortem_id}: hand edit ({why})")
    text = "".join(f"{defuse(line)}\n" for line in body if line)
    paragraph = f"{text}\n" if text else ""
    return (
        f"{subject}\n\n{paragraph}{ID_TRAILER}: {postmortem_id}\n{OPERATION_TRAILER}: {HAND_EDIT}\n"
    )


def with_body_line(message: str, line: str) -> str:
    """``message`` with one more body line, just before its trailers."""
    head, marker, trailers = message.rpartition(f"\n\n{ID_TRAILER}: ")
    if not marker:
        head, marker, trailers = message.rpartition(f"\n\n{OPERATION_TRAILER}: ")
    if not marker:
        return f"{message.rstrip()}\n\n{defuse(line)}\n"
    subject, _, body = head.partition("\n\n")
    body = f"{body}\n" if body else ""
    return f"{subject}\n\n{body}{defuse(line)}{marker}{trailers}"


def init_message(directory: str) -> str:
    """``pm init``: no postmortem yet, so no Pm-Id."""
    return f"pm: init {directory}\n\n{OPERATION_TRAILER}: init\n"


# --- reading it back ----------------------------------------------------------------------


@datarecord(frozen=True)
class LogEntry:
    """One commit that touched a file; ``operation`` is None for a commit made by hand."""

    commit: str
    date: datetime
    author: str
    email: str
    operation: str | None
    subject: str


# ``git log --format=`` for ``parse_log``: a NUL before each commit (a commit message cannot
# hold one), the fields split by ASCII US, the body last, and SOH after it (before
# ``--name-status`` output, which never holds one: git quotes such paths). SOH, not a
# separator such as GS: Python's ``strip`` takes those for whitespace.
RECORD = "\x00"
END = "\x01"
LOG_FORMAT = "%x00%H%x1f%aI%x1f%an%x1f%ae%x1f%s%x1f%b%x01"

_TRAILER_SHAPED = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*:[ \t]")
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")


def operation_of(body: str) -> str | None:
    """The ``Pm-Operation`` of a commit message's body; None for a commit made by hand.

    Read from the paragraph of trailers pm wrote, wherever it now stands: a commit-msg
    hook may append a footer (``Change-Id:`` as Gerrit does, ``Signed-off-by:``, a line
    of text) as a paragraph of its own or onto pm's, and git's own trailer parsing reads
    only a last paragraph made of trailers. A paragraph counts when it starts with a
    ``Key: value`` line; its ``Pm-Operation:`` line gives the operation; the last such
    paragraph wins. pm's own body lines cannot start with that key (``message``).
    """
    for paragraph in reversed(_PARAGRAPHS.split(body.strip())):
        lines = paragraph.strip().splitlines()
        if not lines or not _TRAILER_SHAPED.match(lines[0]):
            continue
        for line in lines:
            key, colon, value = line.partition(":")
            if colon and key == OPERATION_TRAILER and value.split():
                return value.split()[0]
    return None


def parse_log(text: str) -> list[LogEntry]:
    """Parse ``git log`` output written with ``LOG_FORMAT`` (and an optional status)."""
    entries: list[LogEntry] = []
    for chunk in text.split(RECORD):
        record, end, _status = chunk.rpartition(END)
        if not end:
            continue
        fields = record.split("\x1f", 5)
        if len(fields) < 6:
            continue
        commit, when, author, email, subject, body = fields
        try:
            moment = datetime.fromisoformat(when.strip()).astimezone(UTC)
        except ValueError:
            continue  # not a record of ours: a name or subject that held a separator
        entries.append(
            LogEntry(
                commit=commit.strip(),
                date=moment,
                author=author.strip(),
                email=email.strip(),
                operation=operation_of(body),
                subject=subject.strip(),
            )
        )
    return entries
