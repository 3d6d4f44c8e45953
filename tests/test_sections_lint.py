"""Prose sections of the body, and where front-matter values are in the file."""

from __future__ import annotations

from pm.frontmatter import locate
from pm.sections import section_text

BODY = """\
<!-- header comment -->

## Summary

<!-- placeholder -->

## Root Cause

The pool was too small.
<!-- a note -->

### Details

```sh
# not a heading
```

## Contributing factors
<!-- only a placeholder -->
"""


def test_section_text_without_comments_up_to_the_next_heading_of_its_level() -> None:
    assert section_text(BODY, "Summary") == ""
    root = section_text(BODY, "root cause")
    assert root.startswith("The pool was too small.\n")
    assert "### Details" in root and "# not a heading" in root
    assert "a note" not in root
    assert section_text(BODY, "Contributing Factors") == ""
    assert section_text(BODY, "Lessons Learned") == ""
    assert section_text(BODY.replace("\n", "\r\n"), "Root Cause").startswith("The pool")


def test_locate_gives_key_and_item_lines_and_duplicates() -> None:
    raw = (
        b"---\nid: x\nreview:\n  due: 2024-01-02\nactions:\n- number: 1\n  text: a\n"
        b"- text: b\n  number: 2\nid: y\n---\nbody\n"
    )
    where = locate(raw)
    assert where.line(("id",)) == 2
    assert where.line(("review", "due")) == 4
    assert where.line(("actions", 0)) == 6
    assert where.line(("actions", 1)) == 8
    assert where.line(("actions", 1, "number")) == 9
    assert where.line(("actions", 5, "text")) == 5  # falls back to the nearest parent
    assert where.duplicates == [(("id",), 10)]


def test_locate_tolerates_what_it_cannot_read() -> None:
    assert locate(b"no front matter").lines == {}
    assert locate(b"---\nid: [\n---\n").lines == {}
    assert locate(b"\xff\xfe").lines == {}
    assert locate("\ufeff---\r\nid: x\r\n---\r\n".encode()).line(("id",)) == 2
