"""pm review schedule: review.scheduled in one commit and an iCalendar invite that a real
parser (``icalendar``) reads: stable UID, growing SEQUENCE, times, people, escaping, folding.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
import yaml

from conftest import CliRunnerCall, Repo, run_pm

PEOPLE = """\
[people]
alice = { email = "alice@example.com" }
bob = { email = "bob@example.com", slack = "U2" }

[review]
attendees = ["sre-leads@example.com", "carol"]

[people.carol]
email = "carol@example.com"
"""


def _front(repo: Repo, postmortem_id: str) -> dict[str, object]:
    data = yaml.safe_load(repo.read(f"postmortems/2024/{postmortem_id}.md").split("---\n")[1])
    assert isinstance(data, dict)
    return data


def _resolved(repo: Repo, cli: CliRunnerCall, title: str = "Database pool exhausted") -> str:
    """A SEV-1 resolved at 10:00 on the pinned day (2024-01-20): its review is due on the
    22nd; alice and dave own action items (dave has no email in [people])."""
    (repo.path / ".pm.toml").write_text(PEOPLE, encoding="utf-8")
    repo.git("add", ".pm.toml")
    repo.git("commit", "-qm", "people")
    result = cli.ok("open", title, "-s", "SEV-1", "--started", "2024-01-20T08:00")
    postmortem_id = result.stdout.split("\t")[0]
    cli.ok("resolve", postmortem_id, "--at", "2024-01-20T10:00")
    cli.ok("action", "add", postmortem_id, "Alert on pool saturation", "--owner", "alice")
    cli.ok("action", "add", postmortem_id, "Resize the pool", "--owner", "dave")
    return postmortem_id


def _event(path: Path) -> Any:
    data = path.read_bytes()
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def _emails(event: Any) -> list[str]:
    attendees = event.get("ATTENDEE")
    listed = attendees if isinstance(attendees, list) else [attendees]
    return [str(a).removeprefix("mailto:") for a in listed]


def test_schedule_records_the_time_in_one_commit_and_writes_the_invite(
    repo: Repo, cli: CliRunnerCall
) -> None:
    postmortem_id = _resolved(repo, cli)
    before = repo.commit_count()
    result = cli.ok("review", "schedule", postmortem_id, "--at", "2024-01-22 15:00")
    assert repo.commit_count() == before + 1
    assert repo.subjects()[0] == f"pm: schedule {postmortem_id} (review 2024-01-22T15:00:00Z)"
    assert "review.scheduled: none -> 2024-01-22T15:00:00Z" in repo.git("log", "-1")
    assert repo.files_in() == [f"postmortems/2024/{postmortem_id}.md"]
    review = _front(repo, postmortem_id)["review"]
    assert review == {
        "due": datetime(2024, 1, 22).date(),
        "scheduled": datetime(2024, 1, 22, 15, tzinfo=UTC),
        "held": None,
    }
    written = repo.path / f"{postmortem_id}-review.ics"
    assert result.stdout == f"{written.name}\n"
    assert f"Review of {postmortem_id} scheduled 2024-01-22 15:00 UTC; committed." in (
        result.stderr
    )
    assert "pm: warning: no email for dave in [people] of .pm.toml; not invited" in result.stderr
    assert "after the review's due date" not in result.stderr
    assert not repo.git("status", "--porcelain", "postmortems")  # the invite is not committed

    event = _event(written)
    assert str(event["UID"]) == f"review-{postmortem_id}@pm"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == datetime(2024, 1, 22, 15, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2024, 1, 22, 16, tzinfo=UTC)
    assert event.decoded("DTSTAMP") == datetime(2024, 1, 20, 12, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Postmortem review: Database pool exhausted"
    description = str(event["DESCRIPTION"])
    assert description.splitlines()[:3] == [
        f"Postmortem review of {postmortem_id} (SEV-1).",
        "The review is due 2024-01-22.",
        f"Document: postmortems/2024/{postmortem_id}.md",
    ]
    assert "- #1 Alert on pool saturation (alice, due " in description
    assert str(event["ORGANIZER"]) == "mailto:alice@example.com"
    assert event["ORGANIZER"].params["CN"] == "Alice Doe"
    # Owners, then authors of the file's commits, then [review] attendees; each once.
    assert _emails(event) == [
        "alice@example.com",
        "sre-leads@example.com",
        "carol@example.com",
    ]
    raw = written.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # every line ends in CRLF


def test_show_and_show_json_say_when_the_review_is_scheduled(
    repo: Repo, cli: CliRunnerCall
) -> None:
    postmortem_id = _resolved(repo, cli)
    cli.ok("review", "schedule", postmortem_id, "--at", "2024-01-22 15:00")
    shown = cli.ok("show", postmortem_id).stdout
    assert "  review    due 2024-01-22, scheduled 2024-01-22 15:00 UTC\n" in shown
    data = cli.ok("show", postmortem_id, "--json").stdout
    assert '"scheduled":"2024-01-22T15:00:00Z"' in data  # compact: piped


def test_reschedule_keeps_the_uid_and_raises_the_sequence(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    postmortem_id = _resolved(repo, cli)
    first, second, third = (tmp_path / f"{n}.ics" for n in range(3))
    cli.ok("review", "schedule", postmortem_id, "--at", "2024-01-22 15:00", "-o", str(first))
    result = cli.ok("review", "schedule", postmortem_id, "--at", "tomorrow 9:30", "-o", str(second))
    assert "(moved from 2024-01-22 15:00 UTC)" in result.stderr
    assert result.stdout == f"{second}\n"
    cli.ok("review", "schedule", postmortem_id, "--at", "2024-01-22 16:00", "-o", str(third))
    events = [_event(path) for path in (first, second, third)]
    assert {str(e["UID"]) for e in events} == {f"review-{postmortem_id}@pm"}
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2]
    assert events[1].decoded("DTSTART") == datetime(2024, 1, 21, 9, 30, tzinfo=UTC)
    assert _front(repo, postmortem_id)["review"]["scheduled"] == datetime(  # type: ignore[index]
        2024, 1, 22, 16, tzinfo=UTC
    )
    assert [s for s in repo.subjects() if s.startswith("pm: schedule")] == [
        f"pm: schedule {postmortem_id} (review 2024-01-22T16:00:00Z)",
        f"pm: schedule {postmortem_id} (review 2024-01-21T09:30:00Z)",
        f"pm: schedule {postmortem_id} (review 2024-01-22T15:00:00Z)",
    ]


def test_duration_attendees_and_stdout(repo: Repo, cli: CliRunnerCall) -> None:
    postmortem_id = _resolved(repo, cli)
    result = cli.ok(
        "review",
        "schedule",
        postmortem_id,
        "--at",
        "2024-01-22T10:00",
        "--duration",
        "1h30m",
        "--attendees",
        "bob,ops@example.org",
        "--attendees",
        "alice",
        "-o",
        "-",
    )
    assert not list(repo.path.glob("*.ics"))
    calendar = icalendar.Calendar.from_ical(result.stdout.encode("utf-8"))
    event: Any = calendar.walk("VEVENT")[0]
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
    assert _emails(event) == [
        "alice@example.com",
        "sre-leads@example.com",
        "carol@example.com",
        "bob@example.com",
        "ops@example.org",
    ]
    bob = next(a for a in event["ATTENDEE"] if str(a) == "mailto:bob@example.com")
    assert bob.params["CN"] == "bob" and bob.params["RSVP"] == "TRUE"


def test_a_title_with_commas_semicolons_backslashes_and_non_ascii_is_escaped_and_folded(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    title = "Zahlungen, Checkout; Ärger \\n über Köln-Bonn — 決済が失敗 " + "x" * 40
    postmortem_id = _resolved(repo, cli, title)
    target = tmp_path / "invite.ics"
    cli.ok("review", "schedule", postmortem_id, "--at", "2024-01-22 15:00", "-o", str(target))
    raw = target.read_bytes()
    assert b"Zahlungen\\, Checkout\\; \xc3\x84rger \\\\n" in raw.replace(b"\r\n ", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # folding never splits a character
    assert any(line.startswith(b" ") for line in raw.split(b"\r\n"))
    event = _event(target)
    assert str(event["SUMMARY"]) == f"Postmortem review: {title}"


def test_without_a_config_the_invite_lists_the_authors(repo: Repo, cli: CliRunnerCall) -> None:
    result = cli.ok("open", "Queue stuck", "-s", "SEV-2", "--started", "2024-01-20T08:00")
    postmortem_id = result.stdout.split("\t")[0]
    cli.ok("resolve", postmortem_id, "--at", "2024-01-20T09:00")
    repo.git("config", "user.name", "Bob Roe")
    repo.git("config", "user.email", "bob@example.com")
    cli.ok("event", postmortem_id, "Found the stuck consumer", "--at", "2024-01-20T08:30")
    cli.ok("review", "schedule", postmortem_id, "--at", "2024-01-22 11:00", "--duration", "30m")
    event = _event(repo.path / f"{postmortem_id}-review.ics")
    assert _emails(event) == ["bob@example.com", "alice@example.com"]
    assert str(event["ORGANIZER"]) == "mailto:bob@example.com"


def test_a_review_scheduled_after_its_due_date_is_warned_about(
    repo: Repo, cli: CliRunnerCall
) -> None:
    postmortem_id = _resolved(repo, cli)
    result = cli.ok("review", "schedule", postmortem_id, "--at", "2024-01-25 10:00")
    assert "pm: warning: that is after the review's due date, 2024-01-22\n" in result.stderr


def test_review_id_still_records_the_review_held(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / "postmortems").mkdir()  # else: no postmortems folder (exit 4)
    result = cli("review", "2024-nothing")
    assert result.exit_code == 3  # an id, not a subcommand
    result = cli("review", "held", "--help")
    assert result.exit_code == 0 and "held" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--at", "someday"], 2, "pm: cannot read time 'someday'"),
        (["--at", "2024-01-19 10:00"], 2, "is in the past; schedule the review ahead"),
        (["--at", "2024-01-22 10:00", "--duration", "1 fortnight"], 2, "cannot read --duration"),
        (["--at", "2024-01-22 10:00", "--duration", "9h"], 2, "at most 8h"),
        (["--at", "2024-01-22 10:00", "--duration", "0m"], 2, "more than 0m"),
        (["--at", "2024-01-22 10:00", "--attendees", "zed"], 2, "'zed' is neither an email"),
        (["--at", "2024-01-22 10:00", "--attendees", "a@b"], 2, "'a@b' is not an email"),
        (["--at", "2024-01-22 10:00", "-o", "nowhere/x.ics"], 2, "folder nowhere does not"),
        (["--at", "2024-01-22 10:00", "-o", "postmortems/x.ics"], 2, "postmortems folder"),
    ],
)
def test_mistakes_are_one_line_errors_and_change_nothing(
    repo: Repo, cli: CliRunnerCall, args: list[str], code: int, message: str
) -> None:
    postmortem_id = _resolved(repo, cli)
    before = repo.commit_count()
    result = cli("review", "schedule", postmortem_id, *args)
    assert result.exit_code == code, result.stderr
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert repo.commit_count() == before
    assert not list(repo.path.rglob("*.ics"))


def test_unknown_id(repo: Repo, cli: CliRunnerCall) -> None:
    _resolved(repo, cli)
    result = cli("review", "schedule", "2024-09-09-nothing", "--at", "2024-01-22 10:00")
    assert result.exit_code == 3 and result.stderr.startswith("pm: ")


def test_refusals_follow_the_lifecycle(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / ".pm.toml").write_text(PEOPLE, encoding="utf-8")
    minor = cli.ok("open", "Slow page", "-s", "SEV-3", "--started", "2024-01-20T08:00")
    minor_id = minor.stdout.split("\t")[0]
    cli.ok("resolve", minor_id, "--at", "2024-01-20T09:00")
    result = cli("review", "schedule", minor_id, "--at", "2024-01-22 10:00")
    assert result.exit_code == 3
    assert result.stderr == (
        f"pm: {minor_id} is SEV-3, which requires no postmortem review; nothing to schedule\n"
    )
    active = cli.ok("open", "Disk full", "-s", "SEV-1", "--started", "2024-01-20T08:00")
    active_id = active.stdout.split("\t")[0]
    result = cli("review", "schedule", active_id, "--at", "2024-01-22 10:00")
    assert result.exit_code == 3
    assert result.stderr == f"pm: {active_id} is still active; resolve it first (pm resolve)\n"
    cli.ok("review", minor_id, "--at", "2024-01-20T11:00")  # a SEV-3 needs no write-up
    result = cli("review", "schedule", minor_id, "--at", "2024-01-22 10:00")
    assert result.exit_code == 3
    assert result.stderr == (
        f"pm: {minor_id} is already reviewed, review held 2024-01-20T11:00:00Z; "
        "nothing to schedule\n"
    )
    assert not list(repo.path.glob("*.ics"))


def test_a_held_index_lock_is_exit_4_and_nothing_is_written(repo: Repo, cli: CliRunnerCall) -> None:
    postmortem_id = _resolved(repo, cli)
    before = repo.read(f"postmortems/2024/{postmortem_id}.md")
    lock = repo.path / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    try:
        result = cli("review", "schedule", postmortem_id, "--at", "2024-01-22 10:00")
    finally:
        lock.unlink()
    assert result.exit_code == 4
    assert result.stderr.startswith("pm: ") and result.stderr.count("\n") == 1
    assert repo.read(f"postmortems/2024/{postmortem_id}.md") == before
    assert not list(repo.path.glob("*.ics"))


def test_bad_review_attendees_in_the_config_are_one_line_errors(
    repo: Repo, cli: CliRunnerCall
) -> None:
    (repo.path / ".pm.toml").write_text('[review]\nattendees = ["nobody"]\n', encoding="utf-8")
    result = cli("list")
    assert result.exit_code == 3
    assert "review.attendees: 'nobody' has no email in [people]" in result.stderr
    (repo.path / ".pm.toml").write_text('[review]\nattendees = "x"\n', encoding="utf-8")
    assert "review.attendees must be a list" in cli("list").stderr


def test_installed_pm_writes_the_invite(repo: Repo, cli: CliRunnerCall) -> None:
    """One run of the installed console script, as a user's shell runs it."""
    postmortem_id = _resolved(repo, cli)
    result = run_pm(repo.path, "review", "schedule", postmortem_id, "--at", "2024-01-22 15:00")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{postmortem_id}-review.ics\n"
    assert _event(repo.path / result.stdout.strip())["SEQUENCE"] == 0


