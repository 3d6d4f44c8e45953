"""Every hostile string through every command's free-text, time and id arguments.

For each (command, argument) in ``COMMANDS`` and each string in ``hostile.HOSTILE``:
pm never crashes (no exit 70, no traceback), exits with a documented code, prints a
refusal as one ``pm: ...`` line, writes nothing outside ``postmortems/``, commits a
message of exactly the expected lines, prints no raw escape or bidi character, and keeps
the generated markdown tables well formed. One repository per command row: between
strings it is reset with git, so each string starts from the same state.

The test is hermetic: it watches only its own folder. The repository lies six folders
deep in it, so every ``..`` string lands inside it, and an absolute path string is
rooted in it; sentinel files stand where those strings point.

To cover a new command, add a row to ``COMMANDS`` (a name and a function from the open
incident's id and the hostile string to the argument list).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from conftest import CliRunnerCall, Repo, make_repo, run_pm
from hostile import HOSTILE, RAW_UNSAFE
from pm import frontmatter
from pm.render import output

AT = "2024-01-15T15:00"
OTHER = "2024-01-16-other-incident"
SET_FIELDS = ("title", "severity", "impact", "services", "tags", "related", "started", "detected")
Args = Callable[[str, str], list[str]]


def set_to(field: str) -> Args:
    return lambda pid, s: ["set", pid, field, s]


# Strings that name a path. ``report -o`` writes where it is asked, so the row that takes
# one skips them (test_report_output_paths covers those with paths under tmp).
PATH_LIKE = ("traversal", "absolute", "windows")
WRITES_WHERE_ASKED = ("report-output",)
# As deep as the deepest ``..`` string climbs (six), so that it stays inside tmp_path.
DEPTH = ("a", "b", "c", "d", "e", "repo")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """The repository, six folders down in the test's own folder."""
    return make_repo(tmp_path.joinpath(*DEPTH), monkeypatch)


def hermetic(name: str, text: str, root: Path) -> str:
    """The hostile string, an absolute path rooted in the test's folder (``/etc/passwd``
    becomes ``<tmp>/etc/passwd``): a write there would be seen, and harm nothing."""
    return f"{root}{text}" if name.startswith(PATH_LIKE) and text.startswith("/") else text


