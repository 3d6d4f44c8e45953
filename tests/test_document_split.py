"""The faster front-matter split and conflict check give exactly the old answers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pm import frontmatter
from pm.errors import FileFormatError
from pm.frontmatter import document

_OLD_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.MULTILINE)


def old_split(text: str) -> tuple[str, str, int] | None:
    """The original line-by-line split, kept here as the reference."""
    first, sep, rest = text.partition("\n")
    if first.rstrip("\r") != "---" or not sep:
        return None
    lines = rest.split("\n")
    for index, line in enumerate(lines):
        if line.rstrip("\r") in ("---", "..."):
            return "\n".join(lines[:index]), "\n".join(lines[index + 1 :]), index
    return None


def new_split(text: str) -> tuple[str, str, int] | None:
    try:
        return tuple(frontmatter.split(text, "x.md"))  # type: ignore[return-value]
    except FileFormatError:
        return None


PIECES = ["---", "...", "\r", "\n", "a: 1", " ", "-", ".", "=======", "<<<<<<< x", ">>>>>>>"]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@pytest.mark.slow  # property-based
@given(texts)
def test_split_matches_the_line_by_line_reference(body: str) -> None:
    for text in (body, "---\n" + body, "---\r\n" + body):
        assert new_split(text) == old_split(text)


@pytest.mark.slow  # property-based
@given(texts)
def test_conflict_precheck_never_hides_a_marker(text: str) -> None:
    if _OLD_CONFLICT.search(text):
        assert document._may_conflict(text)


@pytest.mark.parametrize(
    "text",
    [
        "---\na: 1\n---\nbody\n",
        "---\na: 1\n...\n",
        "---\n---\n",
        "---\na: 1\n---",
        "---\r\na: 1\r\n---\r\nbody\r\n",
        "---\na: 1\n--- \nstill front\n---\nbody",
    ],
)
def test_split_examples(text: str) -> None:
    assert new_split(text) == old_split(text) is not None
