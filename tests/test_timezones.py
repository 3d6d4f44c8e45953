"""A responder in another zone: times typed, echoed and shown in it, stored in UTC.

Every test here sets ``TZ`` (the conftest pins UTC) or ``timezone`` in the config and runs
pm through the CLI against a real git repository.
"""

from __future__ import annotations

import json

import pytest

from conftest import CliRunnerCall, Repo, run_pm
from pm.config import load_config

# 2024-07-10 00:10 in Los Angeles (PDT, UTC-7): just after midnight, as incidents are.
SUMMER_NIGHT = "2024-07-10T07:10:00Z"


@pytest.fixture
def la(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A responder in Los Angeles, no timezone configured: the system zone applies."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    monkeypatch.setenv("PM_NOW", SUMMER_NIGHT)
    return repo


def front(repo: Repo, postmortem_id: str) -> str:
    return repo.read(f"postmortems/{postmortem_id[:4]}/{postmortem_id}.md")


def test_open_reads_and_echoes_local_times_and_dates_the_id_locally(
    la: Repo, cli: CliRunnerCall
) -> None:
    result = cli.ok(
        "open", "Proxy returns 502s", "-s", "SEV-1", "--started", "23:40", "--detected", "23:52"
    )
    postmortem_id = "2024-07-09-proxy-returns-502s"  # the local date, not UTC's 07-10
    assert result.stdout == f"{postmortem_id}\tpostmortems/2024/{postmortem_id}.md\n"
    assert result.stderr == (
        "pm: note: 23:40 is later than now (00:10 PDT); read as yesterday, "
        "2024-07-09 23:40 PDT\n"
        "pm: note: 23:52 is later than now (00:10 PDT); read as yesterday, "
        "2024-07-09 23:52 PDT\n"
        f"Opened SEV-1 {postmortem_id}, started 2024-07-10 06:40 UTC (2024-07-09 23:40 PDT), "
        "detected 2024-07-10 06:52 UTC (2024-07-09 23:52 PDT); committed.\n"
    )
    text = front(la, postmortem_id)
    assert "- at: 2024-07-10T06:40:00Z\n  kind: started" in text  # files keep UTC
    assert "- at: 2024-07-10T06:52:00Z\n  kind: detected" in text


def test_event_forms_responders_type(la: Repo, cli: CliRunnerCall) -> None:
    cli.ok("open", "Proxy returns 502s", "-s", "SEV-1", "--started", "yesterday 23:40")
    typed = [
        ("23:58", "2024-07-10T06:58:00Z", "2024-07-10 06:58 UTC (2024-07-09 23:58 PDT)"),
        ("00:05", "2024-07-10T07:05:00Z", "07:05 UTC (00:05 PDT)"),
        ("12:06am", "2024-07-10T07:06:00Z", "07:06 UTC (00:06 PDT)"),
        ("07:07Z", "2024-07-10T07:07:00Z", "07:07 UTC (00:07 PDT)"),
        ("2024-07-10T09:08+02:00", "2024-07-10T07:08:00Z", "07:08 UTC (00:08 PDT)"),
        ("1m ago", "2024-07-10T07:09:00Z", "07:09 UTC (00:09 PDT)"),
    ]
    for n, (at, stored, echoed) in enumerate(typed):
        result = cli.ok("event", "proxy", f"Step {n}", "--at", at)
        assert result.stderr.endswith(
            f"Added event (note) to 2024-07-09-proxy-returns-502s at {echoed}; committed.\n"
        ), at
        assert f"- at: {stored}\n  kind: note\n  text: Step {n}\n" in front(
            la, "2024-07-09-proxy-returns-502s"
        )


def test_a_zone_abbreviation_is_refused_and_nothing_is_written(
    la: Repo, cli: CliRunnerCall
) -> None:
    cli.ok("open", "Proxy returns 502s", "-s", "SEV-1", "--started", "yesterday 23:40")
    before = la.commit_count()
    result = cli("event", "proxy", "Rolled back", "--at", "00:05 CST")
    assert result.exit_code == 2
    assert result.stderr == (
        "pm: time '00:05 CST': CST is ambiguous (-06:00 America/Chicago, +08:00 "
        "Asia/Shanghai); write the offset (00:05-06:00) or a zone (00:05 America/Chicago), "
        "or set timezone = 'America/Chicago' in .pm.toml and write 00:05\n"
    )
    assert la.commit_count() == before
    # The abbreviation of pm's own zone at that moment is not ambiguous: taken.
    cli.ok("event", "proxy", "Rolled back", "--at", "00:05 PDT")
    assert la.commit_count() == before + 1


def test_show_and_log_use_the_zone_and_name_it(
    la: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.ok("open", "Proxy returns 502s", "-s", "SEV-1", "--started", "yesterday 23:40")
    cli.ok("event", "proxy", "Rolled back", "-k", "mitigated", "--at", "00:05")
    shown = cli.ok("show", "proxy").stdout
    assert "  1  2024-07-09 23:40 PDT  started    Incident started\n" in shown
    assert "  2  2024-07-10 00:05 PDT  mitigated  Rolled back\n" in shown
    assert json.loads(cli.ok("show", "proxy", "--json").stdout)["timeline"][1]["at"] == (
        "2024-07-10T07:05:00Z"  # JSON keeps UTC
    )
    from pm.render import output

    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    log = cli.ok("log", "proxy").stdout
    assert "DATE (PST)" in log.splitlines()[0]  # the commits' dates (2024-01-20, winter)
    assert "2024-01-20 04:00" in log  # GIT_COMMITTER_DATE 12:00 UTC, in Los Angeles


def test_the_configured_zone_wins_over_the_system_zone(
    la: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    (la.path / ".pm.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    result = cli.ok("open", "Queue stuck", "-s", "SEV-2", "--started", "08:00")
    assert "started 06:00 UTC (08:00 CEST)" in result.stderr
    assert load_config().timezone_source == "config"


def test_init_writes_the_system_zone_into_the_config(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    result = cli.ok("init")
    assert 'timezone = "Europe/Berlin"\n' in repo.read(".pm.toml")
    assert result.stderr.startswith(
        "Time zone: Europe/Berlin (from TZ), written to .pm.toml; times are typed and shown "
        "in it, stored in UTC.\n"
    )
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # another laptop: the team's zone stays
    assert load_config().timezone == "Europe/Berlin"


def test_no_system_zone_means_utc_with_a_note(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Nowhere/Land")
    result = cli.ok("open", "Disk full", "-s", "SEV-3", "--started", "09:00")
    assert result.stderr.startswith(
        "pm: note: TZ='Nowhere/Land' is not a zone name like America/Los_Angeles: '09:00' is "
        "read as UTC (set timezone in .pm.toml, e.g. timezone = 'America/Los_Angeles')\n"
    )
    assert "started 09:00 UTC;" in result.stderr
    zoned = cli.ok("event", "disk", "Cleaned up", "--at", "10:00Z")  # a zone given: no note
    assert "pm: note" not in zoned.stderr
    init = cli.ok("init")
    assert 'timezone = "UTC"\n' in repo.read(".pm.toml")
    assert "pm: note: TZ='Nowhere/Land' is not a zone name" in init.stderr


def test_since_compares_the_local_date_of_the_start(la: Repo, cli: CliRunnerCall) -> None:
    cli.ok("open", "Proxy returns 502s", "-s", "SEV-1", "--started", "yesterday 23:40")
    listed = cli.ok("list", "--since", "2024-07-09").stdout
    assert listed.startswith("2024-07-09-proxy-returns-502s\t")
    assert cli.ok("list", "--since", "2024-07-10").stdout == ""  # 07-10 only in UTC


@pytest.mark.slow  # the installed pm in a subprocess, as a responder runs it
def test_installed_pm_in_another_zone(la: Repo) -> None:
    opened = run_pm(la.path, "open", "Checkout errors", "-s", "SEV-2", "--started", "1:46pm")
    assert opened.returncode == 0, opened.stderr
    assert "note: 1:46pm is later than now (00:10 PDT); read as yesterday" in opened.stderr
    assert "started 2024-07-09 20:46 UTC (13:46 PDT)" in opened.stderr
    bad = run_pm(la.path, "event", "checkout", "x", "--at", "2pm PST")
    assert bad.returncode == 2
    assert bad.stderr.startswith("pm: time '2pm PST': PST is ambiguous; write the offset")


def test_corrections_and_refusals_speak_in_the_zone(la: Repo, cli: CliRunnerCall) -> None:
    """A responder in Los Angeles reads refusals and corrections in PDT, and the command a
    refusal suggests can be pasted as it is; the file and the commit keep UTC."""
    cli.ok("open", "Proxy returns 502s", "-s", "SEV-1", "--started", "yesterday 23:40")
    pid = "2024-07-09-proxy-returns-502s"
    refused = cli("event", "proxy", "Deploy went out", "--at", "yesterday 23:20")
    assert refused.exit_code == 2
    assert refused.stderr == (
        "pm: 2024-07-09 23:20 PDT is before the incident started (2024-07-09 23:40 PDT); if "
        f"it started earlier, move the start first: pm set {pid} started 2024-07-09T23:20-07:00\n"
    )
    moved = cli.ok("set", "proxy", "started", "2024-07-09T23:20-07:00")
    assert moved.stderr == (
        f"Set started of {pid}: 2024-07-10 06:40 UTC (2024-07-09 23:40 PDT) -> 2024-07-10 "
        "06:20 UTC (2024-07-09 23:20 PDT); committed.\n"
    )
    assert la.subjects()[0] == (
        f"pm: set {pid} (started: 2024-07-10T06:40:00Z -> 2024-07-10T06:20:00Z)"
    )
    again = cli("set", "proxy", "started", "23:20")
    assert again.exit_code == 3
    assert again.stderr.endswith(
        f"pm: {pid} already started at 2024-07-09 23:20 PDT; nothing to change\n"
    )


def test_a_time_typed_into_the_yaml_without_an_offset_is_read_in_the_zone(
    la: Repo, cli: CliRunnerCall
) -> None:
    """Someone types ``at: 2024-07-09T23:50:00`` into the timeline, as their clock said:
    the hand edit pm commits holds it in UTC (06:50 the next day), not 23:50 UTC, which
    would put it seven hours off and before the incident began."""
    cli.ok("open", "Proxy returns 502s", "-s", "SEV-1", "--started", "yesterday 23:40")
    postmortem_id = "2024-07-09-proxy-returns-502s"
    path = la.postmortem_path(postmortem_id)
    typed = "- at: 2024-07-09T23:50:00\n  kind: note\n  text: Paged the network team\n"
    path.write_text(path.read_text(encoding="utf-8").replace("actions:", typed + "actions:"))
    result = cli.ok("event", postmortem_id, "Rolled back", "--at", "00:05")
    assert (
        "pm: warning: Read the event time 2024-07-09T23:50 (no offset) as "
        "America/Los_Angeles time: 2024-07-10T06:50:00Z.\n"
    ) in result.stderr
    hand_edit = la.git("show", "HEAD~1:" + path.relative_to(la.path).as_posix())
    assert "- at: 2024-07-10T06:50:00Z\n  kind: note\n  text: Paged the network team" in hand_edit
    assert "Read the event time 2024-07-09T23:50" in la.git("log", "-1", "--skip=1", "--format=%b")
    shown = json.loads(cli.ok("show", postmortem_id, "--json").stdout)
    assert [e["text"] for e in shown["timeline"]] == [
        "Incident started",
        "Paged the network team",
        "Rolled back",
    ]
