"""Files written by people and other tools: read correctly, and changed minimally.

A person's file has comments, keys in their own order, other tools' keys (also inside
events and action items), times with offsets or without seconds, dates quoted or not,
indented lists, CRLF line endings, tabs in the prose and no final newline. pm reads all
of it, and a change (an event, a resolve) adds or replaces only the lines of the values
that changed: ``git diff --numstat`` counts exactly those, every comment and the key order
survive (see ``pm/frontmatter/splice.py``).
"""

from __future__ import annotations

import json

import pytest

from conftest import CliRunnerCall, Repo

PID = "2024-01-15-checkout-down"

HAND_WRITTEN = """\
---
# Postmortem for the checkout outage, written in an editor.
title: 'Checkout down'   # keep it short
id: 2024-01-15-checkout-down
severity: SEV-2
status: active
services: [payments, checkout]
owner-team: payments            # not a pm key
timeline:
  - at: 2024-01-15 16:05:00+02:00
    kind: started
    text: Alerts fired
    source: pagerduty           # another tool's key in an event
  # detection came from a customer
  - at: 2024-01-15T14:30Z
    kind: detected
  - at: "2024-01-15 14:45"
    kind: acknowledged
    text: "Paged: on-call"
review:
  due: null
actions:
- number: 1
  text: Alert on checkout errors
  owner: bob
  priority: P1
  due: '2024-02-01'
  status: open
  jira: {key: PAY-1, labels: [alerting, checkout]}
- status: done
  number: 2
  priority: P2
  text: Runbook
  owner: alice
  due: 2024-01-30
  done: 2024-01-18
---
## Summary

Checkout\twas down.\tTabs stay.

## Root Cause

Still being written"""


def write(repo: Repo, text: str, newline: str = "\n") -> bytes:
    path = repo.postmortem_path(PID)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = text.replace("\n", newline).encode("utf-8")
    path.write_bytes(raw)
    repo.git("add", "-A")
    repo.git("commit", "--quiet", "-m", "written by hand")
    return raw


def numstat(repo: Repo) -> tuple[int, int]:
    added, deleted, _ = repo.git("diff", "--numstat", "HEAD~1", "HEAD").split("\t")
    return int(added), int(deleted)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_hand_written_file_reads_correctly(repo: Repo, cli: CliRunnerCall, newline: str) -> None:
    write(repo, HAND_WRITTEN, newline)
    data = json.loads(cli.ok("show", PID, "--json").stdout)
    assert data["title"] == "Checkout down"
    assert data["services"] == ["payments", "checkout"]
    assert data["owner-team"] == "payments"
    assert data["timeline"] == [
        {
            "number": 1,
            "at": "2024-01-15T14:05:00Z",
            "kind": "started",
            "text": "Alerts fired",
            "source": "pagerduty",
        },
        {"number": 2, "at": "2024-01-15T14:30:00Z", "kind": "detected"},
        {
            "number": 3,
            "at": "2024-01-15T14:45:00Z",
            "kind": "acknowledged",
            "text": "Paged: on-call",
        },
    ]
    assert data["actions"][0]["due"] == "2024-02-01"
    assert data["actions"][0]["jira"] == {"key": "PAY-1", "labels": ["alerting", "checkout"]}
    assert data["actions"][1]["done"] == "2024-01-18"
    assert data["metrics"]["time_to_detect_minutes"] == 25 or "metrics" in data
    listed = cli.ok("list").stdout
    assert listed.startswith(f"{PID}\tSEV-2\tactive\t")


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_an_event_adds_only_its_own_lines(repo: Repo, cli: CliRunnerCall, newline: str) -> None:
    before = write(repo, HAND_WRITTEN, newline).decode("utf-8")
    cli.ok("event", PID, "Rolled back", "--at", "2024-01-15T15:00")
    assert numstat(repo) == (3, 0)
    after = repo.postmortem_path(PID).read_bytes().decode("utf-8")
    added = newline.join(
        ["  - at: 2024-01-15T15:00:00Z", "    kind: note", "    text: Rolled back", ""]
    )
    anchor = f'    text: "Paged: on-call"{newline}'
    assert after == before.replace(anchor, anchor + added)
    # The second change is as small: an event before the others goes to its place.
    cli.ok("event", PID, "Deploy started", "--at", "2024-01-15T14:10")
    assert numstat(repo) == (3, 0)
    text = repo.postmortem_path(PID).read_text(encoding="utf-8")
    assert text.index("Deploy started") < text.index("# detection came from a customer")


def test_resolve_changes_only_status_review_and_its_event(repo: Repo, cli: CliRunnerCall) -> None:
    before = write(repo, HAND_WRITTEN).decode("utf-8")
    cli.ok("resolve", PID, "Fixed", "--at", "2024-01-15T16:00")
    # status: 1 line replaced; review.due: 1 line replaced (held: null added); 3 event lines.
    assert numstat(repo) == (6, 2)
    after = repo.postmortem_path(PID).read_text(encoding="utf-8")
    for line in before.splitlines():
        if line not in ("status: active", "  due: null"):
            assert line in after.splitlines(), f"lost: {line!r}"
    assert "status: resolved\n" in after
    assert "review:\n  due: 2024-01-17\n  held: null\n" in after


