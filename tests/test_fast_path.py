"""The Typer-free fast path for the reads: same options, output and codes (writes and checks:
test_fast_writes.py)."""

from __future__ import annotations

import gc
import json

import pytest

from conftest import CliRunnerCall, Repo
from pm.cli import fast, fast_commands, fastgen, main
from pm.cli.commands import DECLARED


def test_fast_table_is_generated_from_the_typer_declarations() -> None:
    """The table is what ``python -m pm.cli.fastgen`` writes now (else: run it)."""
    generated = fastgen.source(fastgen.table(), fastgen.root_help())
    assert generated == fastgen.TABLE.read_text(encoding="utf-8"), (
        "src/pm/cli/fast_commands.py is out of date: run python -m pm.cli.fastgen"
    )
    assert fastgen.main(["--check"]) == 0
    declared = {d.words for d in DECLARED if d.fast}
    assert declared == {
        ("list",),
        ("show",),
        ("event", "add"),
        ("event", "edit"),
        ("event", "rm"),
        ("log",),
        ("search",),
        ("open",),
        ("resolve",),
        ("action", "add"),
        ("action", "start"),
        ("action", "done"),
        ("action", "list"),
        ("report",),
        ("overdue",),
        ("lint",),
    }
    assert set(fast_commands.COMMANDS) == declared | {("event",)}  # pm event ID TEXT


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--version", "list"],
        ["--debug", "list"],
        ["list", "--help"],
        ["list", "-h"],
        ["list", "--status"],
        ["list", "--status", "--json"],
        ["list", "--json", "--json"],
        ["list", "--bogus"],
        ["list", "-sSEV-1"],
        ["list", "--json=yes"],
        ["list", "extra"],
        ["show"],
        ["show", "a", "b"],
        ["show", "--", "a"],
        ["event", "id", "--from"],
        ["event", "id", "text", "--at", "-5m"],
        ["event", "id", "text", "-x"],
        ["open", "title"],  # no --severity: Typer says it is missing
        ["open", "title", "-s", "SEV-1", "-s", "SEV-2"],
        ["resolve", "id", "text", "more"],
        ["action", "add", "id", "text", "-o", "bob"],  # the old -o: Typer warns
        ["action", "add", "id", "text"],
        ["action", "done", "id"],
        ["overdue", "--as-of"],
        ["lint", "--", "-x.md"],
        ["report", "-o"],
        ["edit", "id"],
        ["review", "id"],
    ],
)
def test_unusual_arguments_are_left_to_typer(args: list[str]) -> None:
    assert fast.parse(args) is None


