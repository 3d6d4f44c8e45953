"""The prose people write, rendered from markdown to HTML that can never carry their markup.

One renderer for the site and the HTML reports: markdown-it-py (CommonMark, plus tables
and strikethrough). Text from a postmortem file is data:

- Raw HTML is never passed through. An HTML comment (the template's notes, pm's block
  markers) is dropped; any other tag is shown as the text it is, and markdown inside an
  HTML block is rendered as if the tag were plain text (as with markdown-it's ``html``
  option off).
- A link keeps its target only when it is ``http``, ``https`` or ``mailto``, a fragment
  (``#root-cause``), or a relative path that ``LinkPolicy.link`` resolves (a postmortem's
  page, a file of the repository); anything else (``javascript:``, ``data:``, a path out
  of the repository) leaves the link text alone, without a link.
- An image is drawn only from a relative path that ``LinkPolicy.image`` resolves (a copy
  inside the site); an image on the web becomes a link to it, so a page never fetches
  anything from elsewhere.
- Headings start at ``first_level`` (the page title is the h1) and never skip a level;
  each gets an ``id`` from its text (``Root Cause`` -> ``root-cause``), unique on the page.

markdown-it is imported when the first renderer is built, never at start-up.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from pm.records import datarecord, field

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# (path relative to the repository root, fragment without '#') -> an href, or None
Resolver = Callable[[str, str], str | None]

SAFE_SCHEMES = ("http", "https", "mailto")
_SLUG_DROP = re.compile(r"[^\w\- ]+")


@datarecord(frozen=True)
class LinkPolicy:
    """Where relative links and images in one file's prose point.

    ``source`` is the file's path relative to the repository root (``postmortems/2024/
    x.md``), against which relative targets are resolved; ``/docs/x.md`` is taken from the
    repository root, as GitHub and GitLab do.
    """

    source: str = ""
    link: Resolver | None = None
    image: Resolver | None = None


@datarecord
class Page:
    """Heading ids already used on one HTML page (prose may be rendered in several parts)."""

    ids: set[str] = field(default_factory=set)
    level: int = 1  # the level of the last heading rendered (the page title is h1)


def repository_path(source: str, target: str) -> str | None:
    """The repository-relative path a relative link in ``source`` names; None when outside."""
    path = unquote(target)
    if "\\" in path or any(ord(c) < 32 for c in path):
        return None
    base = "" if path.startswith("/") else posixpath.dirname(source)
    joined = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
    if joined in (".", "") or joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    return joined


def slug(text: str) -> str:
    """A GitHub-like anchor: lower case, punctuation dropped, spaces as hyphens."""
    return _SLUG_DROP.sub("", text.strip().lower()).replace(" ", "-") or "section"


class ProseRenderer:
    """Build once (markdown-it compiles its rules), render many files."""

    def __init__(self) -> None:
        from markdown_it import MarkdownIt

        self._md: MarkdownIt = self._build(MarkdownIt, raw_html=True)
        # Markdown that sat inside an HTML block is rendered with HTML off: tags as text.
        self._plain: MarkdownIt = self._build(MarkdownIt, raw_html=False)

    def _build(self, factory: Any, *, raw_html: bool) -> MarkdownIt:
        md: MarkdownIt = factory("commonmark", {"html": raw_html, "linkify": False})
        md.enable(["table", "strikethrough"])
        md.validateLink = _not_a_script  # type: ignore[method-assign]
        rules: dict[str, Callable[..., str]] = {
            "html_block": self._html_block,
            "html_inline": _html_inline,
            "link_open": _link_open,
            "link_close": _link_close,
            "image": _image,
            "table_open": lambda *_: '<div class="table-wrap"><table>\n',
            "table_close": lambda *_: "</table></div>\n",
        }
        md.renderer.rules.update(rules)  # type: ignore[attr-defined] # rule(tokens, idx, options, env)
        return md

    def render(
        self,
        text: str,
        policy: LinkPolicy | None = None,
        *,
        first_level: int = 2,
        page: Page | None = None,
    ) -> str:
        """HTML for ``text``; ``page`` carries heading ids and levels across calls."""
        env = _Env(policy or LinkPolicy(), page or Page(level=first_level - 1), first_level)
        return self._render(self._md, text, env)

    def _render(self, md: MarkdownIt, text: str, env: _Env) -> str:
        tokens = md.parse(text, {})
        _prepare(tokens, env)
        html: str = md.renderer.render(tokens, md.options, {"pm": env})
        return html

    def _html_block(self, tokens: Sequence[Token], idx: int, _options: Any, env: Any) -> str:
        content = tokens[idx].content
        if content.lstrip().startswith("<!--"):
            return ""  # a comment: the template's notes, pm's block markers
        return self._render(self._plain, content, env["pm"])


@datarecord
class _Env:
    policy: LinkPolicy
    page: Page
    first_level: int


def _prepare(tokens: Sequence[Token], env: _Env) -> None:
    """Fix heading levels and ids, and decide every link's target, before rendering."""
    for position, token in enumerate(tokens):
        if token.type == "heading_open":
            _heading(tokens, position, env)
        elif token.type == "inline" and token.children:
            _links(token.children, env.policy)


