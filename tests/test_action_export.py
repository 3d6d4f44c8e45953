"""Action items and issue trackers: ``--ticket`` recognises tracker URLs, ``pm action
export`` prints issues to file, and ``--create`` files them with ``gh`` or ``glab``.

``gh`` and ``glab`` are external tools: the tests put a small fake of each first on PATH,
which records its arguments and prints an issue URL (or fails, as told).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from conftest import CliRunnerCall, Repo
from pm.trackers import created_url, recognise

GH_ISSUE = "https://github.com/acme/payments/issues/123"


def items(repo: Repo, postmortem_id: str) -> list[dict[str, object]]:
    text = repo.postmortem_path(postmortem_id).read_text(encoding="utf-8")
    found = yaml.safe_load(text.split("---\n")[1])["actions"]
    assert isinstance(found, list)
    return found


# --- recognising tickets ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "tracker", "stored", "short"),
    [
        (GH_ISSUE, "github", GH_ISSUE, "gh#123"),
        (f"{GH_ISSUE}#issuecomment-9", "github", GH_ISSUE, "gh#123"),
        (
            "https://github.com/acme/payments/pull/7/",
            "github",
            "https://github.com/acme/payments/pull/7",
            "gh#7",
        ),
        (
            "HTTPS://GitHub.com/acme/payments/issues/5?x=1",
            "github",
            "https://github.com/acme/payments/issues/5",
            "gh#5",
        ),
        (
            "https://gitlab.com/acme/ops/payments/-/issues/45",
            "gitlab",
            "https://gitlab.com/acme/ops/payments/-/issues/45",
            "gl#45",
        ),
        (
            "https://gitlab.example.com/ops/-/merge_requests/8",
            "gitlab",
            "https://gitlab.example.com/ops/-/merge_requests/8",
            "gl!8",
        ),
        (
            "https://acme.atlassian.net/browse/OPS-12",
            "jira",
            "https://acme.atlassian.net/browse/OPS-12",
            "OPS-12",
        ),
        (
            "https://jira.example.com/browse/PAY-7?focusedId=1",
            "jira",
            "https://jira.example.com/browse/PAY-7",
            "PAY-7",
        ),
        ("OPS-12", "jira", "OPS-12", "OPS-12"),
        (
            "https://github.com/acme/payments",
            "other",
            "https://github.com/acme/payments",
            "https://github.com/acme/payments",
        ),
        ("ticket-42", "other", "ticket-42", "ticket-42"),
        ("https://", "other", "https://", "https://"),
    ],
)
def test_recognise(given: str, tracker: str, stored: str, short: str) -> None:
    ticket = recognise(given)
    assert (ticket.tracker, ticket.value, ticket.short) == (tracker, stored, short)


def test_created_url_is_the_last_issue_url_printed() -> None:
    printed = "Creating issue in acme/payments\n\nhttps://github.example.com/acme/p/issues/9\n"
    assert created_url(printed) == "https://github.example.com/acme/p/issues/9"
    assert created_url("https://gitlab.com/a/b/-/issues/3 (opened)") == (
        "https://gitlab.com/a/b/-/issues/3"
    )
    assert created_url("see https://github.com/acme/p (no issue)") is None


def test_a_tracker_url_is_stored_plain_and_shown_short(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    cli.ok("action", "add", opened, "Alert on pool use", "--owner", "alice",
           "--ticket", f"{GH_ISSUE}#issuecomment-1")  # fmt: skip
    cli.ok("action", "add", opened, "Load-test checkout", "--owner", "bob", "--ticket", "OPS-12")
    cli.ok("action", "add", opened, "Runbook", "--owner", "carol")
    cli.ok("action", "edit", opened, "3", "--ticket", "https://acme.atlassian.net/browse/OPS-13")
    assert [item.get("ticket") for item in items(repo, opened)] == [
        GH_ISSUE,
        "OPS-12",
        "https://acme.atlassian.net/browse/OPS-13",
    ]
    table = cli.ok("action", "list").stdout
    assert "Alert on pool use [gh#123]" in table
    assert "Load-test checkout [OPS-12]" in table
    assert "Runbook [OPS-13]" in table
    listed = json.loads(cli.ok("action", "list", "--json").stdout)
    assert [row["ticket"] for row in listed] == [
        GH_ISSUE,
        "OPS-12",
        "https://acme.atlassian.net/browse/OPS-13",
    ]
    shown = cli.ok("show", opened).stdout
    assert "Alert on pool use [gh#123]" in shown
    assert json.loads(cli.ok("show", opened, "--json").stdout)["actions"][0]["ticket"] == GH_ISSUE


# --- pm action export ---------------------------------------------------------------------


@pytest.fixture
def four(repo: Repo, cli: CliRunnerCall, opened: str) -> str:
    """``opened`` with items 1 (P0 alice), 2 (bob, ticketed), 3 (carol, done), 4 (dan)."""
    cli.ok("action", "add", opened, "Alert on pool use", "--owner", "alice", "-p", "P0")
    cli.ok("action", "add", opened, "Load-test", "--owner", "bob", "--ticket", "OPS-1")
    cli.ok("action", "add", opened, "Runbook", "--owner", "carol")
    cli.ok("action", "done", opened, "3")
    cli.ok("action", "add", opened, "Pool dashboard [v2]", "--owner", "dan", "-p", "P2")
    return opened


def test_export_prints_open_unticketed_items_as_issues(
    repo: Repo, cli: CliRunnerCall, four: str
) -> None:
    result = cli.ok("action", "export", four, "--to", "github")
    issues = json.loads(result.stdout)
    assert [issue["number"] for issue in issues] == [1, 4]
    first = issues[0]
    assert first == {
        "id": four,
        "number": 1,
        "to": "github",
        "title": "Alert on pool use",
        "body": (
            "Action item #1 of the postmortem “Database connection pool exhausted” "
            f"(`postmortems/2024/{four}.md`), SEV-1, `{four}`.\n\n"
            "- Owner: alice\n- Priority: P0\n- Due: 2024-01-27\n- Services: payments-api\n"
        ),
        "labels": ["postmortem", "P0", "SEV-1", "payments-api"],
        "assignee": None,
        "due": "2024-01-27",
    }
    assert result.stderr == (
        f"pm: note: action item 2 of {four} already has a ticket (OPS-1); skipped\n"
    )
    assert repo.git("status", "--porcelain") == ""


def test_export_names_items_and_says_why_one_is_left_out(cli: CliRunnerCall, four: str) -> None:
    result = cli.ok("action", "export", four, "3", "#4", "4")
    assert [issue["number"] for issue in json.loads(result.stdout)] == [4]
    assert f"action item 3 of {four} is done; skipped" in result.stderr
    missing = cli("action", "export", four, "9")
    assert missing.exit_code == 3
    assert missing.stderr == f"pm: {four} has no action item 9 (items: 1, 2, 3, 4)\n"


def test_export_links_to_the_site_page_or_the_file_and_assigns_from_people(
    repo: Repo, cli: CliRunnerCall, four: str
) -> None:
    config = repo.path / ".pm.toml"
    config.write_text(
        '[site]\nrepository_url = "https://gitlab.com/acme/postmortems"\n'
        '[people]\nalice = { github = "alice-gh", gitlab = "alice.gl", jira = "5b10ac8d82e05b" }\n',
        encoding="utf-8",
    )
    issue = json.loads(cli.ok("action", "export", four, "1", "--to", "gitlab").stdout)[0]
    assert issue["assignee"] == "alice.gl"
    assert issue["body"].startswith(
        "Action item #1 of the postmortem [Database connection pool exhausted]"
        f"(https://gitlab.com/acme/postmortems/-/blob/main/postmortems/2024/{four}.md), SEV-1"
    )
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "[site]\n", '[site]\nurl = "https://postmortems.example.com"\n'
        ),
        encoding="utf-8",
    )
    issue = json.loads(cli.ok("action", "export", four, "--to", "jira").stdout)[0]
    assert issue["to"] == "jira"
    assert issue["assignee"] == "5b10ac8d82e05b"
    assert f"(https://postmortems.example.com/postmortems/{four}.html)" in issue["body"]
    dan = json.loads(cli.ok("action", "export", four, "4").stdout)[0]
    assert dan["assignee"] is None  # not in [people]
    assert "[Database connection pool exhausted]" in dan["body"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('{ github = "-alice" }', "people.alice.github must be a github user name"),
        ('{ gitlab = "al ice" }', "people.alice.gitlab must be a gitlab user name"),
        ('{ jira = "a,b" }', "people.alice.jira must be one line of text"),
        ('{ githb = "alice" }', "unknown key people.alice.githb (did you mean 'github'?)"),
    ],
)
def test_tracker_user_names_are_checked(
    repo: Repo, cli: CliRunnerCall, four: str, entry: str, message: str
) -> None:
    (repo.path / ".pm.toml").write_text(f"[people]\nalice = {entry}\n", encoding="utf-8")
    result = cli("action", "export", four)
    assert result.exit_code == 3
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_export_usage_errors(cli: CliRunnerCall, four: str) -> None:
    for args, message in [
        (("--to", "jyra"), "unknown tracker 'jyra'; use one of github, gitlab, jira"),
        (("--to", "jira", "--create"), "--create files issues with gh or glab; jira has no"),
        (("--repo", "acme/payments"), "--repo goes with --create"),
    ]:
        result = cli("action", "export", four, *args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith(f"pm: {message}")
        assert result.stderr.count("\n") == 1


# --- --create with gh and glab --------------------------------------------------------------

FAKE = """#!{python}
import json, os, sys
with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv) + "\\n")
if os.environ.get("FAKE_FAIL"):
    print("could not add label: 'postmortem' not found", file=sys.stderr)
    sys.exit(1)
