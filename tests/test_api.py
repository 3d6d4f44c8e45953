"""The Python API without the CLI: ``Workspace`` for changes, ``pm.queries`` for reading.

Every command is a function of plain values returning a typed result; these tests call
the functions the way a script would (the README's "Python API" section), on real git.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import Repo
from pm import commits, queries, similar
from pm.errors import DataError, UsageError
from pm.lint import LintResult, lint
from pm.workspace import Workspace
from prose import COMPLETE, fill_sections


@pytest.fixture
def ws(repo: Repo) -> Workspace:
    return Workspace.load(repo.path)


def opened(ws: Workspace, title: str = "Checkout API returns 500s", severity: str = "SEV-1") -> str:
    record = ws.open(title, severity, services=["checkout"], started="2024-01-15T14:05")
    return record.postmortem.id


def test_the_readme_example_open_event_resolve_overdue_lint(repo: Repo, ws: Workspace) -> None:
    record = ws.open("Checkout API returns 500s", "SEV-1", started="2024-01-15T14:05")
    pid = record.postmortem.id
    assert pid == "2024-01-15-checkout-api-returns-500s"
    ws.add_event(pid, "Rolled back the deploy", kind="mitigated", at="2024-01-15T14:40")
    resolved = ws.resolve(pid, "Error rate back to baseline", at="2024-01-15T15:05")
    assert resolved.postmortem.review.due == date(2024, 1, 17)
    ws.add_action(pid, "Alert on pool saturation", owner="alice", due="2024-02-01")

    late = queries.overdue(ws, as_of=date(2024, 3, 1))
    assert [(f.kind, f.postmortem_id, f.days_late) for f in late.findings] == [
        ("review", pid, 44),
        ("action", pid, 29),
    ]
    assert late.escalated == 2 and late.fails() and late.fails("escalated")
    assert not late.fails("never")
    # Not late yet (text, as the CLI takes it); the review is only not scheduled.
    early = queries.overdue(ws, as_of="2024-01-16").findings
    assert [(f.kind, f.days_late, f.escalated) for f in early] == [
        ("review-unscheduled", -1, False)
    ]

    result = lint(ws.config)
    assert isinstance(result, LintResult)
    assert (result.files, result.count("error")) == (1, 0)
    # Every change was one commit, with the trailers the commit-message contract promises.
    subjects = repo.subjects()
    assert subjects[:4] == [
        f"pm: action-add {pid} (#1 P1 alice)",
        f"pm: resolve {pid} (1h 00m)",
        f"pm: event {pid} (mitigated)",
        f"pm: open {pid} (SEV-1)",
    ]
    body = repo.git("log", "-1", "--format=%B")
    assert f"{commits.ID_TRAILER}: {pid}\n{commits.OPERATION_TRAILER}: action-add" in body


def test_changes_return_what_the_cli_prints(ws: Workspace) -> None:
    pid = opened(ws)
    _, item = ws.add_action(pid, "Add a pool alert", owner="bob", priority="P0")
    assert (item.number, item.priority, item.due) == (1, "P0", date(2024, 1, 27))
    _, moved = ws.action_status(pid, 1, "done")
    assert (moved.status, moved.done) == ("done", date(2024, 1, 20))
    first, second, changed = ws.relate(pid, opened(ws, "Search is slow", "SEV-2"))
    assert changed and second.postmortem.id in first.postmortem.related
    assert ws.relate(pid, second.postmortem.id)[2] is False


def test_set_severity_says_where_the_review_stands(ws: Workspace) -> None:
    pid = opened(ws)
    assert ws.set_field(pid, "severity", ["SEV-2"]).review == "on-resolve"
    assert ws.set_field(pid, "severity", ["SEV-3"]).review == "not-required"
    ws.resolve(pid, at="2024-01-15T16:00")  # SEV-3: no review due...
    changed = ws.set_field(pid, "severity", ["SEV-1"])  # ...until it is a SEV-1
    assert (changed.review, changed.edit.old, changed.edit.new) == ("due", "SEV-3", "SEV-1")
    assert changed.record.postmortem.review.due == date(2024, 1, 17)
    third = opened(ws, "Cache stampede", "SEV-3")
    ws.resolve(third, at="2024-01-15T16:00")
    ws.review(third, at="2024-01-16T10:00")
    with pytest.raises(DataError, match="needs what it lacks: section 'Summary'"):
        ws.set_field(third, "severity", ["SEV-1"])  # a reviewed SEV-1 without its prose
    fill_sections(ws.get(third).path, COMPLETE)
    assert ws.set_field(third, "severity", ["SEV-1"]).review == "held"
    assert ws.set_field(third, "title", ["Cache stampede at peak"]).review is None


def test_listing_filters_and_refuses_an_unknown_status(ws: Workspace) -> None:
    pid = opened(ws)
    opened(ws, "Search is slow", "SEV-2")
    found = queries.list_postmortems(ws, severity="SEV-1")
    assert [r.postmortem.id for r in found.records] == [pid]
    assert found.errors == [] and found.filters.any()
    assert not queries.list_postmortems(ws).filters.any()
    assert queries.list_postmortems(ws, since="2024-01-16").records == []
    with pytest.raises(UsageError, match="unknown status 'bogus'"):
        queries.list_postmortems(ws, status="bogus")
    # a filter takes a comma list or a list, known names in any case
    both = [r.postmortem.id for r in queries.list_postmortems(ws, severity="sev-1,SEV-2").records]
    assert len(both) == 2
    assert [r.postmortem.id for r in queries.list_postmortems(ws, severity=["Sev-1"]).records] == [
        pid
    ]
    with pytest.raises(UsageError, match="unknown severity 'SEV-9'"):
        queries.list_postmortems(ws, severity=["SEV-1", "SEV-9"])


def test_list_shown_gives_the_listing_row_by_row(repo: Repo, ws: Workspace) -> None:
    """``list_shown`` (each postmortem made into its row as it is read, ``Store.each``)
    answers what ``list_postmortems`` answers: same order, same errors, same filters;
    an unreadable file and one outside a year folder are errors, not rows."""
    first = opened(ws)
    ws.open("Search is slow", "SEV-2", started="2024-01-10T09:00")
    ws.open("Queue backs up", "SEV-1", started="2024-01-15T14:05")  # ties: by id
    broken = repo.path / "postmortems" / "2024" / "2024-01-20-broken.md"
    broken.write_text("---\nid: [unclosed\n---\n", encoding="utf-8")
    stray = repo.path / "postmortems" / "2024-01-01-stray.md"
    stray.write_text("---\nid: 2024-01-01-stray\nseverity: SEV-3\n---\n", encoding="utf-8")
    for filters in ({}, {"severity": "SEV-1"}, {"since": "2024-01-12"}, {"status": "closed"}):
        for _warm in range(2):
            listing = queries.list_postmortems(Workspace.load(repo.path), **filters)
            rows, errors, used = queries.list_shown(
                Workspace.load(repo.path), lambda e: (e.postmortem.id, e.path), **filters
            )
            assert rows == [(r.postmortem.id, r.path) for r in listing.records], filters
            assert [str(e) for e in errors] == [str(e) for e in listing.errors]
            assert len(errors) == 2 and used == listing.filters
    assert rows == [] and first


def test_action_rows_mine_uses_the_git_identity(ws: Workspace) -> None:
    pid = opened(ws)
    ws.add_action(pid, "Mine by name", owner="Alice Doe")
    ws.add_action(pid, "Mine by email name", owner="alice")
    ws.add_action(pid, "Someone else's", owner="bob", priority="P0")
    mine = queries.action_rows(ws, mine=True)
    assert [item.text for _, item in mine.rows] == ["Mine by name", "Mine by email name"]
    assert mine.today == date(2024, 1, 20) and mine.repeated == {}
    assert [i.owner for _, i in queries.action_rows(ws, pid, priority="P0").rows] == ["bob"]
    with pytest.raises(UsageError, match="unknown status 'finished'"):
        queries.action_rows(ws, status="finished")


def test_action_rows_name_repeated_numbers(repo: Repo, ws: Workspace) -> None:
    pid = opened(ws)
    ws.add_action(pid, "One", owner="a")
    path = repo.postmortem_path(pid)
    text = path.read_text(encoding="utf-8")
    item = text[text.index("- number: 1") : text.index("\n---", text.index("- number: 1"))]
    path.write_text(text.replace(item, item + "\n" + item.replace("One", "Two")), "utf-8")
    assert queries.action_rows(ws).repeated == {pid: [1]}


def test_log_reads_the_operations_back(ws: Workspace) -> None:
    pid = opened(ws)
    ws.add_event(pid, "Paged the DBA", kind="acknowledged")
    history = queries.log(ws, pid)
    assert history.path.stem == pid
    assert [(e.operation, e.author) for e in history.entries] == [
        ("event", "Alice Doe"),
        ("open", "Alice Doe"),
    ]


def test_reports_are_typed_data(ws: Workspace) -> None:
    pid = opened(ws)
    ws.resolve(pid, at="2024-01-15T16:05")
    incident = queries.incident_report(ws, pid[:10])
    assert incident.data["duration"] == "2h 00m" and incident.postmortem.id == pid
    assert incident.data["similar"] == []  # no cause written: nothing compared
    period = queries.period_report(ws, since="2024-01-01", until=date(2024, 1, 31))
    assert period.errors == [] and period.data["total"] == 1
    assert period.data["counts"]["by_severity"] == [{"name": "SEV-1", "count": 1}]
    assert period.data["reviews"]["missing"][0]["id"] == pid
    with pytest.raises(UsageError, match="is after --until"):
        queries.period_report(ws, since="2024-02-01", until="2024-01-01")


def test_similar_by_cause_is_none_until_a_cause_is_written(repo: Repo, ws: Workspace) -> None:
    first = opened(ws, "Payments database locks up")
    second = opened(ws, "Payments database locks again")
    record = ws.get(second)
    assert queries.similar_by_cause(ws, record, record.document.body) is None
    for pid in (first, second):
        path = repo.postmortem_path(pid)
        text = path.read_text(encoding="utf-8")
        cause = "## Root Cause\n\nA reconciliation query held table locks for minutes.\n"
        path.write_text(text.replace("## Root Cause\n", cause, 1), encoding="utf-8")
    record = ws.get(second)
    matches = queries.similar_by_cause(ws, record, record.document.body)
    assert matches is not None and [m.id for m in matches] == [first]


def test_candidates_are_chosen_from_paths_alone(tmp_path: Path) -> None:
    """similar.py picks which files to read from their names: no file is opened."""
    names = [f"2024-01-{day:02d}-incident-{day}" for day in range(1, 31)]
    paths = [tmp_path / "2024" / f"{name}.md" for name in names]  # none exists
    target = paths[9]
    assert similar.cause_candidates(paths, target, limit=3) == paths[6:9]
    assert similar.cause_candidates(paths, target) == paths[:9]
    # Names as strings, and files of the target's own day after it, count as before it.
    same_day = sorted([*map(str, paths), str(tmp_path / "2024" / "2024-01-10-later.md")])
    assert similar.cause_candidates(same_day, str(target), limit=2) == [
        same_day[8],
        str(tmp_path / "2024" / "2024-01-10-later.md"),
    ]
    assert similar.cause_candidates(same_day, str(paths[0])) == []
    titled = [*paths, tmp_path / "2024" / "2024-01-02-payments-db-locks.md"]
    chosen, (total, frequency) = similar.title_candidates(
        sorted(titled), "Payments DB locks up", limit=2
    )
    assert titled[-1] in chosen and len(chosen) == 3  # the shared words, plus the latest two
    assert total == 31 and frequency["payment"] == 1


def test_the_readme_example_runs_and_prints_what_the_readme_says(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    printed = section.split("```text\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})  # our own documentation
    assert capsys.readouterr().out == printed
