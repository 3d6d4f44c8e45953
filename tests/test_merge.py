"""The three-way merge of two versions of a postmortem, as pure functions.

``pm.merge`` merges the data; ``pm.mergefile`` the file's bytes (git's own ``git
merge-file`` merges the prose, as the driver does). The team tests (``test_team_merge.py``)
run the same code as git's merge driver, through real pulls.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import action, at, postmortem
from pm import actions, frontmatter, mergefile, rewrite
from pm.config import Config
from pm.errors import FileFormatError
from pm.frontmatter import Document
from pm.gitrepo import merge_file
from pm.merge import Merged, merge
from pm.model import Closure, Event, Postmortem, from_mapping
from pm.templates import render_postmortem

PID = "2024-01-15-db-down"
PATH = f"postmortems/2024/{PID}.md"


def base() -> Postmortem:
    """An active SEV-1 with a started event and one action item."""
    return postmortem(PID, "DB down", status="active", actions=[action(1, "Alert on the pool")])


def note(when: str, text: str, kind: str = "note") -> Event:
    return Event(at(when), kind, text)


def file_of(item: Postmortem, body: str | None = None) -> bytes:
    """The file pm writes for ``item``: the real template, the blocks rendered."""
    if body is None:
        body = render_postmortem(Config(root=Path.cwd()), item)
    return rewrite.render(item, Document(front={}, body=body))


def read(data: bytes) -> Postmortem:
    return from_mapping(frontmatter.parse(data, PATH).front)


def merged_file(old: bytes, ours: bytes, theirs: bytes, **options: str) -> mergefile.FileMerge:
    return mergefile.merge_file(old, ours, theirs, PATH, merge_file, **options)  # type: ignore[arg-type]


# --- the timeline ---------------------------------------------------------------------------


def test_events_added_on_both_sides_are_one_sorted_timeline() -> None:
    old, ours, theirs = base(), base(), base()
    ours.add_event(note("2024-01-15T14:20", "Rolled back"))
    theirs.add_event(note("2024-01-15T14:10", "Paged the DBA", "acknowledged"))
    result = merge(old, ours, theirs)
    assert [(e.kind, e.text) for e in result.ours.timeline] == [
        ("started", "Incident opened"),
        ("acknowledged", "Paged the DBA"),
        ("note", "Rolled back"),
    ]
    assert result.conflicts == [] and result.ours == result.theirs


def test_an_event_both_sides_added_appears_once() -> None:
    old, ours, theirs = base(), base(), base()
    for side in (ours, theirs):
        side.add_event(note("2024-01-15T14:20", "Rolled back"))
    theirs.add_event(note("2024-01-15T14:30", "Error rate down"))
    texts = [e.text for e in merge(old, ours, theirs).ours.timeline]
    assert texts == ["Incident opened", "Rolled back", "Error rate down"]


def test_one_event_corrected_on_both_sides_is_one_event_with_both_corrections() -> None:
    """Alice corrects an event's text while Bob corrects its time (``pm event edit``):
    one event, with her text and his time, not two that each hold one correction."""
    old, ours, theirs = base(), base(), base()
    for side in (old, ours, theirs):
        side.add_event(Event(at("2024-01-15T14:20"), "detected", "Alerts fired"))
    ours.timeline[-1].text = "Error-rate alerts fired"
    theirs.timeline[-1].at = at("2024-01-15T14:18")
    result = merge(old, ours, theirs)
    found = [(e.at, e.kind, e.text) for e in result.ours.timeline if e.kind == "detected"]
    assert found == [(at("2024-01-15T14:18"), "detected", "Error-rate alerts fired")]
    # Both changed the text, differently: both versions stay, as an event each.
    theirs.timeline[-1].text = "Pages fired"
    result = merge(old, ours, theirs)
    texts = {e.text for e in result.ours.timeline if e.kind == "detected"}
    assert texts == {"Error-rate alerts fired", "Pages fired"}


def test_an_event_removed_on_one_side_and_kept_on_the_other_stays_removed() -> None:
    old = base()
    old.add_event(note("2024-01-15T14:20", "A wrong guess"))
    ours, theirs = copy.deepcopy(old), copy.deepcopy(old)
    ours.timeline = [e for e in ours.timeline if e.text != "A wrong guess"]
    theirs.add_event(note("2024-01-15T14:30", "Error rate down"))
    texts = [e.text for e in merge(old, ours, theirs).ours.timeline]
    assert texts == ["Incident opened", "Error rate down"]


def test_events_at_the_same_time_order_the_same_whichever_side_is_ours() -> None:
    old, ours, theirs = base(), base(), base()
    ours.add_event(note("2024-01-15T14:20", "From ours"))
    theirs.add_event(note("2024-01-15T14:20", "From theirs", "mitigated"))
    one = merge(old, ours, theirs).ours.timeline
    other = merge(old, theirs, ours).ours.timeline
    assert one == other
    assert [e.kind for e in one] == ["started", "mitigated", "note"]  # the kinds' order


# --- fields -----------------------------------------------------------------------------------


def test_fields_merge_three_way() -> None:
    old, ours, theirs = base(), base(), base()
    ours.title = "Database down"  # only ours
    theirs.impact = "Checkout failed"  # only theirs
    ours.severity = theirs.severity = "SEV-2"  # both, alike
    result = merge(old, ours, theirs)
    assert (result.ours.title, result.ours.impact, result.ours.severity) == (
        "Database down",
        "Checkout failed",
        "SEV-2",
    )
    assert result.conflicts == []


def test_a_field_both_sides_changed_differently_is_a_conflict_with_both_values() -> None:
    old, ours, theirs = base(), base(), base()
    ours.severity, theirs.severity = "SEV-2", "SEV-3"
    ours.add_event(note("2024-01-15T14:20", "Rolled back"))
    result = merge(old, ours, theirs)
    (conflict,) = result.conflicts
    assert (conflict.name, conflict.ours, conflict.theirs) == ("severity", "'SEV-2'", "'SEV-3'")
    assert (result.ours.severity, result.theirs.severity) == ("SEV-2", "SEV-3")
    assert result.ours.timeline == result.theirs.timeline  # the rest is merged in both


def test_services_tags_and_related_are_sets() -> None:
    old, ours, theirs = base(), base(), base()
    old.tags = ours.tags = theirs.tags = ["database", "stale"]
    ours.tags = ["database", "stale", "pool"]
    theirs.tags = ["database", "capacity"]  # theirs removed "stale"
    ours.services, theirs.services = ["payments"], ["payments", "checkout"]
    result = merge(old, ours, theirs)
    assert result.ours.tags == ["database", "capacity", "pool"]  # added ones sorted
    assert result.ours.services == ["checkout", "payments"]
    assert result.conflicts == []


def test_other_tools_keys_merge_three_way() -> None:
    old, ours, theirs = base(), base(), base()
    old.extra = {"jira": "OPS-1", "owner_team": "db"}
    ours.extra = {"jira": "OPS-2", "owner_team": "db"}
    theirs.extra = {"jira": "OPS-1", "slack": "#inc-42"}  # removed owner_team, added slack
    result = merge(old, ours, theirs)
    assert result.ours.extra == {"jira": "OPS-2", "slack": "#inc-42"}


# --- action items -----------------------------------------------------------------------------


def test_the_merge_shares_no_value_with_its_inputs() -> None:
    old, ours, theirs = base(), base(), base()
    theirs.extra = {"links": ["https://status.example/1"]}  # a list only theirs added
    theirs.actions[0].extra = {"labels": ["db"]}
    theirs.review.due = at("2024-01-22T00:00").date()
    result = merge(old, ours, theirs)
    assert result.conflicts == []
    for version in (result.ours, result.theirs):
        version.extra["links"].append("changed after the merge")
        version.actions[0].extra["labels"].append("changed after the merge")
    assert theirs.extra == {"links": ["https://status.example/1"]}
    assert theirs.actions[0].extra == {"labels": ["db"]}
    assert result.ours.extra["links"] is not result.theirs.extra["links"]


@pytest.mark.parametrize("keep", ["ours", "theirs"])
def test_items_that_took_the_same_number_are_both_kept_one_renumbered(keep: str) -> None:
    old, ours, theirs = base(), base(), base()
    ours.actions.append(action(2, "Load-test checkout", owner="bob"))
    theirs.actions.append(action(2, "Make the pool size configurable", owner="carol"))
    result = merge(old, ours, theirs, keep_numbers=keep)  # type: ignore[arg-type]
    numbered = {item.text: item.number for item in result.ours.actions}
    kept, moved = (
        ("Load-test checkout", "Make the pool size configurable")
        if keep == "ours"
        else ("Make the pool size configurable", "Load-test checkout")
    )
    assert numbered == {"Alert on the pool": 1, kept: 2, moved: 3}
    assert result.notes == [
        f"action item 2 ({moved!r}) of {PID} repeated number 2 after a merge; it is now 3"
    ]
    assert actions.duplicate_numbers(result.ours) == []


def test_a_rebase_replays_a_change_onto_the_owner_s_own_item_of_two_alike() -> None:
    """Alice and Carol each added "Update the runbook" as item 2, Alice's pushed first;
    Carol marked hers done and rebased. Replaying the done commit, the base holds Carol's
    item 2 and the branch it replays onto holds Alice's (2) and Carol's renumbered (3):
    the change belongs to Carol's, not to Alice's that took the number."""
    old = base()
    old.actions.append(action(2, "Update the runbook", owner="carol"))
    ours = base()
    ours.actions.append(action(2, "Update the runbook", owner="alice"))
    ours.actions.append(action(3, "Update the runbook", owner="carol"))
    theirs = copy.deepcopy(old)
    actions.transition(theirs, 2, "done", today=at("2024-01-16T00:00").date(), reason=None)
    result = merge(old, ours, theirs)
    done = {(item.number, item.owner): item.status for item in result.ours.actions}
    assert done == {(1, "alice"): "open", (2, "alice"): "open", (3, "carol"): "done"}
    assert result.conflicts == []


def test_the_same_item_changed_on_both_sides_merges_field_by_field() -> None:
    old, ours, theirs = base(), base(), base()
    actions.transition(ours, 1, "done", today=at("2024-01-16T00:00").date(), reason=None)
    theirs.actions[0].owner = "dba-team"
    theirs.actions[0].ticket = "OPS-7"
    result = merge(old, ours, theirs)
    (item,) = result.ours.actions
    assert (item.status, item.owner, item.ticket) == ("done", "dba-team", "OPS-7")
    assert str(item.done) == "2024-01-16"
    assert result.conflicts == []


def test_an_item_field_both_sides_changed_differently_is_a_conflict() -> None:
    old, ours, theirs = base(), base(), base()
    ours.actions[0].owner, theirs.actions[0].owner = "bob", "carol"
    (conflict,) = merge(old, ours, theirs).conflicts
    assert (conflict.path, conflict.ours, conflict.theirs) == (
        ("actions", 0, "owner"),
        "'bob'",
        "'carol'",
    )


def test_an_item_removed_on_one_side_and_changed_on_the_other_is_a_conflict() -> None:
    old, ours, theirs = base(), base(), base()
    ours.actions = []
    theirs.actions[0].status = "in-progress"
    result = merge(old, ours, theirs)
    (conflict,) = result.conflicts
    assert conflict.side == "theirs" and conflict.path == ("actions", 0)
    assert "ours removed action item 1, theirs changed it" in conflict.why
    assert (result.ours.actions, [i.status for i in result.theirs.actions]) == ([], ["in-progress"])
    removed_unchanged = merge(old, ours, base())
    assert removed_unchanged.ours.actions == [] and removed_unchanged.conflicts == []


# --- both sides opened the incident -------------------------------------------------------------


def test_both_sides_opened_the_same_incident_one_started_event_the_earliest() -> None:
    ours = postmortem(PID, "DB down", status="active", started="2024-01-15T14:07")
    theirs = postmortem(PID, "DB down", status="active", started="2024-01-15T14:05")
    ours.actions = [action(1, "Alert on the pool")]
    theirs.actions = [action(1, "Add a replica", owner="bob")]
    ours.add_event(note("2024-01-15T14:20", "Rolled back"))
    result = merge(None, ours, theirs)
    assert [(e.kind, e.at) for e in result.ours.timeline] == [
        ("started", at("2024-01-15T14:05")),
        ("note", at("2024-01-15T14:20")),
    ]
    assert sorted((i.number, i.text) for i in result.ours.actions) == [
        (1, "Alert on the pool"),
        (2, "Add a replica"),
    ]
    assert result.conflicts == []
    assert result.notes[0] == (
        f"both sides created {PID} (the same title on the same day): merged as one incident"
    )


def test_both_sides_opened_it_with_different_severities_is_a_conflict() -> None:
    ours = postmortem(PID, "DB down", status="active")
    theirs = postmortem(PID, "DB down", status="active", severity="SEV-2")
    assert [c.name for c in merge(None, ours, theirs).conflicts] == ["severity"]


# --- what no clean merge may produce ----------------------------------------------------------


def test_closing_while_the_other_side_adds_an_item_is_a_conflict_on_status() -> None:
    old = postmortem(PID, "DB down", status="reviewed", review_held="2024-01-17T10:00")
    old.actions = [action(1, "Alert on the pool", status="done")]
    ours, theirs = copy.deepcopy(old), copy.deepcopy(old)
    ours.status, ours.closed = "closed", Closure(at("2024-01-20T12:00"))
    theirs.actions.append(action(2, "Add a replica", owner="bob"))
    result = merge(old, ours, theirs)
    assert [c.name for c in result.conflicts] == ["status", "closed"]
    assert (result.ours.status, result.theirs.status) == ("closed", "reviewed")
    assert result.theirs.closed is None
    assert "ours closed it, the other side has action item 2" in result.conflicts[0].why
    assert [i.text for i in result.theirs.actions] == ["Alert on the pool", "Add a replica"]


# --- the file ---------------------------------------------------------------------------------


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("in_tmp")
def test_a_conflict_is_shown_between_markers_and_pm_names_its_line() -> None:
    old, ours, theirs = base(), base(), base()
    ours.severity, theirs.severity = "SEV-2", "SEV-3"
    theirs.add_event(note("2024-01-15T14:20", "Rolled back"))
    result = merged_file(file_of(old), file_of(ours), file_of(theirs))
    lines = result.data.decode().split("\n")
    marker = lines.index("<<<<<<< ours") + 1
    assert lines[marker - 1 : marker + 4] == [
        "<<<<<<< ours",
        "severity: SEV-2",
        "=======",
        "severity: SEV-3",
        ">>>>>>> theirs",
    ]
    assert [(c.line, c.what) for c in result.conflicts] == [
        (
            marker,
            "both sides changed severity: ours 'SEV-2', theirs 'SEV-3'; "
            "keep one version and delete the markers",
        )
    ]
    with pytest.raises(FileFormatError) as refused:
        frontmatter.parse(result.data, PATH)
    assert refused.value.line == marker
    assert "| note | Rolled back |" in result.data.decode()  # the merged table, no markers
    # Keeping either version resolves it: the merge with that side's value.
    for keep, drop in (("ours", "theirs"), ("theirs", "ours")):
        resolved = resolve(lines, keep=keep)
        merged = merge(old, ours, theirs)
        assert read(resolved) == getattr(merged, keep), drop


def resolve(lines: list[str], keep: str) -> bytes:
    """What a person does: keep one side of each conflict, delete the markers and the other."""
    out, side = [], None
    for line in lines:
        if line.startswith("<<<<<<< "):
            side = "ours"
        elif line == "=======" and side:
            side = "theirs"
        elif line.startswith(">>>>>>> "):
            side = None
        elif side in (None, keep):
            out.append(line)
    return "\n".join(out).encode()


@pytest.mark.usefixtures("in_tmp")
def test_prose_merges_as_git_does_markers_only_where_the_prose_conflicts() -> None:
    old, ours, theirs = base(), base(), base()
    body = render_postmortem(Config(root=Path.cwd()), old)
    ours.add_event(note("2024-01-15T14:20", "Rolled back"))
    theirs.add_event(note("2024-01-15T14:30", "Error rate down"))
    summary = "<!-- What happened, in two or three sentences, for someone who was not there. -->"
    cause = '<!-- The conditions that made this possible. Ask "why?" until you reach a system. -->'
    apart = merged_file(
        file_of(old, body),
        file_of(ours, body.replace(summary, "The pool filled up.")),
        file_of(theirs, body.replace(cause, "Nothing alerted on the pool.")),
    )
    assert apart.clean
    text = apart.data.decode()
    assert "The pool filled up." in text and "Nothing alerted on the pool." in text
    assert "| Rolled back |" in text and "| Error rate down |" in text
    same_line = merged_file(
        file_of(old, body),
        file_of(ours, body.replace(summary, "The pool filled up.")),
        file_of(theirs, body.replace(summary, "A deploy leaked connections.")),
    )
    lines = same_line.data.decode().split("\n")
    marker = lines.index("<<<<<<< ours") + 1
    assert lines[marker - 1 : marker + 4] == [
        "<<<<<<< ours",
        "The pool filled up.",
        "=======",
        "A deploy leaked connections.",
        ">>>>>>> theirs",
    ]
    assert [c.line for c in same_line.conflicts] == [marker]
    assert same_line.conflicts[0].what == "the prose: both sides changed these lines"
    assert sum(line.startswith("<<<<<<<") for line in lines) == 1  # none in the tables
    assert "| Rolled back |" in same_line.data.decode()
    assert "| Error rate down |" in same_line.data.decode()


@pytest.mark.usefixtures("in_tmp")
def test_generated_blocks_are_rendered_from_the_merged_front_matter() -> None:
    old, ours, theirs = base(), base(), base()
    ours.actions.append(action(2, "Load-test checkout", owner="bob"))
    theirs.actions.append(action(2, "Add a replica", owner="carol"))
    result = merged_file(file_of(old), file_of(ours), file_of(theirs))
    assert result.clean
    merged = read(result.data)
    assert rewrite.render(merged, frontmatter.parse(result.data, PATH)) == result.data
    assert "| 3 | P1 | Add a replica | carol |" in result.data.decode()


@pytest.mark.usefixtures("in_tmp")
def test_a_version_pm_cannot_read_is_merged_as_text() -> None:
    old = file_of(base())
    ours = old.replace(b"title: DB down", b"title: DB down\n<<<<<<< HEAD\n=======\n>>>>>>> x")
    theirs = old.replace(b"## Summary\n", b"## Summary\n\nThe pool filled up.\n")
    result = merged_file(old, ours, theirs)
    assert result.notes == [
        f"{PATH} (ours):4: unresolved merge conflict; resolve it and commit; merged as text"
    ]
    assert b"The pool filled up." in result.data  # git's text merge applied theirs
    # The markers ours already had are still there: not clean, and named by line.
    assert [c.line for c in result.conflicts] == [4] and not result.clean


def test_when_one_side_did_not_change_the_file_the_other_is_taken_byte_for_byte() -> None:
    old, changed = b"---\nid: x\n---\n", b"# any bytes\n"
    assert merged_file(old, old, changed).data == changed
    assert merged_file(old, changed, old).data == changed
    assert merged_file(old, changed, changed).data == changed


@pytest.mark.usefixtures("in_tmp")
def test_hand_written_comments_from_both_sides_are_kept() -> None:
    old = file_of(base()).replace(b"title: DB down\n", b"title: DB down  # short title\n")
    ours = old.replace(b'impact: ""\n', b'# who was hit:\nimpact: ""\n')
    assert ours != old
    theirs_model = base()
    theirs_model.add_event(note("2024-01-15T14:20", "Rolled back"))
    theirs = rewrite.render(theirs_model, frontmatter.parse(old, PATH))
    result = merged_file(old, ours, theirs)
    assert result.clean
    text = result.data.decode()
    assert "# short title" in text and "# who was hit:" in text and "Rolled back" in text


# --- properties -------------------------------------------------------------------------------

KINDS = ("detected", "acknowledged", "identified", "mitigated", "note")
OPERATIONS = st.one_of(
    st.tuples(st.just("event"), st.integers(0, 240), st.sampled_from(KINDS), st.sampled_from("ab")),
    st.tuples(st.just("item"), st.sampled_from(["Alert", "Replica", "Load test"]), st.just("")),
    st.tuples(st.just("done"), st.integers(0, 3), st.just("")),
    st.tuples(st.just("field"), st.sampled_from(["title", "severity", "impact"]), st.just("")),
    st.tuples(st.just("tag"), st.sampled_from(["db", "pool", "net"]), st.just("")),
)


Ops = list[tuple[object, ...]]


def changed(start: Postmortem, operations: Ops, who: str) -> Postmortem:
    """``start`` after a responder's pm commands."""
    result = copy.deepcopy(start)
    origin = at("2024-01-15T14:05")
    for operation in operations:
        name = operation[0]
        if name == "event":
            _, minutes, kind, text = operation
            moment = origin + timedelta(minutes=int(str(minutes)))
            result.add_event(Event(moment, str(kind), f"{who} {text}"))
        elif name == "item":
            text = f"{operation[1]} ({who} {len(result.actions)})"
            due = at("2024-02-15T00:00").date()
            actions.add(result, text=text, owner=who, priority="P1", due=due, ticket=None)
        elif name == "done":
            open_items = [i for i in result.actions if i.is_open]
            if open_items:
                item = open_items[int(str(operation[1])) % len(open_items)]
                item.status, item.done = "done", at("2024-01-16T00:00").date()
        elif name == "field":
            setattr(result, str(operation[1]), f"{operation[1]} by {who}")
        elif operation[1] not in result.tags:
            result.tags.append(str(operation[1]))
    return result


