"""Start-up stays lean: heavy libraries load only in the commands that use them.

``python -X importtime`` lists every module a run imports; these tests read that list
rather than timing anything, so they hold on a slow or busy machine too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, run_pm
from pm.cli.commands import app
from pm.render import output


def imported(cwd: Path, *args: str) -> set[str]:
    """The modules ``pm ARGS`` imports, as ``python -X importtime -m pm`` reports them."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pm", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "pm" in names  # the report was read
    return names


def loaded(names: set[str], package: str) -> bool:
    return any(n == package or n.startswith(package + ".") for n in names)


@pytest.mark.slow  # runs pm in a subprocess
def test_version_imports_no_heavy_library(tmp_path: Path) -> None:
    names = imported(tmp_path, "--version")
    for heavy in ("git", "jinja2", "yaml", "rich", "typer"):
        assert not loaded(names, heavy), heavy


@pytest.mark.slow  # runs pm in a subprocess
@pytest.mark.parametrize(
    "args",
    [["list"], ["list", "--json"], ["show", "2024-01-15"], ["search", "pool"], ["-C", ".", "list"]],
)
def test_reads_import_neither_typer_jinja2_nor_rich(
    repo: Repo, opened: str, args: list[str]
) -> None:
    names = imported(repo.path, *args)
    for heavy in ("typer", "jinja2", "rich", "git"):
        assert not loaded(names, heavy), heavy
    # Reading needs neither the writer, the splice nor the line locator of the front matter.
    assert "pm.frontmatter.document" in names
    for writer in ("emit", "minimal_diff", "lines", "blocks"):
        assert f"pm.frontmatter.{writer}" not in names, writer
    # Nor what changes a postmortem (the workspace imports it in its writes), nor a TOML
    # parser where there is no config file to read.
    for writer in ("importing", "transaction", "journal", "fields", "actions", "lifecycle"):
        assert f"pm.{writer}" not in names, writer
    assert not (repo.path / ".pm.toml").exists()
    assert "tomllib" not in names
    assert "pm.slo" not in names  # no [slo] table to read


@pytest.mark.slow  # runs pm in a subprocess
def test_event_imports_neither_typer_jinja2_nor_rich(repo: Repo, opened: str) -> None:
    names = imported(repo.path, "event", opened, "Pool raised")
    for heavy in ("typer", "jinja2", "rich", "git"):
        assert not loaded(names, heavy), heavy
    assert loaded(names, "subprocess")  # it did commit, through the git binary


@pytest.mark.slow  # runs pm in a subprocess
@pytest.mark.parametrize(
    "args",
    [
        ["action", "list"],
        ["overdue", "--fail-on", "never"],
        ["lint", "postmortems"],
        ["report", "--json"],
        ["resolve", "2024-01-15"],
        ["action", "add", "2024-01-15", "Alert on pool usage", "--owner", "bob"],
        ["action", "start", "2024-01-15", "1"],
        ["open", "Cache stampede", "-s", "SEV-3"],
    ],
)
def test_common_commands_do_not_import_typer(
    repo: Repo, cli: CliRunnerCall, opened: str, args: list[str]
) -> None:
    cli.ok("action", "add", opened, "Raise the pool size", "--owner", "alice")
    names = imported(repo.path, *args)
    assert not loaded(names, "typer")
    assert "pm.cli.fast_commands" in names  # the fast path ran it
    assert not (repo.path / ".pm.toml").exists()
    assert "tomllib" not in names  # no config file: nothing to parse it for


@pytest.mark.slow  # runs pm in a subprocess
def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    names = imported(tmp_path, "--help")
    for heavy in ("typer", "yaml", "rich", "jinja2"):
        assert not loaded(names, heavy), heavy


@pytest.mark.slow  # runs pm in a subprocess
def test_help_still_lists_every_command(tmp_path: Path) -> None:
    result = run_pm(tmp_path, "--help")
    assert result.returncode == 0
    commands = result.stdout.partition("Commands:")[2]
    listed = {line.split()[0] for line in commands.splitlines() if line.startswith("  ")}
    registered = {
        c.name or (c.callback.__name__ if c.callback else "")
        for c in app.registered_commands
        if not c.hidden  # merge-driver: git runs it, people do not
    }
    registered |= {g.name or "" for g in app.registered_groups}
    assert registered <= listed
    assert {"list", "show", "event"} <= listed
    assert "merge-driver" not in listed


@pytest.mark.slow  # runs pm in a subprocess
def test_list_help_comes_from_typer(tmp_path: Path) -> None:
    result = run_pm(tmp_path, "list", "--help")
    assert result.returncode == 0
    assert "--status" in result.stdout
    assert "--json" in result.stdout


@pytest.mark.slow  # runs pm in a subprocess
@pytest.mark.parametrize("args", [["list"], ["--debug", "list"]])
def test_reader_that_goes_away_is_not_an_error(repo: Repo, opened: str, args: list[str]) -> None:
    # Both paths: the fast one (list) and Typer's (--debug list).
    from conftest import pm_command

    process = subprocess.Popen(
        [*pm_command(), *args],
        cwd=repo.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like `| head` having read enough before pm writes
    stderr = process.stderr.read().decode()
    assert process.wait() == 0
    assert stderr == ""


def test_large_tables_fall_back_to_plain_rows_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    rows = [[f"id-{i}", "SEV-2", "closed"] for i in range(output.MAX_TABLE_ROWS + 1)]
    output.table(["ID", "SEV", "STATUS"], rows)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(rows)
    assert lines[0] == "id-0\tSEV-2\tclosed"
    output.table(["ID", "SEV", "STATUS"], rows[:3])
    small = capsys.readouterr().out
    assert "ID" in small.splitlines()[0]  # a Rich table, with its header
    assert "\t" not in small


@pytest.mark.slow  # runs pm in a subprocess
def test_list_is_plain_text_when_piped(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    result = run_pm(repo.path, "list")
    assert result.returncode == 0
    assert result.stdout.startswith(f"{opened}\tSEV-1\tactive\t")
