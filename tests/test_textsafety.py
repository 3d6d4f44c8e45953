"""Each text-safety policy, tested directly against the hostile corpus.

The oracles here do not reuse pm's character sets: controls are Unicode's category Cc,
line breaks what ``str.splitlines`` breaks at, bidi controls Unicode's Bidi_Control list,
markdown is parsed by markdown-it and JSON by ``json``. The end-to-end tests
(test_hostile_input.py) send the same corpus through every command.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable

import pytest
from markdown_it import MarkdownIt

from hostile import HOSTILE
from pm import textsafety
from pm.errors import UsageError

BMP = [chr(code) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF]
# Unicode's PropList.txt, Bidi_Control: ALM, LRM, RLM, LRE..RLO, LRI..PDI.
BIDI_CONTROL = {"\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F))} | {
    *map(chr, range(0x2066, 0x206A))
}
# Every control, separator and bidi character at once, and each corpus string padded.
EVERYTHING = "".join(c for c in BMP if unicodedata.category(c) in ("Cc", "Zl", "Zp")) + "".join(
    sorted(BIDI_CONTROL)
)
CORPUS = [
    *HOSTILE,
    ("everything", EVERYTHING),
    ("padded", f" \t{EVERYTHING}\n "),
    ("tab-only-inside", "a\tb"),
    ("cell-escaped-pipe", "a \\| b"),
    ("entity", "&amp; &lt;x&gt; &#124;"),
]


def corpus() -> list[object]:
    return [pytest.param(text, id=name) for name, text in CORPUS]


def is_control(c: str) -> bool:
    return unicodedata.category(c) == "Cc"


def is_line_break(c: str) -> bool:
    return len(f"a{c}b".splitlines()) == 2


def acts(c: str) -> bool:
    """What no terminal, log or rendered page may receive raw (TAB aside)."""
    return (is_control(c) and c != "\t") or is_line_break(c) or c in BIDI_CONTROL


def raw(text: str) -> set[str]:
    return {c for c in text if acts(c)}


# --- the named sets -------------------------------------------------------------------------


def test_named_sets_are_what_their_names_say() -> None:
    assert {c for c in BMP if is_control(c)} == textsafety.C0 | textsafety.DEL | textsafety.C1
    assert {c for c in BMP if is_line_break(c)} == textsafety.LINE_BREAKS
    assert {c for c in BMP if unicodedata.category(c) in ("Zl", "Zp")} == textsafety.LINE_SEPARATORS
    assert textsafety.BIDI_CONTROLS == BIDI_CONTROL
    assert {unicodedata.bidirectional(c) for c in textsafety.BIDI_EMBEDDINGS} == {
        "LRE",
        "RLE",
        "PDF",
        "LRO",
        "RLO",
    }
    assert {unicodedata.bidirectional(c) for c in textsafety.BIDI_ISOLATES} == {
        "LRI",
        "RLI",
        "FSI",
        "PDI",
    }


@pytest.mark.parametrize(
    "name",
    [n for n in dir(textsafety) if n.isupper() and isinstance(getattr(textsafety, n), frozenset)],
)
def test_each_set_becomes_a_character_class_of_exactly_its_characters(name: str) -> None:
    chars: frozenset[str] = getattr(textsafety, name)
    pattern = re.compile(textsafety.char_class(chars))
    assert {c for c in BMP if pattern.fullmatch(c)} == chars & set(BMP)
    negated = re.compile(textsafety.char_class(chars, negate=True))
    assert {c for c in BMP if not negated.fullmatch(c)} == chars & set(BMP)


# --- input checks ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", corpus())
def test_one_line_is_stripped_printable_and_bounded_or_refused(text: str) -> None:
    try:
        line = textsafety.check_line(text, "owner", 100)
    except UsageError as error:
        assert "\n" not in error.message and error.message.startswith("the owner ")
        assert (
            not text.strip()
            or len(text.strip()) > 100
            or any(is_control(c) or is_line_break(c) for c in text.strip())
            or any(c in textsafety.BIDI_EMBEDDINGS | textsafety.BIDI_ISOLATES for c in text)
        ), "refused a printable line"
        return
    assert line == text.strip() and 0 < len(line) <= 100
    assert len(line.splitlines()) == 1
    assert not any(is_control(c) for c in line)
    assert raw(line) <= textsafety.BIDI_MARKS  # right-to-left titles keep their marks


def refuses(check: Callable[[str], str], text: str) -> bool:
    try:
        check(text)
    except UsageError:
        return True
    return False


def test_one_line_refuses_exactly_controls_breaks_and_reordering_bidi() -> None:
    def one_line(text: str) -> str:
        return textsafety.check_line(text, "title", 100)

    refused = {c for c in BMP if refuses(one_line, f"a{c}b")}
    reordering = BIDI_CONTROL - {"\u061c", "\u200e", "\u200f"}
    assert refused == {c for c in BMP if is_control(c) or is_line_break(c) or c in reordering}


def test_free_text_refuses_exactly_controls_but_tab_and_newline() -> None:
    def free_text(text: str) -> str:
        return textsafety.check_text(text, "impact", 100)

    refused = {c for c in BMP if refuses(free_text, f"a{c}b")}
    assert refused == {c for c in BMP if (is_control(c) and c not in "\t\n") or c in "\u2028\u2029"}


def message(call: Callable[[], str]) -> str:
    with pytest.raises(UsageError) as refused:
        call()
    return refused.value.message


def test_one_line_messages() -> None:
    assert message(lambda: textsafety.check_line(" \t", "owner", 100)) == "the owner is empty"
    assert textsafety.check_line(" ", "reason", 100, required=False) == ""
    title = message(lambda: textsafety.check_line("", "title", 100, empty="give a title"))
    assert title == "give a title"
    assert message(lambda: textsafety.check_line("a\u2028b", "owner", 100)) == (
        "the owner must be one line without control characters"
    )
    assert message(lambda: textsafety.check_line("x" * 101, "owner", 100)) == (
        "the owner is 101 characters; keep it under 100"
    )


@pytest.mark.parametrize("text", corpus())
def test_free_text_keeps_newlines_and_tabs_only(text: str) -> None:
    try:
        kept = textsafety.check_text(text, "event text", 10_000)
    except UsageError as error:
        assert "\n" not in error.message and error.message.startswith("the event text ")
        assert len(text.strip()) > 10_000 or any(
            (is_control(c) and c not in "\t\n") or c in "\u2028\u2029" for c in text.strip()
        ), "refused printable text"
        return
    assert kept == text.strip()
    assert not any(is_control(c) and c not in "\t\n" for c in kept)
    assert "\u2028" not in kept and "\u2029" not in kept


# --- outputs --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", corpus())
def test_terminal_shows_every_acting_character_as_an_escape(text: str) -> None:
    shown = textsafety.terminal(text)
    assert raw(shown) == set()
    assert shown == "".join(
        c.encode("unicode_escape").decode("ascii") if acts(c) else c for c in text
    )


@pytest.mark.parametrize("text", corpus())
def test_json_escapes_are_inert_and_keep_the_data(text: str) -> None:
    document = textsafety.json_inert(json.dumps({"title": text}, indent=2, ensure_ascii=False))
    assert raw(document.replace("\n", "")) == set()  # json's own indentation aside
    assert json.loads(document) == {"title": text}


def runner_decode(value: str) -> str:
    """How the Actions runner reads a workflow command's escaped message back."""
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


