"""Text typed into a generated table is never dropped: adopted, or the command refuses.

A person pastes the timeline from chat into the timeline table, or adds an action row.
The next pm change adopts the rows into the front matter (a notice on stderr, a line in
the commit body) or, when a row cannot be read (or a row of pm's was edited), refuses
before writing anything and names the rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conftest import CliRunnerCall, Repo
from lintclean import LINT_ARGS, findings
from pm import blockedits, markdown
from pm.model import Event, Postmortem

END = "\n\n<!-- pm:end timeline -->"
PRIORITIES = {"P0": 7, "P1": 30, "P2": 90}


def paste(repo: Repo, pid: str, rows: str, block: str = "timeline", commit: bool = False) -> None:
    path = repo.postmortem_path(pid)
    text = path.read_text(encoding="utf-8")
    end = f"\n\n<!-- pm:end {block} -->"
    assert end in text
    path.write_text(text.replace(end, "\n" + rows.rstrip("\n") + end), encoding="utf-8")
    if commit:
        repo.git("commit", "--quiet", "-am", "pasted from chat")


def front(repo: Repo, pid: str) -> str:
    return repo.postmortem_path(pid).read_text(encoding="utf-8").split("\n---\n")[0]


@pytest.mark.parametrize("committed", [False, True], ids=["uncommitted", "committed-by-hand"])
def test_pasted_timeline_rows_are_adopted(
    repo: Repo, cli: CliRunnerCall, opened: str, committed: bool
) -> None:
    paste(
        repo,
        opened,
        "| 2024-01-15 14:20 | acknowledged | Paged the DBA |\n"
        "| 14:31 | Pool \\| size at 10 |\n"
        "[14:40] alice: restarted the *pool*\n"
        "2:45pm - error rate back to normal\n",
        commit=committed,
    )
    result = cli.ok(
        "event", opened, "Raised the pool size", "-k", "mitigated", "--at", "2024-01-15T14:35"
    )
    assert "Adopted from the timeline table: 2024-01-15T14:20:00Z acknowledged: Paged" in (
        result.stderr
    )
    text = repo.postmortem_path(opened).read_text(encoding="utf-8")
    for row in (
        "| 2024-01-15 14:20 | acknowledged | Paged the DBA |",
        "| 2024-01-15 14:31 | note | Pool \\| size at 10 |",
        "| 2024-01-15 14:35 | mitigated | Raised the pool size |",
        "| 2024-01-15 14:40 | note | alice: restarted the \\*pool\\* |",
        "| 2024-01-15 14:45 | note | error rate back to normal |",
    ):
        assert row in text
    assert "text: 'alice: restarted the *pool*'" in text or "alice: restarted the *pool*" in text
    assert "[14:40]" not in text  # the pasted line became a row
    # Where the adoption is recorded: the hand edit (uncommitted paste) or pm's commit.
    adopting = "HEAD~1" if not committed else "HEAD"
    body = repo.git("log", "-1", "--format=%B", adopting)
    assert "Adopted from the timeline table: 2024-01-15T14:31:00Z note: Pool | size at 10" in body
    assert repo.git("status", "--porcelain") == ""
    assert findings(cli(*LINT_ARGS).stdout) == []


def test_an_action_row_is_adopted(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("action", "add", opened, "Alert on pool saturation", "--owner", "bob")
    paste(repo, opened, "| | P2 | Load test the pool | carol | 2024-03-01 | |", block="actions")
    result = cli.ok("event", opened, "Noted", "--at", "2024-01-15T14:30")
    assert "Adopted from the action-items table: #2 P2 carol: Load test the pool" in result.stderr
    assert "| 2 | P2 | Load test the pool | carol | 2024-03-01 | open |" in (
        repo.read(f"postmortems/2024/{opened}.md")
    )


def test_a_row_pm_cannot_read_is_refused_and_named(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    paste(repo, opened, "| 14:20 | Paged the DBA |\n| soon | we will know more |")
    path = repo.postmortem_path(opened)
    before, head = path.read_bytes(), repo.git("rev-parse", "HEAD")
    result = cli("event", opened, "Noted", "--at", "2024-01-15T14:30")
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1
    assert "text typed into a generated table that pm cannot adopt" in result.stderr
    assert "`| soon | we will know more |`: cannot read the time 'soon'" in result.stderr
    line = before.decode().splitlines().index("| soon | we will know more |") + 1
    assert f"line {line} " in result.stderr
    assert "pm lint --fix --discard-block-edits" in result.stderr
    assert path.read_bytes() == before
    assert repo.git("rev-parse", "HEAD") == head


def test_an_edited_row_of_pms_is_refused(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8")
    edited = text.replace("| started | Incident started |", "| started | Customer call |")
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    result = cli("event", opened, "Noted", "--at", "2024-01-15T14:30")
    assert result.exit_code == 3
    line = edited.splitlines().index("| 2024-01-15 14:05 | started | Customer call |") + 1
    assert (
        f"line {line} `| 2024-01-15 14:05 | started | Customer call |`: a row of pm's edited "
        "in place (Event 'Incident started' -> 'Customer call'); change it with pm event edit"
    ) in result.stderr
    path.write_text(edited.replace("| started |", "| detected |"), encoding="utf-8")
    result = cli("event", opened, "Noted", "--at", "2024-01-15T14:30")
    assert result.exit_code == 3
    assert "(Kind 'started' -> 'detected', Event 'Incident started' -> 'Customer call')" in (
        result.stderr
    )


def test_a_formatted_table_is_pms_own(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    """An editor that aligns the columns (and its separator) changes no row."""
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8")
    text = text.replace("| --- | --- | --- |", "|:-----------------|---------|-----|")
    text = text.replace("| 2024-01-15 14:05 | started |", "|  2024-01-15 14:05   |  started  |")
    path.write_text(text, encoding="utf-8")
    result = cli.ok("event", opened, "Noted", "--at", "2024-01-15T14:30")
    assert "Adopted" not in result.stderr


def test_a_formatted_table_is_in_sync_for_lint(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    """A formatter hook (prettier and its kin) that pads the cells of every table pm
    commits leaves the same rows: pm lint does not call the table out of date."""
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8")
    aligned = text.replace("| --- | --- | --- |", "|:-----------------|---------|-----|")
    aligned = aligned.replace(
        "| 2024-01-15 14:05 | started |", "|  2024-01-15 14:05   |  started  |"
    )
    assert aligned != text
    path.write_text(aligned, encoding="utf-8")
    assert "blocks.out-of-sync" not in cli("lint").stdout
    edited = aligned.replace("|  started  |", "|  detected  |")  # a cell changed: out of date
    path.write_text(edited, encoding="utf-8")
    assert "blocks.out-of-sync" in cli("lint").stdout


def test_an_event_deleted_from_the_front_matter_is_not_adopted_back(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    """The table is stale after a hand edit of the YAML; its old rows are pm's, not typed."""
    cli.ok("event", opened, "Wrong incident", "--at", "2024-01-15T14:20")
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8")
    text = text.replace("- at: 2024-01-15T14:20:00Z\n  kind: note\n  text: Wrong incident\n", "")
    path.write_text(text, encoding="utf-8")
    cli.ok("event", opened, "Noted", "--at", "2024-01-15T14:30")
    assert "Wrong incident" not in path.read_text(encoding="utf-8")


