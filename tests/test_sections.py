"""section_text: the one definition of a filled prose section (review now, lint later)."""

from __future__ import annotations

from pm.sections import is_filled, section_text

BODY = """<!-- intro comment -->

## Summary

<!-- What happened, in two or three sentences. -->

## Root Cause

The nightly reconciliation query held table locks.
<!-- a note -->

### Detail

It ran for 40 minutes.

## contributing   factors
<!--
  multi-line placeholder
-->

```sh
## not a heading
```

## What Went Poorly
"""


def test_placeholder_only_is_empty() -> None:
    assert section_text(BODY, "Summary") == ""
    assert not is_filled(BODY, "Summary")


def test_text_runs_to_the_next_heading_of_the_same_level() -> None:
    assert section_text(BODY, "Root Cause") == (
        "The nightly reconciliation query held table locks.\n\n\n### Detail\n\n"
        "It ran for 40 minutes."
    )


def test_headings_match_case_and_space_insensitively_and_code_is_text() -> None:
    assert section_text(BODY, "Contributing Factors") == "```sh\n## not a heading\n```"


def test_missing_and_last_sections() -> None:
    assert section_text(BODY, "Lessons Learned") == ""
    assert section_text(BODY, "What Went Poorly") == ""
    assert section_text("## Summary\r\nText\r\n## Impact\r\n", "summary") == "Text"
    assert section_text("## Summary\n<!-- unterminated", "Summary") == ""
