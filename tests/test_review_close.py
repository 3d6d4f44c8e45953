"""pm review and pm close: completeness, refusals, the SEV-3 shortcut, forced closes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import yaml

from conftest import CliRunnerCall, Repo
from pm.sections import section_text
from prose import COMPLETE, fill_sections


def front(repo: Repo, postmortem_id: str) -> dict[str, object]:
    data = yaml.safe_load(repo.read(f"postmortems/2024/{postmortem_id}.md").split("---\n")[1])
    assert isinstance(data, dict)
    return data


def _ready(repo: Repo, cli: CliRunnerCall, postmortem_id: str) -> None:
    """Resolved, prose written (committed by hand), one action item."""
    cli.ok("resolve", postmortem_id, "Pool resized", "--at", "2024-01-15T16:05")
    fill_sections(repo.postmortem_path(postmortem_id), COMPLETE)
    repo.git("commit", "--quiet", "-am", "Write the postmortem")
    cli.ok("action", "add", postmortem_id, "Alert on pool saturation", "--owner", "alice")


def test_review_of_a_fresh_incident_lists_everything_missing(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    before = repo.commit_count()
    result = cli("review", opened)
    assert result.exit_code == 3
    assert result.stderr == (
        f"pm: {opened} is not ready for review (SEV-1 requires a postmortem): "
        "the incident is not resolved (pm resolve); section 'Summary' is empty; "
        "section 'Root Cause' is empty; sections 'Contributing Factors' and "
        "'What Went Poorly' are both empty; no action items (pm action add)\n"
    )
    assert repo.commit_count() == before


@pytest.mark.parametrize(
    ("sections", "missing"),
    [
        ({"Summary": "x", "Root Cause": "y"}, "'Contributing Factors' and 'What Went Poorly'"),
        ({"Summary": "x", "What Went Poorly": "z"}, "section 'Root Cause' is empty"),
        ({"Root Cause": "y", "Contributing Factors": "z"}, "section 'Summary' is empty"),
    ],
)
def test_review_names_the_empty_section(
    repo: Repo, cli: CliRunnerCall, opened: str, sections: dict[str, str], missing: str
) -> None:
    cli.ok("resolve", opened, "--at", "2024-01-15T16:05")
    cli.ok("action", "add", opened, "x", "--owner", "a")
    fill_sections(repo.postmortem_path(opened), sections)
    result = cli("review", opened)
    assert result.exit_code == 3
    assert missing in result.stderr
    assert "not resolved" not in result.stderr and "no action items" not in result.stderr


def test_placeholder_comments_do_not_count(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    body = repo.read(f"postmortems/2024/{opened}.md")
    assert "<!-- What happened" in body
    assert section_text(body, "Summary") == ""
    assert section_text(body, "Impact") == ""


def test_review_when_complete(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    _ready(repo, cli, opened)
    result = cli.ok("review", opened, "--at", "2024-01-17T10:00")
    assert result.stderr == (
        f"Review of {opened} recorded, held 2024-01-17 10:00 UTC, on time (due 2024-01-17); "
        "committed.\n"
        "\nSimilar past incidents (by root cause)\n  none found\n"
    )
    data = front(repo, opened)
    assert data["status"] == "reviewed"
    assert data["review"] == {
        "due": date(2024, 1, 17),
        "held": datetime(2024, 1, 17, 10, tzinfo=UTC),
    }
    assert repo.subjects()[0] == f"pm: review {opened} (held 2024-01-17)"
    again = cli("review", opened)
    assert again.exit_code == 3
    assert "is already reviewed (review held 2024-01-17T10:00:00Z)" in again.stderr


def test_review_before_resolution_time_is_refused(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    _ready(repo, cli, opened)
    result = cli("review", opened, "--at", "2024-01-15T15:00")
    assert result.exit_code == 2
    assert "is before the incident was resolved (2024-01-15T16:05:00Z)" in result.stderr


def test_sev3_review_needs_no_document_but_a_resolution(repo: Repo, cli: CliRunnerCall) -> None:
    minor = cli.ok("open", "Slow admin page", "-s", "SEV-3").stdout.split("\t")[0]
    active = cli("review", minor)
    assert active.exit_code == 3
    assert active.stderr == f"pm: {minor} is not resolved yet (pm resolve)\n"
    cli.ok("resolve", minor)
    cli.ok("review", minor)
    assert front(repo, minor)["status"] == "reviewed"


def test_close_refusals_then_close(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    active = cli("close", opened)
    assert active.exit_code == 3
    assert active.stderr == f"pm: {opened} is still active; resolve it first (pm resolve)\n"
    _ready(repo, cli, opened)
    cli.ok("action", "add", opened, "Load test", "--owner", "bob", "--due", "2024-01-25")
    cli.ok("action", "start", opened, "2")
    before = repo.commit_count()
    blocked = cli("close", opened)
    assert blocked.exit_code == 3
    assert blocked.stderr == (
        f"pm: cannot close {opened}: action item 1 is open (alice, due 2024-02-19); "
        "action item 2 is in-progress (bob, due 2024-01-25); the review is not held "
        "(SEV-1 requires one: pm review) (or close anyway with --force --reason TEXT)\n"
    )
    cli.ok("action", "done", opened, "1")
    cli.ok("action", "wont-do", opened, "2", "--reason", "Covered by the new alert")
    unreviewed = cli("close", opened)
    assert unreviewed.exit_code == 3
    assert "action item" not in unreviewed.stderr
    assert "the review is not held (SEV-1 requires one: pm review)" in unreviewed.stderr
    cli.ok("review", opened)
    assert repo.commit_count() == before + 3
    closed = cli.ok("close", opened)
    assert closed.stderr == f"Closed {opened}; committed.\n"
    data = front(repo, opened)
    assert data["status"] == "closed"
    assert str(data["closed"]["at"]).startswith("2024-01-20")  # type: ignore[index]
    assert "forced" not in data["closed"]  # type: ignore[operator]
    assert repo.subjects()[0] == f"pm: close {opened}"
    again = cli("close", opened)
    assert again.exit_code == 3
    assert again.stderr == f"pm: {opened} is already closed\n"
    refused = cli("action", "reopen", opened, "1")
    assert refused.exit_code == 3
    assert f"{opened} is closed" in refused.stderr
    # A follow-up found later is allowed (tests/test_action_edit.py): it opens it again.


def test_sev3_closes_straight_from_resolved(repo: Repo, cli: CliRunnerCall) -> None:
    minor = cli.ok("open", "Slow admin page", "-s", "SEV-3").stdout.split("\t")[0]
    cli.ok("resolve", minor)
    cli.ok("close", minor)
    assert front(repo, minor)["status"] == "closed"


def test_sev3_with_open_items_is_refused(repo: Repo, cli: CliRunnerCall) -> None:
    minor = cli.ok("open", "Slow admin page", "-s", "SEV-3").stdout.split("\t")[0]
    cli.ok("resolve", minor)
    cli.ok("action", "add", minor, "Add an index", "-o", "dba")
    result = cli("close", minor)
    assert result.exit_code == 3
    assert "action item 1 is open" in result.stderr
    assert "review" not in result.stderr


def test_forced_close_records_the_reason(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("resolve", opened, "--at", "2024-01-15T16:05")
    cli.ok("action", "add", opened, "Rewrite the pool", "--owner", "alice")
    no_reason = cli("close", opened, "--force")
    assert no_reason.exit_code == 2
    assert no_reason.stderr == "pm: --force needs --reason: say why it is closed anyway\n"
    reason_only = cli("close", opened, "--reason", "because")
    assert reason_only.exit_code == 2
    reason = "Service retired\n\nPm-Operation: forged"
    result = cli.ok("close", opened, "--force", "--reason", reason)
    assert result.stderr == f"Closed {opened} (forced); committed.\n"
    data = front(repo, opened)
    assert data["status"] == "closed"
    assert data["closed"]["forced"] is True  # type: ignore[index]
    assert data["closed"]["reason"] == "Service retired Pm-Operation: forged"  # type: ignore[index]
    assert repo.subjects()[0] == f"pm: close {opened} (forced)"
    body = repo.git("log", "-1", "--format=%b").splitlines()
    assert body[:3] == [
        "Reason: Service retired Pm-Operation: forged",
        "Closed despite: action item 1 is open (alice, due 2024-02-19)",
        "Closed despite: the review is not held (SEV-1 requires one: pm review)",
    ]
    operations = repo.git("log", "-1", "--format=%(trailers:key=Pm-Operation,valueonly)")
    assert operations.split() == ["close"]
    shown = cli.ok("show", opened).stdout
    assert "closed    2024-01-20 12:00 UTC (forced: Service retired" in shown
    # Items can still be finished after a forced close.
    cli.ok("action", "done", opened, "1")


def test_review_lists_earlier_incidents_with_the_same_root_cause(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    earlier = cli.ok(
        "open", "Payments pool saturated", "-s", "SEV-2", "--started", "2024-01-02T09:00"
    ).stdout.split("\t")[0]
    cli.ok("resolve", earlier, "--at", "2024-01-02T10:00")
    fill_sections(
        repo.postmortem_path(earlier),
        {"Root Cause": "The connection pool size was fixed at 10 and traffic doubled."},
    )
    repo.git("commit", "--quiet", "-am", "Write the earlier postmortem")
    _ready(repo, cli, opened)
    result = cli.ok("review", opened, "--at", "2024-01-17T10:00")
    similar = result.stderr.split("Similar past incidents (by root cause)\n", 1)[1]
    assert similar.startswith(f"  {earlier}  Payments pool saturated  (shared: ")
