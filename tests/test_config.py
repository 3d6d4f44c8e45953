"""Configuration: defaults, .pm.toml, [tool.pm], discovery from subfolders, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo
from pm.config import Config, Severity, load_config
from pm.errors import ConfigError


def test_defaults_without_a_file(repo: Repo) -> None:
    config = load_config()
    assert config.root == repo.path
    assert config.directory == "postmortems"
    assert config.severity_names == ("SEV-1", "SEV-2", "SEV-3")
    assert config.severity("SEV-3") == Severity("SEV-3", False, 48, stale_hours=336)
    assert [s.stale_after for s in config.severities] == [72, 72, 336]
    assert config.priorities == {"P0": 7, "P1": 30, "P2": 90}
    assert config.escalation_days == 7
    assert config.commit is True


def test_pm_toml_found_from_a_subdirectory(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo.path / ".pm.toml").write_text(
        'directory = "docs/incidents"\nescalation_days = 3\ntimezone = "Europe/Berlin"\n'
        "[priorities]\nP0 = 2\nP1 = 14\n"
        "[severities.critical]\nrequires_postmortem = true\nreview_hours = 24\n"
        "[severities.minor]\n",
        encoding="utf-8",
    )
    sub = repo.path / "deep" / "er"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    config = load_config()
    assert config.root == repo.path
    assert config.postmortems_dir == repo.path / "docs" / "incidents"
    assert config.escalation_days == 3
    assert config.timezone == "Europe/Berlin"
    assert config.priorities == {"P0": 2, "P1": 14}
    assert config.severities == (Severity("critical", True, 24), Severity("minor", False, 48))


def test_tool_pm_in_pyproject(repo: Repo) -> None:
    (repo.path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.pm]\ndirectory = "pms"\n', encoding="utf-8"
    )
    assert load_config().directory == "pms"


def test_pm_toml_wins_over_pyproject(repo: Repo) -> None:
    (repo.path / "pyproject.toml").write_text('[tool.pm]\ndirectory = "a"\n', encoding="utf-8")
    (repo.path / ".pm.toml").write_text('directory = "b"\n', encoding="utf-8")
    assert load_config().directory == "b"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('directroy = "x"', "unknown key 'directroy' (did you mean 'directory'?)"),
        ("escalation_days = -1", "escalation_days must be a whole number >= 0, not -1"),
        ('escalation_days = "7"', "escalation_days must be a whole number >= 0, not '7'"),
        ('directory = "../outside"', "directory must be a path inside the repository"),
        ('directory = "/abs"', "directory must be a path inside the repository"),
        ('timezone = "Mars/Olympus"', "timezone 'Mars/Olympus' is not a known time zone"),
        ('commit = "yes"', "commit must be true or false, not 'yes'"),
        ("[priorities]\nP0 = 1.5", "priorities.P0 must be a whole number >= 0, not 1.5"),
        ("[severities.SEV-1]\nrequires = true", "unknown key severities.SEV-1.requires"),
        (
            "[severities.SEV-1]\nrequires_postmortem = 1",
            "requires_postmortem must be true or false",
        ),
        ("[severities.SEV-1]\nreview_hours = -5", "severities.SEV-1.review_hours must be"),
        ("this is not toml", "invalid TOML"),
    ],
)
def test_invalid_config_names_key_and_value(repo: Repo, content: str, message: str) -> None:
    (repo.path / ".pm.toml").write_text(content + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert caught.value.message.startswith(".pm.toml: ")
    assert message in caught.value.message


def test_invalid_config_is_exit_3_on_the_cli(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / ".pm.toml").write_text("severity = 1\n", encoding="utf-8")
    result = cli("list")
    assert result.exit_code == 3
    assert result.stderr == ("pm: .pm.toml: unknown key 'severity' (did you mean 'severities'?)\n")


def test_custom_directory_and_severities_drive_the_cli(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / ".pm.toml").write_text(
        'directory = "incidents"\n[severities.P1-outage]\nrequires_postmortem = true\n'
        "review_hours = 72\n",
        encoding="utf-8",
    )
    cli.ok("open", "Queue stuck", "-s", "P1-outage", "--started", "2024-01-15T10:00")
    assert (repo.path / "incidents/2024/2024-01-15-queue-stuck.md").is_file()
    result = cli.ok("resolve", "queue-stuck", "--at", "2024-01-15T23:00")
    assert "review due 2024-01-18" in result.stderr  # 23:00 + 72 h


def test_configured_timezone_applies_to_times_without_zone(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / ".pm.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    cli.ok("open", "Outage", "-s", "SEV-2", "--started", "2024-01-15T10:00")
    text = repo.read("postmortems/2024/2024-01-15-outage.md")
    assert "- at: 2024-01-15T09:00:00Z" in text


def test_init_writes_a_config_that_parses_to_the_defaults(repo: Repo, cli: CliRunnerCall) -> None:
    cli.ok("init")
    config = load_config()
    assert config.source == Path(repo.path / ".pm.toml")
    defaults = Config(root=repo.path)
    for name in (
        "directory",
        "severities",
        "priorities",
        "escalation_days",
        "timezone",
        "commit",
        "templates",
    ):
        assert getattr(config, name) == getattr(defaults, name), name


def test_a_time_that_does_not_exist_in_the_configured_zone_is_refused(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spring forward and fall back in the team's zone: refused, nothing written (exit 2)."""
    monkeypatch.setenv("PM_NOW", "2024-11-20T12:00:00Z")
    (repo.path / ".pm.toml").write_text('timezone = "America/New_York"\n', encoding="utf-8")
    repo.git("add", ".pm.toml")
    repo.git("commit", "--quiet", "-m", "zone")
    before = repo.commit_count()
    result = cli("open", "Outage", "-s", "SEV-2", "--started", "2024-03-10T02:30")
    assert result.exit_code == 2
    assert result.stderr == (
        "pm: time 2024-03-10T02:30 does not exist in America/New_York (the clocks jump "
        "forward over it); give it with an offset, e.g. 2024-03-10T02:30-05:00\n"
    )
    assert not (repo.path / "postmortems").exists()
    cli.ok("open", "Outage", "-s", "SEV-2", "--started", "2024-11-03T00:30")
    result = cli("event", "outage", "Failed over", "--at", "2024-11-03T01:30")
    assert result.exit_code == 2
    assert "happens twice in America/New_York" in result.stderr
    assert "2024-11-03T01:30-04:00 (the first) or 2024-11-03T01:30-05:00" in result.stderr
    cli.ok("event", "outage", "Failed over", "--at", "2024-11-03T01:30-05:00")
    text = repo.read("postmortems/2024/2024-11-03-outage.md")
    assert "- at: 2024-11-03T06:30:00Z" in text  # the second 01:30, as asked
    assert repo.commit_count() == before + 2