def without_numbers(result: Postmortem) -> Postmortem:
    """The merge with item numbers left out: what commutes (renumbering picks a side)."""
    plain = copy.deepcopy(result)
    for item in plain.actions:
        item.number = 0
    plain.actions.sort(key=lambda i: (i.text, i.status))
    plain.tags.sort()
    return plain


SIDES = st.lists(OPERATIONS, max_size=6)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@PROPERTY
@given(ours_ops=SIDES, theirs_ops=SIDES)
def test_merging_is_commutative(ours_ops: Ops, theirs_ops: Ops) -> None:
    old = base()
    ours, theirs = changed(old, ours_ops, "a"), changed(old, theirs_ops, "b")
    one = merge(old, ours, theirs, keep_numbers="ours")
    other = merge(old, theirs, ours, keep_numbers="theirs")
    assert one.ours == other.theirs and one.theirs == other.ours  # numbers and all
    assert [c.name for c in one.conflicts] == [c.name for c in other.conflicts]
    swapped = merge(old, theirs, ours, keep_numbers="ours")  # the other side keeps numbers
    assert without_numbers(swapped.theirs) == without_numbers(one.ours)


@pytest.mark.slow
@PROPERTY
@given(ops=SIDES)
def test_merging_with_an_unchanged_side_gives_the_other(ops: Ops) -> None:
    old = base()
    other = changed(old, ops, "a")
    for result in (merge(old, copy.deepcopy(old), other), merge(old, other, copy.deepcopy(old))):
        assert result.conflicts == [] and result.notes == []
        assert result.ours == other


