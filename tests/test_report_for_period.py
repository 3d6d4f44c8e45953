"""``report.for_period`` keeps what a period report reads of a postmortem, and drops the rest.

The period report holds every postmortem (the previous period, recurring groups and error
budgets look beyond the period), so ``pm report`` keeps each one as ``for_period`` trims
it. These tests check that the trimmed postmortems give the very report, budgets and
recurring groups the whole ones give, on the example repository and on timelines with
repeated kinds, and that what similarity reads of them is unchanged.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from factories import action, at, postmortem
from pm import records, report, similar
from pm.config import Config, load_config
from pm.model import Event, Postmortem
from pm.store import Store

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2024, 9, 30, 12, 0, tzinfo=UTC)


def _example(tmp_path: Path) -> tuple[list[Postmortem], list[similar.Doc], Config]:
    target = tmp_path / "example"
    shutil.copytree(ROOT / "examples" / "repo", target)
    config = load_config(target)
    store = Store(config)
    entries, errors = store.read_all()
    assert entries and not errors
    docs = [similar.doc_from(e.postmortem, store.read_body(e.path)) for e in entries]
    return [e.postmortem for e in entries], docs, config


def test_the_example_reports_the_same_from_trimmed_postmortems(tmp_path: Path) -> None:
    full, docs, config = _example(tmp_path)
    trimmed = [report.for_period(p) for p in full]
    assert any(e.text for p in full for e in p.timeline)
    assert not any(e.text for p in trimmed for e in p.timeline)
    for window in (
        report.Period(None, date(2024, 9, 30)),
        report.Period(date(2024, 7, 1), date(2024, 9, 30)),
        report.Period(date(2024, 1, 1), date(2024, 9, 30), "payments-api"),
    ):
        severities = config.severity_names
        whole = report.period(full, window, severities, docs, slos=config.slos, now=NOW)
        slim = report.period(trimmed, window, severities, docs, slos=config.slos, now=NOW)
        assert slim == whole
        assert whole["recurring"] and whole["budgets"]  # the comparison covers both


def test_trimming_keeps_the_first_event_of_each_kind_read_in_order() -> None:
    """Notes and kinds no figure reads (``identified``) are dropped: 63,000 events at
    50,000 postmortems of the benchmark."""
    incident = postmortem("2024-05-01-db", started="2024-05-01T10:00", resolved="2024-05-01T12:00")
    incident.add_event(Event(at("2024-05-01T10:20"), "detected", "Alert fired"))
    incident.add_event(Event(at("2024-05-01T10:25"), "detected", "A customer wrote in"))
    incident.add_event(Event(at("2024-05-01T10:40"), "mitigated", "Rolled back"))
    incident.add_event(Event(at("2024-05-01T10:50"), "note", "Long prose " * 50))
    incident.add_event(Event(at("2024-05-01T10:30"), "identified", "The query"))
    incident.extra = {"same_cause": ["2024-01-01-db"], "impact_minutes": 25, "owner_team": "x"}
    slim = report.for_period(incident)
    assert [(e.at, e.kind, e.text) for e in slim.timeline] == [
        (at("2024-05-01T10:00"), "started", ""),
        (at("2024-05-01T10:20"), "detected", ""),
        (at("2024-05-01T10:40"), "mitigated", ""),
        (at("2024-05-01T12:00"), "resolved", ""),
    ]
    assert slim.extra == {"same_cause": ["2024-01-01-db"], "impact_minutes": 25}
    for kind in ("started", "detected", "mitigated", "resolved", "acknowledged"):
        assert slim.first(kind) == incident.first(kind)
    assert slim.impact_minutes == incident.impact_minutes == 25
    assert report.same_cause_ids(slim) == ["2024-01-01-db"]
    # The original is untouched: the store's entry may be used again.
    assert len(incident.timeline) == 7 and "owner_team" in incident.extra


def test_action_items_and_causes_survive_trimming() -> None:
    items = [
        action(1, "Add a replica for reports", "ana", "P1", "2024-06-01", status="done",
               done=date(2024, 6, 2), extra={"created": "2024-05-02"}),
        action(2, "Alert on lock waits", "bo", "P2", "2024-05-10"),
    ]  # fmt: skip
    items[0].extra["jira_board"] = "OPS"
    items[1].ticket, items[1].reason = "OPS-12", "Waiting on the vendor"
    incident = postmortem("2024-05-01-db", actions=items, review_due="2024-05-08")
    incident.extra = {"causes": ["capacity"]}
    incident.impact = "Checkout failed for 40% of users"
    slim = report.for_period(incident)
    read = ("number", "text", "owner", "priority", "due", "status", "done")
    assert [[getattr(i, f) for f in read] for i in slim.actions] == [
        [getattr(i, f) for f in read] for i in incident.actions
    ]
    # Of an item's extra only the day it was created stays (follow-through reads it).
    assert [i.extra for i in slim.actions] == [{"created": "2024-05-02"}, {}]
    assert all(i.ticket is None and i.reason is None for i in slim.actions)
    assert records.astuple(slim.review) == records.astuple(incident.review)
    assert items[0].extra == {"created": "2024-05-02", "jira_board": "OPS"}  # untouched
    assert items[1].ticket == "OPS-12"
    body = "## Root Cause\n\nA reporting query held locks on the primary.\n"
    assert similar.doc_from(slim, body) == similar.doc_from(incident, body)


def test_trimmed_events_and_items_share_one_read_only_extra() -> None:
    """50,000 postmortems' events and items each had an empty dict of their own; the
    trimmed copies share one, and a write to it fails instead of reaching the others."""
    import pytest

    incident = postmortem("2024-05-01-db", started="2024-05-01T10:00", resolved="2024-05-01T12:00")
    incident.actions = [action(1, "Add a replica", "ana", "P1", "2024-06-01")]
    slim = report.for_period(incident)
    extras = [e.extra for e in slim.timeline] + [i.extra for i in slim.actions]
    assert len(extras) == 3 and all(x is extras[0] for x in extras)
    with pytest.raises(TypeError):
        extras[0]["source"] = "x"


def test_recurring_groups_group_every_doc_given_even_two_of_one_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two files may hold one id (a copy in another year folder): grouping sees both docs,
    as given, and only the lookup of a group's latest cause goes by id."""
    from pm import recurring

    full, docs, _config = _example(tmp_path)
    twin = records.replace(docs[0], title=docs[0].title + " (copy)")
    seen: list[int] = []
    real = similar.group

    def counted(given: list[similar.Doc], *args: object, **kwargs: object) -> object:
        seen.append(len(given))
        return real(given, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(similar, "group", counted)
    window = report.Period(None, date(2024, 9, 30))
    recurring.recurring_groups(full, [*docs, twin], window)
    assert seen == [len(docs) + 1]
