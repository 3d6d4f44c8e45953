"""An id that matches nothing: a word from a title selects a postmortem, or pm offers
"did you mean" ids."""

from __future__ import annotations

import pytest

from conftest import CliRunnerCall, Repo
from pm import idmatch
from pm.cli import main

TITLES = {
    "2023-01-15-database-connection-pool-exhausted": "Database connection pool exhausted",
    "2023-03-01-waf-rule-blocked-checkout": "WAF rule blocked checkout",
    "2023-05-01-disk-full-on-db-2": "Disk full on db-2",
    "2023-06-01-disk-latency-on-db-3": "Disk latency on db-3",
    "2023-07-01-outbound-mail-stuck": "Outbound mail queue stuck",
}


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("blocked", ["2023-03-01-waf-rule-blocked-checkout"]),
        ("WAF RULE", ["2023-03-01-waf-rule-blocked-checkout"]),
        ("db", ["2023-05-01-disk-full-on-db-2", "2023-06-01-disk-latency-on-db-3"]),
        ("latency db", ["2023-06-01-disk-latency-on-db-3"]),
        ("bound", []),  # inside a word, not at its start
        ("", []),
    ],
)
def test_by_title_matches_words_at_their_start(ref: str, expected: list[str]) -> None:
    assert idmatch.by_title(ref, TITLES) == expected


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("databse", ["2023-01-15-database-connection-pool-exhausted"]),
        ("2023-01-15-databse-connection", ["2023-01-15-database-connection-pool-exhausted"]),
        ("outbond-mail", ["2023-07-01-outbound-mail-stuck"]),
        ("zzzz", []),
    ],
)
def test_close_ids_compare_ids_slugs_and_words(ref: str, expected: list[str]) -> None:
    assert idmatch.close_ids(ref, list(TITLES)) == expected


def test_suggestions_add_titles_holding_the_word_and_stop_at_five() -> None:
    assert idmatch.suggestions("bound", TITLES) == ["2023-07-01-outbound-mail-stuck"]
    many = {f"2024-01-{day:02}-disk-{day}": f"Disk {day}" for day in range(10, 30)}
    assert len(idmatch.suggestions("2024-01-1", many)) == idmatch.SUGGESTIONS


@pytest.fixture
def titled(repo: Repo, cli: CliRunnerCall) -> Repo:
    for title, started in [
        ("WAF rule blocked checkout", "2023-03-01T10:00"),
        ("Disk full on db-2", "2023-05-01T10:00"),
        ("Disk latency on db-3", "2023-06-01T10:00"),
        ("Database connection pool exhausted", "2023-01-15T14:05"),
    ]:
        cli.ok("open", title, "-s", "SEV-2", "--started", started)
    return repo


def test_a_title_word_selects_the_postmortem_on_the_fast_path(
    titled: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "blocked"]) == 0
    assert capsys.readouterr().out.startswith("2023-03-01-waf-rule-blocked-checkout: WAF rule")


def test_a_title_word_selects_the_postmortem_for_a_change(titled: Repo, cli: CliRunnerCall) -> None:
    cli.ok("resolve", "latency", "--at", "2023-06-01T11:00")
    assert titled.subjects()[0].startswith("pm: resolve 2023-06-01-disk-latency-on-db-3")


@pytest.mark.parametrize("args", [["show", "db"], ["resolve", "db"]])
def test_a_word_in_several_titles_lists_them(
    titled: Repo, cli: CliRunnerCall, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    before = titled.commit_count()
    code = main(args)
    err = capsys.readouterr().err
    assert code == 3
    assert err == (
        "pm: 'db' is ambiguous: the titles of 2 postmortems hold it; give one of these ids\n"
        "    2023-05-01-disk-full-on-db-2  Disk full on db-2\n"
        "    2023-06-01-disk-latency-on-db-3  Disk latency on db-3\n"
    )
    assert titled.commit_count() == before


def test_a_typo_gets_did_you_mean(titled: Repo, cli: CliRunnerCall) -> None:
    result = cli("show", "databse")
    assert result.exit_code == 3
    assert result.stderr == (
        "pm: no postmortem matches 'databse'; did you mean "
        "2023-01-15-database-connection-pool-exhausted (Database connection pool exhausted)?\n"
    )
    several = cli("event", "2023-05-02", "text")
    assert several.exit_code == 3
    assert several.stderr.startswith(
        "pm: no postmortem matches '2023-05-02'; did you mean one of these?\n"
        "    2023-05-01-disk-full-on-db-2  Disk full on db-2\n"
    )


def test_nothing_alike_keeps_the_plain_message(titled: Repo, cli: CliRunnerCall) -> None:
    result = cli("show", "nope")
    assert (result.exit_code, result.stderr) == (
        3,
        "pm: no postmortem matches 'nope' (see `pm list`)\n",
    )
