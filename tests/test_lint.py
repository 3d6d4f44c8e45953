"""``pm lint``: every rule on a hand-edited file, exit codes, --fix, formats, config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo
from factories import FILLED, Closure, action, at, commit, postmortem, write

GOOD = "postmortems/2024/2024-03-01-payments-timeout.md"
MINOR = "postmortems/2024/2024-03-05-cache-misses.md"


@pytest.fixture
def clean(repo: Repo) -> Repo:
    """A reviewed SEV-1 with its prose written, and a closed SEV-3: nothing to report."""
    write(
        repo.path,
        postmortem(
            "2024-03-01-payments-timeout",
            "Payments time out",
            status="reviewed",
            review_due="2024-03-03",
            review_held="2024-03-03T10:00",
            actions=[action(1, "Alert on gateway latency", "alice", due="2024-04-01")],
        ),
        sections=FILLED,
    )
    write(
        repo.path,
        postmortem(
            "2024-03-05-cache-misses",
            "Cache misses",
            severity="SEV-3",
            status="closed",
            closed=Closure(at("2024-03-06T10:00")),
            actions=[action(1, "Warm the cache", "bob", "P2", due="2024-06-01", status="done")],
        ),
    )
    commit(repo.path)
    return repo


def edit(repo: Repo, relative: str, old: str, new: str) -> None:
    path = repo.path / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(repo: Repo, relative: str, needle: str, nth: int = 1) -> int:
    lines = (repo.path / relative).read_text(encoding="utf-8").splitlines()
    hits = [n for n, line in enumerate(lines, start=1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} not found {nth} times"
    return hits[nth - 1]


def findings(cli: CliRunnerCall, *args: str) -> list[tuple[str, int, str, str]]:
    result = cli("lint", "--format", "json", *args)
    data = json.loads(result.stdout)
    return [(f["path"], f["line"], f["rule"], f["severity"]) for f in data["findings"]]


def test_clean_repository_exits_0(clean: Repo, cli: CliRunnerCall) -> None:
    result = cli("lint")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "2 files clean.\n")


def test_no_postmortems_is_clean(repo: Repo, cli: CliRunnerCall) -> None:
    """An empty postmortems folder (as pm init makes it) is clean; no folder is an error
    (tests/test_read_guard.py)."""
    cli.ok("init")
    result = cli("lint")
    assert (result.exit_code, result.stderr) == (0, "0 files clean.\n")


# --- schema -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needle", "rule"),
    [
        ("title: Payments time out\n", "", "---", "schema.required"),
        (
            "severity: SEV-1\n",
            "severity: SEV-1\nsevrity: SEV-2\n",
            "sevrity:",
            "schema.unknown-key",
        ),
        (
            "status: reviewed\n",
            "status: reviewed\nstatus: closed\n",
            "status: closed",
            "schema.duplicate-key",
        ),
        ("services: []", "services: payments", "services:", "schema.type"),
        ("title: Payments time out", "title: [a, b]", "title:", "schema.type"),
        ("severity: SEV-1", "severity: SEV-9", "severity:", "schema.value"),
        ("status: reviewed", "status: finished", "status:", "schema.value"),
        ("priority: P1", "priority: P7", "priority:", "schema.value"),
        ("  status: open", "  status: finished", "status: finished", "schema.value"),
        ("kind: started", "kind: begun", "kind: begun", "schema.value"),
        ("due: 2024-04-01", "due: next week", "due: next", "schema.date"),
        ("held: 2024-03-03T10:00:00Z", "held: yesterday", "held:", "schema.date"),
        ("id: 2024-03-01-payments-timeout", "id: 2024-03-01-payments", "id:", "schema.id-filename"),
        ("  owner: alice", '  owner: ""', "- number: 1", "lifecycle.action-owner"),
        ("  owner: alice\n", "", "- number: 1", "lifecycle.action-owner"),
    ],
)
def test_schema_rules_with_lines(
    clean: Repo, cli: CliRunnerCall, old: str, new: str, needle: str, rule: str
) -> None:
    edit(clean, GOOD, old, new)
    line = line_of(clean, GOOD, needle)
    assert (GOOD, line, rule, "error" if rule != "schema.unknown-key" else "warning") in findings(
        cli
    )
    assert cli("lint").exit_code == (1 if rule != "schema.unknown-key" else 0)


def test_unknown_key_suggests_the_known_one(clean: Repo, cli: CliRunnerCall) -> None:
    edit(clean, GOOD, "severity: SEV-1\n", "severity: SEV-1\nsevrity: SEV-2\n")
    result = cli("lint")
    assert result.stdout == (
        f"{GOOD}:5: warning: unknown key sevrity [schema.unknown-key]\n"
        "    suggestion: did you mean `severity`?\n"
    )
    assert result.stderr == "0 error(s), 1 warning(s) in 2 files.\n"
    assert result.exit_code == 0
    assert cli("lint", "--strict").exit_code == 1


def test_duplicate_action_numbers(clean: Repo, cli: CliRunnerCall) -> None:
    edit(
        clean,
        GOOD,
        "  status: open\n",
        "  status: open\n- number: 1\n  text: Again\n  owner: bob\n"
        "  priority: P2\n  due: 2024-05-01\n  status: open\n",
    )
    line = line_of(clean, GOOD, "- number: 1", nth=2)
    assert (GOOD, line, "schema.action-number", "error") in findings(cli)


def test_file_in_the_wrong_year_folder(clean: Repo, cli: CliRunnerCall) -> None:
    moved = clean.path / "postmortems/2023/2024-03-01-payments-timeout.md"
    moved.parent.mkdir()
    (clean.path / GOOD).rename(moved)
    result = cli("lint", str(moved))
    assert "is in folder '2023', not its year '2024' [schema.id-filename]" in result.stdout


def test_timeline_rules(clean: Repo, cli: CliRunnerCall) -> None:
    edit(
        clean,
        GOOD,
        "- at: 2024-03-01T16:05:00Z\n  kind: resolved",
        "- at: 2024-03-01T13:00:00Z\n  kind: note",
    )
    line = line_of(clean, GOOD, "at: 2024-03-01T13:00")
    found = findings(cli)
    assert (GOOD, line, "timeline.order", "error") in found
    assert (GOOD, line, "timeline.before-start", "error") in found
    assert (GOOD, line_of(clean, GOOD, "status:"), "timeline.resolved", "error") in found


# --- unreadable files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        (b"---\nid: x\ntitle: [\n---\n", 4, "invalid YAML"),
        (b"id: x\nseverity: SEV-1\n", 1, "does not start with a '---' front-matter line"),
        (b"---\nid: x\n", 1, "front matter is not closed"),
        (b"---\nid: x\n---\n<<<<<<< HEAD\n", 4, "unresolved merge conflict"),
        (b"---\nid: caf\xe9\n---\n", 2, "not UTF-8"),
        (b"---\nid: x\ndue: 2024-13-01\n---\n", 3, "invalid date or time"),
    ],
)
def test_unreadable_files_are_findings_with_lines(
    clean: Repo, cli: CliRunnerCall, content: bytes, line: int, reason: str
) -> None:
    broken = clean.path / "postmortems/2024/2024-03-09-broken.md"
    broken.write_bytes(content)
    result = cli("lint")
    assert result.exit_code == 1
    shown = "postmortems/2024/2024-03-09-broken.md"
    assert result.stdout.startswith(f"{shown}:{line}: error: ")
    assert reason in result.stdout and "[file.unreadable]" in result.stdout
    assert result.stderr == "1 error(s), 0 warning(s) in 3 files.\n"


# --- lifecycle --------------------------------------------------------------------------------


def test_reviewed_postmortem_needs_its_prose(repo: Repo, cli: CliRunnerCall) -> None:
    write(
        repo.path,
        postmortem("2024-03-01-empty", status="reviewed", review_held="2024-03-03T10:00"),
        sections={"Contributing Factors": "<!-- still a placeholder -->"},
    )
    path = "postmortems/2024/2024-03-01-empty.md"
    result = cli("lint")
    assert result.exit_code == 1
    assert [(f[1], f[2]) for f in findings(cli)] == [
        (line_of(repo, path, "## Summary"), "lifecycle.section"),
        (line_of(repo, path, "## Root Cause"), "lifecycle.section"),
        (line_of(repo, path, "## Contributing Factors"), "lifecycle.section"),
    ]
    assert "## Contributing Factors or ## What Went Poorly is empty" in result.stdout


def test_one_of_contributing_factors_or_what_went_poorly_is_enough(
    repo: Repo, cli: CliRunnerCall
) -> None:
    sections = {"Summary": "S.", "Root Cause": "R.", "What Went Poorly": "Paging was slow."}
    item = postmortem("2024-03-01-ok", status="reviewed", review_held="2024-03-03T10:00")
    write(repo.path, item, sections=sections)
    assert cli("lint").exit_code == 0


def test_sections_are_not_required_before_review_or_for_minor_severities(
    repo: Repo, cli: CliRunnerCall
) -> None:
    write(repo.path, postmortem("2024-03-01-resolved"))
    write(repo.path, postmortem("2024-03-02-minor", severity="SEV-3", status="reviewed"))
    assert cli("lint").exit_code == 0


def test_reviewed_needs_review_held(repo: Repo, cli: CliRunnerCall) -> None:
    write(repo.path, postmortem("2024-03-01-x", status="reviewed"), sections=FILLED)
    path = "postmortems/2024/2024-03-01-x.md"
    assert findings(cli) == [
        (path, line_of(repo, path, "review:"), "lifecycle.review-held", "error")
    ]


def test_closed_with_open_items(repo: Repo, cli: CliRunnerCall) -> None:
    open_item = action(1, "Still open", "alice", "P2", due="2024-06-01")
    write(
        repo.path,
        postmortem(
            "2024-03-01-x",
            severity="SEV-3",
            status="closed",
            actions=[open_item],
            closed=Closure(at("2024-03-06T10:00")),
        ),
    )
    path = "postmortems/2024/2024-03-01-x.md"
    assert findings(cli) == [
        (path, line_of(repo, path, "- number: 1"), "lifecycle.closed-open-items", "error")
    ]


def test_forced_close_needs_a_reason(repo: Repo, cli: CliRunnerCall) -> None:
    open_item = action(1, "Still open", "alice", "P2", due="2024-06-01")
    write(
        repo.path,
        postmortem(
            "2024-03-01-x",
            severity="SEV-3",
            status="closed",
            actions=[open_item],
            closed=Closure(at("2024-03-06T10:00"), forced=True, reason="moved to JIRA-1"),
        ),
    )
    assert findings(cli) == []
    path = "postmortems/2024/2024-03-01-x.md"
    edit(repo, path, "  reason: moved to JIRA-1\n", "")
    assert findings(cli) == [
        (path, line_of(repo, path, "closed:"), "lifecycle.forced-reason", "error")
    ]


# --- generated blocks -------------------------------------------------------------------------


def test_hand_edit_inside_a_block_is_kept_until_asked_to_discard(
    clean: Repo, cli: CliRunnerCall
) -> None:
    """An edited row of pm's is the person's text: --fix keeps it; only asked, it drops it."""
    edit(clean, GOOD, "| Alert on gateway latency |", "| Alert on gateway latency, maybe |")
    before = (clean.path / GOOD).read_bytes()
    row = line_of(clean, GOOD, "Alert on gateway latency, maybe")
    assert findings(cli) == [(GOOD, row, "blocks.out-of-sync", "error")]  # the edited row
    result = cli("lint", "--fix")
    assert result.exit_code == 1
    assert "the action-items table has a row pm cannot adopt" in result.stdout
    assert "`pm lint --fix --discard-block-edits` drops it" in result.stdout
    assert (clean.path / GOOD).read_bytes() == before  # nothing the person typed is dropped
    head = clean.git("rev-parse", "HEAD")
    result = cli("lint", "--fix", "--discard-block-edits")
    assert result.exit_code == 0
    dropped = before.decode().splitlines()[row - 1]
    assert result.stderr.splitlines() == [
        f"{GOOD}: discarded from the actions table: line {row} `{dropped}` "
        "(a row of pm's edited in place (Action 'Alert on gateway latency' -> "
        "'Alert on gateway latency, maybe'); change it with pm action done, start or edit)",
        f"Fixed {GOOD} (not committed: review and commit).",
        "2 files clean.",
    ]
    after = (clean.path / GOOD).read_bytes()
    assert after == before.replace(
        b"| Alert on gateway latency, maybe |", b"| Alert on gateway latency |"
    )
    assert clean.git("rev-parse", "HEAD") == head  # lint never commits
    assert clean.git("status", "--porcelain") == ""  # back to the committed bytes
    assert cli("lint").exit_code == 0


def test_discard_needs_fix(clean: Repo, cli: CliRunnerCall) -> None:
    result = cli("lint", "--discard-block-edits")
    assert (result.exit_code, result.stderr) == (2, "pm: --discard-block-edits goes with --fix\n")


def test_fix_keeps_crlf_and_the_rest_of_the_file(clean: Repo, cli: CliRunnerCall) -> None:
    path = clean.path / GOOD
    crlf = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(crlf.replace(b"| started | Incident opened |", b"| started | Opened |"))
    assert {f[2] for f in findings(cli)} == {"blocks.out-of-sync"}
    assert cli("lint", "--fix", "--discard-block-edits").exit_code == 0
    assert path.read_bytes() == crlf


# --- blameless language -----------------------------------------------------------------------


def test_blaming_prose_is_a_warning_and_an_error_when_strict(
    clean: Repo, cli: CliRunnerCall
) -> None:
    edit(
        clean,
        GOOD,
        FILLED["Root Cause"],
        "It was human error.\n\n`Bob forgot` in a code span is fine.",
    )
    edit(clean, GOOD, "  text: Incident opened", "  text: alice forgot to renew the cert")
    edit(clean, GOOD, "| Incident opened |", "| alice forgot to renew the cert |")
    result = cli("lint")
    assert result.exit_code == 0
    assert result.stdout == (
        f'{GOOD}:16: warning: event 1 (text): "alice forgot" makes a person the subject of '
        "the failure [blameless.person-caused]\n"
        "    suggestion: make the system the subject: what allowed the change through, and what "
        "would have caught it\n"
        f'{GOOD}:{line_of(clean, GOOD, "It was human error")}: warning: "human error" names a '
        "person's error as the cause; the analysis stops where it should start "
        "[blameless.human-error]\n"
        "    suggestion: describe what made the action easy to get wrong: the tooling, the "
        "missing guardrail or check, the unclear signal\n"
    )
    assert line_of(clean, GOOD, "text: alice forgot") == 16
    strict = cli("lint", "--strict", "--format", "json")
    assert strict.exit_code == 1
    assert {f["severity"] for f in json.loads(strict.stdout)["findings"]} == {"error"}


def test_git_authors_and_configured_names_are_known_people(clean: Repo, cli: CliRunnerCall) -> None:
    # The repo fixture commits as "Alice Doe"; "Zed" comes from the config.
    edit(clean, GOOD, FILLED["Root Cause"], "Alice broke the config. Zed caused the outage.")
    assert [f[2] for f in findings(cli)] == ["blameless.person-caused"]
    (clean.path / ".pm.toml").write_text('[blameless]\nnames = ["Zed"]\n', encoding="utf-8")
    assert [f[2] for f in findings(cli)] == ["blameless.person-caused"] * 2


# --- configuration and paths ------------------------------------------------------------------


def test_rules_can_be_disabled_by_id_or_family(clean: Repo, cli: CliRunnerCall) -> None:
    edit(clean, GOOD, "severity: SEV-1\n", "severity: SEV-1\nsevrity: x\n")
    edit(clean, GOOD, FILLED["Root Cause"], "Careless human error.")
    assert {f[2] for f in findings(cli)} == {
        "schema.unknown-key",
        "blameless.careless",
        "blameless.human-error",
    }
    config = clean.path / ".pm.toml"
    config.write_text('[lint]\ndisable = ["schema.unknown-key", "blameless"]\n', encoding="utf-8")
    assert findings(cli) == []
    config.write_text('[lint]\ndisable = ["schema.nope"]\n', encoding="utf-8")
    result = cli("lint")
    assert result.exit_code == 3
    assert (
        result.stderr
        == "pm: [lint] disable names unknown rule 'schema.nope' (see pm lint --rules)\n"
    )


def test_given_files_and_folders(clean: Repo, cli: CliRunnerCall) -> None:
    edit(clean, MINOR, "title: Cache misses", "title: [x]")
    assert cli("lint", GOOD).exit_code == 0
    assert cli("lint", MINOR).exit_code == 1
    assert cli("lint", "postmortems").exit_code == 1
    result = cli("lint", "postmortems/2024/nope.md")
    assert (result.exit_code, result.stderr) == (
        3,
        "pm: postmortems/2024/nope.md: no such file or folder\n",
    )


def test_files_outside_the_repository_are_neither_read_nor_fixed(
    clean: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.md"
    text = "---\ntitle: [broken\n---\nsecret line\n"
    outside.write_text(text, encoding="utf-8")
    link = clean.path / "postmortems" / "2024" / "link.md"
    link.symlink_to(outside)
    for given in (str(outside), "../outside.md", "postmortems/2024/link.md"):
        for args in (["lint", given], ["lint", "--fix", given], ["lint", "-f", "json", given]):
            result = cli(*args)
            assert (result.exit_code, result.stdout) == (2, ""), args
            assert result.stderr == (
                f"pm: {given} is outside the repository; pm lint checks files in it\n"
            )
    # Found by a folder walk (or by default), the link is a finding; its target is not read.
    finding = (
        "postmortems/2024/link.md:1: error: a symbolic link that leads outside the "
        "repository; pm does not read it [file.unreadable]\n"
    )
    for args in (["lint"], ["lint", "postmortems"], ["lint", "--fix"]):
        result = cli(*args)
        assert (result.exit_code, result.stdout) == (1, finding), args
    assert outside.read_text(encoding="utf-8") == text
    assert link.is_symlink()


def test_bad_format_is_a_usage_error(clean: Repo, cli: CliRunnerCall) -> None:
    result = cli("lint", "--format", "sarif")
    assert result.exit_code == 2
    assert result.stderr == "pm: unknown format 'sarif'; use one of text, json, github, gitlab\n"


def test_rules_lists_every_rule(cli: CliRunnerCall, repo: Repo) -> None:
    from pm.lint import RULES

    out = cli.ok("lint", "--rules").stdout
    assert [line.split("\t")[0] for line in out.splitlines()] == list(RULES)
    assert "blameless.human-error\twarning\t" in out


# --- CI formats, byte for byte ----------------------------------------------------------------

ODD = "postmortems/2024/2024-03-07-a,b:c.md"


@pytest.fixture
def dirty(clean: Repo) -> Repo:
    """Findings whose text needs escaping: a path with , and :, a key with % and a newline."""
    edit(clean, GOOD, "severity: SEV-1\n", 'severity: SEV-1\n"50%\\nof | it": 1\n')
    edit(clean, GOOD, FILLED["Root Cause"], "This was human error.")
    odd = clean.path / ODD
    odd.write_bytes((clean.path / MINOR).read_bytes())
    return clean


GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(
    ("fmt", "golden"),
    [
        ("github", "lint.github"),
        ("gitlab", "lint.gitlab.json"),
        ("json", "lint.json"),
        ("text", "lint.txt"),
    ],
)
def test_formats_exact_bytes(dirty: Repo, cli: CliRunnerCall, fmt: str, golden: str) -> None:
    """The JSON goldens are the indented form (a terminal, or ``pm --pretty``); in a pipe
    the same data is compact: one line, no spaces between tokens."""
    expected = (GOLDEN / golden).read_text(encoding="utf-8")
    result = cli("lint", "--format", fmt)
    assert result.exit_code == 1
    if not golden.endswith(".json"):
        assert result.stdout == expected
        return
    compact = json.dumps(json.loads(expected), separators=(",", ":"), ensure_ascii=False)
    assert result.stdout == compact + "\n"
    pretty = cli("--pretty", "lint", "--format", fmt)
    assert (pretty.exit_code, pretty.stdout) == (1, expected)


def test_github_step_summary(
    dirty: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    cli("lint", "--format", "github")
    assert summary.read_text(encoding="utf-8") == (GOLDEN / "lint.summary.md").read_text(
        encoding="utf-8"
    )


def test_folders_skip_hidden_files_but_not_a_hidden_parent(tmp_path: Path) -> None:
    from pm.config import Config
    from pm.lint.runner import targets
    from pm.store import Store

    folder = tmp_path / ".work" / "postmortems"
    (folder / "2024").mkdir(parents=True)
    (folder / "2024" / "a.md").write_text("x", encoding="utf-8")
    (folder / "2024" / ".a.md.tmp.md").write_text("x", encoding="utf-8")
    (folder / ".drafts").mkdir()
    (folder / ".drafts" / "b.md").write_text("x", encoding="utf-8")
    store = Store(Config(root=tmp_path / ".work"))
    assert targets(store, [folder]) == [folder / "2024" / "a.md"]