@pytest.mark.slow
@PROPERTY
@given(ours_ops=SIDES, theirs_ops=SIDES)
def test_every_change_from_every_side_is_in_the_merge(ours_ops: Ops, theirs_ops: Ops) -> None:
    old = base()
    ours, theirs = changed(old, ours_ops, "a"), changed(old, theirs_ops, "b")
    result: Merged = merge(old, ours, theirs)
    for side in (ours, theirs):
        for event in side.timeline:
            assert event in result.ours.timeline
        for item in side.actions:
            kept = [i for i in result.ours.actions if i.text == item.text]
            if item.text != "Alert on the pool":  # the ancestor's item: its status may merge
                assert [(i.owner, i.status) for i in kept] == [(item.owner, item.status)]
        assert set(side.tags) <= set(result.ours.tags)
    times = [e.at for e in result.ours.timeline]
    assert times == sorted(times)
    assert actions.duplicate_numbers(result.ours) == []


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(ours_ops=SIDES, theirs_ops=SIDES)
def test_the_merged_file_reads_as_the_merge_or_names_each_conflict(
    ours_ops: Ops, theirs_ops: Ops
) -> None:
    old = base()
    ours, theirs = changed(old, ours_ops, "a"), changed(old, theirs_ops, "b")
    body = render_postmortem(Config(root=Path.cwd()), old)  # the body pm wrote at open
    result = merged_file(file_of(old, body), file_of(ours, body), file_of(theirs, body))
    merged = merge(old, ours, theirs)
    if not merged.conflicts:
        assert result.clean
        assert read(result.data) == merged.ours
        return
    lines = result.data.decode().split("\n")
    assert len(result.conflicts) == len(merged.conflicts)
    assert all(lines[c.line - 1] == "<<<<<<< ours" for c in result.conflicts)
    with pytest.raises(FileFormatError):
        frontmatter.parse(result.data, PATH)
    assert read(resolve(lines, keep="ours")) == merged.ours
    assert read(resolve(lines, keep="theirs")) == merged.theirs


