"""The fast path for the writes (open, resolve, action add|start|done) and the other common
commands (action list, overdue, lint, report): what it prints, its exit code and the commit
it makes are Typer's, byte for byte.

Each case runs twice from one starting state: through ``main`` (the fast path) in the
repository, and through Typer (CliRunner) in a copy of it made before. With git's dates
and pm's clock fixed (conftest), the same change makes the same commit hash.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import CliRunnerCall, Repo, git
from pm.cli import fast, main

ID = "2024-01-15-database-connection-pool-exhausted"
FILE = f"postmortems/2024/{ID}.md"

CASES = [
    ["open", "Cache stampede", "-s", "SEV-2", "--service", "cache", "--started", "2024-01-18"],
    ["open", "Login is slow", "--severity", "sev-3", "--tag", "auth", "--tag", "latency"],
    ["open", "Branched", "-s", "SEV-3", "--branch"],
    ["open", "Not committed", "-s", "SEV-3", "--no-commit"],
    ["open", "Bad severity", "-s", "SEV-9"],
    ["open", "Bad time", "-s", "SEV-2", "--started", "someday"],
    ["resolve", ID, "Rolled back", "--at", "2024-01-15T16:00"],
    ["resolve", ID],
    ["resolve", ID, "--at", "2024-01-10T00:00"],
    ["resolve", "no-such-thing"],
    ["action", "add", ID, "Alert on pool usage", "--owner", "bob", "-p", "P0"],
    ["action", "add", ID, "Load-test", "--owner=dba", "--due", "+14d", "--ticket", "OPS-1"],
    ["action", "add", ID, "Bad priority", "--owner", "bob", "-p", "P7"],
    ["action", "start", ID, "1"],
    ["action", "start", ID, "7"],
    ["action", "done", ID, "#1", "--on", "2024-01-19"],
    ["action", "done", ID, "1", "--reason", "Shipped"],
    ["action", "done", ID, "1", "--on", "yesterday-ish"],
    ["action", "list"],
    ["action", "list", "--json"],
    ["action", "list", ID, "--status", "open", "-p", "p1"],
    ["action", "list", "--overdue"],
    ["action", "list", "--mine"],
    ["action", "list", "--status", "bogus"],
    ["overdue"],
    ["overdue", "--json"],
    ["overdue", "-f", "github", "--fail-on", "never"],
    ["overdue", "--as-of", "2024-03-01", "--owner", "alice"],
    ["overdue", "--fail-on", "sometimes"],
    ["lint", FILE],
    ["lint"],
    ["lint", "--json", "--strict"],
    ["lint", "no/such.md"],
    ["report"],
    ["report", ID],
    ["report", "--since", "2024-01-01", "--json"],
    ["report", "--since", "whenever"],
]


@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_fast_path_does_what_typer_does(
    repo: Repo,
    cli: CliRunnerCall,
    opened: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    assert opened == ID
    cli.ok("action", "add", ID, "Raise the pool size", "--owner", "alice", "--due", "2024-01-25")
    twin = repo.path.parent / "twin"
    shutil.copytree(repo.path, twin, symlinks=True)
    capsys.readouterr()

    assert fast.parse(args) is not None  # this case does take the fast path
    code = main(list(args))
    captured = capsys.readouterr()
    fast_result = (code, captured.out, captured.err, _state(repo.path))

    monkeypatch.chdir(twin)
    result = cli(*args)
    typer_result = (result.exit_code, result.stdout, result.stderr, _state(twin))
    assert fast_result == typer_result


def _state(path: object) -> tuple[str, str, str]:
    """The branch, its last commit (hash and all) and what is not committed."""
    from pathlib import Path

    where = Path(str(path))
    return (
        git(where, "rev-parse", "--abbrev-ref", "HEAD"),
        git(where, "rev-parse", "HEAD"),
        git(where, "status", "--porcelain", "--untracked-files=all"),
    )


def test_every_case_changes_something_or_prints_something(
    repo: Repo, cli: CliRunnerCall, opened: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The comparison above is not vacuous: a write commits, a read prints."""
    before = repo.git("rev-parse", "HEAD")
    capsys.readouterr()
    assert main(["action", "add", ID, "Alert", "--owner", "bob"]) == 0
    assert capsys.readouterr().out == "1\n"
    assert repo.git("rev-parse", "HEAD") != before
    assert repo.subjects()[0].startswith(f"pm: action-add {ID}")
    assert main(["action", "list", "--json"]) == 0
    assert '"owner":"bob"' in capsys.readouterr().out.replace(" ", "")
