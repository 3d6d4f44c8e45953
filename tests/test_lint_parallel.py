"""``pm lint`` in worker processes (``--jobs``): the same output as one process, byte for
byte, on a repository with findings of many kinds; the owners' quick scan checked by the
parse; one YAML parse per file giving the values and their lines; Ctrl-C and errors."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, git, pm_command

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # benchmarks/ is a package at the repository root

from benchmarks import generate  # noqa: E402

from pm import frontmatter  # noqa: E402
from pm.errors import PmError  # noqa: E402
from pm.lint.blameless import PATTERNS  # noqa: E402
from pm.owners import scanned  # noqa: E402


def _files(root: Path, count: int) -> list[Path]:
    """``count`` postmortems as pm writes them (the benchmarks' generator), written."""
    written = []
    for relative, data, _when, _message in generate.files(count, root):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_bytes().decode("utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_bytes(text.replace(old, new, 1).encode("utf-8"))


@pytest.fixture
def varied(repo: Repo) -> Repo:
    """Sixty postmortems, committed, then a finding of a different kind in many of them."""
    files = _files(repo.path, 60)
    git(repo.path, "add", "-A")
    git(repo.path, "commit", "--quiet", "-m", "postmortems")
    _edit(files[1], "## Summary\n\n", "## Summary\n\nFrank forgot to renew the certificate.\n")
    _edit(files[2], "\nseverity:", "\ncolour: red\nseverity:")  # an unknown key
    _edit(files[3], "\ntitle: ", "\ntitle: [unclosed\nsummary: ")  # broken YAML
    _edit(files[4], "\nseverity:", "\ntitle: again\nseverity:")  # a key given twice
    files[5].write_bytes(files[5].read_bytes().replace(b"## Summary", b"## Summary\x00"))
    files[6].write_bytes(files[6].read_bytes() + b"\xff\xfe")  # not UTF-8
    _edit(files[7], "kind: started", "kind: detected")  # no started event, order
    _edit(files[8], "| Incident opened |", "| Incident opened (typed) |")  # inside a table
    _edit(files[9], "status: closed", "status: reviewed")
    _edit(files[10], "## Root Cause\n\n", "## Root Cause\n\nThe engineer made a typo.\n")
    _edit(files[11], "  text: ", "  text: Human error by the operator. ")  # in an item's text
    # An owner the quick scan cannot read (a YAML escape), named in another file's prose:
    # only the parse knows "Zed Quinn", and lint must judge with that name.
    _edit(files[12], "  owner: ", '  owner: "Zed\\u0020Quinn"\n  was: ')
    _edit(files[13], "## Summary\n\n", "## Summary\n\nZed forgot to drain the node.\n")
    files[14].write_bytes(files[14].read_bytes().replace(b"\n", b"\r\n"))  # CRLF, still fine
    _edit(files[15], "## Summary\n\n", "## Summary\n\nShe deleted the wrong directory.\n")
    twin = files[16].with_name(files[16].stem.upper() + ".md")  # one file on macOS
    twin.write_bytes(files[16].read_bytes().replace(files[16].stem.encode(), twin.stem.encode()))
    (files[0].parent / "notes.md").write_text("# Meeting notes\n", encoding="utf-8")
    (repo.path / "postmortems" / "stray.md").write_bytes(files[17].read_bytes())
    return repo


FORMATS = (
    ["--format", "text"],
    ["--format", "json"],
    ["-f", "github", "--strict"],
    ["-f", "gitlab"],
)


@pytest.mark.parametrize("args", FORMATS, ids=" ".join)
def test_pooled_output_is_the_single_process_output(
    varied: Repo, cli: CliRunnerCall, args: list[str]
) -> None:
    one = cli("lint", "--jobs", "1", *args)
    assert one.exit_code == 1, one.stderr
    for jobs in ("2", "3"):
        pooled = cli("lint", "--jobs", jobs, *args)
        assert (pooled.exit_code, pooled.stdout, pooled.stderr) == (
            one.exit_code,
            one.stdout,
            one.stderr,
        )


def test_the_findings_are_of_many_kinds_and_names_come_from_the_parse(
    varied: Repo, cli: CliRunnerCall
) -> None:
    """Guards the comparison above: the repository really has findings of many rules, in
    many files, and the owner only the parse reads is a known name (``Zed``)."""
    report = json.loads(cli("lint", "--jobs", "2", "--format", "json").stdout)
    rules = {f["rule"] for f in report["findings"]}
    assert len(rules) >= 10, rules
    assert len({f["path"] for f in report["findings"]}) >= 14
    messages = [f["message"] for f in report["findings"]]
    assert any(m.startswith('"Zed forgot') for m in messages), messages
    assert any(m.startswith('"Frank forgot') for m in messages), messages


def test_jobs_must_not_be_negative(varied: Repo, cli: CliRunnerCall) -> None:
    result = cli("lint", "--jobs", "-1")
    assert (result.exit_code, result.stderr) == (
        2,
        "pm: --jobs must be 0 (every core) or more, not -1\n",
    )


def test_a_worker_error_is_reported_not_swallowed(
    varied: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pm.lint import onefile

    def broken(*args: object) -> None:
        raise RuntimeError("a rule broke")

    monkeypatch.setattr(onefile, "_lint_document", broken)  # forked workers inherit it
    result = cli("lint", "--jobs", "2")
    assert result.exit_code == 70
    assert "internal error: RuntimeError: a rule broke" in result.stderr
    assert result.stdout == ""


def test_the_quick_owner_scan_matches_the_parse_on_what_pm_writes(tmp_path: Path) -> None:
    for path in _files(tmp_path, 120):
        raw = path.read_bytes()
        actions = frontmatter.parse(raw, path.name).front.get("actions") or []
        assert scanned(raw) == {str(a["owner"]) for a in actions if a.get("owner")}


def test_keywords_survive_the_white_space_the_candidate_test_folds() -> None:
    """``Checker.candidates`` folds runs of white space into one space: sound only while
    every keyword is lower case with single spaces and no other white space."""
    for pattern in PATTERNS:
        for word in pattern.keywords:
            assert word == " ".join(word.split()) == word.lower(), (pattern.id, word)


WEIRD = [
    "id: a\ntitle: b\n",
    "id: a\nid: b\n",
    "id: a\nactions:\n- number: 1\n  number: 2\n",
    "id: a\nx: &anchor 1\ny: *anchor\n",
    "id: a\ntitle: '**bold**'\n",
    "id: a\ndue: 2024-13-01\n",
    "id: a\ntitle: [unclosed\n",
    "- a\n- b\n",
    "",
    "id: a\n\ttitle: tab\n",
    "id: a\ntimeline:\n- {at: 2024-01-01T10:00:00Z, kind: started, text: x}\n",
    "id: a\n? [complex]\n: key\n",
    "id: a\ntext: |\n  line one\n  line two\nafter: 1\n",
    "id: a\r\ntitle: crlf\r\nlist:\r\n- 1\r\n",
    "id: a\ntime: 14:05\nmode: 0755\n",
    "id: a\n---\nsecond: document\n",
    'id: "a\\u0000"\n',
    "id: a\nbase: {x: 1}\nmerged:\n  <<: {y: 2}\n  z: 3\n",
    "id: a\n=: value\n",
    "id: a\nn: !!str 1\ns: !!set {a, b}\nb: !!binary aGk=\n",
    "id: a\nc: !custom x\n",
    "id: a\nyes: 1\ntrue: 2\n1: a\n0x1: b\nnull: c\n~: d\n",
    "id: a\nf: 1.5\ng: .inf\nh: 1_000\ni: -0x1F\nj: 2024-01-15T14:05:00Z\nk: 2024-01-15\n",
    "id: a\nactions:\n- {number: 1, owner: [x]}\n- number: 2\n  owner:\n    name: y\n",
    "id: a\n[1, 2]: x\n",
    "id: a\nreview:\n  due: 2024-01-01\n  due: 2024-01-02\n",
]


@pytest.mark.parametrize("front", WEIRD)
def test_one_parse_gives_what_parse_and_locate_give(front: str) -> None:
    raw = f"---\n{front}---\n\nbody\n".encode()

    def outcome(read: object) -> object:
        try:
            return read()  # type: ignore[operator]
        except PmError as error:
            return (type(error).__name__, error.message)

    def separately() -> object:
        document = frontmatter.parse_postmortem(raw, "f.md")
        where = frontmatter.locate(raw)
        return document, where.lines, where.duplicates

    def together() -> object:
        document, where = frontmatter.parse_located(raw, "f.md")
        return document, where.lines, where.duplicates

    assert outcome(together) == outcome(separately)


@pytest.mark.slow
def test_ctrl_c_stops_the_workers_and_exits_130(tmp_path: Path) -> None:
    target = tmp_path / "big"
    generate.build(target, 1500)
    process = subprocess.Popen(
        [*pm_command(), "lint", "--jobs", "2"],
        cwd=target,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job is
    )
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")

    def workers_now() -> list[str]:
        """pm's children that are its workers (not the git it runs for the authors)."""
        found = []
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                if b"git" not in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]:
                    found.append(pid)
        return found

    deadline = time.monotonic() + 60
    while not workers_now() and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = workers_now()
    assert workers, "no workers started"
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout, stderr) == (130, "", "pm: interrupted\n")
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid), f"worker {pid} left"


def _state(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"