# (row name, argument list builder). ``pid`` is an open SEV-1 started 2024-01-15T14:05
# with action items 1 (open) and 2 (done); ``OTHER`` is a resolved SEV-3 (see ``prepare``).
COMMANDS: list[tuple[str, Args]] = [
    ("open-title", lambda pid, s: ["open", s, "-s", "SEV-2", "--started", AT]),
    ("open-impact", lambda pid, s: ["open", "Impact", "-s", "SEV-2", "--impact", s]),
    ("open-service", lambda pid, s: ["open", "Service", "-s", "SEV-2", "--service", s]),
    ("open-tag", lambda pid, s: ["open", "Tag", "-s", "SEV-2", "--tag", s]),
    ("open-severity", lambda pid, s: ["open", "Severity", "-s", s]),
    ("open-started", lambda pid, s: ["open", "Started", "-s", "SEV-2", "--started", s]),
    ("open-detected", lambda pid, s: ["open", "Detected", "-s", "SEV-2", "--detected", s]),
    ("event-text", lambda pid, s: ["event", pid, s, "--at", AT]),
    ("event-at", lambda pid, s: ["event", pid, "text", "--at", s]),
    ("event-kind", lambda pid, s: ["event", pid, "text", "--at", AT, "--kind", s]),
    ("event-id", lambda pid, s: ["event", s, "text", "--at", AT]),
    ("event-edit-text", lambda pid, s: ["event", "edit", pid, "1", "--text", s]),
    ("event-edit-at", lambda pid, s: ["event", "edit", pid, "1", "--at", s]),
    ("event-edit-kind", lambda pid, s: ["event", "edit", pid, "1", "--kind", s]),
    ("event-edit-number", lambda pid, s: ["event", "edit", pid, s, "--text", "x"]),
    ("event-edit-id", lambda pid, s: ["event", "edit", s, "1", "--text", "x"]),
    ("event-rm-number", lambda pid, s: ["event", "rm", pid, s]),
    ("event-rm-id", lambda pid, s: ["event", "rm", s, "2"]),
    ("resolve-text", lambda pid, s: ["resolve", pid, s, "--at", AT]),
    ("resolve-at", lambda pid, s: ["resolve", pid, "done", "--at", s]),
    ("resolve-id", lambda pid, s: ["resolve", s, "done", "--at", AT]),
    ("show-id", lambda pid, s: ["show", s]),
    ("show-id-json", lambda pid, s: ["show", s, "--json"]),
    ("list-status", lambda pid, s: ["list", "--status", s]),
    ("list-severity", lambda pid, s: ["list", "--severity", s]),
    ("list-service", lambda pid, s: ["list", "--service", s]),
    ("list-tag", lambda pid, s: ["list", "--tag", s]),
    ("list-since", lambda pid, s: ["list", "--since", s]),
    ("action-add-text", lambda pid, s: ["action", "add", pid, s, "--owner", "bob"]),
    ("action-add-owner", lambda pid, s: ["action", "add", pid, "Fix", "--owner", s]),
    (
        "action-add-priority",
        lambda pid, s: ["action", "add", pid, "Fix", "--owner", "bob", "-p", s],
    ),
    ("action-add-due", lambda pid, s: ["action", "add", pid, "Fix", "--owner", "bob", "--due", s]),
    (
        "action-add-ticket",
        lambda pid, s: ["action", "add", pid, "Fix", "--owner", "bob", "--ticket", s],
    ),
    ("action-add-id", lambda pid, s: ["action", "add", s, "Fix", "--owner", "bob"]),
    ("action-start-id", lambda pid, s: ["action", "start", s, "1"]),
    ("action-start-number", lambda pid, s: ["action", "start", pid, s]),
    ("action-start-reason", lambda pid, s: ["action", "start", pid, "1", "--reason", s]),
    ("action-done-id", lambda pid, s: ["action", "done", s, "1"]),
    ("action-done-number", lambda pid, s: ["action", "done", pid, s]),
    ("action-done-reason", lambda pid, s: ["action", "done", pid, "1", "--reason", s]),
    ("action-wont-do-id", lambda pid, s: ["action", "wont-do", s, "1", "--reason", "dup"]),
    ("action-wont-do-number", lambda pid, s: ["action", "wont-do", pid, s, "--reason", "dup"]),
    ("action-wont-do-reason", lambda pid, s: ["action", "wont-do", pid, "1", "--reason", s]),
    ("action-reopen-id", lambda pid, s: ["action", "reopen", s, "2"]),
    ("action-reopen-number", lambda pid, s: ["action", "reopen", pid, s]),
    ("action-reopen-reason", lambda pid, s: ["action", "reopen", pid, "2", "--reason", s]),
    ("action-list-owner", lambda pid, s: ["action", "list", "--owner", s]),
    ("action-list-status", lambda pid, s: ["action", "list", "--status", s, "--json"]),
    ("action-list-priority", lambda pid, s: ["action", "list", "--priority", s]),
    ("action-list-id", lambda pid, s: ["action", "list", s]),
    ("review-at", lambda pid, s: ["review", OTHER, "--at", s]),
    ("review-id", lambda pid, s: ["review", s, "--at", AT]),
    ("close-reason", lambda pid, s: ["close", OTHER, "--force", "--reason", s]),
    ("close-id", lambda pid, s: ["close", s, "--force", "--reason", "moot"]),
    *[(f"set-{name}", set_to(name)) for name in SET_FIELDS],
    ("set-add-tags", lambda pid, s: ["set", pid, "tags", "--add", s]),
    ("set-field-name", lambda pid, s: ["set", pid, s, "value"]),
    ("set-id", lambda pid, s: ["set", s, "title", "New"]),
    ("log-id", lambda pid, s: ["log", s]),
    ("log-id-json", lambda pid, s: ["log", s, "--json"]),
    ("overdue-as-of", lambda pid, s: ["overdue", "--as-of", s]),
    ("overdue-owner", lambda pid, s: ["overdue", "--owner", s, "--format", "github"]),
    ("overdue-severity", lambda pid, s: ["overdue", "--severity", s, "--format", "markdown"]),
    ("overdue-format", lambda pid, s: ["overdue", "--format", s]),
    ("overdue-fail-on", lambda pid, s: ["overdue", "--fail-on", s]),
    ("lint-path", lambda pid, s: ["lint", s]),
    ("lint-path-fix", lambda pid, s: ["lint", "--fix", s]),
    ("lint-format", lambda pid, s: ["lint", "--format", s]),
    ("recall-paths", lambda pid, s: ["recall", "--paths", s]),
    ("recall-paths-md", lambda pid, s: ["recall", s, "--format", "md"]),
    ("recall-diff", lambda pid, s: ["recall", "--diff", s, "--format", "github"]),
    ("report-id", lambda pid, s: ["report", s]),
    ("report-id-html", lambda pid, s: ["report", s, "--format", "html"]),
    ("report-since", lambda pid, s: ["report", "--since", s, "--format", "md"]),
    ("report-until", lambda pid, s: ["report", "--until", s, "--format", "json"]),
    ("report-service", lambda pid, s: ["report", "--service", s, "--format", "html"]),
    ("report-format", lambda pid, s: ["report", pid, "--format", s]),
    ("report-output", lambda pid, s: ["report", pid, "-o", s]),
    ("related-id", lambda pid, s: ["related", s, OTHER]),
    ("related-other", lambda pid, s: ["related", pid, s]),
]

