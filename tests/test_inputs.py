"""Bad input gets a one-line error and a documented exit code, and nothing is lost."""

from __future__ import annotations

import pytest

from conftest import CliRunnerCall, Repo


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "the title is empty"),
        ("   ", "the title is empty"),
        ("two\nlines", "the title must be one line without control characters"),
        ("bell\x07", "the title must be one line without control characters"),
        ("esc \x1b[31mred", "the title must be one line without control characters"),
        ("bidi \u202eevil", "the title must be one line without control characters"),
        ("x" * 10_000, "the title is 10000 characters; keep it under 200"),
    ],
)
def test_bad_titles_are_refused(repo: Repo, cli: CliRunnerCall, title: str, message: str) -> None:
    before = repo.commit_count()
    result = cli("open", title, "-s", "SEV-1")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pm: {message}")
    assert result.stderr.count("\n") == 1
    assert repo.commit_count() == before
    assert not (repo.path / "postmortems").exists()


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("/absolute/path", "absolute-path"),
        ("Rich [/] markup [bold]x[/bold]", "rich-markup-bold-x-bold"),
        ("{{ 7*7 }} {% raw %}", "7-7-raw"),
        ("Deploy [skip ci] broke", "deploy-skip-ci-broke"),
        ("数据库宕机", "incident"),
        ("Crème brûlée outage", "creme-brulee-outage"),
    ],
)
def test_hostile_titles_are_data(repo: Repo, cli: CliRunnerCall, title: str, slug: str) -> None:
    result = cli.ok("open", title, "-s", "SEV-2", "--started", "2024-01-19T10:00")
    pid = f"2024-01-19-{slug}"
    assert result.stdout == f"{pid}\tpostmortems/2024/{pid}.md\n"
    created = [p.relative_to(repo.path).as_posix() for p in repo.path.rglob("*.md")]
    assert sorted(created) == ["README.md", f"postmortems/2024/{pid}.md"]
    assert repo.git("log", "-1", "--format=%B").splitlines() == [
        f"pm: open {pid} (SEV-2)",
        "",
        f"Pm-Id: {pid}",
        "Pm-Operation: open",
    ]
    shown = cli.ok("show", pid, "--json").stdout
    import json

    assert json.loads(shown)["title"] == title
    assert f"{pid}: {title}" in cli.ok("show", pid).stdout


def test_title_with_jinja_is_not_evaluated(repo: Repo, cli: CliRunnerCall) -> None:
    cli.ok(
        "open",
        "{{ 7*7 }}",
        "-s",
        "SEV-3",
        "--impact",
        "{{ config }} {% if %}",
        "--started",
        "2024-01-19T10:00",
    )
    text = repo.read("postmortems/2024/2024-01-19-7-7.md")
    assert "49" not in text
    assert '"{{ 7*7 }}"' in text
    assert "{{ config }} {% if %}" in text


def test_unknown_severity(repo: Repo, cli: CliRunnerCall) -> None:
    result = cli("open", "Outage", "-s", "SEV-9")
    assert result.exit_code == 2
    assert result.stderr == "pm: unknown severity 'SEV-9'; use one of SEV-1, SEV-2, SEV-3\n"


def test_missing_severity_is_a_usage_error(repo: Repo, cli: CliRunnerCall) -> None:
    result = cli("open", "Outage")
    assert result.exit_code == 2
    assert "Missing option '--severity'" in result.stderr


@pytest.mark.parametrize(
    "when", ["yesterday-ish", "25:00", "2024-13-01T10:00", "2024-01-15", "5 parsecs ago"]
)
def test_unparseable_times(repo: Repo, cli: CliRunnerCall, opened: str, when: str) -> None:
    result = cli("event", opened, "x", "--at", when)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pm: cannot read time {when!r}; use 14:05, 2:30pm, ")


def test_future_time_is_refused(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    result = cli("event", opened, "x", "--at", "2030-01-01T00:00")
    assert result.exit_code == 2
    assert "is in the future" in result.stderr


def test_detected_before_started(repo: Repo, cli: CliRunnerCall) -> None:
    result = cli(
        "open",
        "Outage",
        "-s",
        "SEV-1",
        "--started",
        "2024-01-15T10:00",
        "--detected",
        "2024-01-15T09:00",
    )
    assert result.exit_code == 2
    assert "detected (2024-01-15T09:00:00Z) is before started" in result.stderr


@pytest.mark.parametrize("service", ["has space", "semi;colon", "-leading", "x" * 65])
def test_bad_service_names(repo: Repo, cli: CliRunnerCall, service: str) -> None:
    result = cli("open", "Outage", "-s", "SEV-1", "--service", service)
    assert result.exit_code == 2
    assert "must be one word" in result.stderr


def test_huge_and_control_event_text(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    assert cli("event", opened, "x" * 10_001).exit_code == 2
    assert cli("event", opened, "nul\x00byte").exit_code == 2
    multi = cli.ok("event", opened, "line one\nline two", "--at", "2024-01-15T14:30")
    assert multi.exit_code == 0
    text = repo.read(f"postmortems/2024/{opened}.md")
    assert '  text: "line one\\nline two"' in text
    assert "| 2024-01-15 14:30 | note | line one line two |" in text
    assert repo.git("log", "-1", "--format=%s") == f"pm: event {opened} (note)"


def test_no_arguments_shows_help(cli: CliRunnerCall) -> None:
    result = cli()
    assert result.exit_code in (0, 2)
    for command in ("init", "open", "event", "resolve", "list", "show"):
        assert command in result.stdout + result.stderr


def test_version(cli: CliRunnerCall) -> None:
    from pm import __version__

    assert cli.ok("--version").stdout == f"pm {__version__}\n"


def test_debug_shows_a_traceback(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / "postmortems").mkdir()
    plain = cli("show", "nope")
    assert "Traceback" not in plain.stderr
    debug = cli("--debug", "show", "nope")
    assert debug.exit_code == 3
    assert "Traceback" in debug.stderr
