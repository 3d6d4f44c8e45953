"""``pm.importing``: pasted lines, a Slack export and PagerDuty log entries read into events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from factories import at
from pm import importing
from pm.errors import DataError, UsageError
from pm.model import Event, Postmortem

DATA = Path(__file__).parent / "data" / "import"
NOW = datetime(2024, 1, 20, 12, 0, tzinfo=UTC)
LA = ZoneInfo("America/Los_Angeles")
DAY = date(2024, 1, 15)


def fixture(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def parse(text: str, fmt: str | None = None, tz: object = UTC, day: date | None = DAY):  # type: ignore[no-untyped-def]
    return importing.parse(text, fmt, tz, NOW, day)  # type: ignore[arg-type]


def started(when: str = "2024-01-15T14:05:00Z") -> Postmortem:
    postmortem = Postmortem(id="2024-01-15-db", title="DB", severity="SEV-1", status="active")
    postmortem.add_event(Event(at=at(when), kind="started", text="Incident started"))
    return postmortem


# --- detection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("slack-incident.json", "slack"),
        ("pagerduty-log.json", "pagerduty"),
        ("pasted-from-chat.txt", "lines"),
    ],
)
def test_the_format_is_detected(name: str, fmt: str) -> None:
    assert importing.detect(fixture(name)) == fmt


def test_detection_of_other_json_shapes() -> None:
    assert importing.detect('{"messages": [{"ts": "1.0", "text": "x"}]}') == "slack"
    assert importing.detect('[{"type": "trigger_log_entry", "id": "R1"}]') == "pagerduty"
    assert importing.detect("[14:07] pager fired") == "lines"
    assert importing.detect("[]") == "lines"


def test_an_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown import format 'csv'"):
        parse("x", "csv")


# --- lines --------------------------------------------------------------------------------


def test_lines_read_times_kinds_and_text() -> None:
    parsed = parse(fixture("pasted-from-chat.txt"))
    assert parsed.errors == []
    assert [(e.at, e.kind, e.text, e.line) for e in parsed.events] == [
        (at("2024-01-15T14:07:00Z"), "detected", "checkout p99 at 30s, payments on-call paged", 2),
        (at("2024-01-15T14:09:00Z"), "acknowledged", "Sam looking at the payments-db pool", 3),
        (
            at("2024-01-15T14:20:00Z"),
            "identified",
            "pool at 20/20, waiters piling up behind a slow query",
            4,
        ),
        (
            at("2024-01-15T14:21:00Z"),
            "mitigated",
            "pool size raised to 50, payments-api rolling",
            5,
        ),
        (at("2024-01-15T14:41:05Z"), "note", "error rate back under 0.1%, watching for 15 min", 7),
    ]
    sources = [e.source for e in parsed.events]
    assert all(s.startswith("lines:") and len(s) == len("lines:") + 12 for s in sources)
    assert len(set(sources)) == len(sources)


def test_a_bare_clock_is_read_in_the_team_zone_on_the_start_day() -> None:
    parsed = parse("06:45 detected: 502s worldwide\n07:02 14:02 is when it ended", tz=LA)
    assert [e.at for e in parsed.events] == [
        at("2024-01-15T14:45:00Z"),
        at("2024-01-15T15:02:00Z"),
    ]
    assert parsed.events[1].text == "14:02 is when it ended"


def test_a_named_zone_and_a_date_follow_the_time() -> None:
    parsed = parse(
        "14:14 America/Los_Angeles deploy\n2024-01-16 09:00 Europe/Berlin next day\n"
        "10:00 still the 16th",
        tz=UTC,
    )
    assert parsed.errors == []
    assert [e.at for e in parsed.events] == [
        at("2024-01-15T22:14:00Z"),
        at("2024-01-16T08:00:00Z"),
        at("2024-01-16T10:00:00Z"),
    ]


def test_a_paste_across_midnight_moves_to_the_next_day() -> None:
    parsed = parse("23:50 still broken\n00:10 fixed", day=DAY)
    assert [e.at for e in parsed.events] == [
        at("2024-01-15T23:50:00Z"),
        at("2024-01-16T00:10:00Z"),
    ]


def test_without_a_start_day_a_clock_is_today_or_yesterday() -> None:
    parsed = parse("11:00 earlier today\n13:00 later than now", day=None)
    assert [e.at for e in parsed.events] == [
        at("2024-01-20T11:00:00Z"),
        at("2024-01-19T13:00:00Z"),
    ]
    assert parsed.notes == [
        "line 2: 13:00 is later than now (12:00 UTC); read as yesterday, 2024-01-19 13:00 UTC"
    ]


def test_a_resolution_line_is_kept_as_a_note_marked_as_such() -> None:
    (event,) = parse("14:52 resolved: traffic normal").events
    assert (event.kind, event.resolution) == ("note", True)


def test_bad_lines_are_reported_with_their_numbers() -> None:
    parsed = parse(
        "# comment\n14:07 fine\nabc nothing\n\n14:10\n2024-01-21 10:00 tomorrow\n14:12 PST x\n"
        "25:00 too late"
    )
    assert parsed.errors == [
        "line 3: cannot read time 'abc'",
        "line 5: no text after the time; say what happened",
        "line 6: time '2024-01-21 10:00' (2024-01-21T10:00:00Z) is in the future",
        "line 7: time '2024-01-15 14:12 PST': PST is ambiguous; write the offset "
        "(14:12-08:00) or a zone (14:12 America/Los_Angeles), or set timezone = "
        "'America/Los_Angeles' in .pm.toml and write 14:12",
        "line 8: cannot read time '25:00'",
    ]
    assert [e.line for e in parsed.events] == [2]


def test_the_same_line_has_the_same_source_and_text_is_cleaned() -> None:
    first = parse("14:07 a\x07  b").events[0]
    again = parse("\n  14:07 a\x07  b  \n").events[0]
    assert first.source == again.source
    assert first.text == "a b"
    long = parse("14:07 " + "x" * 3000).events[0]
    assert len(long.text) == importing.MAX_EVENT_TEXT and long.text.endswith("…")


# --- Slack --------------------------------------------------------------------------------


def test_slack_messages_become_notes_by_name() -> None:
    parsed = parse(fixture("slack-incident.json"))
    assert parsed.format == "slack" and parsed.errors == []
    assert parsed.skipped == 3  # the join, the bot, the topic change
    assert [(e.at, e.kind, e.text, e.source) for e in parsed.events] == [
        (
            at("2024-01-15T14:07:30Z"),
            "note",
            "Priya Raman: checkout p99 is 30s and climbing, paging payments on-call",
            "slack:1705327650.000200",
        ),
        (
            at("2024-01-15T14:09:45Z"),
            "note",
            "Sam Okafor: ack, looking. pool is at 20/20 & waiters piling up, see the pool "
            "dashboard",
            "slack:1705327785.000400",
        ),
        (
            at("2024-01-15T14:20:31Z"),
            "note",
            "Sam Okafor: raising pool size to 50 and rolling payments-api should take ~5 min",
            "slack:1705328431.000500",
        ),
        (
            at("2024-01-15T14:41:05Z"),
            "note",
            "Priya Raman: error rate back under 0.1%, watching for 15 min",
            "slack:1705329665.000700",
        ),
    ]


def test_slack_errors_name_the_message() -> None:
    parsed = parse(
        '[{"ts": "soon", "text": "x"}, 3, {"ts": "1705327650", "text": "<@U1> hi"}]', "slack"
    )
    assert parsed.errors == [
        "message 1: cannot read time 'soon' (ts: epoch seconds)",
        "message 2: not a message object",
    ]
    assert parsed.events[0].text == "someone: @U1 hi"
    broken = parse('[{"ts": "1.0",', "slack")
    assert broken.errors[0].startswith("line 1: not a slack export (JSON):")


# --- PagerDuty ----------------------------------------------------------------------------


def test_pagerduty_log_entries() -> None:
    parsed = parse(fixture("pagerduty-log.json"))
    assert parsed.format == "pagerduty" and parsed.errors == []
    assert parsed.skipped == 1  # the notification
    assert [(e.at, e.kind, e.text, e.source, e.resolution) for e in parsed.events] == [
        (
            at("2024-01-15T14:07:58Z"),
            "detected",
            "PagerDuty: Triggered through the API: [#4211] PaymentsDBConnectionsSaturated",
            "pagerduty:R3Q8XKZ1N0PQRS2T4UVW5XY6",
            False,
        ),
        (
            at("2024-01-15T14:09:31Z"),
            "acknowledged",
            "PagerDuty: Acknowledged by Sam Okafor",
            "pagerduty:R7M4V9XC6D3EFG8H0IJK1LM2",
            False,
        ),
        (
            at("2024-01-15T14:21:10Z"),
            "note",
            "PagerDuty note by Sam Okafor: Pool size raised to 50, payments-api rolling",
            "pagerduty:R9K6T1ZD8E5FGH0I2JKL3MN4",
            False,
        ),
        (
            at("2024-01-15T14:56:02Z"),
            "note",
            "PagerDuty: Resolved by Sam Okafor",
            "pagerduty:RB2H8P3EA0F7GHI2JKL4MN5O",
            True,
        ),
    ]


def test_pagerduty_errors_name_the_entry() -> None:
    parsed = parse(
        '[{"type": "trigger_log_entry", "id": "R1", "created_at": "yesterday"},'
        ' {"type": "acknowledge_log_entry", "created_at": "2024-01-15T14:09:31Z"}]',
        "pagerduty",
    )
    assert parsed.errors == [
        "entry 1: cannot read time 'yesterday' (created_at: ISO 8601)",
        "entry 2: no id",
    ]
    assert parse('{"log_entries": 3}', "pagerduty").errors == [
        "line 1: not a PagerDuty log: expected log_entries, a list"
    ]


# --- what is new, what is refused ---------------------------------------------------------


def test_plan_skips_what_the_postmortem_already_has() -> None:
    postmortem = started()
    events = parse(fixture("pasted-from-chat.txt")).events
    plan = importing.plan(postmortem, events)
    assert (len(plan.new), plan.already) == (5, 0)
    for imported in plan.new[:2]:
        postmortem.add_event(importing.event(imported, postmortem))
    postmortem.add_event(Event(at=at("2024-01-20T11:00:00Z"), kind="note", text="typed"))
    again = importing.plan(postmortem, [*events, *events])
    assert (len(again.new), again.already) == (3, 7)
    same_text = importing.plan(postmortem, parse("2024-01-20 11:00 typed", day=None).events)
    assert (len(same_text.new), same_text.already) == (0, 1)


def test_events_before_the_start_are_refused_with_the_hint() -> None:
    postmortem = started("2024-01-15T14:08:00Z")
    new = importing.plan(postmortem, parse(fixture("pasted-from-chat.txt")).events).new
    with pytest.raises(UsageError) as refused:
        importing.check(postmortem, new, LA)
    assert refused.value.message == (
        "line 2: 2024-01-15 06:07 PST is before the incident started (2024-01-15 06:08 PST); "
        "if it started earlier, move the start first: pm set 2024-01-15-db started "
        "2024-01-15T06:07-08:00; nothing was imported"
    )


def test_a_second_start_is_refused_unless_it_is_the_start() -> None:
    postmortem = started()
    same = parse("14:05 started: deploy 42 went out").events
    importing.check(postmortem, same)
    assert importing.event(same[0], postmortem).kind == "note"
    later = parse("14:06 started: deploy 42 went out").events
    with pytest.raises(DataError, match="already started at 2024-01-15T14:05:00Z"):
        importing.check(postmortem, later)
