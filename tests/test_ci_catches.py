"""What CI should have caught: a forgotten resolve, a follow-up reported before its due
date, a late review, and sections a team names its own way.

Through the CLI against real git, with files written as pm writes them (``factories``).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from conftest import CliRunnerCall, Repo
from factories import action, commit, fill, postmortem, write


def _config(repo: Repo, text: str) -> None:
    (repo.path / ".pm.toml").write_text(text, encoding="utf-8")


def _findings(cli: CliRunnerCall, as_of: str) -> list[dict[str, object]]:
    result = cli("overdue", "--as-of", as_of, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    findings: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return findings


# --- a forgotten resolve ----------------------------------------------------------------------


@pytest.fixture
def forgotten(repo: Repo) -> Repo:
    """A SEV-1 left active since 2024-03-04 14:05 UTC (resolved in fact, never in pm)."""
    write(repo.path, postmortem("2024-03-04-payments-down", "Payments down", status="active"))
    write(
        repo.path,
        postmortem("2024-03-04-slow-search", "Slow search", severity="SEV-3", status="active"),
    )
    commit(repo.path)
    return repo


def test_overdue_reports_an_incident_left_active(forgotten: Repo, cli: CliRunnerCall) -> None:
    assert _findings(cli, "2024-03-07") == []  # 72 hours end on 03-07 at 14:05
    stale = _findings(cli, "2024-03-08")
    assert [(f["kind"], f["id"], f["due"], f["days_late"]) for f in stale] == [
        ("stale", "2024-03-04-payments-down", "2024-03-07", 1)
    ]
    assert stale[0]["line"] == 5  # status: active
    assert stale[0]["message"] == (
        "2024-03-04-payments-down (SEV-1) is still active 4 days after it started on "
        "2024-03-04; a SEV-1 is stale after 72h (stale_hours): resolve it (pm resolve) if it "
        "is over: Payments down"
    )
    months = _findings(cli, "2024-06-30")
    assert {(f["id"], f["escalated"]) for f in months} == {
        ("2024-03-04-payments-down", True),
        ("2024-03-04-slow-search", True),  # SEV-3: 14 days by default
    }
    text = cli("overdue", "--as-of", "2024-06-30")
    assert text.exit_code == 1
    assert (
        "-\tstale\t2024-03-04-payments-down\t-\t-\t2024-03-07\t115d\tescalated\t"
        "postmortems/2024/2024-03-04-payments-down.md:5\tPayments down\n"
    ) in text.stdout
    github = cli("overdue", "--as-of", "2024-06-30", "--format", "github").stdout
    assert github.startswith(
        "::error file=postmortems/2024/2024-03-04-payments-down.md,line=5,"
        "title=Stale incident::2024-03-04-payments-down (SEV-1) is still active 118 days"
    )
    markdown = cli("overdue", "--as-of", "2024-06-30", "--format", "markdown").stdout
    assert (
        "| - | stale | 2024-03-04-payments-down | - | - | 2024-03-07 | 115 | yes | Payments down |"
    ) in markdown


def test_stale_hours_per_severity_and_zero_turns_it_off(
    forgotten: Repo, cli: CliRunnerCall
) -> None:
    _config(
        forgotten,
        "[severities.SEV-1]\nrequires_postmortem = true\nstale_hours = 0\n"
        "[severities.SEV-3]\nrequires_postmortem = false\nstale_hours = 24\n",
    )
    assert [(f["kind"], f["id"]) for f in _findings(cli, "2024-03-06")] == [
        ("stale", "2024-03-04-slow-search")
    ]


def test_resolving_ends_it(
    forgotten: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PM_NOW", "2024-03-08T12:00:00Z")
    cli.ok("resolve", "payments-down", "--at", "2024-03-04T16:00")
    cli.ok("resolve", "slow-search", "--at", "2024-03-04T16:00")
    assert [f["kind"] for f in _findings(cli, "2024-03-08")] == ["review"]


def test_lint_warns_about_an_incident_left_active(
    forgotten: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PM_NOW", "2024-03-06T12:00:00Z")
    assert cli.ok("lint").stdout == ""
    monkeypatch.setenv("PM_NOW", "2024-06-30T12:00:00Z")
    result = cli("lint")
    assert result.exit_code == 0  # a warning
    assert result.stdout.startswith(
        "postmortems/2024/2024-03-04-payments-down.md:5: warning: SEV-1 incident is still "
        "active 118 days after it started (stale after 72h) [lifecycle.stale]\n"
        "    suggestion: resolve it (pm resolve) if it is over; a longer incident can raise "
        "stale_hours in [severities.SEV-1]\n"
    )
    assert cli("lint", "--strict").exit_code == 1
    _config(forgotten, '[lint]\ndisable = ["lifecycle.stale"]\n')
    assert cli.ok("lint").stdout == ""


# --- the follow-up rule and the item's own due date -------------------------------------------


@pytest.fixture
def reviewed(repo: Repo) -> Repo:
    """The issue's case: reviewed 2018-10-30, a P1 item due 2018-12-01, a P0 due 11-15."""
    write(
        repo.path,
        postmortem(
            "2018-10-28-cache-stampede",
            "Cache stampede",
            status="reviewed",
            review_due="2018-10-30",
            review_held="2018-10-30T15:00",
            actions=[
                action(1, "Jitter cache expiry", "dana", "P1", due="2018-12-01"),
                action(2, "Request coalescing", "lee", "P0", due="2018-11-15"),
                action(3, "Runbook", "kim", "P2", due="2018-11-20"),
            ],
        ),
    )
    commit(repo.path)
    return repo


