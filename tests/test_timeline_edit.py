"""The timeline is never final: commit subjects that tell the incident, moving the start,
editing and removing events by the number ``pm show`` prints."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import CliRunnerCall, Repo
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
