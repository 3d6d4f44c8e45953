"""pm's merge driver in a repository: the ``.gitattributes`` line and each clone's config.

Two pieces make git merge postmortems with ``pm merge-driver``:

- ``.gitattributes`` at the root says which files use it (``postmortems/**/*.md
  merge=pm``, for the configured folder). It is committed, so every clone has it.
- ``merge.pm.driver`` in the clone's own git config says what to run. Git does not
  clone its config: ``pm init`` installs it, once in every clone, and a pm command that
  writes warns while a clone has the attribute but not the driver.

``pm init`` also turns on git's commit-graph in the clone (``COMMIT_GRAPH``): ``pm log``
walks history, and with a commit-graph file git walks 50,000 commits several times faster.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from pm.store import atomic_write

if TYPE_CHECKING:
    from pm.gitrepo import GitRepo

ATTRIBUTES = ".gitattributes"
DRIVER_KEY = "merge.pm.driver"
DRIVER = {
    "merge.pm.name": "pm: postmortems (timeline and action items as a union, fields three-way)",
    DRIVER_KEY: "pm merge-driver %O %A %B %P",
}
NOT_SET_UP = (
    "this repository was not set up with `pm init` (no merge=pm line in .gitattributes), "
    "so teammates' changes to one postmortem conflict when pulled; run `pm init` once, "
    "commit and push what it writes"
)
MISSING_DRIVER = (
    "this clone has no pm merge driver (git does not clone its config), so a pull that "
    "meets a teammate's changes to the same postmortem will conflict; run `pm init` once "
    "in this clone"
)
# Written by fetches and gc, read by every history walk (``pm log``).
COMMIT_GRAPH = {
    "core.commitGraph": "true",
    "fetch.writeCommitGraph": "true",
    "gc.writeCommitGraph": "true",
}
_MERGE_PM = re.compile(r"(?:^|\s)merge=pm(?:\s|$)")
# A ``[merge "pm"]`` section of a git config file with a ``driver`` line before the next section.
_SECTION = re.compile(
    r'^[ \t]*\[merge[ \t]+"pm"\][^\[]*^[ \t]*driver[ \t]*=', re.MULTILINE | re.IGNORECASE
)


def attribute_line(directory: str) -> str:
    """The ``.gitattributes`` line for the postmortems folder ``directory``."""
    folder = re.sub(r"([*?\[\\])", r"\\\1", directory.strip("/"))
    pattern = f"{folder}/**/*.md"
    if any(c.isspace() or c == '"' for c in pattern):  # git reads C-style quoted patterns
        pattern = '"' + pattern.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{pattern} merge=pm"


def has_attribute(root: Path) -> bool:
    """Whether the root ``.gitattributes`` gives some files ``merge=pm``."""
    try:
        text = (root / ATTRIBUTES).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(
        _MERGE_PM.search(line) and not line.lstrip().startswith("#") for line in text.splitlines()
    )


def add_attribute(root: Path, directory: str, newline: str = "\n") -> Path | None:
    """Declare the driver for the postmortems folder; the file when it changed, else None.

    ``newline`` is the line ending git checks the file out with (``GitRepo.newline_for``).
    """
    path = root / ATTRIBUTES
    line = attribute_line(directory)
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        old = None
    if old is not None and _declared(old.decode("utf-8", errors="replace"), directory):
        return None
    end = newline.encode("ascii")
    lines = [] if old is None else old.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    # Every line in the ending git checks the file out with: with core.safecrlf=true,
    # git add refuses a file whose endings it would change.
    data = end.join([*lines, line.encode()]) + end
    atomic_write(path, data, create=old is None)
    return path


def _declared(text: str, directory: str) -> bool:
    """Whether a line of ``text`` already gives files of ``directory`` ``merge=pm``."""
    folder = directory.strip("/") + "/"
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not _MERGE_PM.search(line):
            continue
        pattern = line.split()[0].strip('"').lstrip("/")
        if pattern.startswith(folder) or line.strip() == attribute_line(directory):
            return True
    return False


def install_driver(git: GitRepo) -> list[str]:
    """Set the driver's keys this clone lacks; the keys set (a value already there stays)."""
    return _install(git, DRIVER)


def install_commit_graph(git: GitRepo) -> list[str]:
    """Turn on the commit-graph where this clone says nothing about it (a ``false`` set
    by the user, in any scope, stays); the keys set."""
    return _install(git, COMMIT_GRAPH)


def _install(git: GitRepo, settings: dict[str, str]) -> list[str]:
    installed = []
    for key, value in settings.items():
        if git.config_get(key) is None:
            git.config_set(key, value)
            installed.append(key)
    return installed


def shared_without_setup(git: GitRepo) -> bool:
    """Whether this clone has a remote (teammates pull and push) but the repository was
    never set up with ``pm init`` (no ``merge=pm`` line): its merges of one postmortem
    will conflict. A look at two small files, no git process."""
    if has_attribute(git.root):
        return False
    return '[remote "' in _clone_config(git)


def _clone_config(git: GitRepo) -> str:
    """This clone's own git config file as text; empty when it cannot be read."""
    try:
        return (git.common_dir / "config").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def driver_missing(git: GitRepo) -> bool:
    """Whether the repository declares ``merge=pm`` but this clone cannot run it.

    Cheap in the usual case: a look at two small files; git is asked only when the
    clone's own config does not plainly hold the driver.
    """
    if not has_attribute(git.root):
        return False
    if _SECTION.search(_clone_config(git)):
        return False
    return git.config_get(DRIVER_KEY) is None