def test_plain_forms_are_parsed() -> None:
    parsed = fast.parse(["list", "--status=active", "-s", "SEV-1", "--json", "--tag", "db"])
    assert parsed is not None
    assert parsed[1] == {
        "status": ["active"],
        "severity": ["SEV-1"],
        "service": None,
        "tag": ["db"],
        "since": None,
        "fmt": None,
        "as_json": True,
    }
    parsed = fast.parse(["list", "--status", "active", "--status", "resolved", "-f", "json"])
    assert parsed is not None
    assert parsed[1]["status"] == ["active", "resolved"]
    assert parsed[1]["fmt"] == "json"
    parsed = fast.parse(["event", "db-pool", "-k", "mitigated", "Pool raised", "--no-commit"])
    assert parsed is not None
    assert parsed[1] == {
        "postmortem_id": "db-pool",
        "text": "Pool raised",
        "at": None,
        "kind": "mitigated",
        "source": None,
        "fmt": None,
        "dry_run": False,
        "no_commit": True,
    }
    parsed = fast.parse(["show", "-", "--json"])
    assert parsed is not None
    assert parsed[1] == {"postmortem_id": "-", "fmt": None, "as_json": True}


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--json"],
        ["list", "--status", "active"],
        ["list", "--status=resolved", "--json"],
        ["list", "-s", "SEV-1", "--service", "payments-api"],
        ["list", "--since", "2024-01-16"],
        ["list", "--since", "someday"],
        ["list", "--status", "bogus"],
        ["list", "--status", "Active,resolved", "-s", "sev-1", "--status", "closed"],
        ["list", "--severity", "SEV-9"],
        ["list", "-f", "json"],
        ["list", "--format", "JSON"],
        ["list", "-f", "yaml"],
        ["list", "-f", "text", "--json"],
        ["list", "--tag", "db,cache"],
        ["show", "2024-01-15", "-f", "json"],
        ["log", "2024-01-15", "--format", "json"],
        ["show", "database-connection"],
        ["show", "2024-01-15", "--json"],
        ["show", "no-such-thing"],
        ["show", "2024"],
        ["log", "database-connection"],
        ["log", "2024-01-15", "--json"],
        ["log", "no-such-thing"],
    ],
)
def test_fast_path_prints_what_typer_prints(
    repo: Repo, cli: CliRunnerCall, opened: str, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    cli.ok("open", "Search is slow", "-s", "SEV-2", "--started", "2024-01-17T09:00")
    capsys.readouterr()
    assert fast.parse(args) is not None
    code, out, err = run_main(capsys, *args)
    typer_result = cli(*args)
    assert (code, out, err) == (typer_result.exit_code, typer_result.stdout, typer_result.stderr)


def test_fast_event_commits_like_typer(
    repo: Repo, cli: CliRunnerCall, opened: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(
        capsys, "event", opened, "Pool raised", "-k", "mitigated", "--at", "2024-01-15T15:40"
    )
    assert (code, out) == (0, "")
    assert gc.isenabled()  # main() pauses the collector only while it runs
    assert err == f"Added event (mitigated) to {opened} at 2024-01-15 15:40 UTC; committed.\n"
    assert repo.subjects()[0] == f"pm: event {opened} (mitigated)"
    shown = json.loads(cli.ok("show", opened, "--json").stdout)
    assert shown["timeline"][-1] == {
        "number": 2,
        "at": "2024-01-15T15:40:00Z",
        "kind": "mitigated",
        "text": "Pool raised",
    }


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["event", "nope", "text"], 3, "pm: no postmortem matches 'nope' (see `pm list`)\n"),
        (
            ["event", "2024-01-15", "Too early", "--at", "2024-01-15T10:00"],
            2,
            "pm: 2024-01-15T10:00:00Z is before the incident started (2024-01-15T14:05:00Z); "
            "if it started earlier, move the start first: pm set "
            "2024-01-15-database-connection-pool-exhausted started 2024-01-15T10:00:00Z\n",
        ),
        (["event", "2024-01-15", "x", "-k", "bogus"], 2, None),
    ],
)
def test_fast_event_errors_match_typer(
    repo: Repo,
    cli: CliRunnerCall,
    opened: str,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    message: str | None,
) -> None:
    before = repo.commit_count()
    fast_result = run_main(capsys, *args)
    typer_result = cli(*args)
    assert fast_result == (code, "", typer_result.stderr)
    assert typer_result.exit_code == code
    if message is not None:
        assert typer_result.stderr == message
    assert repo.commit_count() == before


def test_fast_event_without_identity_is_refused(
    repo: Repo, opened: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(repo.path / "nohome"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    code, _, err = run_main(capsys, "event", opened, "text")
    assert code == 4
    assert err.startswith("pm: no git identity")


def test_fast_list_reports_broken_files_like_typer(
    repo: Repo, cli: CliRunnerCall, opened: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = repo.path / "postmortems" / "2024" / "2024-01-16-broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    code, out, err = run_main(capsys, "list")
    typer_result = cli("list")
    assert (code, out, err) == (typer_result.exit_code, typer_result.stdout, typer_result.stderr)
    assert code == 3
    assert out.startswith(opened)
    assert "2024-01-16-broken.md" in err


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["help"]])
@pytest.mark.parametrize("columns", ["80", "200"])
def test_root_help_is_typers(
    cli: CliRunnerCall,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    columns: str,
) -> None:
    """``pm --help`` prints the generated text: Typer's own (CliRunner wraps at 80)."""
    monkeypatch.setenv("COLUMNS", columns)
    code, out, err = run_main(capsys, *args)
    assert out == fast_commands.HELP  # the fast path answered
    typer_result = cli(*args)
    assert (code, out, err) == (typer_result.exit_code, typer_result.stdout, typer_result.stderr)
    assert code == 0 and out.startswith("Usage: pm [OPTIONS] COMMAND [ARGS]...")


def test_root_help_on_a_narrow_terminal_is_wrapped_by_typer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert fast.run(["--help"]) is None
    code, out, _ = run_main(capsys, "--help")
    assert code == 0 and out != fast_commands.HELP
    summary = out.splitlines()[2]
    assert summary.startswith("  Blameless") and len(summary) <= 58  # click's width: 60 - 2