def test_canonical_files_get_minimal_diffs_too(repo: Repo, cli: CliRunnerCall) -> None:
    pid = cli.ok("open", "Canonical", "-s", "SEV-3", "--started", "2024-01-19T10:00").stdout
    pid = pid.split("\t")[0]
    cli.ok("event", pid, "First", "--at", "2024-01-19T10:30")
    # 3 front-matter lines plus one timeline table row.
    added, deleted, _ = repo.git("diff", "--numstat", "HEAD~1", "HEAD").split("\t")
    assert (int(added), int(deleted)) == (4, 0)


def test_unspliceable_layouts_fall_back_to_the_canonical_form(
    repo: Repo, cli: CliRunnerCall
) -> None:
    """A flow-style timeline cannot be spliced: pm rewrites that key, and only that key."""
    text = HAND_WRITTEN.replace(
        "timeline:\n  - at: 2024-01-15 16:05:00+02:00\n    kind: started\n    text: Alerts fired\n"
        "    source: pagerduty           # another tool's key in an event\n"
        "  # detection came from a customer\n  - at: 2024-01-15T14:30Z\n    kind: detected\n"
        '  - at: "2024-01-15 14:45"\n    kind: acknowledged\n    text: "Paged: on-call"\n',
        "timeline: [{at: 2024-01-15T14:05:00Z, kind: started}]\n",
    )
    before = write(repo, text).decode("utf-8")
    cli.ok("event", PID, "Rolled back", "--at", "2024-01-15T15:00")
    after = repo.postmortem_path(PID).read_text(encoding="utf-8")
    assert "# Postmortem for the checkout outage" in after
    assert (
        "timeline:\n- at: 2024-01-15T14:05:00Z\n  kind: started\n- at: 2024-01-15T15:00:00Z"
        in after
    )
    assert numstat(repo) == (6, 1)
    assert before.count("\n") + 5 == after.count("\n")


def test_a_raw_control_character_is_named_with_its_line(repo: Repo, cli: CliRunnerCall) -> None:
    write(repo, HAND_WRITTEN.replace("Paged: on-call", "Paged:\x7f on-call"))
    result = cli("show", PID)
    assert result.exit_code == 3
    assert result.stderr == (
        f"pm: postmortems/2024/{PID}.md:19: invalid YAML: control character U+007F "
        "is not allowed (write it as an escape)\n"
    )


def test_tabs_indenting_yaml_are_reported_with_the_line(repo: Repo, cli: CliRunnerCall) -> None:
    write(repo, HAND_WRITTEN.replace("  owner: bob", "\towner: bob"))
    result = cli("show", PID)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"pm: postmortems/2024/{PID}.md:")
    assert "invalid YAML" in result.stderr and result.stderr.count("\n") == 1


def test_times_out_of_range_are_named_not_crashed_on(repo: Repo, cli: CliRunnerCall) -> None:
    write(repo, HAND_WRITTEN.replace("2024-01-15T14:30Z", "0001-01-01T00:00:00+01:00"))
    result = cli("show", PID)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"pm: postmortems/2024/{PID}.md:")
    assert "event 2 (at): " in result.stderr and "is out of range" in result.stderr


def test_early_years_are_written_so_they_read_back() -> None:
    """format_time pads the year (strftime's %Y gives '999' on Linux): it must read back."""
    from datetime import UTC, datetime

    from pm.model import _time
    from pm.timeparse import format_time

    moment = datetime(999, 1, 1, 10, 0, tzinfo=UTC)
    assert format_time(moment) == "0999-01-01T10:00:00Z"
    assert _time(format_time(moment), "at") == moment


def test_yaml_11_numbers_in_text_fields_stay_text(repo: Repo, cli: CliRunnerCall) -> None:
    """YAML 1.1 reads 14:05 as 845 and 0755 as 493; a person writing them means text."""
    text = HAND_WRITTEN.replace('text: "Paged: on-call"', "text: 14:05").replace(
        "owner: bob", "owner: 0755"
    )
    write(repo, text)
    data = json.loads(cli.ok("show", PID, "--json").stdout)
    assert data["timeline"][2]["text"] == "14:05"
    assert data["actions"][0]["owner"] == "0755"
    assert data["actions"][0]["number"] == 1


def test_a_repeated_key_is_refused_with_its_line(repo: Repo, cli: CliRunnerCall) -> None:
    """A careless merge resolution keeps both sides' ``text:`` of one action item.

    PyYAML keeps the last silently; pm would then rewrite the file without the first.
    """
    text = HAND_WRITTEN.replace(
        "  text: Alert on checkout errors\n",
        "  text: Alert on checkout errors\n  text: Alert on checkout and refund errors\n",
    )
    raw = write(repo, text)
    line = text.splitlines().index("  text: Alert on checkout and refund errors") + 1
    head = repo.git("rev-parse", "HEAD")
    for args in (["show", PID], ["event", PID, "after the merge", "--at", "2024-01-15T16:00"]):
        result = cli(*args)
        assert result.exit_code == 3, args
        assert result.stderr.startswith(f"pm: postmortems/2024/{PID}.md:{line}: "), args
        assert "text" in result.stderr and result.stderr.count("\n") == 1, args
    assert repo.postmortem_path(PID).read_bytes() == raw
    assert repo.git("rev-parse", "HEAD") == head
