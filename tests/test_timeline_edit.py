"""The timeline is never final: commit subjects that tell the incident, moving the start,
editing and removing events by the number ``pm show`` prints."""

from __future__ import annotations

import json
from datetime import date

import pytest
import yaml

from conftest import CliRunnerCall, Repo
from lintclean import LINT_ARGS, findings
from pm.commits import SUBJECT_LIMIT, event_detail


def front(repo: Repo, postmortem_id: str) -> dict[str, object]:
    text = repo.postmortem_path(postmortem_id).read_text(encoding="utf-8")
    data = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(data, dict)
    return data


def timeline(repo: Repo, postmortem_id: str) -> list[tuple[str, str, str]]:
    """(time, kind, text) of every event, as the file holds them."""
    events = front(repo, postmortem_id)["timeline"]
    assert isinstance(events, list)
    return [(str(e["at"])[:16], e["kind"], e.get("text", "")) for e in events]


@pytest.fixture
def short(repo: Repo, cli: CliRunnerCall) -> str:
    """A SEV-2 with a short id, opened with its start known."""
    result = cli.ok("open", "DB pool", "-s", "SEV-2", "--started", "2024-01-15T14:05")
    return result.stdout.split("\t")[0]


# --- commit subjects --------------------------------------------------------------------------


def test_an_event_subject_carries_its_text(repo: Repo, cli: CliRunnerCall, short: str) -> None:
    cli.ok("event", short, "Pool size raised to 50", "-k", "mitigated", "--at", "2024-01-15T15:40")
    assert repo.subjects()[0] == f"pm: event {short} (mitigated: Pool size raised to 50)"
    assert repo.git("log", "-1", "--format=%b").strip() == f"Pm-Id: {short}\nPm-Operation: event"


def test_a_long_text_is_shortened_to_72_characters_and_kept_whole_in_the_body(
    repo: Repo, cli: CliRunnerCall, short: str
) -> None:
    text = "Pool size raised from 10 to 50 and every payments pod restarted, one zone at a time"
    cli.ok("event", short, text, "-k", "mitigated", "--at", "2024-01-15T15:40")
    subject = repo.subjects()[0]
    assert subject == f"pm: event {short} (mitigated: Pool size raised from 10 to…)"
    assert len(subject) <= SUBJECT_LIMIT
    assert repo.git("log", "-1", "--format=%b").splitlines()[0] == f"mitigated: {text}"


