"""pm set: one front-matter field per commit, old and new value in the message."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from conftest import CliRunnerCall, Repo


def front(repo: Repo, postmortem_id: str) -> dict[str, object]:
    data = yaml.safe_load(repo.read(f"postmortems/2024/{postmortem_id}.md").split("---\n")[1])
    assert isinstance(data, dict)
    return data


def test_severity_change_reevaluates_the_review(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    active = cli.ok("set", opened, "severity", "sev-2")
    assert "The review due date is set when the incident is resolved." in active.stderr
    cli.ok("resolve", opened, "--at", "2024-01-15T16:05")
    assert front(repo, opened)["review"] == {"due": date(2024, 1, 17), "held": None}
    result = cli.ok("set", opened, "severity", "SEV-3")
    assert result.stderr == (
        f"Set severity of {opened}: SEV-2 -> SEV-3; committed.\n"
        "SEV-3 requires no postmortem review.\n"
    )
    assert front(repo, opened)["review"] == {"due": None, "held": None}
    assert repo.subjects()[0] == f"pm: set {opened} (severity: SEV-2 -> SEV-3)"
    assert repo.git("log", "-1", "--format=%b").splitlines()[0] == "severity: SEV-2 -> SEV-3"
    assert repo.files_in() == [f"postmortems/2024/{opened}.md"]
    back = cli.ok("set", opened, "severity", "SEV-1")
    assert "Postmortem review due 2024-01-17." in back.stderr
    assert front(repo, opened)["review"] == {"due": date(2024, 1, 17), "held": None}


def test_severity_config_review_hours(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / ".pm.toml").write_text(
        "[severities.SEV-1]\nrequires_postmortem = true\nreview_hours = 48\n"
        "[severities.SEV-2]\nrequires_postmortem = true\nreview_hours = 120\n",
        encoding="utf-8",
    )
    pid = cli.ok("open", "Outage", "-s", "SEV-1", "--started", "2024-01-10T10:00").stdout[:17]
    cli.ok("resolve", pid, "--at", "2024-01-10T12:00")
    cli.ok("set", pid, "severity", "SEV-2")
    assert front(repo, pid)["review"] == {"due": date(2024, 1, 15), "held": None}
    unknown = cli("set", pid, "severity", "SEV-9")
    assert unknown.exit_code == 2
    assert unknown.stderr == "pm: unknown severity 'SEV-9'; use one of SEV-1, SEV-2\n"


def test_title_change_keeps_id_and_file(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("set", opened, "title", "Checkout down: DB pool exhausted")
    data = front(repo, opened)
    assert data["title"] == "Checkout down: DB pool exhausted"
    assert data["id"] == opened
    assert repo.postmortem_path(opened).is_file()
    assert repo.subjects()[0] == f"pm: set {opened} (title)"  # long values: body only
    body = repo.git("log", "-1", "--format=%b").splitlines()[0]
    assert body == ("title: Database connection pool exhausted -> Checkout down: DB pool exhausted")


def test_impact_newlines_cannot_add_lines_or_trailers(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    impact = "Half of all checkouts failed for two hours\n\nPm-Id: forged\nPm-Operation: forged"
    cli.ok("set", opened, "impact", impact)
    assert front(repo, opened)["impact"] == impact
    message = repo.git("log", "-1", "--format=%B").splitlines()
    assert message[0] == f"pm: set {opened} (impact)"
    assert message[2] == (
        'impact: "" -> Half of all checkouts failed for two hours Pm-Id: forged '
        "Pm-Operation: forged"
    )
    assert message[3:] == ["", f"Pm-Id: {opened}", "Pm-Operation: set"]
    ids = repo.git("log", "-1", "--format=%(trailers:key=Pm-Id,valueonly)")
    assert ids.split() == [opened]


def test_list_fields(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok("set", opened, "services", "payments-api,payments-db", "ledger")
    assert front(repo, opened)["services"] == ["payments-api", "payments-db", "ledger"]
    cli.ok("set", opened, "services", "--remove", "ledger")
    cli.ok("set", opened, "tags", "--add", "database")
    cli.ok("set", opened, "tags", "--add", "database,locks")
    data = front(repo, opened)
    assert data["services"] == ["payments-api", "payments-db"]
    assert data["tags"] == ["database", "locks"]
    assert repo.subjects()[0] == f"pm: set {opened} (tags: [database] -> [database, locks])"
    cli.ok("set", opened, "tags", "")
    assert front(repo, opened)["tags"] == []
    absent = cli("set", opened, "services", "--remove", "nope")
    assert absent.exit_code == 3
    assert absent.stderr == f"pm: services of {opened} has no nope\n"
    bad = cli("set", opened, "tags", "two words")
    assert bad.exit_code == 2


def test_related_resolves_ids(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    other = cli.ok("open", "Checkout latency", "-s", "SEV-2", "--started", "2024-01-18T09:00")
    other_id = other.stdout.split("\t")[0]
    cli.ok("set", other_id, "related", "database-connection")
    assert front(repo, other_id)["related"] == [opened]
    missing = cli("set", other_id, "related", "--add", "2023-01-01-nothing")
    assert missing.exit_code == 3
    assert "no postmortem matches '2023-01-01-nothing'" in missing.stderr
    itself = cli("set", other_id, "related", "--add", other_id)
    assert itself.exit_code == 2
    assert "cannot be related to itself" in itself.stderr
    shown = cli.ok("show", other_id).stdout
    assert f"related   {opened}" in shown


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["status", "closed"], 2, "cannot set 'status'; settable fields: title, severity,"),
        (["title"], 2, "give a value for title ('' clears a list)"),
        (["title", "a", "b"], 2, "title takes one value (quote it if it has spaces)"),
        (["title", "x\ny"], 2, "the title must be one line"),
        (["title", "--add", "x"], 2, "--add works on list fields"),
        (["tags", "--add", "--remove", "x"], 2, "use --add or --remove, not both"),
        (["severity", "SEV-1"], 3, "severity of "),
    ],
)
def test_set_refusals(
    repo: Repo, cli: CliRunnerCall, opened: str, args: list[str], code: int, message: str
) -> None:
    before = repo.commit_count()
    result = cli("set", opened, *args)
    assert result.exit_code == code
    assert message in result.stderr
    assert repo.commit_count() == before


def test_no_change_is_refused(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    result = cli("set", opened, "severity", "SEV-1")
    assert result.stderr == f"pm: severity of {opened} is already 'SEV-1'; nothing to change\n"


def test_related_removal_of_a_deleted_postmortem(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    other = cli.ok("open", "Checkout latency", "-s", "SEV-2", "--started", "2024-01-18T09:00")
    other_id = other.stdout.split("\t")[0]
    cli.ok("set", opened, "related", other_id)
    repo.git("rm", "--quiet", f"postmortems/2024/{other_id}.md")
    repo.git("commit", "--quiet", "-m", "Merged into the pool postmortem")
    cli.ok("set", opened, "related", "--remove", other_id)
    assert front(repo, opened)["related"] == []


def test_severity_change_while_active(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    result = cli.ok("set", opened, "severity", "SEV-3")
    assert result.stderr.endswith("SEV-3 requires no postmortem review.\n")
    assert front(repo, opened)["review"] == {"due": None, "held": None}