def test_an_item_is_not_late_before_its_own_due_date(reviewed: Repo, cli: CliRunnerCall) -> None:
    found = _findings(cli, "2018-11-30")  # 31 days after the review; item 1 due tomorrow
    assert [(f["kind"], f["item"], f["due"]) for f in found] == [
        ("follow-up", 2, "2018-11-15"),  # P0, late and open a month after the review
        ("action", 3, "2018-11-20"),  # P2: the follow-up rule is for P0 and P1
    ]
    assert found[0]["escalated"] is True and found[0]["days_late"] == 15
    assert found[0]["message"] == (
        "P0 action item 2 of 2018-10-28-cache-stampede (lee) is 15 days late (due "
        "2018-11-15) and still open 31 days after the review of 2018-10-30: Request coalescing"
    )
    first = _findings(cli, "2018-12-02")[0]
    assert (first["kind"], first["item"]) == ("follow-up", 1)


def test_action_list_overdue_and_overdue_agree_on_every_day(
    reviewed: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = date(2018, 11, 10)
    while day <= date(2018, 12, 5):
        monkeypatch.setenv("PM_NOW", f"{day.isoformat()}T12:00:00Z")
        listed = cli.ok("action", "list", "--overdue", "--json").stdout
        from_list = sorted(row["number"] for row in json.loads(listed))
        from_overdue = sorted(
            int(str(f["item"])) for f in _findings(cli, day.isoformat()) if f["item"] is not None
        )
        assert from_list == from_overdue, day
        day += timedelta(days=1)


# --- reviews: lateness and business days ------------------------------------------------------


def _write_sections(repo: Repo, postmortem_id: str, sections: dict[str, str]) -> None:
    path = repo.postmortem_path(postmortem_id)
    path.write_text(fill(path.read_text(encoding="utf-8"), sections), encoding="utf-8")
    repo.git("commit", "-qam", "Write the postmortem")


READY = {
    "Summary": "Checkout failed.",
    "Root Cause": "The pool was too small.",
    "Contributing Factors": "No alert.",
}


def test_review_says_it_is_late(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("resolve", opened, "--at", "2024-01-15T16:05")  # due 2024-01-17
    cli.ok("action", "add", opened, "Alert on the pool", "--owner", "alice")
    _write_sections(repo, opened, READY)
    result = cli.ok("review", opened, "--at", "2024-01-20T10:00")
    assert result.stderr.startswith(
        f"Review of {opened} recorded, held 10:00 UTC, 3 days after it was due on 2024-01-17; "
        "committed.\n"
    )


def test_review_business_days_skip_the_weekend(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config(repo, "[severities.SEV-1]\nrequires_postmortem = true\nreview_business_days = 2\n")
    monkeypatch.setenv("PM_NOW", "2024-01-26T20:00:00Z")  # a Friday
    cli.ok("open", "Checkout errors", "-s", "SEV-1", "--started", "2024-01-26T15:00")
    resolved = cli.ok("resolve", "checkout", "--at", "2024-01-26T17:00")
    assert "postmortem review due 2024-01-30" in resolved.stderr  # Tuesday, not Sunday
    assert [f["kind"] for f in _findings(cli, "2024-01-30")] == ["review-unscheduled"]
    assert [f["kind"] for f in _findings(cli, "2024-01-31")] == ["review"]


def test_review_hours_and_business_days_together_are_refused(
    repo: Repo, cli: CliRunnerCall
) -> None:
    _config(repo, "[severities.SEV-1]\nreview_hours = 24\nreview_business_days = 2\n")
    result = cli("list")
    assert result.exit_code == 3
    assert result.stderr == (
        "pm: .pm.toml: severities.SEV-1 sets both review_hours and review_business_days; keep one\n"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "[severities.SEV-1]\nstale_hours = -1\n",
            "severities.SEV-1.stale_hours must be a whole number >= 0, not -1",
        ),
        (
            '[severities.SEV-1]\nreview_business_days = "2"\n',
            "severities.SEV-1.review_business_days must be a whole number >= 0, not '2'",
        ),
        ('[review]\nrequire = ["Summary"]\n', "review must be a table of required and attendees"),
        (
            "[review]\nrequired = [[]]\n",
            'review.required must be a list of lists of headings like [["Summary"], '
            '["Root Cause", "5 Whys"]], not []',
        ),
        ('[review]\nrequired = "Summary"\n', "review.required must be a list like"),
    ],
)
def test_bad_settings_name_key_and_value(
    repo: Repo, cli: CliRunnerCall, content: str, message: str
) -> None:
    _config(repo, content)
    result = cli("list")
    assert result.exit_code == 3
    assert message in result.stderr


# --- the sections a review requires -----------------------------------------------------------

OWN_HEADINGS = """\
## Summary

Checkout failed for 30% of requests.

## 5 Whys

1. Why did checkout fail? The pool was exhausted.

## What Went Poorly

No alert fired.
"""

TEAM_CONFIG = (
    '[review]\nrequired = [["Summary"], ["Root Cause", "Root cause analysis", "5 Whys"], '
    '["Contributing Factors", "What Went Poorly"]]\n'
)


def _own_body(repo: Repo, postmortem_id: str) -> None:
    """Replace the template's prose with the team's own headings."""
    path = repo.postmortem_path(postmortem_id)
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("## Summary")
    tail = rest[rest.index("## Timeline") :]
    path.write_text(head + OWN_HEADINGS + "\n" + tail, encoding="utf-8")
    repo.git("commit", "-qam", "Write the postmortem")


def test_a_team_heading_satisfies_review_and_lint(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    cli.ok("resolve", opened, "--at", "2024-01-15T16:05")
    cli.ok("action", "add", opened, "Alert on the pool", "--owner", "alice")
    _own_body(repo, opened)
    refused = cli("review", opened)  # the default: Root Cause is required by that name
    assert refused.exit_code == 3
    assert refused.stderr == (
        f"pm: {opened} is not ready for review (SEV-1 requires a postmortem): "
        "section 'Root Cause' is empty\n"
    )
    _config(repo, TEAM_CONFIG)
    cli.ok("review", opened, "--at", "2024-01-17T10:00")
    assert cli.ok("lint").stdout == ""
    # The same definition in lint: without the team's config, the reviewed file is flagged.
    (repo.path / ".pm.toml").unlink()
    flagged = cli("lint", "--format", "json")
    assert [(f["rule"], f["message"]) for f in json.loads(flagged.stdout)["findings"]] == [
        ("lifecycle.section", "SEV-1 postmortem is reviewed but ## Root Cause is empty")
    ]


def test_required_sections_can_add_a_section(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    _config(repo, TEAM_CONFIG.replace("]]\n", '], ["Lessons Learned"]]\n'))
    cli.ok("resolve", opened, "--at", "2024-01-15T16:05")
    cli.ok("action", "add", opened, "Alert on the pool", "--owner", "alice")
    _own_body(repo, opened)
    refused = cli("review", opened)
    assert refused.exit_code == 3
    assert refused.stderr.endswith("section 'Lessons Learned' is empty\n")
