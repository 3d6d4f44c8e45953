"""pm.prose_html: markdown prose becomes HTML in which text from a file is never markup."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostile import HOSTILE, hostile_params
from pm.prose_html import LinkPolicy, Page, ProseRenderer, link_target, repository_path

RENDERER = ProseRenderer()
ALLOWED_TAGS = {
    "p", "em", "strong", "s", "code", "pre", "a", "img", "ul", "ol", "li", "blockquote",
    "hr", "br", "h2", "h3", "h4", "h5", "h6", "div", "table", "thead", "tbody", "tr", "th",
    "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"href", "src", "alt", "title", "id", "class", "style", "start"}


class Tags(HTMLParser):
    """Every tag and attribute a browser would see in the output."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def parsed(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_inert(html: str) -> None:
    """Only the tags markdown makes; links only to the web or the site; no handlers."""
    for tag, attrs in parsed(html):
        assert tag in ALLOWED_TAGS, (tag, html[:300])
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES, (name, html[:300])
            if name == "style":
                raise AssertionError(f"style attribute in {html[:300]}")
            if name in ("href", "src"):
                assert value is not None
                lowered = value.strip().lower()
                assert lowered.startswith(("http://", "https://", "mailto:", "#", "site:")), value
        if tag == "img":
            src = dict(attrs)["src"] or ""
            assert src.startswith("site:"), src  # never an image from the web


SITE = LinkPolicy(
    source="postmortems/2024/2024-01-15-x.md",
    link=lambda path, fragment: f"site:{path}" + (f"#{fragment}" if fragment else ""),
    image=lambda path, _fragment: f"site:{path}",
)


def render(text: str, policy: LinkPolicy = SITE) -> str:
    return RENDERER.render(text, policy)


def test_markdown_renders_as_commonmark_with_tables() -> None:
    html = render(
        "## Root Cause\n\nThe *pool* was **too small** (`max=50`).\n\n"
        "- one\n- two\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n~~old~~\n"
    )
    assert '<h2 id="root-cause">Root Cause</h2>' in html
    assert "<em>pool</em>" in html and "<strong>too small</strong>" in html
    assert "<code>max=50</code>" in html
    assert "<li>one</li>" in html and "<s>old</s>" in html
    assert '<div class="table-wrap"><table>' in html and "<td>2</td>" in html


def test_raw_html_is_text_and_comments_are_dropped() -> None:
    html = render(
        "<!-- the template's note\n\nover two paragraphs -->\n"
        "<script>alert(1)</script>\n\n"
        "<div onclick=alert(2)>\n*still markdown*\n</div>\n\n"
        'text <img src=x onerror=alert(3)> and <!-- inline --> more <a href="javascript:x">y</a>\n'
    )
    assert "template's note" not in html and "inline" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;div onclick=alert(2)&gt;" in html and "<em>still markdown</em>" in html
    assert "&lt;img src=x onerror=alert(3)&gt;" in html
    assert '&lt;a href="javascript:x"&gt;' in html
    assert_inert(html)


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "//evil.example/x",
        "http:/no-host",
        "ftp://files.example/x",
        "../../../../etc/passwd",
        "java%0ascript:alert(1)",
    ],
)
def test_dangerous_links_keep_only_their_text(href: str) -> None:
    html = render(f"see [the link]({href}) here")
    assert "the link" in html
    assert "<a " not in html, html


def test_links_that_stay() -> None:
    html = render(
        "[web](https://example.com/a?b=c) [mail](mailto:oncall@example.com) [anchor](#impact) "
        "[sibling](2024-02-01-y.md#root-cause) [other year](../2023/2023-01-01-z.md) "
        "[from the root](/docs/runbook.md) <https://status.example.com>"
    )
    assert '<a href="https://example.com/a?b=c">web</a>' in html
    assert '<a href="mailto:oncall@example.com">mail</a>' in html
    assert '<a href="#impact">anchor</a>' in html
    assert '<a href="site:postmortems/2024/2024-02-01-y.md#root-cause">sibling</a>' in html
    assert '<a href="site:postmortems/2023/2023-01-01-z.md">other year</a>' in html
    assert '<a href="site:docs/runbook.md">from the root</a>' in html
    assert '<a href="https://status.example.com">https://status.example.com</a>' in html


def test_relative_links_without_a_resolver_are_text() -> None:
    html = render("[runbook](../../docs/runbook.md) [web](https://example.com)", LinkPolicy())
    assert "runbook" in html and '<a href="https://example.com">web</a>' in html
    assert html.count("<a ") == 1


def test_images_only_from_the_site_and_web_images_become_links() -> None:
    html = render(
        "![graph](img/latency.png) ![web](https://example.com/i.png) "
        "![x](data:image/png;base64,AAAA)"
    )
    assert '<img src="site:postmortems/2024/img/latency.png" alt="graph">' in html
    assert '<a href="https://example.com/i.png">web (image)</a>' in html
    assert html.count("<img") == 1
    assert_inert(html)


def test_headings_start_below_the_title_never_skip_and_have_unique_ids() -> None:
    page = Page()
    first = RENDERER.render("# Top\n\n#### Deep\n\n## Summary\n", page=page)
    second = RENDERER.render("## Summary\n\n###### Tiny\n", page=page)
    assert '<h2 id="top">Top</h2>' in first
    assert '<h3 id="deep">Deep</h3>' in first  # not h4: the page had no h3 before it
    assert '<h2 id="summary">Summary</h2>' in first
    assert '<h2 id="summary-1">Summary</h2>' in second
    assert '<h3 id="tiny">Tiny</h3>' in second


def test_repository_paths_never_leave_the_repository() -> None:
    source = "postmortems/2024/x.md"
    assert repository_path(source, "y.md") == "postmortems/2024/y.md"
    assert repository_path(source, "../../README.md") == "README.md"
    assert repository_path(source, "/docs/a%20b.md") == "docs/a b.md"
    for outside in ("../../../x", "/../x", "../../..", "a/../../../../x", "x%00.md", "a\\b"):
        assert repository_path(source, outside) is None, outside
    assert link_target("#x", SITE, image=True) is None


@pytest.mark.parametrize("text", hostile_params())
def test_hostile_text_renders_inert(text: str) -> None:
    for wrapped in (text, f"## {text}\n\n{text}\n\n- {text}\n", f"[{text}]({text})"):
        html = render(wrapped)
        assert_inert(html)
        assert "<script" not in html.lower()


def test_every_hostile_string_at_once() -> None:
    html = render("\n\n".join(text for _, text in HOSTILE if len(text) < 10_000))
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "<",
                    ">",
                    "[",
                    "]",
                    "(",
                    ")",
                    "!",
                    "`",
                    "*",
                    "_",
                    "#",
                    "\n",
                    "\n\n",
                    "<!--",
                    "-->",
                    "javascript:",
                    "data:",
                    "<script>",
                    '"',
                    "'",
                    "&",
                    "&#x6A;",
                    "|",
                    "- ",
                    "> ",
                    "    ",
                    "```",
                    "~~~",
                    "http://x",
                    "//x",
                    "../",
                    "\\",
                    "%0a",
                    "on",
                ]
            ),
        ),
        max_size=40,
    )
)
def test_any_text_renders_inert(pieces: list[str]) -> None:
    assert_inert(render("".join(pieces)))
