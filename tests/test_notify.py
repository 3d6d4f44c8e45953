"""Reminders where people work: ``pm overdue --format slack|teams|email``, ``--due-within``,
``pm notify`` posting to a real local HTTP server, ``--changed-since``, and the weekly
digest ``pm report --format slack``."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import CliRunnerCall, Repo, git
from factories import action, commit, postmortem, write

AS_OF = "2024-09-30"
PEOPLE = """
[people]
alice = { slack = "U123", teams = "alice@example.com", email = "alice@example.com" }
Bob = { email = "bob@example.com" }
"""


@pytest.fixture
def late(repo: Repo) -> Repo:
    """Two owners late on 2024-09-30, one item due in 2 days, one review late."""
    write(
        repo.path,
        postmortem(
            "2024-08-01-checkout-500s",
            "Checkout <!channel> & 500s",
            review_due="2024-08-03",
            actions=[
                action(1, "Alert on <pool> saturation & page", "alice", "P0", due="2024-09-01"),
                action(2, "Raise pool size", "bob", due="2024-09-27"),
                action(3, "Load test", "bob", "P2", due="2024-10-02"),
                action(4, "Later", "alice", "P2", due="2024-10-30"),
            ],
        ),
    )
    (repo.path / ".pm.toml").write_text(PEOPLE, encoding="utf-8")
    commit(repo.path)
    return repo


# --- a real local webhook -------------------------------------------------------------------


class Hook:
    """A webhook on 127.0.0.1 that records each POST and answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                hook.received.append((self.path, dict(self.headers), body))
                self.send_response(hook.status)
                self.end_headers()
                self.wfile.write(b"ok" if hook.status < 400 else b"boom")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/SECRET-TOKEN"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def payloads(self) -> list[Any]:
        return [json.loads(body) for _, _, body in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.close()


def _no_secret(result: Any, url: str) -> None:
    for text in (result.stdout, result.stderr):
        assert url not in text
        assert "SECRET-TOKEN" not in text
        assert "127.0.0.1" not in text


# --- pm overdue --format slack --------------------------------------------------------------


def test_slack_is_block_kit_with_mentions_and_escaped_text(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("overdue", "--as-of", AS_OF, "--format", "slack")
    assert result.exit_code == 1  # still a check: late things fail it
    message = json.loads(result.stdout)
    assert message["text"] == "pm overdue: 3 late (2 escalated) as of 2024-09-30"
    blocks = message["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "pm overdue: 3 late (2 escalated) as of 2024-09-30"},
    }
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections == [
        "<@U123> (alice)\n"
        "• :rotating_light: Action item 1 of 2024-08-01-checkout-500s (P0, alice) is 29 days "
        "late (due 2024-09-01): Alert on &lt;pool&gt; saturation &amp; page",
        "*bob*\n"
        "• :warning: Action item 2 of 2024-08-01-checkout-500s (P1, bob) is 3 days late "
        "(due 2024-09-27): Raise pool size",
        "*No owner* (reviews and incidents)\n"
        "• :rotating_light: The postmortem review of 2024-08-01-checkout-500s (SEV-1) is 58 days "
        "late (due 2024-08-03): Checkout &lt;!channel&gt; &amp; 500s",
    ]
    assert "<!channel>" not in result.stdout


def test_slack_section_stays_under_slack_limits(repo: Repo, cli: CliRunnerCall) -> None:
    items = [action(n, "x" * 200, "alice", due="2024-09-01") for n in range(1, 40)]
    write(repo.path, postmortem("2024-08-01-many", "Many", actions=items))
    commit(repo.path)
    message = json.loads(cli("overdue", "--as-of", AS_OF, "-f", "slack").stdout)
    text = message["blocks"][1]["text"]["text"]
    assert len(text) <= 3000
    assert text.endswith("more")
    assert "…and" in text


def test_due_within_lists_items_due_soon_without_failing(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("overdue", "--as-of", AS_OF, "--due-within", "3d", "--owner", "bob")
    assert result.exit_code == 1  # bob's item 2 is late
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(r[1], r[3], r[6], r[7]) for r in rows] == [
        ("action", "2", "3d", "late"),
        ("due-soon", "3", "in 2d", "due soon"),
    ]
    assert "1 late (0 escalated), 1 due within 3 days as of 2024-09-30." in result.stderr
    # Due soon alone never fails: it is a notice.
    soon = cli("overdue", "--as-of", "2024-09-20", "--due-within", "1w", "--owner", "bob")
    assert soon.exit_code == 0, soon.stderr
    assert "Nothing is late, 1 due within 7 days as of 2024-09-20." in soon.stderr


def test_due_within_in_json_github_and_markdown(late: Repo, cli: CliRunnerCall) -> None:
    data = json.loads(cli("overdue", "--as-of", AS_OF, "--due-within", "2", "-f", "json").stdout)
    assert data["due_within"] == 2
    assert [(f["kind"], f["item"], f["days_late"]) for f in data["due_soon"]] == [
        ("due-soon", 3, -2)
    ]
    assert data["total"] == 3
    github = cli("overdue", "--as-of", AS_OF, "--due-within", "2", "-f", "github").stdout
    assert "::notice file=postmortems/" in github
    assert "title=Action item due soon::Action item 3 of" in github
    markdown = cli("overdue", "--as-of", AS_OF, "--due-within", "2", "-f", "markdown").stdout
    assert "### Due within 2 days" in markdown
    assert "| bob | 2024-08-01-checkout-500s | 3 | P2 | 2024-10-02 | Load test |" in markdown


@pytest.mark.parametrize("value", ["soon", "3x", "-1d", ""])
def test_due_within_rejects_what_is_not_days(late: Repo, cli: CliRunnerCall, value: str) -> None:
    result = cli("overdue", "--due-within", value)
    assert result.exit_code == 2
    assert "pm: --due-within takes days or weeks (3d, 2w)" in result.stderr


def test_teams_is_a_message_card(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("overdue", "--as-of", AS_OF, "--due-within", "3d", "-f", "teams")
    card = json.loads(result.stdout)
    assert card["@type"] == "MessageCard"
    assert card["@context"] == "https://schema.org/extensions"
    assert (
        card["summary"] == "pm overdue: 3 late (2 escalated), 1 due within 3 days as of 2024-09-30"
    )
    assert card["themeColor"] == "C4314B"
    sections = card["sections"]
    assert [s["activityTitle"] for s in sections] == [
        "alice (alice@example.com)",
        "bob",
        "(no owner)",
    ]
    assert sections[1]["facts"] == [
        {
            "name": "2024-08-01-checkout-500s #2 (late)",
            "value": "Action item 2 of 2024-08-01-checkout-500s (P1, bob) is 3 days late "
            "(due 2024-09-27): Raise pool size",
        },
        {
            "name": "2024-08-01-checkout-500s #3 (due soon)",
            "value": "Action item 3 of 2024-08-01-checkout-500s (P2, bob) is due in 2 days "
            "(2024-10-02): Load test",
        },
    ]
    assert "&lt;pool&gt; saturation &amp; page" in sections[0]["facts"][0]["value"]


def test_email_is_one_rfc5322_message(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("overdue", "--as-of", AS_OF, "-f", "email")
    message = email.message_from_string(result.stdout, policy=email.policy.default)
    assert message["From"] == "pm <pm@localhost>"
    assert message["To"] == "alice@example.com, bob@example.com"
    assert message["Subject"] == "pm overdue: 3 late (2 escalated) as of 2024-09-30"
    assert message["Date"] == "Sat, 20 Jan 2024 12:00:00 +0000"
    body = message.get_content()
    assert body.startswith("pm overdue: 3 late (2 escalated) as of 2024-09-30.\n\n")
    assert (
        "- [escalated] Action item 1 of 2024-08-01-checkout-500s (P0, alice) is 29 days late "
        "(due 2024-09-01): Alert on <pool> saturation & page\n"
        "  postmortems/2024/2024-08-01-checkout-500s.md:" in body
    )


def test_email_per_owner_is_an_mbox_stream(
    late: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PM_EMAIL_FROM", "SRE <sre@example.com>")
    result = cli("overdue", "--as-of", AS_OF, "-f", "email", "--group-by", "owner")
    assert result.exit_code == 1
    assert result.stdout.startswith("From pm@localhost Sat Jan 20 12:00:00 2024\n")
    box = tmp_path / "out.mbox"
    box.write_text(result.stdout, encoding="utf-8")
    messages = list(mailbox.mbox(box))
    assert [(m["X-Pm-Owner"], m["To"], m["Subject"]) for m in messages] == [
        ("alice", "alice@example.com", "pm overdue: alice: 1 late as of 2024-09-30"),
        ("bob", "bob@example.com", "pm overdue: bob: 1 late as of 2024-09-30"),
        ("(no owner)", None, "pm overdue: (no owner): 1 late as of 2024-09-30"),
    ]
    assert all(m["From"] == "SRE <sre@example.com>" for m in messages)


def test_group_by_is_for_email(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("overdue", "-f", "slack", "--group-by", "owner")
    assert result.exit_code == 2
    assert "pm: --group-by owner is for --format email" in result.stderr
    assert cli("overdue", "-f", "email", "--group-by", "team").exit_code == 2


def test_people_table_is_checked(late: Repo, cli: CliRunnerCall) -> None:
    (late.path / ".pm.toml").write_text('[people]\nalice = { slak = "U1" }\n', encoding="utf-8")
    result = cli("overdue", "-f", "slack")
    assert result.exit_code == 3
    assert "unknown key people.alice.slak (did you mean 'slack'?)" in result.stderr
    (late.path / ".pm.toml").write_text('[people]\nalice = "U1"\n', encoding="utf-8")
    assert "people.alice must be a table" in cli("overdue", "-f", "slack").stderr


# --- pm notify -------------------------------------------------------------------------------


def test_notify_posts_the_exact_slack_message(late: Repo, cli: CliRunnerCall, hook: Hook) -> None:
    expected = json.loads(cli("overdue", "--as-of", AS_OF, "-f", "slack").stdout)
    result = cli("notify", "--webhook", hook.url, "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert hook.payloads() == [expected]
    path, headers, _ = hook.received[0]
    assert path == "/services/T000/SECRET-TOKEN"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert result.stderr == (
        "Posted to the webhook (HTTP 200): 3 late (2 escalated) as of 2024-09-30.\n"
    )
    _no_secret(result, hook.url)


def test_notify_reads_the_url_from_the_environment(
    late: Repo, cli: CliRunnerCall, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PM_WEBHOOK_URL", hook.url)
    assert cli("notify", "--as-of", AS_OF, "-f", "teams").exit_code == 0
    monkeypatch.delenv("PM_WEBHOOK_URL")
    monkeypatch.setenv("CHAT_HOOK", hook.url)
    assert cli("notify", "--as-of", AS_OF, "--webhook-env", "CHAT_HOOK").exit_code == 0
    first, second = hook.payloads()
    assert first["@type"] == "MessageCard"
    assert "blocks" in second


def test_notify_fails_clearly_on_a_server_error(late: Repo, cli: CliRunnerCall) -> None:
    server = Hook(status=500)
    try:
        result = cli("notify", "--webhook", server.url, "--as-of", AS_OF)
    finally:
        server.close()
    assert result.exit_code == 6
    assert result.stderr == (
        "pm: the webhook answered HTTP 500 Internal Server Error; nothing was posted\n"
    )
    assert len(server.received) == 1
    _no_secret(result, server.url)


def test_notify_fails_clearly_when_nothing_listens(late: Repo, cli: CliRunnerCall) -> None:
    server = Hook()
    url = server.url
    server.close()  # the port is free again: the connection is refused
    result = cli("notify", "--webhook", url, "--as-of", AS_OF)
    assert result.exit_code == 6
    assert result.stderr == "pm: could not reach the webhook: connection refused\n"
    _no_secret(result, url)


def test_notify_needs_a_webhook(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("notify", "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "pm: no webhook: give --webhook URL, --webhook-env NAME or set PM_WEBHOOK_URL" in (
        result.stderr
    )
    missing = cli("notify", "--webhook-env", "NOPE_HOOK")
    assert missing.exit_code == 2
    assert "--webhook-env NOPE_HOOK: that environment variable is not set" in missing.stderr
    bad = cli("notify", "--webhook", "ftp://secret.example/x")
    assert bad.exit_code == 2
    assert bad.stderr == "pm: the webhook is not an http:// or https:// URL\n"


def test_notify_dry_run_prints_the_payload(late: Repo, cli: CliRunnerCall, hook: Hook) -> None:
    result = cli("notify", "--webhook", hook.url, "--as-of", AS_OF, "--dry-run")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["text"].startswith("pm overdue: 3 late")
    assert hook.received == []
    _no_secret(result, hook.url)


def test_notify_posts_nothing_when_nothing_is_late(
    repo: Repo, cli: CliRunnerCall, hook: Hook
) -> None:
    write(repo.path, postmortem("2024-08-01-fine", actions=[action(1, "x", due="2024-12-01")]))
    commit(repo.path)
    result = cli("notify", "--webhook", hook.url, "--as-of", AS_OF)
    assert result.exit_code == 0
    assert result.stderr == "Nothing to announce: Nothing is late as of 2024-09-30.\n"
    assert hook.received == []


def test_changed_since_announces_only_what_is_new(
    late: Repo, cli: CliRunnerCall, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first commit is dated 2024-09-28 (the test's committer date): then item 1 and
    # the review were already late; item 2 (due 2024-09-27) too. Since then: a new
    # postmortem with a late item, and nothing else.
    git(late.path, "commit", "--amend", "--no-edit", "--date", "2024-09-28T12:00:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-09-28T12:00:00+00:00")
    git(late.path, "commit", "--amend", "--no-edit")
    git(late.path, "tag", "last-run")
    write(
        late.path,
        postmortem("2024-09-01-dns", "DNS", actions=[action(1, "TTL", "alice", due="2024-09-29")]),
    )
    commit(late.path)
    result = cli("notify", "--webhook", hook.url, "--as-of", AS_OF, "--changed-since", "last-run")
    assert result.exit_code == 0, result.stderr
    (payload,) = hook.payloads()
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert sections == [
        "<@U123> (alice)\n• :warning: Action item 1 of 2024-09-01-dns (P1, alice) is 1 day late "
        "(due 2024-09-29): TTL"
    ]
    assert "(new since last-run)" in result.stderr
    # Judged on the day of the commit, against the commit itself, nothing is new.
    day = "2024-09-28"
    again = cli("notify", "--webhook", hook.url, "--as-of", day, "--changed-since", "HEAD")
    assert again.stderr == (
        "Nothing to announce: Nothing is late as of 2024-09-28 (new since HEAD).\n"
    )
    assert len(hook.received) == 1
    # The same commit, two days on: DNS item 1 became late since (due 2024-09-29).
    later = cli("notify", "--dry-run", "--as-of", AS_OF, "--changed-since", "HEAD")
    assert "2024-09-01-dns (P1, alice) is 1 day late" in later.stdout
    assert "checkout" not in later.stdout


def test_changed_since_an_unknown_revision(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("notify", "--dry-run", "--changed-since", "no-such-tag")
    assert result.exit_code == 3
    assert result.stderr == (
        "pm: unknown revision 'no-such-tag': no such commit in this repository\n"
    )


# --- the weekly digest -------------------------------------------------------------------------


def test_report_slack_digest(
    late: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PM_NOW", "2024-09-30T12:00:00Z")
    result = cli("report", "--since", "2024-07-01", "--format", "slack")
    assert result.exit_code == 0, result.stderr
    message = json.loads(result.stdout)
    assert message["text"] == (
        "pm report: 2024-07-01 to 2024-09-30: 1 incident, 2 action items late"
    )
    summary = message["blocks"][1]["text"]["text"]
    assert summary.startswith("*1 incident* (SEV-1 1)\n*1 resolved*, 0 still active\n")
    incidents = message["blocks"][2]["text"]["text"]
    assert incidents == (
        "*Incidents*\n• SEV-1 *2024-08-01-checkout-500s* (resolved): Checkout &lt;!channel&gt; "
        "&amp; 500s"
    )


# --- the CI example ----------------------------------------------------------------------------


def test_the_reminders_workflow_runs_and_posts(
    late: Repo, cli: CliRunnerCall, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    import yaml

    from test_ci_examples import EXAMPLES, _pm_commands

    workflow = yaml.safe_load((EXAMPLES / "github-reminders.yml").read_text(encoding="utf-8"))
    assert workflow["jobs"]["reminders"]["env"] == {
        "PM_WEBHOOK_URL": "${{ secrets.SLACK_WEBHOOK_URL }}"
    }
    commands = _pm_commands(workflow)
    assert commands == [
        "pm notify --format slack --due-within 3d",
        "pm report --since 7d --format slack > digest.json",
    ]
    monkeypatch.setenv("PM_NOW", "2024-09-30T09:00:00Z")
    monkeypatch.setenv("PM_WEBHOOK_URL", hook.url)
    for command in commands:
        result = cli(*shlex.split(command.partition(">")[0])[1:])
        assert result.exit_code == 0, result.stderr
    (posted,) = hook.payloads()
    assert (
        posted["text"] == "pm overdue: 3 late (2 escalated), 1 due within 3 days as of 2024-09-30"
    )


@pytest.mark.slow
def test_the_installed_pm_posts_and_never_prints_the_url(late: Repo, hook: Hook) -> None:
    from conftest import run_pm

    env = {"PM_NOW": "2024-09-30T09:00:00Z", "CHAT_HOOK": hook.url}
    posted = run_pm(late.path, "notify", "--webhook-env", "CHAT_HOOK", env=env)
    assert posted.returncode == 0, posted.stderr
    assert (
        posted.stderr
        == "Posted to the webhook (HTTP 200): 3 late (2 escalated) as of 2024-09-30.\n"
    )
    assert hook.payloads()[0]["text"] == "pm overdue: 3 late (2 escalated) as of 2024-09-30"
    hook.status = 503
    failed = run_pm(late.path, "notify", "--webhook-env", "CHAT_HOOK", env=env)
    assert failed.returncode == 6
    assert failed.stderr == (
        "pm: the webhook answered HTTP 503 Service Unavailable; nothing was posted\n"
    )
    _no_secret(failed, hook.url)
