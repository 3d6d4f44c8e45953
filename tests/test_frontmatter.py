"""``pm.frontmatter`` called directly: the splitter, the dialect, the emitter, the splice,
the locator and the generated blocks, on the edge cases the CLI tests reach only indirectly.
"""

from __future__ import annotations

import pytest
import yaml

from pm import frontmatter
from pm.errors import FileFormatError
from pm.records import FrozenInstanceError

STR = "tag:yaml.org,2002:str"


def test_every_exported_name_resolves_also_those_loaded_on_first_use() -> None:
    for name in frontmatter.__all__:
        assert getattr(frontmatter, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        frontmatter.nothing  # noqa: B018


# --- the splitter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "front", "body", "front_lines"),
    [
        ("---\na: 1\n---\nbody\n", "a: 1", "body\n", 1),
        ("---\r\na: 1\r\n---\r\nbody\r\n", "a: 1\r", "body\r\n", 1),  # CRLF kept as read
        ("---\na: 1\n...\nbody\n", "a: 1", "body\n", 1),  # "..." closes too
        ("---\na: 1\n---", "a: 1", "", 1),  # no final newline
        ("---\na: 1\n---\r\r\nbody", "a: 1", "body", 1),  # carriage returns after the fence
        ("---\n---\n", "", "", 0),  # an empty front matter splits (the loader refuses it)
        ("---\na: 1\nb: 2\n---\n---\nmore\n", "a: 1\nb: 2", "---\nmore\n", 2),  # first fence
        ("---\na: 1\n--- \n...x\n---\n", "a: 1\n--- \n...x", "", 3),  # not fences
    ],
)
def test_split_cuts_at_the_first_closing_fence(
    text: str, front: str, body: str, front_lines: int
) -> None:
    parts = frontmatter.split(text, "x.md")
    assert (parts.front, parts.body, parts.front_lines) == (front, body, front_lines)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\n---\n", "does not start with a '---' front-matter line"),
        ("---", "does not start with a '---' front-matter line"),  # no line break at all
        (" ---\na: 1\n---\n", "does not start with a '---' front-matter line"),
        ("---\na: 1\n", "front matter is not closed by a '---' line"),
        ("---\na: 1\n----\n", "front matter is not closed by a '---' line"),
    ],
)
def test_split_refuses_files_without_both_fences(text: str, message: str) -> None:
    with pytest.raises(FileFormatError) as caught:
        frontmatter.split(text, "x.md")
    assert caught.value.message == f"x.md:1: {message}"


def test_bytes_with_a_bom_and_crlf_split_like_the_parser() -> None:
    raw = "\ufeff---\r\nid: x\r\ntitle: T\r\n---\r\n## Summary\r\n\r\nProse.\r\n".encode()
    document = frontmatter.parse(raw, "x.md")
    assert document.bom and document.newline == "\r\n"
    assert frontmatter.body_of(raw) == document.body == "## Summary\r\n\r\nProse.\r\n"
    assert frontmatter.yaml_of(raw) == "id: x\ntitle: T" == document.front_text
    assert frontmatter.render(document) == raw


@pytest.mark.parametrize("raw", [b"no fences\n", b"---\na: 1\n", b"---\na: caf\xe9\n---\nb\n"])
def test_unsplittable_bytes_give_no_body_and_no_yaml(raw: bytes) -> None:
    assert frontmatter.split_bytes(raw) is None
    assert frontmatter.body_of(raw) == ""
    assert frontmatter.yaml_of(raw) is None
    assert frontmatter.locate(raw) == frontmatter.FrontMap()
    assert frontmatter.locate_top(raw) == frontmatter.FrontMap()


# --- the dialect: the loader, the composer and the locator agree -------------------------

NUMBERS = "a: 14:05\nb: 0755\nc: 0x1F\nd: 1_000\ne: 1.5\nf: 1e3\ng: 2024-01-15\nh: yes\n"


def test_the_loader_reads_yaml_1_2_numbers() -> None:
    data = frontmatter.load_yaml(NUMBERS, "x.md")
    assert data["a"] == "14:05" and data["b"] == "0755"  # YAML 1.1: 845 and 493
    assert (data["c"], data["d"], data["e"]) == (31, 1000, 1.5)
    assert data["f"] == "1e3"  # no dot: PyYAML's float pattern, kept as it was
    assert str(data["g"]) == "2024-01-15" and data["h"] is True


def test_the_composer_resolves_every_value_as_the_loader_reads_it() -> None:
    data = frontmatter.load_yaml(NUMBERS, "x.md")
    root = frontmatter.compose(NUMBERS)
    assert isinstance(root, yaml.MappingNode)
    for key_node, value_node in root.value:
        key = frontmatter.key_text(key_node)
        assert key is not None
        assert (value_node.tag == STR) == isinstance(data[key], str), key
    tags = {frontmatter.key_text(k): v.tag for k, v in root.value}
    assert tags["a"] == tags["b"] == STR
    # PyYAML's own composer (YAML 1.1), which the locator and splice used before, did not.
    plain = yaml.compose(NUMBERS, Loader=yaml.SafeLoader)
    assert isinstance(plain, yaml.MappingNode)
    assert {k.value: v.tag for k, v in plain.value}["a"] == "tag:yaml.org,2002:int"


def test_compose_answers_none_for_text_that_is_not_yaml() -> None:
    assert frontmatter.compose("a: [unclosed\n") is None


def test_key_text_is_a_scalar_keys_text_only() -> None:
    root = frontmatter.compose('"a": 1\n? [x, y]\n: 2\n')
    assert [frontmatter.key_text(k) for k, _ in root.value] == ["a", None]


