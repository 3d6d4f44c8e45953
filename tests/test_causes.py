"""Structured causes (``causes:``), same-cause links, ``[recurring]`` and weak matches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import corpus
from conftest import CliRunnerCall, Repo
from pm import similar
from pm.config import Recurring, load_config
from pm.errors import ConfigError

TAXONOMY = '[recurring]\ncauses = ["capacity", "config-change", "expired-certificate"]\n'


def front(repo: Repo, postmortem_id: str) -> dict[str, object]:
    text = repo.read(f"postmortems/{postmortem_id[:4]}/{postmortem_id}.md")
    data = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(data, dict)
    return data


# --- configuration ----------------------------------------------------------------------------


def test_recurring_defaults_and_settings(repo: Repo) -> None:
    assert load_config().recurring == Recurring()
    (repo.path / ".pm.toml").write_text(
        "[recurring]\nthreshold = 0.25\nspread = 2.5\nneighbours = 3\nsupport = 2\n"
        'link = 0.9\nweak = 1\ncauses = ["dns"]\n',
        encoding="utf-8",
    )
    config = load_config()
    assert config.recurring == Recurring(0.25, 2.5, 3, ("dns",), support=2, link=0.9, weak=1.0)
    assert similar.tuning_of(config) == similar.Tuning(
        threshold=0.25, spread=2.5, neighbours=3, support=2, link=0.9, weak=1.0
    )
    (repo.path / ".pm.toml").write_text('[recurring]\nthreshold = "auto"\n', encoding="utf-8")
    assert load_config().recurring.threshold is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[recurring]\nthreshhold = 0.2\n", "unknown key recurring.threshhold (did you mean"),
        ("[recurring]\nthreshold = 2\n", 'recurring.threshold must be "auto" or a number'),
        ('[recurring]\nthreshold = "high"\n', 'recurring.threshold must be "auto" or a number'),
        ("[recurring]\nspread = -1\n", "recurring.spread must be a number >= 0"),
        ("[recurring]\nneighbours = 0\n", "recurring.neighbours must be a whole number >= 1"),
        ("[recurring]\nsupport = 0\n", "recurring.support must be a whole number >= 1"),
        ("[recurring]\nsupport = 2.5\n", "recurring.support must be a whole number >= 1"),
        ("[recurring]\nlink = 0\n", "recurring.link must be a number above 0 and up to 1"),
        ("[recurring]\nweak = 1.5\n", "recurring.weak must be a number above 0 and up to 1"),
        ('[recurring]\nweak = "half"\n', "recurring.weak must be a number above 0 and up to 1"),
        ('[recurring]\ncauses = ["two words"]\n', "recurring.causes must be a list of one-word"),
        ("recurring = 3\n", "recurring must be a table"),
    ],
)
def test_bad_recurring_settings_are_named(repo: Repo, content: str, message: str) -> None:
    (repo.path / ".pm.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_config()


# --- pm set causes / same_cause ---------------------------------------------------------------


def test_set_causes_from_the_taxonomy(
    repo: Repo, cli: CliRunnerCall, opened: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PM_NOW", "2024-01-16T12:00:00Z")  # active for a day: not stale yet
    (repo.path / ".pm.toml").write_text(TAXONOMY, encoding="utf-8")
    result = cli.ok("set", opened, "causes", "capacity,config-change")
    assert result.stderr == f"Set causes of {opened}: [] -> [capacity, config-change]; committed.\n"
    assert front(repo, opened)["causes"] == ["capacity", "config-change"]
    unknown = cli("set", opened, "causes", "--add", "gremlins")
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        "pm: unknown cause 'gremlins'; [recurring] causes lists capacity, config-change, "
        "expired-certificate\n"
    )
    cli.ok("set", opened, "causes", "--remove", "capacity")
    assert front(repo, opened)["causes"] == ["config-change"]
    cli.ok("set", opened, "causes", "")
    assert "causes" not in front(repo, opened)  # an empty list leaves no key behind
    assert cli.ok("lint").stdout == ""


def test_any_one_word_cause_without_a_taxonomy(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("set", opened, "causes", "retry-storm")
    assert front(repo, opened)["causes"] == ["retry-storm"]
    bad = cli("set", opened, "causes", "two words")
    assert bad.exit_code == 2 and "cause 'two words' must be one word" in bad.stderr


def test_lint_checks_causes_against_the_taxonomy(
    repo: Repo, cli: CliRunnerCall, opened: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PM_NOW", "2024-01-16T12:00:00Z")  # active for a day: not stale yet
    cli.ok("set", opened, "causes", "gremlins")
    assert cli.ok("lint").stdout == ""  # no taxonomy configured: any name goes
    (repo.path / ".pm.toml").write_text(TAXONOMY, encoding="utf-8")
    out = cli("lint", "--format", "json")
    findings = json.loads(out.stdout)["findings"]
    assert [(f["rule"], f["message"]) for f in findings] == [
        ("schema.value", "unknown cause 'gremlins'")
    ]
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8").replace("- gremlins", "- [nested]")
    path.write_text(text, encoding="utf-8")
    rules = [f["rule"] for f in json.loads(cli("lint", "--format", "json").stdout)["findings"]]
    assert rules == ["schema.type"]


def test_set_same_cause_resolves_ids(repo: Repo, cli: CliRunnerCall) -> None:
    corpus.write(repo.path, corpus.GROUPING[:3])
    first, second = corpus.GROUPING[0]["id"], corpus.GROUPING[1]["id"]
    cli.ok("set", first, "same_cause", second[:10])
    assert front(repo, first)["same_cause"] == [second]
    itself = cli("set", first, "same_cause", "--add", first)
    assert itself.exit_code == 2 and "cannot be related to itself" in itself.stderr


# --- what grouping and pm show do with them ---------------------------------------------------


def test_causes_group_incidents_told_in_different_words(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PM_NOW", "2025-01-15T12:00:00Z")
    corpus.write(repo.path, corpus.GROUPING)
    apart = ["2024-02-20-bgp-route-leak", "2024-05-21-dns-provider-outage"]
    data = json.loads(cli.ok("report", "--format", "json").stdout)
    assert not [g for g in data["recurring"] if set(apart) <= {i["id"] for i in g["incidents"]}]
    for ref in apart:
        cli.ok("set", ref, "causes", "upstream-network")
    data = json.loads(cli.ok("report", "--format", "json").stdout)
    joined = [g for g in data["recurring"] if set(apart) <= {i["id"] for i in g["incidents"]}]
    assert len(joined) == 1


def test_show_marks_weak_matches(repo: Repo, cli: CliRunnerCall) -> None:
    corpus.write(repo.path, corpus.GROUPING)
    out = cli.ok("show", "2024-06-25-slow-reconciliation-query").stdout
    tail = out.split("Similar past incidents (by root cause)\n", 1)[1].splitlines()
    assert len(tail) == 3
    assert any("(weak match; shared: " in line for line in tail)
    assert any("  (shared: " in line for line in tail)
    # ``[recurring] weak = 1``: only matches at the threshold, none marked weak
    (repo.path / ".pm.toml").write_text("[recurring]\nweak = 1\n", encoding="utf-8")
    out = cli.ok("show", "2024-06-25-slow-reconciliation-query").stdout
    tail = out.split("Similar past incidents (by root cause)\n", 1)[1].splitlines()
    assert tail and not any("weak match" in line for line in tail)


def test_weak_matches_are_shown_rather_than_nothing() -> None:
    """Below the threshold but above half of it: shown, and marked weak."""
    docs = [
        similar.Doc(f"2024-01-{n:02d}-d{n}", f"Doc {n}", {"root_cause": text})
        for n, text in enumerate(
            [
                "The nightly export job filled the disk with temporary files.",
                "Temporary files from the export job were never cleaned up.",
                *(f"Unrelated cause number{n} about widget{n} and gadget{n}." for n in range(12)),
            ],
            1,
        )
    ]
    target = similar.Doc("2024-02-01-t", "Export", {"root_cause": "The export job hung."})
    high = similar.Tuning(threshold=0.5)  # the export matches score about 0.37
    assert similar.similar_docs(docs, target, tuning=similar.Tuning(threshold=0.5, weak=1.0)) == []
    shown = similar.similar_docs(docs, target, tuning=high)
    assert {m.id for m in shown} == {"2024-01-01-d1", "2024-01-02-d2"}
    assert all(m.weak and 0.25 <= m.score < 0.5 for m in shown)
    strong = similar.similar_docs(docs, target, tuning=similar.Tuning(threshold=0.3))
    assert {m.id for m in strong if not m.weak} == {"2024-01-01-d1", "2024-01-02-d2"}


def test_tokens_drop_dates_places_and_status_page_words() -> None:
    text = (
        "On 2024-03-04 at 09:37 UTC, customers in us-east-1 (Northern Virginia) experienced "
        "degraded service for the 2nd time on a Monday in March."
    )
    assert [t for t, _ in similar.tokens(text)] == []
    words = [t for t, _ in similar.tokens("A regular expression and an expired cert")]
    assert words == ["regex", "certificateexpiry"]
    assert [t for t, _ in similar.tokens("the leap second and the connection pool")] == [
        "leapsecond",
        "connectionpool",
    ]


def test_the_corpus_helper_still_writes_causes(repo: Repo) -> None:
    """Guard for the fixture: corpus postmortems carry no causes unless set."""
    corpus.write(repo.path, corpus.GROUPING[:1])
    path = Path(repo.path) / "postmortems" / "2024" / f"{corpus.GROUPING[0]['id']}.md"
    assert "causes:" not in path.read_text(encoding="utf-8")
