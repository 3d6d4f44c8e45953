"""What pm writes back: a postmortem's file, laid out as the file was read.

A change edits the model; this turns the model and the document it was read from into the
new bytes, without touching either. The front matter keeps the original text of every value
that did not change (``frontmatter.splice``), the generated blocks are re-rendered
(``markdown.blocks``), and every other byte of the body stays as it was. No I/O: the store
reads and writes.
"""

from __future__ import annotations

from typing import Any

from pm import frontmatter, markdown
from pm.errors import DataError
from pm.frontmatter import Document
from pm.model import Postmortem, from_mapping, to_mapping
from pm.records import replace


def render(
    postmortem: Postmortem, document: Document, blocks: dict[str, str] | None = None
) -> bytes:
    """A file's bytes for ``postmortem``, laid out as ``document`` (the file as read).

    The front matter comes from the model, keeping the original text of what did not change
    (see ``frontmatter.splice``); the generated blocks of the body are re-rendered (or given
    their content from ``blocks``) and every other byte of the body is kept. Pure: neither
    argument is changed.
    """
    front = to_mapping(postmortem)
    yaml_text = _minimal_diff_front(document.front_text, front, postmortem)
    body = document.body
    for name, content in {**markdown.blocks(postmortem), **(blocks or {})}.items():
        body = frontmatter.replace_block(body, name, content, document.newline)
    return frontmatter.render(replace(document, front=front, body=body), yaml_text)


def front_yaml(postmortem: Postmortem, document: Document) -> str:
    """The front matter ``render`` writes for ``postmortem``: YAML text, ``\n`` lines."""
    front = to_mapping(postmortem)
    spliced = _minimal_diff_front(document.front_text, front, postmortem)
    return frontmatter.dump_yaml(front) if spliced is None else spliced


def _minimal_diff_front(
    original: str | None, front: dict[str, Any], postmortem: Postmortem
) -> str | None:
    """The original front matter with only the changed values re-emitted, if that is safe.

    ``front`` is ``postmortem`` as a mapping. None (emit canonically) for new files,
    canonical files, and any splice that does not read back to exactly the new data.
    """
    if original is None:
        return None
    try:
        old = to_mapping(from_mapping(frontmatter.load_yaml(original, "")))
    except DataError:
        return None
    canonical = frontmatter.dump_yaml(old)
    if canonical in (original + "\n", original):
        return None  # already canonical: the canonical output is the minimal diff
    candidate = frontmatter.splice(original, old, front)
    if candidate is None:
        return None
    try:
        if from_mapping(frontmatter.load_yaml(candidate, "")) != postmortem:
            return None
    except DataError:
        return None
    return candidate
