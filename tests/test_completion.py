"""Shell completion: ``pm completion SHELL`` prints a script; the shell's questions
(``_PM_COMPLETE`` and its variables) get commands, options, severities, kinds and ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, run_pm
from pm.cli import main


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_script_names_pm_and_its_variable(cli: CliRunnerCall, shell: str) -> None:
    result = cli.ok("completion", shell)
    assert "pm" in result.stdout
    assert "_PM_COMPLETE=complete_" + shell in result.stdout
    assert result.stdout.endswith("\n")


def test_an_unknown_shell_is_a_usage_error(cli: CliRunnerCall) -> None:
    result = cli("completion", "tcsh")
    assert (result.exit_code, result.stderr) == (
        2,
        "pm: no completion for 'tcsh'; use one of bash, zsh, fish\n",
    )


def complete(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    line: str,
    instruction: str = "complete_bash",
) -> list[str]:
    """What bash gets for ``line`` with the cursor at its end (in-process)."""
    words = line.split(" ")
    monkeypatch.setenv("_PM_COMPLETE", instruction)
    monkeypatch.setenv("COMP_WORDS", line)
    monkeypatch.setenv("COMP_CWORD", str(len(words) - 1))
    assert main([]) == 0
    return capsys.readouterr().out.split()


@pytest.fixture
def two(repo: Repo, cli: CliRunnerCall) -> list[str]:
    return [
        cli.ok("open", title, "-s", "SEV-2", "--started", started).stdout.split("\t")[0]
        for title, started in [
            ("Disk full", "2023-05-01T10:00"),
            ("DNS outage", "2023-06-01T10:00"),
        ]
    ]


def test_commands_and_options_complete(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert complete(capsys, monkeypatch, "pm se") == ["search", "set"]
    assert "--severity" in complete(capsys, monkeypatch, "pm list --")
    assert complete(capsys, monkeypatch, "pm completion ") == ["bash", "zsh", "fish"]


def test_ids_severities_and_kinds_complete(
    two: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert complete(capsys, monkeypatch, "pm show ") == sorted(two, reverse=True)
    assert complete(capsys, monkeypatch, "pm show 2023-05") == [two[0]]
    assert complete(capsys, monkeypatch, "pm open x -s ") == ["SEV-1", "SEV-2", "SEV-3"]
    assert complete(capsys, monkeypatch, "pm event x -k mi") == ["mitigated"]
    # Click's spelling of the instruction works as well as Typer's
    assert complete(capsys, monkeypatch, "pm list -s SEV-", "bash_complete") == [
        "SEV-1",
        "SEV-2",
        "SEV-3",
    ]


def test_severities_come_from_the_configuration(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo.path / ".pm.toml").write_text(
        "[severities.P1]\nrequires_postmortem = true\n[severities.P2]\n", encoding="utf-8"
    )
    assert complete(capsys, monkeypatch, "pm open x --severity P") == ["P1", "P2"]


def test_ids_complete_for_the_repository_dash_c_names(
    two: list[str],
    repo: Repo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert complete(capsys, monkeypatch, "pm show ") == []  # nothing here, and no error
    assert complete(capsys, monkeypatch, f"pm -C {repo.path} show 2023-06") == [two[1]]


@pytest.mark.slow
def test_the_installed_pm_answers_bash_and_zsh(two: list[str], repo: Repo) -> None:
    bash = run_pm(
        repo.path,
        env={"_PM_COMPLETE": "bash_complete", "COMP_WORDS": "pm show ", "COMP_CWORD": "2"},
    )
    assert (bash.returncode, bash.stdout.split()) == (0, sorted(two, reverse=True))
    severities = run_pm(
        repo.path,
        env={"_PM_COMPLETE": "complete_bash", "COMP_WORDS": "pm open t -s ", "COMP_CWORD": "4"},
    )
    assert severities.stdout.split() == ["SEV-1", "SEV-2", "SEV-3"]
    zsh = run_pm(
        repo.path, env={"_PM_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "pm show 2023-05"}
    )
    assert two[0] in zsh.stdout
    script = run_pm(repo.path, "completion", "bash")
    assert script.returncode == 0 and "complete -o default -F _pm_completion pm" in script.stdout