def _heading(tokens: Sequence[Token], position: int, env: _Env) -> None:
    opening, inline, closing = tokens[position : position + 3]
    page = env.page
    wanted = max(int(opening.tag[1:]), env.first_level)
    level = min(wanted, max(page.level + 1, env.first_level), 6)
    page.level = level
    opening.tag = closing.tag = f"h{level}"
    anchor = base = slug(_plain_text(inline.children or []))
    number = 0
    while anchor in page.ids:
        number += 1
        anchor = f"{base}-{number}"
    page.ids.add(anchor)
    opening.attrSet("id", anchor)


def _links(children: Sequence[Token], policy: LinkPolicy) -> None:
    opened: list[Token] = []
    for child in children:
        if child.type == "link_open":
            target = link_target(str(child.attrs.get("href", "")), policy)
            if target is None:
                child.meta["drop"] = True
            else:
                child.attrSet("href", target)
            opened.append(child)
        elif child.type == "link_close" and opened:
            child.meta["drop"] = bool(opened.pop().meta.get("drop"))


def _not_a_script(url: str) -> bool:
    """markdown-it's own first check: no javascript:, vbscript:, file: or data: links."""
    return not re.match(r"^(javascript|vbscript|file|data):", url.strip().lower())


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _plain_text(children: Sequence[Token]) -> str:
    return "".join(
        _plain_text(child.children or []) if child.type == "image" else child.content
        for child in children
        if child.type in ("text", "code_inline", "image")
    )


def _html_inline(tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    content = tokens[idx].content
    return "" if content.startswith("<!--") else html.escape(content, quote=False)


def _link_open(tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    token = tokens[idx]
    if token.meta.get("drop"):
        return ""
    title = token.attrs.get("title")
    extra = f' title="{_attr(str(title))}"' if title else ""
    return f'<a href="{_attr(str(token.attrs["href"]))}"{extra}>'


def _link_close(tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    return "" if tokens[idx].meta.get("drop") else "</a>"


def _image(tokens: Sequence[Token], idx: int, _options: Any, env: Any) -> str:
    token = tokens[idx]
    policy: LinkPolicy = env["pm"].policy
    alt = _plain_text(token.children or [])
    src = str(token.attrs.get("src", ""))
    local = link_target(src, policy, image=True)
    if local is not None:
        return f'<img src="{_attr(local)}" alt="{_attr(alt)}">'
    elsewhere = link_target(src, LinkPolicy())  # on the web: a link to it, never a fetch
    label = html.escape(alt or src, quote=False)
    if elsewhere is not None:
        return f'<a href="{_attr(elsewhere)}">{label} (image)</a>'
    return label


def link_target(href: str, policy: LinkPolicy, *, image: bool = False) -> str | None:
    """The href (or src) to write for a link in prose, or None to leave only its text."""
    href = href.strip()
    if not href or any(ord(c) < 32 or c.isspace() for c in href):
        return None
    if href.startswith("#"):
        return None if image else href
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme or parts.netloc or href.startswith("//"):
        if image or scheme not in SAFE_SCHEMES or (scheme != "mailto" and not parts.netloc):
            return None
        return href
    resolver = policy.image if image else policy.link
    if resolver is None or not parts.path:
        return None
    path = repository_path(policy.source, parts.path)
    if path is None:
        return None
    return resolver(path, parts.fragment)