@pytest.mark.parametrize("text", corpus())
def test_ci_log_value_stays_on_its_line(text: str) -> None:
    for value in (textsafety.ci_log(text), textsafety.ci_log_property(text)):
        assert raw(value) == set()
        assert len(f"::error::{value}".splitlines()) == 1  # never a command of its own
    assert ":" not in textsafety.ci_log_property(text).replace("%3A", "")
    assert "," not in textsafety.ci_log_property(text).replace("%2C", "")
    if not raw(text.replace("\n", "").replace("\r", "")):
        assert runner_decode(textsafety.ci_log(text)) == text  # the reader sees the text


MARKDOWN = MarkdownIt("commonmark").enable("table")


@pytest.mark.parametrize("text", corpus())
def test_markdown_cell_is_one_cell_of_plain_text(text: str) -> None:
    cell = textsafety.markdown_cell(text)
    assert raw(cell) == set() and "\t" not in cell
    rendered = MARKDOWN.render(f"| a | b |\n| --- | --- |\n| {cell} | end |\n")
    body = rendered[rendered.index("<tbody>") :]
    cells = re.findall(r"<td>(.*?)</td>", body, re.DOTALL)
    assert len(cells) == 2 and cells[1] == "end", rendered  # the cell did not end early
    assert "<" not in cells[0], f"markup in {cells[0]!r}"  # no link, emphasis or raw HTML
    # What a reader sees: whitespace runs one space, controls and bidi gone, nothing else lost.
    spaced = re.sub("[\r\n\t\v\f\u2028\u2029]+", " ", text)
    visible = "".join(c for c in spaced if not is_control(c) and c not in BIDI_CONTROL)
    assert html.unescape(cells[0]) == visible.strip()


@pytest.mark.parametrize("text", corpus())
def test_template_value_prints_no_acting_character(text: str) -> None:
    value = textsafety.template_value(text)
    assert raw(value.replace("\n", "")) == set()
    kept = [c for c in text if not (is_control(c) and c not in "\t\n") and c not in BIDI_CONTROL]
    assert value == "".join(" " if c in "\u2028\u2029" else c for c in kept)


@pytest.mark.parametrize("text", corpus())
@pytest.mark.parametrize("limit", [3, 24, 40, 60])
def test_mermaid_label_cannot_leave_its_quotes(text: str, limit: int) -> None:
    label = textsafety.mermaid_label(text, limit)
    assert re.fullmatch(r"[A-Za-z0-9 _.,/+()-]+", label), label
    assert 0 < len(label) <= max(limit, 3) and label == label.strip()
    assert "%%" not in label and '"' not in label and ":" not in label


@pytest.mark.parametrize("text", corpus())
def test_commit_line_is_one_line_git_log_prints_safely(text: str) -> None:
    line = textsafety.commit_line(text)
    assert raw(line) == set()
    assert line == " ".join(line.split())  # whitespace runs are one space, none at the ends
    assert len(f"subject\n\n{line}\n".split("\n\n")) == 2  # no blank line: no fake trailer