count = sum(1 for _ in open(os.environ["FAKE_LOG"], encoding="utf-8"))
print(os.environ["FAKE_PRINT"].format(n=100 + count))
"""


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fake ``gh`` and ``glab`` first on PATH; the log file of their argument lists."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("gh", "glab"):
        script = bin_dir / tool
        script.write_text(FAKE.format(python=sys.executable), encoding="utf-8")
        script.chmod(0o755)
    log = tmp_path / "argv.log"
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(sys.executable).parent}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("FAKE_PRINT", "https://github.com/acme/payments/issues/{n}")
    return log


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_create_files_each_item_with_gh_and_records_the_ticket_in_one_commit_each(
    repo: Repo, cli: CliRunnerCall, four: str, fake: Path
) -> None:
    (repo.path / ".pm.toml").write_text('[people]\nalice = { github = "alice-gh" }\n', "utf-8")
    before = repo.commit_count()
    result = cli.ok("action", "export", four, "--create", "--repo", "acme/payments")
    assert result.stdout == (
        "https://github.com/acme/payments/issues/101\nhttps://github.com/acme/payments/issues/102\n"
    )
    assert f"Filed gh#101 for action item 1 of {four}; committed." in result.stderr
    assert f"Filed gh#102 for action item 4 of {four}; committed." in result.stderr
    first, second = calls(fake)
    assert Path(first[0]).name == "gh"
    assert first[1:4] == ["issue", "create", "--title=Alert on pool use"]
    assert first[4].startswith("--body=Action item #1 of the postmortem")
    assert first[5:] == [
        "--label=postmortem",
        "--label=P0",
        "--label=SEV-1",
        "--label=payments-api",
        "--assignee=alice-gh",
        "--repo=acme/payments",
    ]
    assert "--assignee=alice-gh" not in second and "--title=Pool dashboard [v2]" in second
    assert repo.commit_count() == before + 2
    assert repo.subjects()[:2] == [
        f"pm: action-edit {four} (#4 ticket)",
        f"pm: action-edit {four} (#1 ticket)",
    ]
    assert "ticket: none -> https://github.com/acme/payments/issues/102" in repo.git(
        "log", "-1", "--format=%b"
    )
    tickets = [item.get("ticket") for item in items(repo, four)]
    assert tickets[0] == "https://github.com/acme/payments/issues/101"
    assert tickets[3] == "https://github.com/acme/payments/issues/102"
    again = cli.ok("action", "export", four, "--create")
    assert "nothing created" in again.stderr
    assert len(calls(fake)) == 2


def test_create_with_glab(
    repo: Repo, cli: CliRunnerCall, four: str, fake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_PRINT", "Creating issue...\nhttps://gitlab.com/acme/pay/-/issues/{n}")
    result = cli.ok("action", "export", four, "4", "--to", "gitlab", "--create")
    assert f"Filed gl#101 for action item 4 of {four}" in result.stderr
    (call,) = calls(fake)
    assert Path(call[0]).name == "glab"
    assert call[3] == "--title=Pool dashboard [v2]"
    assert call[4].startswith("--description=Action item #4")
    assert call[5:] == ["--label=postmortem,P2,SEV-1,payments-api", "--yes"]
    assert items(repo, four)[3]["ticket"] == "https://gitlab.com/acme/pay/-/issues/101"


def test_a_failing_gh_is_one_line_exit_6_and_nothing_committed(
    repo: Repo, cli: CliRunnerCall, four: str, fake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_FAIL", "1")
    head = repo.git("rev-parse", "HEAD")
    result = cli("action", "export", four, "--create")
    assert result.exit_code == 6
    assert result.stderr.splitlines()[-1] + "\n" == (
        "pm: gh issue create failed (exit 1): could not add label: 'postmortem' not found\n"
    )
    assert len(calls(fake)) == 1  # stopped at the first failure
    assert repo.git("rev-parse", "HEAD") == head
    assert repo.git("status", "--porcelain") == ""


def test_gh_printing_no_url_or_missing_is_exit_6(
    repo: Repo, cli: CliRunnerCall, four: str, fake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_PRINT", "done")
    result = cli("action", "export", four, "1", "--create")
    assert result.exit_code == 6
    assert result.stderr == "pm: gh issue create printed no issue URL: done\n"
    (fake.parent / "bin" / "gh").unlink()
    result = cli("action", "export", four, "1", "--create")
    assert result.exit_code == 6
    assert result.stderr.startswith("pm: gh is not installed or not on PATH")
    assert items(repo, four)[0].get("ticket") is None
