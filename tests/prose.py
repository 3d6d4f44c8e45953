"""Writing the prose sections of a postmortem in tests, as a person would in an editor."""

from __future__ import annotations

from pathlib import Path


def fill_sections(path: Path, sections: dict[str, str]) -> None:
    """Put ``text`` on the line after each ``## Heading``, leaving the placeholder comment."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for heading, text in sections.items():
        index = lines.index(f"## {heading}")
        lines.insert(index + 1, f"\n{text}")
    path.write_text("\n".join(lines), encoding="utf-8")


COMPLETE = {
    "Summary": "Checkout failed for two hours because the connection pool was exhausted.",
    "Root Cause": "The pool size was fixed at 10 while traffic doubled.",
    "Contributing Factors": "No alert on pool saturation.",
}
