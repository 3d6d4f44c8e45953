"""One vocabulary across commands (issue 13): names in any case, kinds by prefix, comma
lists, ``#2``, ``-`` for stdin, one ``-f/--format`` with ``--json``, ``-o`` for output.

Through the CLI (Typer), and through ``pm.cli.main`` where the command is on the fast
path, which must accept the same spellings."""

from __future__ import annotations

import io
import json
import os
import subprocess

import pytest

from conftest import CliRunnerCall, Repo, pm_command
from pm import vocabulary
from pm.cli import fast, main
from pm.errors import UsageError

# --- the pure functions ---------------------------------------------------------------------


def test_one_of_matches_without_regard_to_case() -> None:
    assert vocabulary.one_of("sev-1", ("SEV-1", "SEV-2"), "severity") == "SEV-1"
    assert vocabulary.one_of(" Active ", ("active", "closed"), "status") == "active"
    with pytest.raises(UsageError, match=r"^unknown severity 'SEV-9'; use one of SEV-1, SEV-2$"):
        vocabulary.one_of("SEV-9", ("SEV-1", "SEV-2"), "severity")
    with pytest.raises(UsageError, match="unknown severity 'SEV'"):  # no prefixes here
        vocabulary.one_of("SEV", ("SEV-1", "SEV-2"), "severity")


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("ack", "acknowledged"),
        ("mit", "mitigated"),
        ("MIT", "mitigated"),
        ("n", "note"),
        ("Detected", "detected"),
        ("resolved", "resolved"),
    ],
)
def test_event_kinds_by_unique_prefix(typed: str, kind: str) -> None:
    assert vocabulary.event_kind(typed) == kind


def test_an_ambiguous_or_unknown_kind_names_the_candidates() -> None:
    kinds = ("resolved", "restarted", "note")
    with pytest.raises(
        UsageError, match=r"^event kind 're' is ambiguous: it could be resolved, restarted"
    ):
        vocabulary.event_kind("re", kinds)
    with pytest.raises(UsageError, match="ambiguous"):
        vocabulary.event_kind("res", kinds)
    assert vocabulary.event_kind("reso", kinds) == "resolved"
    with pytest.raises(UsageError, match=r"^unknown event kind 'bogus'; use one of started, "):
        vocabulary.event_kind("bogus")
    with pytest.raises(UsageError, match="unknown event kind ''"):
        vocabulary.event_kind("")


def test_many_splits_comma_lists_and_repeats() -> None:
    assert vocabulary.many(None) == ()
    assert vocabulary.many("SEV-1") == ("SEV-1",)
    assert vocabulary.many("SEV-1,SEV-2") == ("SEV-1", "SEV-2")
    assert vocabulary.many(["a, b", "c", "a", ",", ""]) == ("a", "b", "c")


@pytest.mark.parametrize(("typed", "number"), [("2", 2), ("#2", 2), (" #12 ", 12), (3, 3)])
def test_item_numbers_as_reports_print_them(typed: str | int, number: int) -> None:
    assert vocabulary.item_number(typed) == number


@pytest.mark.parametrize("typed", ["#", "two", "#-1", "-1", "2.0", "²", "# 2", ""])
def test_what_is_not_an_item_number(typed: str) -> None:
    with pytest.raises(UsageError, match="is not a number"):
        vocabulary.item_number(typed)


def test_output_format() -> None:
    known = ("text", "json", "md")
    assert vocabulary.output_format(None, False, known, "text") == "text"
    assert vocabulary.output_format("JSON", False, known, "text") == "json"
    assert vocabulary.output_format("markdown", False, known, "text") == "md"
    assert vocabulary.output_format(None, True, known, "text") == "json"
    assert vocabulary.output_format("json", True, known, "text") == "json"
    with pytest.raises(UsageError, match="--json and --format md disagree"):
        vocabulary.output_format("md", True, known, "text")
    with pytest.raises(UsageError, match=r"^unknown format 'xml'; use one of text, json, md$"):
        vocabulary.output_format("xml", False, known, "text")
    with pytest.raises(UsageError, match="--json is not a format here"):
        vocabulary.output_format(None, True, ("md", "html"), "md")


# --- through the CLI --------------------------------------------------------------------------