# --- pm overdue: a required review that is not on its way ---------------------------------


def test_overdue_reports_an_unscheduled_review_until_it_is_scheduled(
    repo: Repo, cli: CliRunnerCall
) -> None:
    postmortem_id = _resolved(repo, cli)  # due 2024-01-22; PM_NOW is 2024-01-20
    result = cli("overdue", "--json")
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["kind"], finding["id"], finding["due"]) == (
        "review-unscheduled",
        postmortem_id,
        "2024-01-22",
    )
    assert finding["days_late"] == -2 and finding["escalated"] is False
    assert finding["message"] == (
        f"The postmortem review of {postmortem_id} (SEV-1), due 2024-01-22, is not scheduled "
        f"(pm review schedule {postmortem_id} --at TIME): Database pool exhausted"
    )
    assert cli("overdue", "--fail-on", "escalated").exit_code == 0  # never escalated
    text = cli("overdue").stdout
    assert "\treview-unscheduled\t" in text and "\tin 2d\tunscheduled\t" in text
    github = cli("overdue", "-f", "github").stdout
    assert github.startswith(
        f"::warning file=postmortems/2024/{postmortem_id}.md,line=10,"
        "title=Postmortem review not scheduled::"
    )
    assert "| - | review-unscheduled |" in cli("overdue", "-f", "md").stdout
    slack = cli("overdue", "-f", "slack").stdout
    assert "is not scheduled (pm review schedule" in slack
    assert (
        f"{postmortem_id} review-unscheduled (unscheduled)" in cli("overdue", "-f", "teams").stdout
    )
    assert "- [unscheduled] The postmortem review of" in cli("overdue", "-f", "email").stdout

    cli.ok("review", "schedule", postmortem_id, "--at", "2024-01-22 15:00", "-o", "-")
    done = cli("overdue")
    assert (done.exit_code, done.stderr) == (0, "Nothing is late as of 2024-01-20.\n")


