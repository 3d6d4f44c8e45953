"""Every error pm reports, each carrying its exit code.

The exit codes are a contract for CI scripts (see the README table); they are defined here
and nowhere else. The CLI catches ``PmError`` once, prints ``pm: <message>`` on stderr and
exits with ``exit_code``.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # a check (overdue, lint) found something
    USAGE = 2  # bad arguments or options
    DATA = 3  # unknown id, malformed postmortem file, invalid value or config
    REPO = 4  # the repository cannot be written now (not git, merge, lock, no identity)
    IO = 5  # the filesystem refused a write (disk full, read-only, permission)
    POST = 6  # pm notify: the webhook refused the message; export --create: gh/glab failed
    BUG = 70  # a bug in pm, not a user mistake (EX_SOFTWARE in sysexits.h)
    INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it


class PmError(Exception):
    """Base class: a message for the user and an exit code."""

    exit_code: ExitCode = ExitCode.DATA
    # Lines shown under the one-line message (a refusing hook's output, git's whole text).
    details: tuple[str, ...] = ()

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(PmError):
    """The command line itself is wrong: a bad option value, a missing argument."""

    exit_code = ExitCode.USAGE


class DataError(PmError):
    """The data is wrong: an unknown id, a bad value, a malformed file or config."""

    exit_code = ExitCode.DATA


class NotFoundError(DataError):
    """No postmortem matches the id the user gave, or more than one does."""


class FileFormatError(DataError):
    """A postmortem file cannot be read: it names the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.reason = message  # what is wrong, without the place


class NotPostmortemError(FileFormatError):
    """A file pm does not read as a postmortem: a ``.md`` without pm's front matter in a
    year folder (meeting notes), or a postmortem saved outside a year folder. Commands
    that read every file warn about it and go on; ``pm lint`` reports it as
    ``layout.unseen-file``."""


class DuplicateKeyError(FileFormatError):
    """The front matter repeats a key (a merge resolved by hand can leave two)."""


class ConfigError(DataError):
    """The configuration names an unknown key or holds a bad value."""


class RepoError(PmError):
    """The repository cannot be used now: not git, no postmortems folder to read, mid-merge,
    locked, no identity, a hook refused the commit."""

    exit_code = ExitCode.REPO


class NoCommitsError(RepoError):
    """The branch has no commits yet, so git has no history to show."""


class WriteError(PmError):
    """The filesystem refused a write; the original file is left as it was."""

    exit_code = ExitCode.IO


class PostError(PmError):
    """``pm notify``: the webhook answered an error status, or could not be reached in
    time. The message never holds the webhook's URL (it is a secret)."""

    exit_code = ExitCode.POST


class TrackerError(PmError):
    """``pm action export --create``: ``gh`` or ``glab`` is missing, failed, or printed
    no issue URL. The item is left without a ticket (nothing is committed for it)."""

    exit_code = ExitCode.POST