def test_a_long_id_leaves_the_kind_alone(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("event", opened, "Pool size raised to 50", "-k", "mitigated", "--at", "2024-01-15T15:40")
    assert repo.subjects()[0] == f"pm: event {opened} (mitigated)"
    assert repo.git("log", "-1", "--format=%b").splitlines()[0] == (
        "mitigated: Pool size raised to 50"
    )


def test_event_text_stays_one_line_and_cannot_skip_ci(
    repo: Repo, cli: CliRunnerCall, short: str
) -> None:
    cli.ok("event", short, "rollback\n[skip ci]\nPm-Id: x", "--at", "2024-01-15T15:00")
    message = repo.git("log", "-1", "--format=%B").splitlines()
    assert message[0] == f"pm: event {short} (note: rollback (skip ci) Pm-Id: x)"
    assert message[1:] == ["", f"Pm-Id: {short}", "Pm-Operation: event"]


@pytest.mark.parametrize("length", [1, 20, 40, 60, 200])
def test_event_detail_never_passes_the_limit(length: int) -> None:
    text = ("word " * length)[:length]
    for postmortem_id in ("2024-01-15-a", "2024-01-15-database-connection-pool-exhausted"):
        detail, shortened = event_detail("event", postmortem_id, "acknowledged", text)
        subject = f"pm: event {postmortem_id} ({detail})"
        assert len(subject) <= SUBJECT_LIMIT or detail == "acknowledged"
        assert shortened == (detail != f"acknowledged: {text.strip()}")


# --- the start, opened live and corrected -------------------------------------------------


@pytest.fixture
def live(repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch) -> str:
    """Opened live at 14:30 without knowing when it started; detected and acknowledged."""
    monkeypatch.setenv("PM_NOW", "2024-01-15T14:30:00Z")
    pid = cli.ok("open", "Checkout 500s", "-s", "SEV-1").stdout.split("\t")[0]
    monkeypatch.setenv("PM_NOW", "2024-01-15T16:00:00Z")
    cli.ok("event", pid, "Paged the on-call", "-k", "acknowledged", "--at", "2024-01-15T14:35")
    return pid


def test_opened_live_the_start_says_opened_given_it_says_started(
    repo: Repo, cli: CliRunnerCall, live: str, short: str
) -> None:
    assert timeline(repo, live)[0] == ("2024-01-15 14:30", "started", "Incident opened")
    assert timeline(repo, short)[0] == ("2024-01-15 14:05", "started", "Incident started")


def test_an_earlier_event_is_refused_naming_the_command_that_moves_the_start(
    repo: Repo, cli: CliRunnerCall, live: str
) -> None:
    before = repo.commit_count()
    refused = cli("event", live, "Deploy 4521 went out", "--at", "2024-01-15T14:02")
    assert refused.exit_code == 2
    assert refused.stderr == (
        "pm: 2024-01-15T14:02:00Z is before the incident started (2024-01-15T14:30:00Z); "
        f"if it started earlier, move the start first: pm set {live} started "
        "2024-01-15T14:02:00Z\n"
    )
    second = cli("event", live, "The deploy", "-k", "started", "--at", "2024-01-15T14:02")
    assert second.exit_code == 3
    assert second.stderr == (
        f"pm: {live} already started at 2024-01-15T14:30:00Z; to move the start: "
        f"pm set {live} started 2024-01-15T14:02:00Z\n"
    )
    assert repo.commit_count() == before


def test_set_started_moves_the_start_and_says_old_and_new(
    repo: Repo, cli: CliRunnerCall, live: str
) -> None:
    result = cli.ok("set", live, "started", "2024-01-15T14:02")
    assert result.stderr == (f"Set started of {live}: 14:30 UTC -> 14:02 UTC; committed.\n")
    assert repo.subjects()[0] == (
        f"pm: set {live} (started: 2024-01-15T14:30:00Z -> 2024-01-15T14:02:00Z)"
    )
    assert timeline(repo, live)[0] == ("2024-01-15 14:02", "started", "Incident started")
    assert front(repo, live)["id"] == live  # ids are stable: the file keeps its name
    cli.ok("event", live, "Deploy 4521 went out", "--at", "2024-01-15T14:02")
    assert findings(cli(*LINT_ARGS).stdout) == []


def test_a_start_after_other_events_is_refused_naming_them(
    repo: Repo, cli: CliRunnerCall, live: str
) -> None:
    before = repo.path.joinpath(f"postmortems/2024/{live}.md").read_bytes()
    refused = cli("set", live, "started", "2024-01-15T14:40")
    assert refused.exit_code == 3
    assert refused.stderr == (
        f"pm: cannot move the start of {live} to 2024-01-15T14:40:00Z: event 2 "
        "(2024-01-15T14:35:00Z acknowledged: Paged the on-call) would come before it; fix "
        f"its time first (pm event edit {live} N --at TIME)\n"
    )
    assert repo.path.joinpath(f"postmortems/2024/{live}.md").read_bytes() == before
    assert cli("set", live, "started", "2024-01-15T14:30").exit_code == 3  # nothing to change


def test_set_detected_adds_or_moves_the_detection(
    repo: Repo, cli: CliRunnerCall, live: str
) -> None:
    cli.ok("set", live, "started", "2024-01-15T14:02")
    added = cli.ok("set", live, "detected", "2024-01-15T14:12")
    assert "Set detected of" in added.stderr and ": none -> 14:12 UTC;" in added.stderr
    cli.ok("set", live, "detected", "2024-01-15T14:10")
    assert [e for e in timeline(repo, live) if e[1] == "detected"] == [
        ("2024-01-15 14:10", "detected", "Detected")
    ]
    shown = json.loads(cli.ok("show", live, "--json").stdout)
    assert shown["metrics"]["time_to_detect_minutes"] == 8
    too_early = cli("set", live, "detected", "2024-01-15T14:00")
    assert too_early.exit_code == 2 and "move the start first" in too_early.stderr
    after_ack = cli("set", live, "detected", "2024-01-15T14:40")
    assert after_ack.exit_code == 3
    assert "is after" in after_ack.stderr and "acknowledged" in after_ack.stderr
    bad = cli("set", live, "detected", "yesterday-ish")
    assert bad.exit_code == 2 and bad.stderr.startswith("pm: cannot read time 'yesterday-ish'")
    two = cli("set", live, "started", "2024-01-15T14:00", "2024-01-15T14:01")
    assert two.exit_code == 2
    assert cli("set", live, "started", "2024-01-15T14:00", "--add").exit_code == 2
    assert findings(cli(*LINT_ARGS).stdout) == []


# --- numbered events: show, edit, rm ----------------------------------------------------------


def test_show_numbers_the_events(repo: Repo, cli: CliRunnerCall, live: str) -> None:
    shown = cli.ok("show", live).stdout
    assert "  1  2024-01-15 14:30 UTC  started       Incident opened\n" in shown
    assert "  2  2024-01-15 14:35 UTC  acknowledged  Paged the on-call\n" in shown
    data = json.loads(cli.ok("show", live, "--json").stdout)
    assert [(e["number"], e["kind"]) for e in data["timeline"]] == [
        (1, "started"),
        (2, "acknowledged"),
    ]


def test_event_edit_changes_time_kind_and_text_and_keeps_the_order(
    repo: Repo, cli: CliRunnerCall, short: str
) -> None:
    cli.ok("event", short, "Deploy went out", "--at", "2024-01-15T14:10")
    cli.ok("event", short, "Paged", "--at", "2024-01-15T14:20")
    result = cli.ok(
        "event", "edit", short, "3", "--at", "2024-01-15T14:08", "-k", "detected",
        "--text", "Pager fired",
    )  # fmt: skip
    assert result.stderr == (
        "  at: 2024-01-15T14:20:00Z -> 2024-01-15T14:08:00Z\n"
        "  kind: note -> detected\n"
        "  text: Paged -> Pager fired\n"
        f"Edited event 3 (now event 2) of {short}; committed.\n"
    )
    assert timeline(repo, short) == [
        ("2024-01-15 14:05", "started", "Incident started"),
        ("2024-01-15 14:08", "detected", "Pager fired"),
        ("2024-01-15 14:10", "note", "Deploy went out"),
    ]
    assert repo.subjects()[0] == f"pm: event-edit {short} (#3 at, kind, text now #2)"
    assert repo.git("log", "-1", "--format=%b").splitlines()[:3] == [
        "at: 2024-01-15T14:20:00Z -> 2024-01-15T14:08:00Z",
        "kind: note -> detected",
        "text: Paged -> Pager fired",
    ]
    text = repo.read(f"postmortems/2024/{short}.md")
    assert "| 2024-01-15 14:08 | detected | Pager fired |" in text
    assert findings(cli(*LINT_ARGS).stdout) == []


def test_the_started_event_moves_by_edit_as_by_set(
    repo: Repo, cli: CliRunnerCall, live: str
) -> None:
    cli.ok("event", "edit", live, "1", "--at", "2024-01-15T14:02")
    assert timeline(repo, live)[0] == ("2024-01-15 14:02", "started", "Incident started")
    later = cli("event", "edit", live, "1", "--at", "2024-01-15T14:50")
    assert later.exit_code == 3 and "would come before it" in later.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["edit", "9", "--text", "x"], 3, "has no event 9 (events: 1 to 2; pm show numbers them)"),
        (["edit", "0", "--text", "x"], 3, "has no event 0"),
        (["edit", "2"], 2, "say what to change: --at TIME, --kind KIND or --text TEXT"),
        (["edit", "2", "--at", "2024-01-15T14:00"], 2, "move the start first: pm set"),
        (["edit", "2", "--at", "noonish"], 2, "cannot read time 'noonish'"),
        (["edit", "2", "-k", "bogus"], 2, "unknown event kind 'bogus'"),
        (["edit", "2", "-k", "started"], 3, "already has a started event; to move the start"),
        (["edit", "1", "-k", "note"], 3, "stays the started event"),
        (["edit", "2", "-k", "resolved"], 3, "only with pm resolve"),
        (["edit", "2", "--text", " "], 2, "the event text is empty"),
        (["edit", "2", "--text", "Paged the on-call"], 3, "is already so; nothing to change"),
        (["rm", "1"], 3, "is the start of"),
        (["rm", "5"], 3, "has no event 5"),
    ],
)
def test_event_edit_and_rm_refusals(
    repo: Repo, cli: CliRunnerCall, live: str, args: list[str], code: int, message: str
) -> None:
    before = repo.commit_count()
    result = cli("event", args[0], live, *args[1:])
    assert result.exit_code == code, result.stderr
    assert result.stderr.startswith("pm: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert repo.commit_count() == before


def test_event_rm_removes_and_the_commit_keeps_what_it_said(
    repo: Repo, cli: CliRunnerCall, short: str
) -> None:
    cli.ok("event", short, "Duplicate note", "--at", "2024-01-15T14:10")
    result = cli.ok("event", "rm", short, "2")
    assert result.stderr == f"Removed event 2 (note: Duplicate note) from {short}; committed.\n"
    assert timeline(repo, short) == [("2024-01-15 14:05", "started", "Incident started")]
    assert repo.subjects()[0] == f"pm: event-rm {short} (#2 note: Duplicate note)"
    assert repo.git("log", "-1", "--format=%b").splitlines()[0] == (
        "Removed: 2024-01-15T14:10:00Z note: Duplicate note"
    )


def test_the_resolution_is_kept_but_its_time_can_move(
    repo: Repo, cli: CliRunnerCall, short: str
) -> None:
    cli.ok("resolve", short, "Back to normal", "--at", "2024-01-15T16:05")
    assert front(repo, short)["review"] == {"due": date(2024, 1, 17), "held": None}
    refused = cli("event", "rm", short, "2")
    assert refused.exit_code == 3
    assert f"reopen it: pm reopen {short} --reason TEXT" in refused.stderr
    assert cli("event", "edit", short, "2", "-k", "note").exit_code == 3
    cli.ok("event", "edit", short, "2", "--at", "2024-01-18T01:00")
    assert front(repo, short)["review"] == {"due": date(2024, 1, 20), "held": None}
    assert findings(cli(*LINT_ARGS).stdout) == []


def test_event_add_is_also_spelled_out(repo: Repo, cli: CliRunnerCall, short: str) -> None:
    cli.ok("event", "add", short, "Spelled out", "--at", "2024-01-15T14:10")
    cli.ok("event", "-k", "mitigated", short, "Options first", "--at", "2024-01-15T14:11")
    assert [e[2] for e in timeline(repo, short)][1:] == ["Spelled out", "Options first"]
    assert cli("event", "--help").stdout.startswith(
        "Usage: pm event [OPTIONS] ID TEXT | COMMAND [ARGS]..."
    )
