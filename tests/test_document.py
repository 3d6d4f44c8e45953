"""The file format: strict reading, exact round trips, prose kept byte for byte."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo
from pm import frontmatter
from pm.errors import FileFormatError

GOOD = "---\nid: 2024-01-15-x\ntitle: X\nseverity: SEV-1\n---\nbody\n"


def _write(repo: Repo, name: str, content: bytes) -> Path:
    path = repo.path / "postmortems" / "2024" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b"---\nid: [unclosed\n---\n", "invalid YAML", 3),
        (b"no front matter\n", "does not start with a '---' front-matter line", 1),
        (b"---\nid: x\ntitle: never closed\n", "front matter is not closed", 1),
        (b"---\n- a\n- b\n---\n", "front matter must be a mapping of keys, not a list", 2),
        (b"---\n---\n", "front matter must be a mapping of keys, not empty", 2),
        (b"---\ntitle: caf\xe9\n---\n", "not UTF-8 (byte 0xe9)", 2),
        (b"---\na: &x [1]\nb: *x\n---\n", "YAML anchors and aliases are not allowed", 2),
        (b"---\nid: x\n<<<<<<< HEAD\n", "unresolved merge conflict", 3),
        (b"---\nid: x\x00\n---\n", "contains a NUL byte", 2),
        (b"---\nid: x\nid: y\n---\n", "invalid YAML: duplicate key 'id'", 3),
        (
            b"---\nactions:\n- number: 1\n  text: a\n  owner: bob\n  text: b\n---\n",
            "invalid YAML: duplicate key 'text'",
            6,
        ),
    ],
)
def test_broken_files_are_refused_with_file_and_line(
    content: bytes, message: str, line: int
) -> None:
    with pytest.raises(FileFormatError) as caught:
        frontmatter.parse(content, "postmortems/2024/x.md")
    assert caught.value.line == line
    assert message in caught.value.message
    assert caught.value.message.startswith(f"postmortems/2024/x.md:{line}: ")


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 9):
        prev = chr(ord("a") + n - 1)
        name = chr(ord("a") + n)
        lines.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    bomb = ("---\n" + "\n".join(lines) + "\n---\n").encode()
    with pytest.raises(FileFormatError, match="anchors and aliases"):
        frontmatter.parse(bomb, "bomb.md")


def test_oversized_file_is_refused() -> None:
    with pytest.raises(FileFormatError, match="pm reads files up to"):
        frontmatter.parse(b"---\n" + b"x" * (frontmatter.MAX_FILE_BYTES + 1), "big.md")


def test_bom_and_crlf_are_kept() -> None:
    raw = "\ufeff---\r\nid: 2024-01-15-x\r\ntitle: X\r\nseverity: SEV-1\r\n---\r\nProse\r\n"
    doc = frontmatter.parse(raw.encode(), "x.md")
    assert doc.bom and doc.newline == "\r\n"
    assert doc.front == {"id": "2024-01-15-x", "title": "X", "severity": "SEV-1"}
    assert frontmatter.render(doc) == raw.encode()


@pytest.mark.parametrize(
    "value",
    [
        "no",
        "on",
        "yes",
        "off",
        "true",
        "null",
        "~",
        "14:05",
        "0755",
        "0o17",
        "1e3",
        "2024-01-01",
        "*a",
        "&a",
        ": ",
        "#",
        "a #b",
        "a: b",
        "- x",
        "[x]",
        "{x}",
        "'q'",
        '"q"',
        "",
        " lead",
        "trail ",
        "multi\nline",
        "tab\there",
        "\x07bell",
        "\u2028sep",
        "---",
        "...",
        "@home",
        "`tick`",
        "%TAG",
        "!tag",
        "|",
        ">",
        "Straße",
        "日本語",
        "emoji 🔥",
        "C:\\path",
        "a\\nb",
        "2024-01-15-db-pool",
        "Checkout API returns 500s",
    ],
)
def test_strings_round_trip_through_the_emitter(value: str) -> None:
    data = {"title": value, "list": [value], "nested": {"k": value}}
    assert frontmatter.load_yaml(frontmatter.dump_yaml(data), "x.md") == data


def test_emitter_writes_plain_scalars_where_safe() -> None:
    data = {
        "id": "2024-01-15-db-pool",
        "title": "Checkout API returns 500s",
        "at": datetime(2024, 1, 15, 14, 5, tzinfo=UTC),
        "due": date(2024, 2, 1),
        "held": None,
        "empty": [],
        "count": 3,
        "flag": True,
    }
    assert frontmatter.dump_yaml(data) == (
        "id: 2024-01-15-db-pool\n"
        "title: Checkout API returns 500s\n"
        "at: 2024-01-15T14:05:00Z\n"
        "due: 2024-02-01\n"
        "held: null\n"
        "empty: []\n"
        "count: 3\n"
        "flag: true\n"
    )


PROSE = (
    "Hand-written prose: trailing spaces   \n"
    "\ttabs, *markdown*, <b>html</b>, a lone \r carriage return,\n"
    "unicode ✓ and no final newline"
)


def test_prose_outside_markers_survives_every_command(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    path = repo.postmortem_path(opened)
    original = path.read_bytes()
    summary_placeholder = b"<!-- What happened, in two or three sentences"
    head, _, tail = original.partition(summary_placeholder)
    edited = head + PROSE.encode() + b"\n\n" + summary_placeholder + tail + PROSE.encode()
    path.write_bytes(edited)
    repo.git("commit", "-qam", "write the summary")

    cli.ok(
        "event", opened, "Identified the pool limit", "-k", "identified", "--at", "2024-01-15T14:40"
    )
    cli.ok("resolve", opened, "--at", "2024-01-15T15:00")
    after = path.read_bytes()

    def outside(data: bytes) -> bytes:
        # The file minus the front matter and the generated blocks.
        body = data.split(b"\n---\n", 1)[1]
        for name in (b"timeline", b"actions"):
            begin = body.index(b"<!-- pm:begin " + name + b" -->")
            end = body.index(b"<!-- pm:end " + name + b" -->")
            body = body[:begin] + body[end:]
        return body

    assert outside(after) == outside(edited)
    assert after.endswith(PROSE.encode())
    assert b"| 2024-01-15 14:40 | identified | Identified the pool limit |" in after


def test_crlf_file_stays_crlf_after_a_change(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    path = repo.postmortem_path(opened)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    repo.git("commit", "-qam", "convert to CRLF")
    cli.ok("event", opened, "note", "--at", "2024-01-15T14:30")
    data = path.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n")
    assert b"| 2024-01-15 14:30 | note | note |\r\n" in data


def test_list_names_broken_files_and_lists_the_rest(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    _write(repo, "2024-02-01-broken", b"---\ntitle: [oops\n---\n")
    _write(repo, "2024-02-02-latin1", b"---\ntitle: caf\xe9\n---\n")
    _write(
        repo, "2024-02-03-wrongtype", b"---\nid: x\ntitle: t\nseverity: SEV-1\ntimeline: 5\n---\n"
    )
    result = cli("list")
    assert result.exit_code == 3
    assert result.stdout.startswith(opened)
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr.splitlines() == [
        "pm: postmortems/2024/2024-02-01-broken.md:3: invalid YAML: "
        "did not find expected ',' or ']'",
        "pm: postmortems/2024/2024-02-02-latin1.md:2: not UTF-8 (byte 0xe9); "
        "save the file as UTF-8",
        "pm: postmortems/2024/2024-02-03-wrongtype.md:5: timeline: must be a list, not int",
        "pm: 3 postmortem file(s) could not be read",
    ]


def test_a_broken_file_is_never_rewritten(repo: Repo, cli: CliRunnerCall) -> None:
    content = b"---\nid: 2024-02-01-broken\ntitle: [oops\n---\nprose\n"
    path = _write(repo, "2024-02-01-broken", content)
    result = cli("event", "2024-02-01-broken", "hello")
    assert result.exit_code == 3
    assert "invalid YAML" in result.stderr
    assert path.read_bytes() == content


def test_generated_markdown_escapes_user_text(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok(
        "event",
        opened,
        "a | b <!-- pm:end timeline --> [x](http://e) *y*",
        "--at",
        "2024-01-15T14:30",
    )
    text = repo.read(f"postmortems/2024/{opened}.md")
    assert r"| a \| b \<\!-- pm:end timeline --\> \[x\](http://e) \*y\* |" in text
    body = text.split("\n---\n", 1)[1]
    assert body.count("<!-- pm:end timeline -->") == 1


def test_a_merge_that_left_duplicate_keys_is_refused_not_rewritten(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    """Deleting conflict markers can leave one action item with both sides' keys."""
    cli.ok("action", "add", opened, "Raise the pool size", "--owner", "alice")
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8")
    merged = text.replace(
        "  text: Raise the pool size\n",
        "  text: Raise the pool size\n  text: Alert on pool saturation\n",
    )
    path.write_text(merged, encoding="utf-8")
    line = merged[: merged.index("  text: Alert")].count("\n") + 1
    for args in (["show", opened], ["event", opened, "note"], ["list"]):
        result = cli(*args)
        assert result.exit_code == 3, args
        assert f"{opened}.md:{line}: invalid YAML: duplicate key 'text'" in result.stderr
    assert path.read_text(encoding="utf-8") == merged
