"""``pm overdue``: what is late, by how much, where, and how each CI format shows it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, run_pm
from factories import Closure, action, at, commit, postmortem, write
from pm import frontmatter, overdue
from pm.config import load_config
from pm.store import Store

AS_OF = "2024-09-30"
GOLDEN = Path(__file__).parent / "golden"


def _golden(name: str) -> str:
    """Expected output, byte for byte (files, because the lines are longer than code's)."""
    return (GOLDEN / name).read_bytes().decode("utf-8")


CHECKOUT = "postmortems/2024/2024-08-01-checkout-500s.md"
DNS = "postmortems/2024/2024-06-01-dns-outage.md"


@pytest.fixture
def late(repo: Repo) -> Repo:
    """Postmortems written to be late in known ways on 2024-09-30."""
    write(
        repo.path,
        postmortem(
            "2024-08-01-checkout-500s",
            "Checkout | 500s: 50%, mostly",
            review_due="2024-08-03",
            actions=[
                action(
                    1,
                    "Alert on pool saturation, 90% threshold:\nand page",
                    "alice",
                    due="2024-09-01",
                ),
                action(2, "Raise pool size", "bob", "P0", due="2024-09-27", status="in-progress"),
                action(
                    3, "Done already", "bob", due="2024-08-01", status="done", done=date(2024, 8, 2)
                ),
                action(4, "Dropped", "bob", due="2024-08-01", status="wont-do", reason="moot"),
                action(5, "Not yet due", "carol", "P2", due="2024-10-30"),
            ],
        ),
    )
    write(
        repo.path,
        postmortem(
            "2024-06-01-dns-outage",
            "DNS outage",
            severity="SEV-2",
            status="closed",
            review_due="2024-06-03",
            review_held="2024-06-05T10:00",
            closed=Closure(at("2024-06-20T10:00"), forced=True, reason="tracked elsewhere"),
            actions=[
                action(1, "Lower DNS TTL", "carol", "P1", due="2024-12-01"),
                action(2, "Document resolvers", "dave", "P2", due="2024-12-01"),
                action(3, "Add resolver health check", "erin", "P0", due="2024-09-20"),
            ],
        ),
    )
    write(
        repo.path,
        postmortem(
            "2024-09-25-cache-misses",
            "Cache misses",
            severity="SEV-3",
            review_due=None,
            actions=[
                action(1, "Warm the cache on deploy", "frank", "P2", due="2024-09-29"),
                action(2, "Due today is not late", "frank", "P2", due="2024-09-30"),
            ],
        ),
    )
    write(
        repo.path,
        postmortem(
            "2024-09-10-search-degraded",
            "Search results degraded",
            severity="SEV-2",
            status="active",  # resolved on the day, but nobody ran pm resolve
        ),
    )
    write(
        repo.path,
        postmortem(
            "2024-09-28-queue-backlog",
            "Queue backlog",
            status="active",
            actions=[action(1, "Scale consumers", "gina", "P0", due="2024-09-29")],
        ),
    )
    commit(repo.path)
    return repo


def _find(root: Path, as_of: str = AS_OF) -> list[overdue.Finding]:
    config = load_config(root)
    store = Store(config)
    entries, errors = store.read_all()
    assert errors == []
    day = date.fromisoformat(as_of)
    return [
        finding
        for entry in entries
        for finding in overdue.placed(
            overdue.late(entry.postmortem, day, config),
            store.display(entry.path),
            frontmatter.locate_top(store.file_bytes(entry.path)),
        )
    ]


def test_finds_exactly_the_late_things(late: Repo) -> None:
    found = {
        (f.kind, f.postmortem_id, f.item): (f.days_late, f.escalated) for f in _find(late.path)
    }
    assert found == {
        ("review", "2024-08-01-checkout-500s", None): (58, True),
        ("action", "2024-08-01-checkout-500s", 1): (29, True),
        ("action", "2024-08-01-checkout-500s", 2): (3, False),
        # P0, late, and open 117 days after the review: the follow-up rule escalates it.
        ("follow-up", "2024-06-01-dns-outage", 3): (10, True),
        ("action", "2024-09-25-cache-misses", 1): (1, False),
        ("action", "2024-09-28-queue-backlog", 1): (1, False),
        # Active since 2024-09-10 14:05; a SEV-2 is stale after 72h, from 2024-09-14.
        ("stale", "2024-09-10-search-degraded", None): (17, True),
    }
    # carol's P1 item (due 2024-12-01) is not late, though its review was held on
    # 2024-06-05, more than 30 days ago: the item's own due date wins.


def test_lines_point_at_the_item_and_the_review(late: Repo) -> None:
    lines = (late.path / CHECKOUT).read_text(encoding="utf-8").splitlines()
    for finding in _find(late.path):
        if finding.path != CHECKOUT:
            continue
        text = lines[finding.line - 1]
        if finding.kind == "review":
            assert text == "review:"
        elif finding.kind == "stale":
            assert text == "status: active"
        else:
            assert text == f"- number: {finding.item}"


def test_nothing_is_late_earlier(late: Repo) -> None:
    assert _find(late.path, "2024-07-06") == []  # the follow-up window closed on 07-05
    late_review = [f for f in _find(late.path, "2024-08-04") if f.kind == "review"]
    assert [f.days_late for f in late_review] == [1]


def test_the_follow_up_rule_never_fires_before_the_due_date(late: Repo) -> None:
    dns = "2024-06-01-dns-outage"
    on_the_day = [f for f in _find(late.path, "2024-09-20") if f.postmortem_id == dns]
    assert on_the_day == []  # erin's P0 item is due 2024-09-20: not late on that day
    after = [f for f in _find(late.path, "2024-09-21") if f.postmortem_id == dns]
    assert [(f.kind, f.item, f.due.isoformat(), f.days_late, f.escalated) for f in after] == [
        ("follow-up", 3, "2024-09-20", 1, True)  # escalated at once: open 108 days after
    ]
    assert "(due 2024-09-20) and still open 108 days after the review of 2024-06-05" in (
        after[0].message
    )


def test_escalation_age_is_configurable_and_strictly_greater(late: Repo) -> None:
    # 2024-09-08: alice's item (due 09-01) is 7 days late, not escalated at 7; 8 is.
    by_item = {(f.postmortem_id, f.item): f for f in _find(late.path, "2024-09-08")}
    assert by_item[("2024-08-01-checkout-500s", 1)].escalated is False
    by_item = {(f.postmortem_id, f.item): f for f in _find(late.path, "2024-09-09")}
    assert by_item[("2024-08-01-checkout-500s", 1)].escalated is True
    (late.path / ".pm.toml").write_text("escalation_days = 30\n", encoding="utf-8")
    found = {(f.postmortem_id, f.item): f.escalated for f in _find(late.path)}
    assert found[("2024-08-01-checkout-500s", 1)] is False  # 29 days
    assert found[("2024-08-01-checkout-500s", None)] is True  # 58 days


def test_review_held_or_not_required_is_not_late(repo: Repo) -> None:
    write(
        repo.path,
        postmortem("2024-08-01-held", review_due="2024-08-03", review_held="2024-08-02T10:00"),
    )
    write(repo.path, postmortem("2024-08-02-minor", severity="SEV-3", review_due="2024-08-03"))
    write(repo.path, postmortem("2024-08-03-reviewed", status="reviewed", review_due="2024-08-05"))
    assert _find(repo.path) == []


# --- the command ------------------------------------------------------------------------------

TEXT = _golden("overdue.txt")


def test_text_when_piped_is_one_plain_row_per_finding(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("overdue", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert result.stdout == TEXT
    assert result.stderr == "7 late (4 escalated) as of 2024-09-30.\n"


GITHUB = _golden("overdue.github")

MARKDOWN = _golden("overdue.md")


def test_github_annotations_exact_bytes(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("overdue", "--as-of", AS_OF, "--format", "github")
    assert result.exit_code == 1
    assert result.stdout == GITHUB
    assert result.stderr == ""


def test_github_appends_the_summary_when_actions_sets_the_file(
    late: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = cli("overdue", "--as-of", AS_OF, "--format", "github")
    assert result.stdout == GITHUB
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + MARKDOWN


def test_markdown_exact_bytes(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("overdue", "--as-of", AS_OF, "--format", "markdown")
    assert result.exit_code == 1
    assert result.stdout == MARKDOWN


def test_json_is_the_documented_schema(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("--pretty", "overdue", "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == _golden("overdue.json")
    data = json.loads(result.stdout)
    assert {k: v for k, v in data.items() if k != "findings"} == {
        "version": 1,
        "as_of": "2024-09-30",
        "escalation_days": 7,
        "total": 7,
        "escalated": 4,
    }
    assert data["findings"][2] == {
        "kind": "action",
        "id": "2024-08-01-checkout-500s",
        "item": 1,
        "text": "Alert on pool saturation, 90% threshold:\nand page",
        "owner": "alice",
        "priority": "P1",
        "due": "2024-09-01",
        "days_late": 29,
        "escalated": True,
        "path": CHECKOUT,
        "line": 21,
        "message": "Action item 1 of 2024-08-01-checkout-500s (P1, alice) is 29 days late "
        "(due 2024-09-01): Alert on pool saturation, 90% threshold:\nand page",
    }
    assert [f["kind"] for f in data["findings"]] == [
        "follow-up",
        "review",
        "action",
        "action",
        "stale",
        "action",
        "action",
    ]


def test_fail_on_levels(late: Repo, cli: CliRunnerCall) -> None:
    assert cli("overdue", "--as-of", AS_OF, "--fail-on", "never").exit_code == 0
    assert cli("overdue", "--as-of", AS_OF, "--fail-on", "escalated").exit_code == 1
    # On 2024-09-28 bob's one late item is 1 day late: late, not escalated.
    only_late = cli("overdue", "--as-of", "2024-09-28", "--owner", "bob", "--fail-on", "escalated")
    assert only_late.exit_code == 0
    assert "\tRaise pool size\n" in only_late.stdout
    assert cli("overdue", "--as-of", "2024-09-28", "--owner", "bob").exit_code == 1


def test_nothing_late_exits_zero(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("overdue", "--as-of", "2024-07-01")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "Nothing is late as of 2024-07-01.\n"
    github = cli("overdue", "--as-of", "2024-07-01", "--format", "github")
    assert (github.exit_code, github.stdout) == (0, "")
    markdown = cli("overdue", "--as-of", "2024-07-01", "--format", "markdown")
    assert markdown.stdout == "## pm overdue: 2024-07-01\n\nNothing is late.\n"


def test_owner_and_severity_filters(late: Repo, cli: CliRunnerCall) -> None:
    result = cli("overdue", "--as-of", AS_OF, "--owner", "@ALICE", "--format", "json")
    assert [(f["owner"], f["item"]) for f in json.loads(result.stdout)["findings"]] == [
        ("alice", 1)
    ]
    result = cli("overdue", "--as-of", AS_OF, "--severity", "sev-2", "--format", "json")
    ids = {f["id"] for f in json.loads(result.stdout)["findings"]}
    assert ids == {"2024-06-01-dns-outage", "2024-09-10-search-degraded"}


def test_as_of_defaults_to_today(late: Repo, cli: CliRunnerCall) -> None:
    # PM_NOW is 2024-01-20 in tests: nothing is due yet.
    assert cli("overdue").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "someday"], "pm: cannot read date 'someday'"),
        (
            ["--format", "xml"],
            "pm: unknown format 'xml'; use one of text, json, github, md, slack, teams, email",
        ),
        (["--fail-on", "sometimes"], "pm: --fail-on must be one of any, escalated, never"),
        (["--severity", "SEV-9"], "pm: unknown severity 'SEV-9'"),
    ],
)
def test_usage_errors_exit_2(late: Repo, cli: CliRunnerCall, args: list[str], message: str) -> None:
    result = cli("overdue", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stdout == ""


def test_unreadable_file_is_named_and_exits_3_after_reporting(
    late: Repo, cli: CliRunnerCall
) -> None:
    broken = late.path / "postmortems/2024/2024-09-01-broken.md"
    broken.write_text("---\nid: [\n---\n", encoding="utf-8")
    result = cli("overdue", "--as-of", AS_OF, "--format", "github")
    assert result.exit_code == 3
    assert result.stdout == GITHUB
    assert "2024-09-01-broken.md:3: invalid YAML" in result.stderr


def test_terminal_text_is_one_table_per_owner(
    late: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pm.render import output

    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "250")
    out = cli("overdue", "--as-of", AS_OF).stdout
    titles = [
        line.strip() for line in out.splitlines() if line.strip() in {"alice", "bob", "(no owner)"}
    ]
    assert titles == ["alice", "bob", "(no owner)"]
    assert "Alert on pool saturation, 90% threshold:\\nand page" in out


def test_terminal_tables_leave_out_the_file_and_narrow_terminals_keep_the_owner(
    late: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FILE (path:line) is for editors and CI: on a terminal it would push every table
    past 150 columns. Too narrow for the tables, each owner's findings are blocks: ids
    and dates whole, the text whole and wrapped under them, never past the width."""
    from pm.render import output

    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "150")
    wide = cli("overdue", "--as-of", AS_OF).stdout
    assert "alice" in wide.split()
    assert "FILE" not in wide and ".md:" not in wide
    monkeypatch.setenv("COLUMNS", "60")
    narrow = cli("overdue", "--as-of", AS_OF).stdout
    assert narrow == _golden("overdue-narrow.txt")
    assert all(len(line) <= 60 for line in narrow.splitlines()), narrow
    assert "\t" not in narrow and ".md:" not in narrow


@pytest.mark.slow
def test_installed_pm_end_to_end(late: Repo, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = run_pm(
        late.path,
        "overdue",
        "--as-of",
        AS_OF,
        "--format",
        "github",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert (result.returncode, result.stdout, result.stderr) == (1, GITHUB, "")
    assert summary.read_text(encoding="utf-8") == MARKDOWN
    never = run_pm(late.path, "overdue", "--as-of", AS_OF, "--fail-on", "never")
    assert (never.returncode, never.stdout) == (0, TEXT)