def test_typed_rows_committed_by_hand_survive_the_next_change(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    """Rows typed and committed are adopted by the next change, never re-rendered away."""
    paste(repo, opened, "| 2024-01-15 14:50 | note | Typed and committed |", commit=True)
    cli.ok("action", "add", opened, "Add an alert", "--owner", "bob")
    assert "text: Typed and committed" in front(repo, opened)


# --- the rules, directly ---------------------------------------------------------------------


def incident() -> Postmortem:
    postmortem = Postmortem(id="2024-01-15-x", title="X", severity="SEV-2")
    postmortem.add_event(Event(datetime(2024, 1, 15, 23, 40, tzinfo=UTC), "started", "Opened"))
    return postmortem


def body(postmortem: Postmortem, rows: str) -> str:
    """The timeline block as pm renders it, with ``rows`` typed below its table."""
    table = markdown.timeline_table(postmortem.timeline)
    return f"<!-- pm:begin timeline -->\n\n{table}\n{rows}\n\n<!-- pm:end timeline -->\n"


def adopt(postmortem: Postmortem, rows: str) -> blockedits.Adoption:
    text = body(postmortem, rows)
    return blockedits.adopt(postmortem, text, priorities=PRIORITIES, today=date(2024, 1, 20))


def test_times_past_midnight_roll_to_the_next_day() -> None:
    postmortem = incident()
    result = adopt(postmortem, "23:50 failover started\n00:10 failover done\n00:05:30Z late note")
    assert result.problems == []
    assert [e.at.isoformat() for e in postmortem.timeline[1:]] == [
        "2024-01-15T23:50:00+00:00",
        "2024-01-16T00:05:30+00:00",
        "2024-01-16T00:10:00+00:00",
    ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("| 14:05 PST | x |", "cannot read the time '14:05 PST'"),
        ("| 2024-01-15 23:50 | resolved | fixed |", "use `pm resolve`"),
        ("| 2024-01-15 23:50 | started | again |", "already started at"),
        ("| 2024-01-15 23:50 | paging | x |", "unknown kind 'paging'"),
        ("| 2024-01-15 23:50 | a | b | c |", "2 or 3 columns"),
        ("| 2024-01-14 10:00 | note | before |", "before the incident started"),
        ("just words", "no time at its start"),
        ("| 13pm | x |", "not an hour on a 12-hour clock"),
    ],
)
def test_rows_pm_cannot_adopt(row: str, reason: str) -> None:
    postmortem = incident()
    result = adopt(postmortem, row)
    assert [p.row for p in result.problems] == [row.strip()]
    assert reason in result.problems[0].reason
    assert len(postmortem.timeline) == 1  # nothing adopted from a block with a problem


def test_time_only_rows_need_a_date_once_the_incident_spans_days() -> None:
    postmortem = incident()
    postmortem.add_event(Event(datetime(2024, 1, 16, 2, 0, tzinfo=UTC), "note", "next day"))
    result = adopt(postmortem, "| 03:00 | later |")
    assert "give the date" in result.problems[0].reason


def test_a_pasted_table_header_and_duplicates_are_not_events() -> None:
    postmortem = incident()
    rows = (
        "| 2024-01-15 23:40 | started | Opened |\n"
        "| When | What |\n|---|---|\n| 2024-01-15 23:45 | Paged |\n"
        "| 2024-01-15 23:40 | started | Opened |"
    )
    result = adopt(postmortem, rows)
    assert result.problems == []
    assert [e.text for e in postmortem.timeline] == ["Opened", "Paged"]
    assert any("repeat what the front matter already holds" in n for n in result.notes)
