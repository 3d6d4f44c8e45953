"""``pm related`` links both ways in one commit; similar incidents in ``pm open``/``pm show``."""

from __future__ import annotations

import json
import re
import stat

import pytest

import corpus
from conftest import CliRunnerCall, Repo, run_pm

A = "2024-01-09-checkout-requests-time-out"
B = "2024-06-25-slow-reconciliation-query"


@pytest.fixture
def grouped(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setenv("PM_NOW", "2025-01-15T12:00:00Z")
    corpus.write(repo.path, corpus.GROUPING)
    return repo


def related_of(cli: CliRunnerCall, ref: str) -> list[str]:
    data: list[str] = json.loads(cli.ok("show", ref, "--json").stdout)["related"]
    return data


def test_related_links_both_ways_in_one_commit(grouped: Repo, cli: CliRunnerCall) -> None:
    before = grouped.commit_count()
    result = cli.ok("related", "2024-01-09", "slow-reconciliation")
    assert result.stderr == f"Related {A} and {B}; committed.\n"
    assert related_of(cli, A) == [B] and related_of(cli, B) == [A]
    assert grouped.commit_count() == before + 1
    assert sorted(grouped.files_in()) == [f"postmortems/2024/{A}.md", f"postmortems/2024/{B}.md"]
    message = grouped.git("log", "-1", "--format=%B")
    assert message.startswith(f"pm: related {A} {B}\n")
    assert f"Pm-Id: {A}\nPm-Id: {B}\nPm-Operation: related" in message
    assert grouped.git("status", "--porcelain") == ""
    shown = cli.ok("show", A).stdout
    assert f"  related   {B}" in shown


def test_related_again_is_a_no_op(grouped: Repo, cli: CliRunnerCall) -> None:
    cli.ok("related", A, B)
    count = grouped.commit_count()
    again = cli.ok("related", B, A)
    assert again.stderr == f"{B} and {A} are already related; nothing to do.\n"
    assert grouped.commit_count() == count


def test_related_errors(grouped: Repo, cli: CliRunnerCall) -> None:
    same = cli("related", A, "2024-01-09")
    assert (same.exit_code, same.stderr) == (2, f"pm: {A} cannot be related to itself\n")
    unknown = cli("related", A, "no-such-thing")
    assert unknown.exit_code == 3 and "no postmortem matches 'no-such-thing'" in unknown.stderr
    assert grouped.git("status", "--porcelain") == ""


def test_failed_commit_restores_both_files(grouped: Repo, cli: CliRunnerCall) -> None:
    hook = grouped.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho refused >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    before = {ref: grouped.postmortem_path(ref).read_bytes() for ref in (A, B)}
    count = grouped.commit_count()
    result = cli("related", A, B)
    assert result.exit_code == 4
    assert {ref: grouped.postmortem_path(ref).read_bytes() for ref in (A, B)} == before
    assert grouped.commit_count() == count
    assert grouped.git("status", "--porcelain") == ""


def test_related_is_see_also_and_does_not_make_a_recurring_group(
    grouped: Repo, cli: CliRunnerCall
) -> None:
    """A reader's link is not a diagnosis: ``related:`` never joins recurring causes."""
    dns, bgp = "2024-05-21-dns-provider-outage", "2024-02-20-bgp-route-leak"
    cli.ok("related", dns, bgp)
    data = json.loads(cli.ok("report", "--format", "json").stdout)
    assert not [g for g in data["recurring"] if {dns, bgp} <= {i["id"] for i in g["incidents"]}]
    incident = json.loads(cli.ok("report", dns, "--format", "json").stdout)
    assert incident["related"] == [
        {"id": bgp, "title": "BGP route leak made EU region unreachable", "same_cause": False}
    ]


def test_related_same_cause_joins_groups_in_the_report(grouped: Repo, cli: CliRunnerCall) -> None:
    dns, bgp = "2024-05-21-dns-provider-outage", "2024-02-20-bgp-route-leak"
    before = grouped.commit_count()
    result = cli.ok("related", "--same-cause", dns, bgp)
    assert result.stderr == f"Related {dns} and {bgp} as sharing a cause; committed.\n"
    assert grouped.commit_count() == before + 1
    message = grouped.git("log", "-1", "--format=%B")
    assert message.startswith(f"pm: same_cause {dns} {bgp}\n")
    text = grouped.postmortem_path(dns).read_text(encoding="utf-8")
    assert f"same_cause:\n- {bgp}\n" in text
    assert json.loads(cli.ok("show", dns, "--json").stdout)["related"] == []
    incident = json.loads(cli.ok("report", dns, "--format", "json").stdout)
    assert incident["related"] == [
        {"id": bgp, "title": "BGP route leak made EU region unreachable", "same_cause": True}
    ]
    data = json.loads(cli.ok("report", "--format", "json").stdout)
    joined = [g for g in data["recurring"] if dns in {i["id"] for i in g["incidents"]}]
    assert len(joined) == 1
    assert [i["id"] for i in joined[0]["incidents"]] == [bgp, dns]
    assert joined[0]["linked"] == [[bgp, dns]]
    again = cli.ok("related", "--same-cause", bgp, dns)
    assert (
        again.stderr == f"{bgp} and {dns} are already related as sharing a cause; nothing to do.\n"
    )
    assert cli.ok("lint").stdout == ""  # same_cause is a key pm knows


def test_show_lists_similar_past_incidents_by_root_cause(grouped: Repo, cli: CliRunnerCall) -> None:
    out = cli.ok("show", B).stdout
    tail = out.split("Similar past incidents (by root cause)\n", 1)[1].splitlines()
    assert len(tail) == 3
    family = next(f for f in corpus.families(corpus.GROUPING) if B in f)
    assert all(line.split()[0] in family - {B} for line in tail)
    assert all(re.search(r"  \((?:weak match; )?shared: [^)]+\)$", line) for line in tail)


def test_show_says_nothing_while_no_cause_is_written(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    assert "Similar past incidents" not in cli.ok("show", opened).stdout


def test_open_prints_similar_past_incidents_on_stderr(grouped: Repo, cli: CliRunnerCall) -> None:
    result = cli.ok(
        "open", "Payments database timing out again", "-s", "SEV-2",
        "--service", "payments-db", "--started", "2025-01-15T11:00",
    )  # fmt: skip
    assert result.stdout.startswith("2025-01-15-payments-database-timing-out-again\t")
    lines = result.stderr.splitlines()
    assert lines[1] == "Similar past incidents (did this happen before?):"
    found = [line.split()[0] for line in lines[2:]]
    assert len(found) == 3
    assert "2024-02-06-payments-database-cpu-pinned" in found
    quiet = cli.ok("open", "Quantum flux capacitor melted", "-s", "SEV-3")
    assert "Similar past incidents" not in quiet.stderr


@pytest.mark.slow
def test_related_end_to_end(grouped: Repo) -> None:
    result = run_pm(grouped.path, "related", A, B)
    assert result.returncode == 0, result.stderr
    shown = run_pm(grouped.path, "show", B)
    assert f"  related   {A}" in shown.stdout
    assert "Similar past incidents (by root cause)" in shown.stdout


def test_related_remove_unlinks_both_sides_in_one_commit(grouped: Repo, cli: CliRunnerCall) -> None:
    cli.ok("related", A, B)
    before = grouped.commit_count()
    result = cli.ok("related", B, A, "--remove")
    assert result.stderr == f"Unlinked {B} and {A}; committed.\n"
    assert related_of(cli, A) == [] and related_of(cli, B) == []
    assert grouped.commit_count() == before + 1
    assert sorted(grouped.files_in()) == [f"postmortems/2024/{A}.md", f"postmortems/2024/{B}.md"]
    message = grouped.git("log", "-1", "--format=%B")
    assert message.startswith(f"pm: related-rm {B} {A}\n")
    assert f"Pm-Id: {B}\nPm-Id: {A}\nPm-Operation: related-rm" in message
    assert grouped.git("status", "--porcelain") == ""
    assert cli.ok("lint").stdout == ""
    assert "related-rm" in cli.ok("log", A).stdout


def test_related_remove_when_not_linked_is_a_no_op(grouped: Repo, cli: CliRunnerCall) -> None:
    count = grouped.commit_count()
    result = cli.ok("related", A, B, "--remove")
    assert result.stderr == f"{A} and {B} are not related; nothing to do.\n"
    assert grouped.commit_count() == count
    assert grouped.git("status", "--porcelain") == ""


def test_related_remove_takes_a_one_sided_link(grouped: Repo, cli: CliRunnerCall) -> None:
    """A hand edit may have linked one side only: --remove still unlinks it."""
    cli.ok("related", A, B)
    cli.ok("set", B, "related", "")
    assert related_of(cli, A) == [B] and related_of(cli, B) == []
    cli.ok("related", A, B, "--remove")
    assert related_of(cli, A) == []


def test_related_remove_also_removes_a_same_cause_link(grouped: Repo, cli: CliRunnerCall) -> None:
    dns, bgp = "2024-05-21-dns-provider-outage", "2024-02-20-bgp-route-leak"
    cli.ok("related", "--same-cause", dns, bgp)
    cli.ok("related", dns, bgp)
    only = cli.ok("related", "--same-cause", "--remove", dns, bgp)
    assert only.stderr == f"Unlinked {dns} and {bgp} as sharing a cause; committed.\n"
    assert "same_cause" not in grouped.postmortem_path(dns).read_text(encoding="utf-8")
    assert related_of(cli, dns) == [bgp]
    cli.ok("related", "--same-cause", dns, bgp)
    before = grouped.commit_count()
    cli.ok("related", "--remove", bgp, dns)
    assert grouped.commit_count() == before + 1
    for ref in (dns, bgp):
        text = grouped.postmortem_path(ref).read_text(encoding="utf-8")
        assert "same_cause" not in text
        assert related_of(cli, ref) == []
    incident = json.loads(cli.ok("report", dns, "--format", "json").stdout)
    assert incident["related"] == []
    assert cli.ok("lint").stdout == ""


def test_related_remove_errors(grouped: Repo, cli: CliRunnerCall) -> None:
    same = cli("related", A, "2024-01-09", "--remove")
    assert (same.exit_code, same.stderr) == (2, f"pm: {A} cannot be related to itself\n")
    unknown = cli("related", A, "no-such-thing", "--remove")
    assert unknown.exit_code == 3 and "no postmortem matches 'no-such-thing'" in unknown.stderr
    assert grouped.git("status", "--porcelain") == ""