@pytest.mark.usefixtures("in_tmp")
def test_rows_typed_into_a_table_are_never_dropped_by_the_merge() -> None:
    old, theirs = base(), base()
    typed_row = "| 2024-01-15 14:15 | note | Pasted from chat: DBA paged |"
    body = render_postmortem(Config(root=Path.cwd()), old)
    rendered = file_of(old, body).decode()
    end = "\n\n<!-- pm:end timeline -->"
    ours_text = rendered.replace(end, f"\n{typed_row}{end}", 1)  # typed by hand, committed
    theirs.add_event(note("2024-01-15T14:20", "Rolled back"))
    result = merged_file(file_of(old, body), ours_text.encode(), file_of(theirs, body))
    text = result.data.decode()
    assert typed_row in text and "Rolled back" in text
    assert result.notes == [
        "the timeline table of ours holds text typed by hand: merged as text, nothing "
        "dropped (pm lint shows what differs from the front matter)"
    ]
    # Both sides added a row at the end of the table: git's text merge conflicts there.
    lines = text.split("\n")
    (conflict,) = result.conflicts
    assert lines[conflict.line - 1] == "<<<<<<< ours"
    assert conflict.what == "the timeline table: both sides changed these lines"


@pytest.mark.usefixtures("in_tmp")
def test_a_table_left_stale_by_a_hand_edit_of_the_front_matter_is_re_rendered() -> None:
    old, theirs = base(), base()
    body = render_postmortem(Config(root=Path.cwd()), old)
    before = file_of(old, body)
    ours = before.replace(b"  owner: alice\n", b"  owner: dba-team\n", 1)  # table still says alice
    theirs.add_event(note("2024-01-15T14:20", "Rolled back"))
    result = merged_file(before, ours, file_of(theirs, body))
    assert result.clean and result.notes == []
    assert "| Alert on the pool | dba-team |" in result.data.decode()


@pytest.mark.usefixtures("in_tmp")
def test_a_row_typed_before_the_ancestor_and_never_adopted_is_kept() -> None:
    old = base()
    typed_row = "| 2024-01-15 14:15 | note | Pasted from chat: DBA paged |"
    end = "\n\n<!-- pm:end timeline -->"
    body = render_postmortem(Config(root=Path.cwd()), old)
    before = file_of(old, body).replace(end.encode(), f"\n{typed_row}{end}".encode(), 1)
    ours = before.replace(b"  owner: alice\n", b"  owner: dba-team\n", 1)
    theirs = before.replace(b"SEV-1", b"SEV-2", 1)
    result = merged_file(before, ours, theirs)
    text = result.data.decode()
    assert result.clean
    assert typed_row in text  # in the ancestor's table, not in what its front matter renders
    assert "owner: dba-team" in text and "severity: SEV-2" in text
