"""A postmortem's body on its page, and as text for the search index.

The body is rendered as the author wrote it (``pm.prose_html``), except the blocks pm
generates (between ``<!-- pm:begin NAME -->`` and ``<!-- pm:end NAME -->``): the page
draws those from the front matter instead (the timeline as a chart and a table, the action
items with their status), in the same place. A block the body does not have is drawn after
the prose by the page template.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pm.prose_html import LinkPolicy, Page, ProseRenderer

BLOCKS = ("timeline", "actions")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_SPACES = re.compile(r"\s+")


def _spans(body: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of each generated block, markers included, in body order."""
    from pm.frontmatter import block_markers, find_block

    found = []
    for name in BLOCKS:
        inner = find_block(body, name)
        if inner is not None:
            begin, end = block_markers(name)
            found.append((inner[0] - len(begin), inner[1] + len(end), name))
    found.sort()
    return [span for n, span in enumerate(found) if n == 0 or span[0] >= found[n - 1][1]]


def render_body(
    renderer: ProseRenderer,
    body: str,
    policy: LinkPolicy,
    block: Callable[[str], str],
) -> tuple[str, set[str]]:
    """The body as HTML with ``block(name)`` in place of each generated block.

    Returns the HTML and the names of the blocks the body had.
    """
    page = Page()
    parts: list[str] = []
    placed: set[str] = set()
    position = 0
    for start, end, name in _spans(body):
        parts.append(renderer.render(body[position:start], policy, page=page))
        parts.append(block(name))
        placed.add(name)
        position = end
    parts.append(renderer.render(body[position:], policy, page=page))
    return "".join(parts), placed


def search_text(body: str) -> str:
    """The prose of a body for full-text search: no comments, no generated blocks."""
    kept = []
    position = 0
    for start, end, _name in _spans(body):
        kept.append(body[position:start])
        position = end
    kept.append(body[position:])
    return _SPACES.sub(" ", _COMMENT.sub(" ", "".join(kept))).strip()
