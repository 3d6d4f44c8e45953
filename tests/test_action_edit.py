"""Action items are never final: edit, rm (the number is never reused), done --on an
earlier day, and a follow-up added to a closed postmortem."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from conftest import CliRunnerCall, Repo
from factories import FILLED, Closure, action, at, commit, postmortem, write
from lintclean import LINT_ARGS, findings


def front(repo: Repo, postmortem_id: str) -> dict[str, object]:
    text = repo.postmortem_path(postmortem_id).read_text(encoding="utf-8")
    data = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(data, dict)
    return data


def items(repo: Repo, postmortem_id: str) -> list[dict[str, object]]:
    found = front(repo, postmortem_id)["actions"]
    assert isinstance(found, list)
    return found


@pytest.fixture
def three(repo: Repo, cli: CliRunnerCall, opened: str) -> str:
    """``opened`` with items 1 (P0 alice), 2 (a duplicate of 1, bob), 3 (P2 carol, PAY-1)."""
    cli.ok("action", "add", opened, "Alert on pool use", "--owner", "alice", "-p", "P0")
    cli.ok("action", "add", opened, "Alert on pool use", "--owner", "bob", "-p", "P0")
    cli.ok("action", "add", opened, "Load-test checkout", "--owner", "carol", "-p", "P2")
    cli.ok("action", "edit", opened, "3", "--ticket", "PAY-1")
    return opened


# --- edit -------------------------------------------------------------------------------------


def test_edit_says_old_and_new_in_the_output_and_the_commit(
    repo: Repo, cli: CliRunnerCall, three: str
) -> None:
    result = cli.ok(
        "action", "edit", three, "3", "--owner", "dan", "--due", "2024-03-01",
        "--text", "Load-test checkout at 3x peak",
    )  # fmt: skip
    assert result.stderr == (
        "  text: Load-test checkout -> Load-test checkout at 3x peak\n"
        "  owner: carol -> dan\n"
        "  due: 2024-04-19 -> 2024-03-01\n"
        f"Edited action item 3 of {three}; committed.\n"
    )
    assert repo.subjects()[0] == f"pm: action-edit {three} (#3 text, owner, due)"
    assert repo.git("log", "-1", "--format=%b").splitlines()[:3] == [
        "text: Load-test checkout -> Load-test checkout at 3x peak",
        "owner: carol -> dan",
        "due: 2024-04-19 -> 2024-03-01",
    ]
    item = items(repo, three)[2]
    assert (item["text"], item["owner"], item["due"]) == (
        "Load-test checkout at 3x peak",
        "dan",
        date(2024, 3, 1),
    )
    table = repo.read(f"postmortems/2024/{three}.md")
    assert "| 3 | P2 | Load-test checkout at 3x peak (PAY-1) | dan | 2024-03-01 | open |" in table
    assert findings(cli(*LINT_ARGS).stdout) == []


def test_a_new_priority_keeps_the_due_date_and_says_so(
    repo: Repo, cli: CliRunnerCall, three: str
) -> None:
    result = cli.ok("action", "edit", three, "3", "-p", "p0")
    assert result.stderr.splitlines() == [
        "  priority: P2 -> P0",
        f"Edited action item 3 of {three}; committed.",
        "The due date stays 2024-04-19 (to change it: --due DATE).",
    ]
    assert items(repo, three)[2]["due"] == date(2024, 4, 19)


def test_edit_removes_a_ticket_with_an_empty_value(
    repo: Repo, cli: CliRunnerCall, three: str
) -> None:
    cli.ok("action", "edit", three, "3", "--ticket", "")
    assert "ticket" not in items(repo, three)[2]
    assert repo.git("log", "-1", "--format=%b").splitlines()[0] == "ticket: PAY-1 -> none"


def test_edit_warns_about_a_past_due_date(repo: Repo, cli: CliRunnerCall, three: str) -> None:
    result = cli.ok("action", "edit", three, "1", "--due", "2024-01-10")
    assert result.stderr.startswith("pm: warning: the due date 2024-01-10 is in the past\n")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["1"], 2, "say what to change: --text, --owner, --priority, --due or --ticket"),
        (["9", "--owner", "x"], 3, "has no action item 9 (items: 1, 2, 3)"),
        (["1", "--due", "someday"], 2, "cannot read date 'someday'"),
        (["1", "-p", "P7"], 2, "unknown priority 'P7'"),
        (["1", "--owner", " "], 2, "the owner is empty"),
        (["1", "--ticket", "two words"], 2, "must be one word"),
        (["1", "--owner", "alice"], 3, "is already so; nothing to change"),
    ],
)
def test_edit_refusals(
    repo: Repo, cli: CliRunnerCall, three: str, args: list[str], code: int, message: str
) -> None:
    before = repo.commit_count()
    result = cli("action", "edit", three, *args)
    assert result.exit_code == code, result.stderr
    assert result.stderr.startswith("pm: ") and message in result.stderr
    assert repo.commit_count() == before


# --- rm: a number is never reused ----------------------------------------------------------------


def test_rm_removes_a_duplicate_and_its_number_is_never_reused(
    repo: Repo, cli: CliRunnerCall, three: str
) -> None:
    result = cli.ok("action", "rm", three, "3")
    assert result.stderr == (
        f"Removed action item 3 (Load-test checkout) from {three}; number 3 is not used "
        "again; committed.\n"
    )
    assert repo.subjects()[0] == f"pm: action-rm {three} (#3)"
    assert repo.git("log", "-1", "--format=%b").splitlines()[0] == (
        "Removed: #3 P2 carol, due 2024-04-19, open: Load-test checkout"
    )
    assert front(repo, three)["removed_actions"] == [3]
    # The highest number was removed: the next item still gets a new one.
    assert cli.ok("action", "add", three, "Runbook", "--owner", "erin").stdout == "4\n"
    cli.ok("action", "rm", three, "2")
    assert front(repo, three)["removed_actions"] == [2, 3]
    assert [i["number"] for i in items(repo, three)] == [1, 4]
    gone = cli("action", "done", three, "2")
    assert gone.exit_code == 3
    assert gone.stderr == f"pm: action item 2 of {three} was removed (items: 1, 4)\n"
    assert cli("action", "rm", three, "7").exit_code == 3
    assert findings(cli(*LINT_ARGS).stdout) == []


def test_the_removed_numbers_survive_a_hand_edit(
    repo: Repo, cli: CliRunnerCall, three: str
) -> None:
    cli.ok("action", "rm", three, "3")
    path = repo.postmortem_path(three)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("removed_actions:\n", "# numbers pm must not reuse\nremoved_actions:\n")
    )
    repo.git("commit", "--quiet", "-am", "a comment by hand")
    assert cli.ok("action", "add", three, "Runbook", "--owner", "erin").stdout == "4\n"
    assert "# numbers pm must not reuse\nremoved_actions:\n- 3\n" in path.read_text(
        encoding="utf-8"
    )


def test_lint_checks_the_removed_numbers(repo: Repo, cli: CliRunnerCall, three: str) -> None:
    cli.ok("action", "rm", three, "3")
    path = repo.postmortem_path(three)
    path.write_text(path.read_text(encoding="utf-8").replace("- 3\n---", "- three\n---"))
    result = cli("lint")
    assert result.exit_code == 1
    assert "removed_actions must be a list of action numbers [schema.type]" in result.stdout


# --- done --on ----------------------------------------------------------------------------------


def test_done_on_an_earlier_day(repo: Repo, cli: CliRunnerCall, three: str) -> None:
    result = cli.ok("action", "done", three, "1", "--on", "2024-01-17")
    assert result.stderr == f"Action item 1 of {three} is done on 2024-01-17; committed.\n"
    assert items(repo, three)[0]["done"] == date(2024, 1, 17)
    assert repo.git("log", "-1", "--format=%b").splitlines()[0] == "Done on: 2024-01-17"
    assert "| done 2024-01-17 |" in repo.read(f"postmortems/2024/{three}.md")


@pytest.mark.parametrize(
    ("on", "code", "message"),
    [
        ("2024-01-21", 2, "--on 2024-01-21 is in the future (today is 2024-01-20)"),
        ("2024-01-14", 2, "is before 2024-01-15-database-connection-pool-exhausted started"),
        ("last week", 2, "cannot read date 'last week'"),
    ],
)
def test_done_on_refusals(
    repo: Repo, cli: CliRunnerCall, three: str, on: str, code: int, message: str
) -> None:
    result = cli("action", "done", three, "1", "--on", on)
    assert result.exit_code == code
    assert message in result.stderr
    assert "done" not in items(repo, three)[0]


# --- a follow-up found after the close ------------------------------------------------------------


def test_adding_to_a_closed_postmortem_opens_it_again(repo: Repo, cli: CliRunnerCall) -> None:
    item = postmortem(
        "2024-01-10-cache-restart",
        "Cache node restarted",
        status="closed",
        review_held="2024-01-12T10:00",
        actions=[action(1, "Pin the kernel", status="done")],
        closed=Closure(at=at("2024-01-13T10:00")),
    )
    write(repo.path, item, sections=FILLED)
    commit(repo.path)
    result = cli.ok("action", "add", "cache", "Alert on restarts", "--owner", "erin")
    assert result.stderr.splitlines() == [
        "pm: warning: 2024-01-10-cache-restart was closed; it is reviewed again until the new "
        "item is done (then: pm close 2024-01-10-cache-restart)",
        "Added action item 2 (P1, erin, due 2024-02-19) to 2024-01-10-cache-restart; committed.",
    ]
    data = front(repo, "2024-01-10-cache-restart")
    assert (data["status"], "closed" in data) == ("reviewed", False)
    assert repo.git("log", "-1", "--format=%b").splitlines()[0] == (
        "Status: closed -> reviewed (a follow-up found after the close)"
    )
    assert findings(cli(*LINT_ARGS).stdout) == []
    assert cli("close", "cache").exit_code == 3  # the new item is open
    cli.ok("action", "done", "cache", "2")
    cli.ok("close", "cache")
    # Corrections of a closed one's items leave it closed.
    cli.ok("action", "edit", "cache", "2", "--owner", "frank")
    assert front(repo, "2024-01-10-cache-restart")["status"] == "closed"
    cli.ok("action", "rm", "cache", "2")
    assert front(repo, "2024-01-10-cache-restart")["status"] == "closed"
    assert findings(cli(*LINT_ARGS).stdout) == []


def test_a_closed_sev3_without_review_goes_back_to_resolved(repo: Repo, cli: CliRunnerCall) -> None:
    cli.ok("open", "Queue stuck", "-s", "SEV-3", "--started", "2024-01-16T08:00")
    cli.ok("resolve", "queue", "--at", "2024-01-16T09:00")
    cli.ok("close", "queue")
    refused = cli("action", "start", "queue", "1")
    assert refused.exit_code == 3
    assert "a follow-up found later is a new item: pm action add" in refused.stderr
    cli.ok("action", "add", "queue", "Alert on queue depth", "--owner", "erin")
    assert front(repo, "2024-01-16-queue-stuck")["status"] == "resolved"
    assert findings(cli(*LINT_ARGS).stdout) == []
