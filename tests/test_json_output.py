"""JSON is indented for a person on a terminal and compact for a program: one line, no
spaces between tokens, in a pipe or a file; ``pm --pretty`` indents it there too, for
every command with ``--json``/``-f json``, on the fast path and through Typer alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, run_pm
from test_terminal_pty import example, on_terminal

__all__ = ["example"]  # the fixture, shared with test_terminal_pty


def is_compact(text: str) -> bool:
    data = json.loads(text)
    return text == json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n"


def is_pretty(text: str) -> bool:
    data = json.loads(text)
    return text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    "args",
    [
        ("list", "--json"),
        ("show", "{id}", "--json"),
        ("show", "{id}", "-f", "json"),
        ("log", "{id}", "--json"),
        ("action", "list", "--json"),
        ("overdue", "--json"),
        ("lint", "--json"),
        ("report", "{id}", "--json"),
        ("search", "database", "--json"),
    ],
)
def test_piped_json_is_compact_and_pretty_on_request(
    repo: Repo, cli: CliRunnerCall, opened: str, args: tuple[str, ...]
) -> None:
    argv = [a.replace("{id}", opened) for a in args]
    piped = cli(*argv)
    assert piped.exit_code in (0, 1), piped.stderr
    assert "\n" not in piped.stdout.rstrip("\n")
    assert is_compact(piped.stdout)
    pretty = cli("--pretty", *argv)
    assert (pretty.exit_code, json.loads(pretty.stdout)) == (
        piped.exit_code,
        json.loads(piped.stdout),
    )
    assert is_pretty(pretty.stdout)


def test_pretty_does_not_last_beyond_its_run(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    assert is_pretty(cli("--pretty", "list", "--json").stdout)
    assert is_compact(cli("list", "--json").stdout)


def test_a_report_written_to_a_file_is_compact_too(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path
) -> None:
    target = tmp_path / "report.json"
    assert cli("report", opened, "--json", "-o", str(target)).exit_code == 0
    assert is_compact(target.read_text(encoding="utf-8"))
    assert cli("--pretty", "report", opened, "--json", "-o", str(target)).exit_code == 0
    assert is_pretty(target.read_text(encoding="utf-8"))


def test_the_fast_path_knows_pretty(repo: Repo, opened: str) -> None:
    """``pm show`` and ``pm list`` run without Typer: ``--pretty`` in front still counts."""
    for args in (("show", opened, "--json"), ("list", "--json")):
        assert is_compact(run_pm(repo.path, *args).stdout)
        assert is_pretty(run_pm(repo.path, "--pretty", *args).stdout)
    assert is_pretty(run_pm(repo.path, "--pretty", "-C", str(repo.path), "list", "--json").stdout)
    assert is_pretty(run_pm(repo.path, "-C", str(repo.path), "--pretty", "list", "--json").stdout)


@pytest.mark.slow
def test_json_on_a_terminal_is_indented(example: Path) -> None:
    shown = on_terminal(example, 80, "list", "--json").replace("\r\n", "\n")
    assert shown.startswith("[\n  {\n")