def both(
    cli: CliRunnerCall, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run a fast command through Typer and through the fast path; both say the same."""
    assert fast.parse(list(args)) is not None, "expected the fast path to take these"
    typer_run = cli(*args)
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    assert (code, captured.out, captured.err) == (
        typer_run.exit_code,
        typer_run.stdout,
        typer_run.stderr,
    )
    return code, captured.out, captured.err


def fast_run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run a command once, through the fast path (for changes, which run once)."""
    assert fast.parse(list(args)) is not None, "expected the fast path to take these"
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def three(repo: Repo, cli: CliRunnerCall) -> list[str]:
    """Three incidents; two start the same day, in the reverse order of their names."""
    ids = []
    for title, severity, started, tags in (
        ("Zebra queue stuck", "SEV-2", "2024-01-15T09:00", "queue"),
        ("Alpha cache cold", "SEV-1", "2024-01-15T10:00", "cache"),
        ("Billing late", "SEV-3", "2024-01-10T08:00", "billing"),
    ):
        result = cli.ok("open", title, "-s", severity, "--started", started, "--tag", tags)
        ids.append(result.stdout.split("\t")[0])
    cli.ok("resolve", ids[2], "--at", "2024-01-10T09:00")
    return ids


def listed(out: str) -> list[str]:
    return [line.split("\t")[0] for line in out.splitlines()]


def test_list_is_oldest_first_by_start_time(
    three: list[str], cli: CliRunnerCall, capsys: pytest.CaptureFixture[str]
) -> None:
    zebra, alpha, billing = three
    assert alpha < zebra  # by file name alpha would come first; it started later
    _, out, _ = both(cli, capsys, "list")
    assert listed(out) == [billing, zebra, alpha]
    _, out, _ = both(cli, capsys, "list", "--json")
    assert [entry["id"] for entry in json.loads(out)] == [billing, zebra, alpha]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--severity", "SEV-9"], "pm: unknown severity 'SEV-9'; use one of SEV-1, SEV-2, SEV-3\n"),
        (["-s", "SEV-1,SEV-9"], "pm: unknown severity 'SEV-9'; use one of SEV-1, SEV-2, SEV-3\n"),
        (
            ["--status", "open"],
            "pm: unknown status 'open'; use one of active, resolved, reviewed, closed\n",
        ),
        (["-f", "yaml"], "pm: unknown format 'yaml'; use one of text, json\n"),
        (["-f", "text", "--json"], "pm: --json and --format text disagree; give one of them\n"),
    ],
)
def test_list_filters_are_checked_like_open_checks_them(
    three: list[str],
    cli: CliRunnerCall,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code, out, err = both(cli, capsys, "list", *args)
    assert (code, out, err) == (2, "", message)


def test_list_filters_take_any_case_and_comma_lists(
    three: list[str], cli: CliRunnerCall, capsys: pytest.CaptureFixture[str]
) -> None:
    zebra, alpha, billing = three
    assert listed(both(cli, capsys, "list", "-s", "sev-1,Sev-3")[1]) == [billing, alpha]
    assert listed(both(cli, capsys, "list", "-s", "sev-1", "-s", "SEV-2")[1]) == [zebra, alpha]
    assert listed(both(cli, capsys, "list", "--status", "ACTIVE")[1]) == [zebra, alpha]
    assert listed(both(cli, capsys, "list", "--status", "resolved,active", "-s", "SEV-3")[1]) == [
        billing
    ]
    assert listed(both(cli, capsys, "list", "--tag", "cache,billing")[1]) == [billing, alpha]
    assert listed(both(cli, capsys, "list", "--tag", "queue", "--tag", "nope")[1]) == [zebra]


def test_every_read_command_takes_format_and_json(
    three: list[str], cli: CliRunnerCall, capsys: pytest.CaptureFixture[str]
) -> None:
    zebra = three[0]
    cli.ok("action", "add", zebra, "Alert on queue depth", "--owner", "alice")
    for command in (["list"], ["show", zebra], ["log", zebra]):
        as_json = both(cli, capsys, *command, "--json")
        assert both(cli, capsys, *command, "-f", "json") == as_json
        assert both(cli, capsys, *command, "--format", "JSON") == as_json
        assert both(cli, capsys, *command, "--format", "json", "--json") == as_json
        json.loads(as_json[1])
        assert both(cli, capsys, *command, "-f", "text") == both(cli, capsys, *command)
    for command in (
        ["action", "list"],
        ["report"],
        ["report", zebra],
        ["overdue", "--as-of", "2024-06-01"],
        ["lint"],
    ):
        typed = cli(*command, "--json")
        assert typed.exit_code in (0, 1), typed.stderr
        json.loads(typed.stdout)
        spelled = cli(*command, "-f", "json")
        assert (spelled.exit_code, spelled.stdout) == (typed.exit_code, typed.stdout)


def test_markdown_is_md(three: list[str], cli: CliRunnerCall) -> None:
    for command in (["overdue", "--as-of", "2024-06-01"], ["report"], ["report", three[0]]):
        md = cli(*command, "-f", "md")
        assert md.stdout.strip() and md.exit_code in (0, 1)
        assert cli(*command, "--format", "markdown").stdout == md.stdout
        assert cli(*command, "--format", "Markdown").stdout == md.stdout
    wrong = cli("overdue", "-f", "json", "--json", "-f", "md")
    assert wrong.exit_code == 2


def test_action_list_filters(three: list[str], cli: CliRunnerCall) -> None:
    zebra, alpha, _ = three
    cli.ok("action", "add", zebra, "Alert on queue depth", "--owner", "alice", "-p", "P0")
    cli.ok("action", "add", alpha, "Warm the cache", "--owner", "bob", "-p", "P2")
    cli.ok("action", "add", alpha, "Runbook", "--owner", "carol")
    cli.ok("action", "start", alpha, "#2")

    def owners(*args: str) -> list[str]:
        return [line.split("\t")[2] for line in cli.ok("action", "list", *args).stdout.splitlines()]

    assert owners("-p", "p0,P2") == ["alice", "bob"]
    assert owners("--status", "OPEN") == ["alice", "bob"]
    assert owners("--status", "in-progress,open", "--owner", "carol,bob") == ["carol", "bob"]
    assert owners("--owner", "alice", "--owner", "carol") == ["alice", "carol"]
    for args, message in (
        (["--status", "active"], "pm: unknown status 'active'; use one of open, in-progress, "),
        (["-p", "P7"], "pm: unknown priority 'P7'; use one of P0, P1, P2\n"),
    ):
        result = cli("action", "list", *args)
        assert result.exit_code == 2
        assert result.stderr.startswith(message)


def test_overdue_takes_comma_lists(three: list[str], cli: CliRunnerCall) -> None:
    zebra, alpha, _ = three
    cli.ok("action", "add", zebra, "Alert on queue depth", "--owner", "alice", "--due", "+1d")
    cli.ok("action", "add", alpha, "Warm the cache", "--owner", "bob", "--due", "+1d")

    def late(*args: str) -> list[str]:
        result = cli("overdue", "--as-of", "2024-03-01", "--json", *args)
        return sorted(f["owner"] for f in json.loads(result.stdout)["findings"] if f["owner"])

    assert late() == ["alice", "bob"]
    assert late("--owner", "alice,bob") == ["alice", "bob"]
    assert late("--owner", "BOB") == ["bob"]
    assert late("-s", "sev-1") == ["bob"]
    assert late("-s", "SEV-1,sev-2") == ["alice", "bob"]
    wrong = cli("overdue", "-s", "SEV-1,SEV-9")
    assert (wrong.exit_code, wrong.stderr) == (
        2,
        "pm: unknown severity 'SEV-9'; use one of SEV-1, SEV-2, SEV-3\n",
    )


# --- numbers, kinds and stdin -----------------------------------------------------------------


def test_action_commands_take_the_hash_numbers_reports_print(
    opened: str, cli: CliRunnerCall
) -> None:
    cli.ok("action", "add", opened, "Alert on pool use", "--owner", "alice")
    cli.ok("action", "add", opened, "Duplicate", "--owner", "alice")
    assert "is in-progress" in cli.ok("action", "start", opened, "#1").stderr
    assert "is done" in cli.ok("action", "done", opened, "#1").stderr
    assert "is open" in cli.ok("action", "reopen", opened, "#1").stderr
    cli.ok("action", "edit", opened, "#1", "--text", "Alert on pool saturation")
    cli.ok("action", "wont-do", opened, "#1", "--reason", "covered elsewhere")
    assert "Removed action item 2" in cli.ok("action", "rm", opened, "#2").stderr
    wrong = cli("action", "done", opened, "#two")
    assert (wrong.exit_code, wrong.stderr) == (
        2,
        "pm: action item number '#two' is not a number (e.g. 2 or #2)\n",
    )


def test_event_commands_take_hash_numbers_and_kind_prefixes(
    opened: str, cli: CliRunnerCall, capsys: pytest.CaptureFixture[str]
) -> None:
    at = ("--at", "2024-01-15T14:10")
    assert "(acknowledged)" in fast_run(capsys, "event", opened, "Paged", "-k", "ack", *at)[2]
    assert "(acknowledged)" in cli.ok("event", opened, "Paged", "-k", "Ack", *at).stderr
    raised = cli.ok("event", opened, "Raised", "-k", "MIT", "--at", "2024-01-15T15:00")
    assert "(mitigated)" in raised.stderr
    shown = json.loads(cli.ok("show", opened, "--json").stdout)
    kinds = [event["kind"] for event in shown["timeline"]]
    assert kinds == ["started", "acknowledged", "acknowledged", "mitigated"]
    edit = ("event", "edit", opened, "#2", "-k", "ident")
    assert "kind: acknowledged -> identified" in fast_run(capsys, *edit)[2]
    assert "kind: acknowledged -> note" in cli.ok("event", "edit", opened, "#3", "-k", "no").stderr
    code, _, err = fast_run(capsys, "event", "rm", opened, "#3")
    assert code == 0 and err.startswith("Removed event 3 (note: Paged)")
    assert cli.ok("event", "rm", opened, "#2").stderr.startswith("Removed event 2 (identified")
    code, _, err = both(cli, capsys, "event", "rm", opened, "three")
    assert (code, err) == (2, "pm: event number 'three' is not a number (e.g. 2 or #2)\n")
    code, _, err = both(cli, capsys, "event", opened, "x", "-k", "bogus")
    assert code == 2 and err.startswith("pm: unknown event kind 'bogus'; use one of started, ")


def test_event_text_from_stdin(
    opened: str,
    cli: CliRunnerCall,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    piped = cli("event", opened, "-", "--at", "2024-01-15T14:20", input="Deploy 4521 rolled back\n")
    assert piped.exit_code == 0, piped.stderr
    monkeypatch.setattr("sys.stdin", io.StringIO("Pool raised to 50\n"))
    assert main(["event", opened, "-", "-k", "mit", "--at", "2024-01-15T14:30"]) == 0
    texts = [e["text"] for e in json.loads(cli.ok("show", opened, "--json").stdout)["timeline"]]
    assert texts[-2:] == ["Deploy 4521 rolled back", "Pool raised to 50"]
    empty = cli("event", opened, "-", input="\n")
    assert (empty.exit_code, empty.stderr) == (2, "pm: no event text on stdin\n")
    cli.ok("event", opened, "one\ntwo", "--at", "2024-01-15T14:40")
    two_lines = cli("event", opened, "-", "--at", "2024-01-15T14:50", input="one\ntwo\n")
    assert two_lines.exit_code == 0
    timeline = json.loads(cli.ok("show", opened, "--json").stdout)["timeline"]
    assert timeline[-1]["text"] == timeline[-2]["text"]  # as if typed on the command line


# --- -o is --output ---------------------------------------------------------------------------


def test_o_for_owner_still_works_with_a_warning(opened: str, cli: CliRunnerCall) -> None:
    added = cli.ok("action", "add", opened, "Alert on pool use", "-o", "alice")
    assert added.stderr.splitlines()[0] == "pm: warning: -o for --owner is deprecated; use --owner"
    edited = cli.ok("action", "edit", opened, "1", "-obob", "--text", "-o")
    assert edited.stderr.count("deprecated") == 1
    item = json.loads(cli.ok("show", opened, "--json").stdout)["actions"][0]
    assert (item["owner"], item["text"]) == ("bob", "-o")
    for command in (["action", "add"], ["action", "edit"]):
        shown = cli.ok(*command, "--help").stdout
        assert "--owner" in shown and "-o" not in shown.replace("--o", "")
    for command in (["report"], ["site"]):
        assert "-o, --output" in cli.ok(*command, "--help").stdout


def test_search_takes_format_and_json(
    three: list[str], cli: CliRunnerCall, capsys: pytest.CaptureFixture[str]
) -> None:
    as_json = both(cli, capsys, "search", "cache", "--json")
    assert as_json[0] == 0 and json.loads(as_json[1])
    assert both(cli, capsys, "search", "cache", "-f", "json") == as_json
    assert both(cli, capsys, "search", "cache", "-f", "yaml")[0] == 2


def test_comma_lists_complete(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def complete(line: str) -> list[str]:
        monkeypatch.setenv("_PM_COMPLETE", "complete_bash")
        monkeypatch.setenv("COMP_WORDS", line)
        monkeypatch.setenv("COMP_CWORD", str(len(line.split(" ")) - 1))
        capsys.readouterr()
        assert main([]) == 0
        return capsys.readouterr().out.split()

    assert complete("pm list -s SEV-1,") == ["SEV-1,SEV-2", "SEV-1,SEV-3"]
    assert complete("pm list -s sev-2,SEV-3") == ["sev-2,SEV-3"]
    assert complete("pm list --status active,re") == ["active,resolved", "active,reviewed"]
    assert complete("pm overdue -s SEV-") == ["SEV-1", "SEV-2", "SEV-3"]


@pytest.mark.slow
def test_the_installed_pm_reads_event_text_from_a_pipe(repo: Repo, opened: str) -> None:
    def run(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*pm_command(), *args],
            cwd=repo.path,
            input=stdin,
            capture_output=True,
            text=True,
            env=dict(os.environ),
            check=False,
        )

    piped = run("event", opened, "-", "-k", "ACK", "--at", "2024-01-15T14:10", stdin="Paged\n")
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr.startswith("Added event (acknowledged) ")
    shown = run("show", opened, "-f", "json", stdin="")
    assert json.loads(shown.stdout)["timeline"][-1]["text"] == "Paged"
    deprecated = run("action", "add", opened, "Alert", "-o", "alice", stdin="")
    assert deprecated.returncode == 0
    assert "pm: warning: -o for --owner is deprecated; use --owner" in deprecated.stderr
