"""The README's "A live incident" walkthrough is true: its commands, run in
``America/Los_Angeles`` with the clock moving as the incident did, print what it shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo

README = Path(__file__).resolve().parents[1] / "README.md"
# The clock during the replay: the incident is opened at 13:52 UTC, the mitigation typed
# at 14:30, the channel pasted at 15:10 (each from the command that starts with the key).
CLOCK = {
    "pm open": "2019-07-02T13:52:00Z",
    'pm event 2019-07-02-proxies "WAF managed': "2019-07-02T14:30:00Z",
    "cat chat.txt": "2019-07-02T15:10:00Z",
}


def walkthrough() -> list[tuple[str, list[str]]]:
    """The console block of the section: each command with the lines it prints."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### A live incident\n", 1)[1].split("\n### ", 1)[0]
    block = re.search(r"```console\n(.*?)```", section, re.S)
    assert block is not None
    steps: list[tuple[str, list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def test_the_live_incident_walkthrough_is_true(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("PM_NOW", "2019-07-02T13:40:00Z")
    cli.ok("init")
    steps = walkthrough()
    assert len(steps) >= 10
    for command, expected in steps:
        for start, now in CLOCK.items():
            if command.startswith(start):
                monkeypatch.setenv("PM_NOW", now)
        words = shlex.split(command, comments=True)
        if words[0] == "cat":
            (repo.path / words[1]).write_text("".join(f"{x}\n" for x in expected), "utf-8")
            continue
        assert words[0] == "pm"
        result = cli(*words[1:])
        printed = (result.stdout + result.stderr).splitlines()
        assert printed == expected, command