def test_overdue_reports_a_review_scheduled_after_its_due_date(
    repo: Repo, cli: CliRunnerCall
) -> None:
    postmortem_id = _resolved(repo, cli)
    cli.ok("review", "schedule", postmortem_id, "--at", "2024-01-25 10:00", "-o", "-")
    result = cli("overdue", "--json")
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["kind"] == "review-scheduled-late"
    assert finding["message"] == (
        f"The postmortem review of {postmortem_id} (SEV-1), due 2024-01-22, is scheduled "
        "3 days after it, on 2024-01-25: Database pool exhausted"
    )
    assert (
        "title=Postmortem review scheduled after its due date::"
        in cli("overdue", "-f", "github").stdout
    )
    # Past the due date, the review is late, whatever is scheduled: the one review finding.
    late = json.loads(cli("overdue", "--as-of", "2024-01-24", "--json").stdout)["findings"]
    assert [(f["kind"], f["days_late"]) for f in late] == [("review", 2)]
    # As of a day before the incident was over there is nothing to schedule yet.
    assert cli("overdue", "--as-of", "2024-01-19").exit_code == 0


def test_overdue_leaves_out_reviews_not_required_or_held(repo: Repo, cli: CliRunnerCall) -> None:
    minor = cli.ok("open", "Slow page", "-s", "SEV-3", "--started", "2024-01-20T08:00")
    cli.ok("resolve", minor.stdout.split("\t")[0], "--at", "2024-01-20T09:00")
    assert cli("overdue").exit_code == 0
