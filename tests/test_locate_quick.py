"""``frontmatter.locate_top``: the quick line scan must agree with composing the YAML.

It answers only for top-level keys and their list items (what ``pm overdue`` points at);
wherever a line break could hide inside a value it must fall back to ``locate``. Each case
compares it with ``locate`` on the same bytes.
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CliRunnerCall, Repo
from pm import frontmatter
from pm.frontmatter import lines as scanner
from pm.workspace import Workspace


def top_level(where: frontmatter.FrontMap) -> dict[frontmatter.KeyPath, int]:
    return {
        key: line
        for key, line in where.lines.items()
        if len(key) == 1 or (len(key) == 2 and isinstance(key[1], int))
    }


def agrees(front: str, *, crlf: bool = False, bom: bool = False) -> frontmatter.FrontMap | None:
    text = f"---\n{front}---\nbody\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    raw = (("\ufeff" if bom else "") + text).encode()
    quick = frontmatter.locate_top(raw)
    assert top_level(quick) == top_level(frontmatter.locate(raw))
    scanned = frontmatter.yaml_of(raw)
    assert scanned is not None
    return scanner._scan_top(scanned)  # None: it fell back to composing


CANONICAL = """id: 2024-01-15-x
title: "A: quoted title"
services:
- api
# a comment
tags: []
review:
  due: 2024-01-20
  held: null
actions:
- number: 1
  text: it's fine
  owner: ana

- number: 2
  text: 'single ''quoted'''
  extra:
  - nested
  - list
timeline:
  - at: 2024-01-15T10:00:00Z
    text: "escaped \\" quote"
  - at: 2024-01-15T11:00:00Z
    kind: note
"""


def test_canonical_front_matter_is_scanned_not_composed() -> None:
    scanned = agrees(CANONICAL)
    assert scanned is not None
    assert scanned.line(("actions", 1)) == 16
    assert scanned.line(("timeline", 1)) == 24
    assert scanned.line(("review",)) == 8
    assert agrees(CANONICAL, crlf=True, bom=True) is not None


@pytest.mark.parametrize(
    "front",
    [
        # Line breaks inside a value put "- " or "key:" at column 0.
        'title: "two\n- lines"\nactions:\n- number: 1\n',
        "title: 'two\nactions: lines'\nactions:\n- number: 1\n",
        'actions:\n- text: "open\n- quoted"\n- number: 2\n',
        "actions: [1,\n2]\ntags:\n- a\n",
        "actions: {a: 1,\nb: 2}\ntags:\n- a\n",
        "actions:\n- [1,\n- 2]\n",
        # Unusual forms: anchors, tags, explicit keys, quoted keys, items on the next line.
        "actions:\n-\n  number: 1\n- number: 2\n",
        '"actions":\n- number: 1\n',
        "? actions\n: - 1\n",
        "actions: !!seq\n- 1\n",
        "actions: # late\n- number: 1\n",
        'actions:\n- text: x # "a comment\n- number: 2\n',
        "title: |\n  - not an item\n  key: no\nactions:\n- number: 1\n",
        "review:\n  due: 2024-01-01\n  list:\n  - a\n",
        "actions:\n- # a comment\n  number: 1\n",
        "actions:\n- x\n-   \n  number: 2\n",
    ],
)
def test_risky_front_matter_falls_back_or_agrees(front: str) -> None:
    agrees(front)


def test_each_risky_line_break_forces_the_fallback() -> None:
    assert agrees('title: "two\n- lines"\nactions:\n- number: 1\n') is None
    assert agrees("actions: [1,\n2]\ntags:\n- a\n") is None
    assert agrees("actions:\n-\n  number: 1\n") is None


WORDS = st.sampled_from(
    ["a", "b: c", "- d", '"e', "'f", "g'", "[h", "i]", "{j", "k}", "#l", "|", ">", "", " ",
     "x: 'y''", 'z: "w\\"', "n:", "&a", "*a", "m: [1, 2]", "-x:", "a#b:", "- -", "? q", "-"]
)  # fmt: skip


@pytest.mark.slow  # property-based
@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0, 0, 0, 1, 2, 4]), st.lists(WORDS, max_size=3))))
def test_any_front_matter_agrees_with_composing(lines: list[tuple[int, list[str]]]) -> None:
    """Random lines of YAML-ish text: wherever YAML can compose them, the lines agree."""
    front = "".join(" " * indent + " ".join(words) + "\n" for indent, words in lines)
    try:
        yaml.compose(front, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return  # pm refuses such a file before anything asks for its lines
    agrees(front)


def test_read_body_matches_the_parsed_body(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    """``Store.read_body`` splits the body off the bytes as ``read`` does, BOM and CRLF too."""
    path = repo.postmortem_path(opened)
    text = path.read_text(encoding="utf-8") + "\n## Root Cause\n\nA pool ran dry.\n"
    path.write_bytes(("\ufeff" + text).replace("\n", "\r\n").encode())
    store = Workspace.load().store
    body = store.read_body(path)
    assert body == store.read(path).document.body
    assert body.endswith("A pool ran dry.\r\n")
    assert store.file_bytes(path) == path.read_bytes()
    path.unlink()
    assert store.read_body(path) == "" and store.file_bytes(path) == b""
