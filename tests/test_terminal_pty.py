"""pm on a real pseudo-terminal at 60, 80, 100 and 150 columns, with the bundled example.

The window size is set with ``TIOCSWINSZ`` (no ``COLUMNS``), as a terminal would. Every
id printed is whole (a table shortens titles with "…", never an id, a date or a path),
no line of a drawn table is wider than the terminal, colour is used there and never under
``NO_COLOR`` or in a pipe, and a progress bar shows on stderr only on a terminal.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import struct
import subprocess
import termios
from pathlib import Path

import pytest

from conftest import pm_command, run_pm

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2024-09-30T12:00:00Z"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
WIDTHS = [60, 80, 100, 150]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("example")
    shutil.copytree(ROOT / "examples" / "repo", target, dirs_exist_ok=True)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (
        ["init", "--quiet", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=T", "-c", "user.email=t@e", "commit", "--quiet", "-m", "example"],
    ):
        subprocess.run(["git", *args], cwd=target, check=True, env=env)
    return target


def on_terminal(cwd: Path, columns: int, *args: str, **env: str) -> str:
    """What a person sees: pm's stdout and stderr on a pseudo-terminal ``columns`` wide."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    environ.update({"TERM": "xterm-256color", "PM_NOW": AS_OF, **env})
    process = subprocess.Popen(
        [*pm_command(), *args], cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=environ
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait()
    os.close(master)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def ids(example: Path) -> list[str]:
    listed = run_pm(example, "list", "--json", env={"PM_NOW": AS_OF})
    return [p["id"] for p in json.loads(listed.stdout)]


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize(
    "command", [["list"], ["action", "list"], ["overdue"], ["show", "2024-08-05"]]
)
def test_every_id_on_screen_is_whole(example: Path, columns: int, command: list[str]) -> None:
    screen = on_terminal(example, columns, *command)
    plain = ANSI.sub("", screen)
    known = ids(example)
    piped = run_pm(example, *command, env={"PM_NOW": AS_OF}).stdout
    expected = [i for i in known if i in piped]
    assert expected, piped
    for pid in expected:
        assert pid in plain, f"{pid} cut at {columns} columns:\n{plain}"
    if command[0] != "show" and "\t" not in plain:  # a drawn table fits the terminal
        assert all(len(line) <= columns for line in plain.splitlines()), plain
    if command == ["list"] and columns == 100:
        assert plain.startswith("ID") and "…" in plain  # long titles shortened, not ids


def test_tables_and_show_are_in_colour_on_a_terminal(example: Path) -> None:
    table = on_terminal(example, 150, "list")
    assert "\x1b[" in table and "\x1b[32mclosed" in table.replace("\x1b[0m", "")
    show = on_terminal(example, 150, "show", "2024-08-05")
    assert "\x1b[" in show
    overdue = on_terminal(example, 250, "overdue", "--as-of", "2024-09-30")  # paths: wide
    assert "\x1b[31mescalated" in overdue or "\x1b[33mlate" in overdue


@pytest.mark.parametrize("command", [["list"], ["show", "2024-08-05"], ["overdue"]])
def test_no_colour_under_no_color_dumb_terminal_or_pipe(example: Path, command: list[str]) -> None:
    assert "\x1b[3" not in on_terminal(example, 150, *command, NO_COLOR="1")
    dumb = on_terminal(example, 150, *command, TERM="dumb")
    assert "\x1b[" not in dumb
    piped = run_pm(example, *command, env={"PM_NOW": AS_OF})
    assert "\x1b[" not in piped.stdout + piped.stderr


def test_a_dumb_terminal_gets_the_rows_a_pipe_gets(example: Path) -> None:
    dumb = on_terminal(example, 150, "list", TERM="dumb")
    piped = run_pm(example, "list", env={"PM_NOW": AS_OF}).stdout
    assert dumb == piped


@pytest.mark.parametrize("command", [["lint"], ["list"], ["overdue"], ["report"]])
def test_progress_shows_on_a_terminal_only(example: Path, command: list[str]) -> None:
    cache = example / ".git" / "pm"
    shutil.rmtree(cache, ignore_errors=True)  # a cold read
    screen = on_terminal(example, 100, *command, PM_PROGRESS_AFTER="0")
    assert re.search(r"Reading[^\n]*━+[^\n]*\d+/\d+", ANSI.sub("", screen)), screen
    shutil.rmtree(cache, ignore_errors=True)
    piped = run_pm(example, *command, env={"PM_NOW": AS_OF, "PM_PROGRESS_AFTER": "0"})
    assert "Reading" not in piped.stderr and "\x1b[" not in piped.stderr