@pytest.mark.parametrize(
    ("front", "path", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", ("a",), 4),
        ('a: 1\n"a": 2\n', ("a",), 3),  # quoted or not, one key
        ("t: 14:05\n'14:05': x\n14:05: y\n", ("14:05",), 4),
        ("actions:\n- number: 1\n  text: a\n  text: b\n", ("actions", 0, "text"), 5),
    ],
)
def test_the_loader_and_the_locator_agree_on_duplicate_keys(
    front: str, path: frontmatter.KeyPath, line: int
) -> None:
    raw = f"---\n{front}---\nbody\n".encode()
    with pytest.raises(FileFormatError) as caught:
        frontmatter.parse(raw, "x.md")
    assert "duplicate key" in caught.value.message
    assert caught.value.line == line
    assert frontmatter.locate(raw).duplicates == [(path, line)]


def test_keys_that_differ_in_text_are_not_duplicates_for_either() -> None:
    # YAML 1.1 reads both keys as the number 493; pm reads "0755" and 493.
    raw = b"---\n0755: a\n493: b\n---\n"
    assert frontmatter.parse(raw, "x.md").front == {"0755": "a", 493: "b"}
    where = frontmatter.locate(raw)
    assert where.duplicates == []
    assert where.lines == {("0755",): 2, ("493",): 3}


def test_the_locator_finds_nested_keys_and_items() -> None:
    raw = b"---\nid: x\nactions:\n- number: 1\n  text: a\n- number: 2\n  text: b\n---\n"
    where = frontmatter.locate(raw)
    assert where.line(("actions", 1, "text")) == 7
    assert where.line(("actions", 1, "missing")) == 6  # the nearest located parent
    assert where.line(("nowhere",), default=9) == 9
    assert frontmatter.locate_top(raw).line(("actions", 1)) == 6


def test_aliases_are_refused_with_their_line() -> None:
    with pytest.raises(FileFormatError) as caught:
        frontmatter.load_yaml("a: 1\nb: &x [1]\nc: *x\n", "x.md")
    assert (caught.value.line, "anchors and aliases" in caught.value.message) == (3, True)


# --- the emitter and the splice ----------------------------------------------------------


def test_the_emitter_quotes_what_any_reader_would_misread() -> None:
    data = {"a": "14:05", "b": "0755", "c": "yes", "d": "plain text", "e": 7, "f": None}
    text = frontmatter.dump_yaml(data)
    assert text == 'a: "14:05"\nb: "0755"\nc: "yes"\nd: plain text\ne: 7\nf: null\n'
    assert frontmatter.load_yaml(text, "x.md") == data
    assert yaml.safe_load(text) == data  # YAML 1.1 readers too


HAND = """\
# written by hand
title: Checkout down   # the short title
note: 14:05
services: [api, web]
tags:
  - db
"""


def test_splice_changes_only_the_changed_lines() -> None:
    old = frontmatter.load_yaml(HAND, "x.md")
    new = {**old, "title": "Checkout returns 500s", "tags": ["db", "pool"]}
    spliced = frontmatter.splice(HAND.removesuffix("\n"), old, new)  # as Document has it
    assert spliced == (
        "# written by hand\n"
        "title: Checkout returns 500s\n"
        "note: 14:05\n"
        "services: [api, web]\n"
        "tags:\n"
        "  - db\n"
        "  - pool\n"
    )
    assert frontmatter.load_yaml(spliced, "x.md") == new


def test_splice_adds_new_keys_at_the_end_and_drops_removed_ones() -> None:
    old = frontmatter.load_yaml(HAND, "x.md")
    new = {k: v for k, v in old.items() if k != "services"} | {"impact": "slow"}
    spliced = frontmatter.splice(HAND.removesuffix("\n"), old, new)
    assert spliced is not None
    assert "services" not in spliced and spliced.endswith("  - db\nimpact: slow\n")


@pytest.mark.parametrize("original", ["{a: 1}\n", "a: [unclosed\n", "- a\n"])
def test_splice_declines_layouts_it_cannot_tell(original: str) -> None:
    assert frontmatter.splice(original, {"a": 1}, {"a": 2}) is None


# --- whole files and generated blocks ----------------------------------------------------


def test_a_document_is_a_value() -> None:
    document = frontmatter.parse(b"---\na: 1\n---\nbody\n", "x.md")
    with pytest.raises(FrozenInstanceError):
        document.body = "changed"  # type: ignore[misc]


BODY = (
    "Intro\r\n<!-- pm:begin timeline -->\r\nold\r\n<!-- pm:end timeline -->\r\n"
    "Outro <!-- pm:end actions -->\r\n"
)


def test_blocks_are_found_replaced_and_read_between_their_markers() -> None:
    begin, end = frontmatter.block_markers("timeline")
    assert (begin, end) == ("<!-- pm:begin timeline -->", "<!-- pm:end timeline -->")
    span = frontmatter.find_block(BODY, "timeline")
    assert span is not None and BODY[span[0] : span[1]] == "\r\nold\r\n"
    assert frontmatter.block_content(BODY, "timeline") == "old"
    replaced = frontmatter.replace_block(BODY, "timeline", "| a |\n| b |", "\r\n")
    assert replaced == BODY.replace("\r\nold\r\n", "\r\n\r\n| a |\r\n| b |\r\n\r\n")
    assert frontmatter.block_content(replaced, "timeline") == "| a |\n| b |"


def test_a_block_without_both_markers_is_left_alone() -> None:
    assert frontmatter.find_block(BODY, "actions") is None  # an end marker alone
    assert frontmatter.block_content(BODY, "actions") is None
    assert frontmatter.replace_block(BODY, "actions", "table", "\n") == BODY