DOCUMENTED_EXITS = {0, 1, 2, 3}
FINDINGS = ("overdue", "lint")  # exit 1: something is late or wrong, the summary on stderr
TRAILERS = re.compile(r"Pm-Id: [0-9]{4}-[0-9]{2}-[0-9]{2}-[A-Za-z0-9._-]+")
SUBJECT = re.compile(
    r"pm: [a-z-]+( [a-z-]+)? [0-9]{4}-[0-9]{2}-[0-9]{2}-[A-Za-z0-9._-]+( \([^()\n]+\))?"
)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` except git's own, with its bytes."""
    files: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            path = Path(folder, name)
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def check_output(result: Result, label: str) -> None:
    assert result.exit_code in DOCUMENTED_EXITS, f"{label}: exit {result.exit_code}"
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, label
        assert "internal error" not in stream, label
        found = RAW_UNSAFE.search(stream)
        assert found is None, f"{label}: raw {found.group()!r} in output"
    if result.exit_code != 0 and result.stderr.startswith("Usage: pm "):
        # Typer's own usage error: a string that looks like an option (``---``), or not a
        # number where one is expected (an action item's number).
        assert result.exit_code == 2, label
        assert "No such option" in result.stderr or "Invalid value" in result.stderr, label
    elif result.exit_code == 1 and label.startswith(FINDINGS):
        assert result.stderr == "" or not result.stderr.startswith("pm: "), label
    elif result.exit_code != 0:
        assert result.stderr.startswith("pm: "), label
        lines = result.stderr.splitlines()
        # A note on how a time was read ("read as yesterday") may come before the refusal.
        lines = [line for line in lines if not line.startswith("pm: note: ")] or lines
        # An unknown id's "did you mean" candidates follow it, indented (the error's details).
        lines = [line for line in lines if not line.startswith("    ")]
        # list names each unreadable file on its own line; every other refusal is one line.
        assert len(lines) == 1 or lines[-1].endswith("file(s) could not be read"), label
        assert all(line.startswith("pm: ") for line in lines), label


OPERATIONS = {
    "open",
    "event",
    "event-edit",
    "event-rm",
    "resolve",
    "action-add",
    "action-start",
    "action-done",
    "action-wont-do",
    "action-reopen",
    "review",
    "close",
    "set",
    "related",
    "renumber",
}
BODY_LINE = re.compile(
    r"(Reason|Closed despite|title|severity|impact|services|tags|related|started|detected"
    r"|at|kind|text|Removed|acknowledged|identified|mitigated|resolved|note): .*"
)


def check_commit(repo: Repo, base: str, label: str) -> None:
    """A new commit: a one-line subject, pm's own body lines, exactly pm's trailers."""
    if repo.git("rev-parse", "HEAD") == base:
        return
    assert repo.git("rev-list", "--count", f"{base}..HEAD") == "1", label
    message = repo.git("log", "-1", "--format=%B")
    paragraphs = message.split("\n\n")
    subject, trailers = paragraphs[0], paragraphs[-1].splitlines()
    assert 2 <= len(paragraphs) <= 3, f"{label}: {message!r}"
    operation = trailers[-1].removeprefix("Pm-Operation: ")
    assert operation in OPERATIONS, f"{label}: {trailers}"
    ids = [t.removeprefix("Pm-Id: ") for t in trailers[:-1]]
    assert len(ids) == (2 if operation == "related" else 1), f"{label}: {trailers}"
    assert all(TRAILERS.fullmatch(f"Pm-Id: {i}") for i in ids), f"{label}: {trailers}"
    assert "\n" not in subject and subject.startswith(f"pm: {operation} {' '.join(ids)}"), label
    assert not SKIP_CI.search(message), f"{label}: {message!r}"
    found = RAW_UNSAFE.search(message)  # git log prints it to a terminal
    assert found is None, f"{label}: raw {found.group()!r} in the commit message"
    if len(paragraphs) == 3:
        for line in paragraphs[1].splitlines():
            assert BODY_LINE.fullmatch(line), f"{label}: body line {line!r}"
    parsed = repo.git("log", "-1", "--format=%(trailers:only,unfold)").splitlines()
    assert [t for t in parsed if t] == trailers, label
    assert len(repo.files_in()) == len(ids), label


# What makes a CI system skip the pipeline of a push when it appears in a commit message.
SKIP_CI = re.compile(
    r"\[(skip ci|ci skip|no ci|skip actions|actions skip)\]|\*\*\*NO_CI\*\*\*", re.I
)


def check_tables(raw: bytes, label: str) -> None:
    """Each generated block holds one table whose rows have exactly their columns."""
    text = frontmatter.parse(raw, label).body
    for name, columns in (("timeline", 3), ("actions", 6)):
        begin, end = f"<!-- pm:begin {name} -->", f"<!-- pm:end {name} -->"
        assert text.count(begin) == 1 and text.count(end) == 1, f"{label}: {name} markers"
        inner = text[text.index(begin) + len(begin) : text.index(end)]
        for row in inner.strip().splitlines():
            if row.startswith("|"):
                cells = re.split(r"(?<!\\)\|", row)
                assert len(cells) == columns + 2, f"{label}: {row!r}"
                assert "<" not in row.replace("\\<", ""), f"{label}: raw HTML in {row!r}"


def check_reads_back(cli: CliRunnerCall, pid: str, label: str) -> None:
    """The stored text prints safely through every read command."""
    for args in (["show", pid], ["show", pid, "--json"], ["list"], ["list", "--json"]):
        result = cli(*args)
        assert result.exit_code == 0, f"{label}: {args} -> {result.stderr}"
        check_output(result, f"{label} {args}")
        if "--json" in args:
            json.loads(result.stdout)


def prepare(cli: CliRunnerCall, pid: str) -> None:
    """Action items 1 (open) and 2 (done) on ``pid``, and ``OTHER``, a resolved SEV-3."""
    cli.ok("action", "add", pid, "Alert on pool use", "--owner", "bob", "--due", "2024-01-18")
    cli.ok("action", "add", pid, "Runbook", "--owner", "carol", "-p", "P2")
    cli.ok("action", "done", pid, "2")
    cli.ok("open", "Other incident", "-s", "SEV-3", "--started", "2024-01-16T09:00")
    cli.ok("resolve", OTHER, "fixed", "--at", "2024-01-16T10:00")


@pytest.mark.slow
@pytest.mark.parametrize(("row", "build"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_hostile_strings_through_every_argument(
    repo: Repo, cli: CliRunnerCall, opened: str, row: str, build: Args, tmp_path: Path
) -> None:
    prepare(cli, opened)
    base = repo.git("rev-parse", "HEAD")
    corpus = [(name, hermetic(name, text, tmp_path)) for name, text in HOSTILE]
    place_sentinels(repo.path, tmp_path, [t for n, t in corpus if n.startswith(PATH_LIKE)])
    outside_before = snapshot(tmp_path)
    inside = repo.path.relative_to(tmp_path).as_posix() + "/postmortems/"
    for name, text in corpus:
        label = f"{row}/{name}"
        if row in WRITES_WHERE_ASKED and name.startswith(PATH_LIKE):
            continue
        result = cli(*build(opened, text))
        check_output(result, label)
        check_commit(repo, base, label)
        after = snapshot(tmp_path)
        changed = {
            p for p in after.keys() | outside_before.keys() if after.get(p) != outside_before.get(p)
        }
        if row in WRITES_WHERE_ASKED and result.exit_code == 0:
            asked = Path(os.path.normpath(repo.path / text)).relative_to(tmp_path).as_posix()
            assert asked in changed and not after[asked].startswith(b"---"), label
            changed.discard(asked)
        assert all(p.startswith(inside) for p in changed), f"{label}: {changed}"
        for path in changed:
            if path in after and path.endswith(".md"):
                check_tables(after[path], label)
                check_reads_back(cli, Path(path).stem, label)
        if changed or repo.git("rev-parse", "HEAD") != base or row in WRITES_WHERE_ASKED:
            repo.git("reset", "--quiet", "--hard", base)
            repo.git("clean", "--quiet", "-fdx")
    assert repo.git("status", "--porcelain") == ""


def place_sentinels(cwd: Path, root: Path, texts: list[str]) -> None:
    """A file wherever a path string points (from the repository and from a year folder)
    outside the repository, so that an overwrite shows in the snapshot as well as a new
    file. Every such place is inside ``root``: the test touches nothing of the machine's."""
    for text in texts:
        for base in (cwd, cwd / "postmortems" / "2024"):
            for target in (text, text + ".md"):
                path = Path(os.path.normpath(base / target))
                assert path.is_relative_to(root), f"{text!r} points outside the test's folder"
                if not path.is_relative_to(cwd):
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(b"sentinel\n")


PID = "2024-01-15-hand-edited"


def hand_edited(repo: Repo, fields: dict[str, str], *, ascii_escapes: bool) -> Path:
    """Commit a postmortem whose front-matter values another tool wrote (JSON-style quoting)."""

    def q(value: str) -> str:
        quoted = json.dumps(value, ensure_ascii=False)
        # Escaped: every control, bidi and separator character as \\uXXXX, as careful
        # tools write them. Raw: as they are, as a careless tool or a paste would.
        return (
            RAW_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)
            if ascii_escapes
            else quoted
        )

    values = {"id": PID, "title": "Hand edited", "impact": "", "service": "api", "tag": "db"}
    values.update(fields)
    values.setdefault("text", "Incident opened")
    text = (
        "---\n"
        f"id: {q(values['id'])}\n"
        f"title: {q(values['title'])}\n"
        "severity: SEV-2\n"
        "status: active\n"
        f"impact: {q(values['impact'])}\n"
        f"services: [{q(values['service'])}]\n"
        f"tags: [{q(values['tag'])}]\n"
        "timeline:\n"
        "- at: 2024-01-15T14:05:00Z\n"
        "  kind: started\n"
        f"  text: {q(values['text'])}\n"
        "actions:\n"
        "- number: 1\n"
        f"  text: {q(values.get('action', 'Add alert'))}\n"
        f"  owner: {q(values.get('action', 'bob'))}\n"
        "  priority: P1\n"
        "  due: 2024-02-01\n"
        "  status: wont-do\n"
        f"  reason: {q(values.get('action', 'duplicate'))}\n"
        f"  ticket: {q(values.get('action', 'PAY-1'))}\n"
        f"x-other-tool: {q(values.get('extra', 'x'))}\n"
        "---\n"
        "## Timeline\n\n<!-- pm:begin timeline -->\n<!-- pm:end timeline -->\n\n"
        "## Action items\n\n<!-- pm:begin actions -->\n<!-- pm:end actions -->\n"
    )
    path = repo.postmortem_path(PID)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    repo.git("add", "-A")
    repo.git("commit", "--quiet", "-m", "hand edit")
    return path


HAND_EDITED = [
    *[
        pytest.param(field, True, id=f"{field}-escaped")
        for field in ("title", "impact", "service", "text", "action", "extra", "id")
    ],
    # Raw (unescaped) characters: YAML refuses some; the refusal must be clean.
    *[pytest.param(field, False, id=f"{field}-raw") for field in ("title", "id")],
]


@pytest.mark.slow
@pytest.mark.parametrize(("field", "ascii_escapes"), HAND_EDITED)
def test_hostile_values_in_hand_edited_files(
    repo: Repo, cli: CliRunnerCall, field: str, ascii_escapes: bool
) -> None:
    start = repo.git("rev-parse", "HEAD")
    for name, text in HOSTILE:
        label = f"{field}/{name}"
        path = hand_edited(repo, {field: text}, ascii_escapes=ascii_escapes)
        base = repo.git("rev-parse", "HEAD")
        for args in (["list"], ["list", "--json"], ["show", PID], ["show", PID, "--json"]):
            check_output(cli(*args), f"{label} {args}")
        with pytest.MonkeyPatch.context() as patch:  # pm list as a Rich table on a terminal
            patch.setattr(output, "is_terminal", lambda: True)
            patch.setenv("COLUMNS", "200")  # wide enough that no cell wraps into the title's
            table = cli("list")
        check_output(table, f"{label} list (terminal)")
        if (
            table.exit_code == 0
            and field == "title"
            and "[" in text
            and len(text) < 100
            and not RAW_UNSAFE.search(text)
        ):
            shown, typed = "".join(table.stdout.split()), "".join(text.split())
            assert typed in shown, "Rich markup was applied to a title"
        before = path.read_bytes()
        result = cli("event", PID, "checked", "--at", AT)
        check_output(result, f"{label} event")
        check_commit(repo, base, label)
        if result.exit_code == 0:
            check_tables(path.read_bytes(), label)
        else:
            assert path.read_bytes() == before, f"{label}: a refused file was rewritten"
        if field == "id" and text != PID:
            # An id that is not the file's name is refused by every command.
            assert result.exit_code == 3 and f"{PID}.md:" in result.stderr, label
        repo.git("reset", "--quiet", "--hard", start)


def test_json_escapes_keep_the_data() -> None:
    from pm.render import output

    data = {"t": "a\u202eb\u2028c\x85d\x1be"}
    text = output.to_json(data)
    assert RAW_UNSAFE.search(text) is None
    assert json.loads(text) == data


def test_a_change_that_would_exceed_the_size_limit_is_refused(
    repo: Repo, cli: CliRunnerCall
) -> None:
    path = hand_edited(repo, {}, ascii_escapes=True)
    prose = "All quiet.\n" * ((frontmatter.MAX_FILE_BYTES - 2_000) // 11)
    path.write_text(path.read_text(encoding="utf-8") + prose, encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "long prose")
    before, head = path.read_bytes(), repo.git("rev-parse", "HEAD")
    result = cli("event", PID, "x" * 5_000, "--at", AT)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"pm: postmortems/2024/{PID}.md: the change would make")
    assert result.stderr.endswith(f"pm reads files up to {frontmatter.MAX_FILE_BYTES}\n")
    assert path.read_bytes() == before
    assert repo.git("rev-parse", "HEAD") == head
    assert cli("event", PID, "short", "--at", AT).exit_code == 0


def test_list_on_a_terminal_does_not_call_broken_files_no_postmortems(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = hand_edited(repo, {}, ascii_escapes=True)
    path.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    result = cli("list")
    assert result.exit_code == 3
    assert "No postmortems" not in result.stderr
    assert result.stderr.splitlines()[-1] == "pm: 1 postmortem file(s) could not be read"


@pytest.mark.slow
def test_hostile_text_through_the_installed_pm(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    """Real argv and real pipes: what reaches stdout and stderr as bytes is inert."""
    strings = [text for name, text in HOSTILE if "\x00" not in text and len(text) < 10_000]
    for n, text in enumerate(strings):
        result = run_pm(repo.path, "event", opened, text, "--at", f"2024-01-15T15:{n % 60:02d}")
        assert result.returncode in DOCUMENTED_EXITS, (text, result.stderr)
        assert RAW_UNSAFE.search(result.stderr) is None, text
    for args in (["show", opened], ["show", opened, "--json"], ["list"], ["list", "--json"]):
        result = run_pm(repo.path, *args)
        assert result.returncode == 0, result.stderr
        found = RAW_UNSAFE.search(result.stdout + result.stderr)
        assert found is None, f"{args}: raw {found.group()!r}"


# --- hostile text in the files, through every output format ---------------------------------

# Strings a file can hold and pm's readers accept (no NUL: YAML refuses it, see above).
IN_FILES = [(n, t) for n, t in HOSTILE if "\x00" not in t and t.strip() and len(t) < 10_000]
GITHUB_COMMAND = re.compile(r"::(error|warning|notice) file=[^,:\n]*(,line=\d+)?,title=[^:\n]*::.*")


def hostile_repository(repo: Repo) -> list[tuple[str, str]]:
    """One postmortem per hostile string, the string in every free-text field."""

    def q(value: str) -> str:  # as a careful tool writes it: controls as \\uXXXX escapes
        quoted = json.dumps(value, ensure_ascii=False)
        return RAW_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)

    made = []
    for n, (_, text) in enumerate(IN_FILES):
        pid = f"2024-01-{1 + n % 28:02d}-hostile-{n}"
        started = f"2024-01-{1 + n % 28:02d}T10:00:00Z"
        path = repo.postmortem_path(pid)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "---\n"
            f"id: {pid}\ntitle: {q(text)}\nseverity: SEV-2\nstatus: resolved\n"
            f"impact: {q(text)}\nservices: [{q(text)}]\ntags: [{q(text)}]\n"
            "review:\n  due: 2024-01-05\n"
            "timeline:\n"
            f"- at: {started}\n  kind: started\n  text: {q(text)}\n"
            f"- at: {started.replace('T10', 'T11')}\n  kind: resolved\n  text: {q(text)}\n"
            "actions:\n"
            f"- number: 1\n  text: {q(text)}\n  owner: {q(text)}\n  priority: P1\n"
            "  due: 2024-01-10\n  status: open\n"
            f"- number: 2\n  text: {q(text)}\n  owner: {q(text)}\n  priority: P2\n"
            f"  due: 2024-01-10\n  status: wont-do\n  reason: {q(text)}\n  ticket: {q(text)}\n"
            f"{q(text[:500])}: an unknown key, for lint to name\n"  # YAML: keys < 1024
            "---\n"
            f"## Summary\n\nIn prose: {text}\n\n## Root Cause\n\nAs said: {text}\n",
            encoding="utf-8",
        )
        made.append((pid, text))
    repo.git("add", "-A")
    repo.git("commit", "--quiet", "-m", "hostile files")
    return made


def table_columns(text: str, label: str) -> None:
    """Every row of every markdown table has the header's number of cells."""
    width = None
    for line in text.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        cells = len(re.split(r"(?<!\\)\|", line))
        width = width or cells
        assert cells == width, f"{label}: {line!r}"


@pytest.mark.slow
def test_hostile_text_in_files_through_every_output_format(repo: Repo, cli: CliRunnerCall) -> None:
    made = hostile_repository(repo)
    texts = {text for _, text in made}
    head = repo.git("rev-parse", "HEAD")
    runs: dict[str, Result] = {}
    for fmt in ("text", "json", "github", "markdown"):
        runs[f"overdue {fmt}"] = cli("overdue", "--format", fmt)
    for fmt in ("text", "json", "github", "gitlab"):
        runs[f"lint {fmt}"] = cli("lint", "--format", fmt)
    for fmt in ("md", "html", "json"):
        runs[f"report {fmt}"] = cli("report", "--since", "2024-01-01", "--format", fmt)
        for pid, _ in made[::7]:
            runs[f"report {pid} {fmt}"] = cli("report", pid, "--format", fmt)
    runs["action list"] = cli("action", "list")
    runs["action list json"] = cli("action", "list", "--json")
    with pytest.MonkeyPatch.context() as patch:  # Rich tables and charts, as on a terminal
        patch.setattr(output, "is_terminal", lambda: True)
        for args in (["report"], ["overdue"], ["action", "list"], ["list"]):
            runs[f"terminal {' '.join(args)}"] = cli(*args)
    for label, result in runs.items():
        # Exit codes: overdue 1 (items and reviews are late); lint 0 (its findings, the
        # unknown keys, are warnings); the reads 0.
        expected = 1 if label.startswith(("overdue", "terminal overdue")) else 0
        assert result.exit_code == expected, f"{label}: {result.exit_code} {result.stderr}"
        assert "Traceback" not in result.stdout + result.stderr, label
        found = RAW_UNSAFE.search(result.stdout)
        assert found is None, f"{label}: raw {found.group()!r} in stdout"
    # Rich markup in owners (overdue's group titles) and services (report's bars) is text.
    for label in ("terminal overdue", "terminal report"):
        shown = "".join(runs[label].stdout.split())
        assert "[/]" in shown and "[bold]x[/]" in shown, label
    # GitHub: each line pm wrote is one whole workflow command; user text starts none.
    for tool in ("overdue", "lint"):
        lines = runs[f"{tool} github"].stdout.splitlines()
        expected = len(json.loads(runs[f"{tool} json"].stdout)["findings"])
        assert len(lines) == expected, f"{tool}: {len(lines)} lines for {expected} findings"
        for line in lines:
            assert GITHUB_COMMAND.fullmatch(line), f"{tool} github: {line!r}"
    # Markdown: tables keep their columns.
    for label in ("overdue markdown", "report md", *(f"report {p} md" for p, _ in made[::7])):
        table_columns(runs[label].stdout, label)
    # HTML: no markup from the files.
    for label in ("report html", *(f"report {p} html" for p, _ in made[::7])):
        assert "<script" not in runs[label].stdout.lower(), label
    # JSON parses and keeps the strings exactly.
    for label in [k for k in runs if k.endswith("json")]:
        data = json.loads(runs[label].stdout)
        strings = set(walk_strings(data))
        if label.startswith(("report 2024", "action list")):
            assert texts & strings, f"{label}: no hostile string came back"
    listed = json.loads(runs["action list json"].stdout)
    assert {text for _, text in made} <= set(walk_strings(listed))
    gitlab = json.loads(runs["lint gitlab"].stdout)
    assert isinstance(gitlab, list)
    assert repo.git("rev-parse", "HEAD") == head and repo.git("status", "--porcelain") == ""


def walk_strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in walk_strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in walk_strings(v)]
    return []
