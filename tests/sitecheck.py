"""Checks over a whole built site: every internal link resolves, nothing loads from elsewhere.

``problems(site)`` parses every HTML page and returns one line per problem:

- a relative link, stylesheet, script or image whose file is not in the site (or points
  out of it), or whose ``#fragment`` is not an id in the target page;
- anything loaded from another origin (``src`` or ``<link href>`` that is not relative);
- a link with a scheme other than http, https or mailto;
- a page without the Content-Security-Policy, or one that allows inline script;
- a page no other page links to (the index excepted).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LOADING = {("link", "href"), ("script", "src"), ("img", "src"), ("source", "src")}


@dataclass
class Parsed:
    ids: set[str] = field(default_factory=set)
    refs: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attribute, value)
    csp: str | None = None
    h1: int = 0


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Parsed()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.page.ids.add(values["id"])
        if tag == "meta" and values.get("http-equiv", "").lower() == "content-security-policy":
            self.page.csp = values.get("content", "")
        if tag == "h1":
            self.page.h1 += 1
        for name in ("href", "src", "srcset", "action", "xlink:href", "formaction", "poster"):
            if name in values:
                self.page.refs.append((tag, name, values[name]))


def parse(path: Path) -> Parsed:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


def pages(site: Path) -> dict[str, Parsed]:
    return {p.relative_to(site).as_posix(): parse(p) for p in sorted(site.rglob("*.html"))}


def problems(site: Path) -> list[str]:
    parsed = pages(site)
    found: list[str] = []
    linked: set[str] = set()
    for name, page in parsed.items():
        csp = page.csp or ""
        if (
            "script-src 'self'" not in csp
            or "unsafe-inline" in csp
            or "default-src 'none'" not in csp
        ):
            found.append(f"{name}: Content-Security-Policy missing or too loose: {csp!r}")
        if page.h1 != 1:
            found.append(f"{name}: {page.h1} h1 headings")
        for tag, attribute, value in page.refs:
            found += _check(site, parsed, name, page, tag, attribute, value, linked)
    for name in parsed:
        if name != "index.html" and name not in linked:
            found.append(f"{name}: no page links to it")
    return found


def _check(
    site: Path,
    parsed: dict[str, Parsed],
    name: str,
    page: Parsed,
    tag: str,
    attribute: str,
    value: str,
    linked: set[str],
) -> list[str]:
    where = f"{name}: <{tag} {attribute}={value!r}>"
    if attribute not in ("href", "src"):
        return [f"{where}: pm's pages use no {attribute}"]
    parts = urlsplit(value)
    if parts.scheme or value.startswith("//"):
        if (tag, attribute) in LOADING:
            return [f"{where}: loads from another origin"]
        if parts.scheme not in ("http", "https", "mailto"):
            return [f"{where}: a {parts.scheme!r} link"]
        return []
    if not parts.path:  # a fragment on the same page
        return [] if unquote(parts.fragment) in page.ids else [f"{where}: no such id on the page"]
    target = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(parts.path)))
    if target.startswith("../") or target == "..":
        return [f"{where}: points out of the site"]
    if not (site / target).is_file():
        return [f"{where}: {target} does not exist"]
    linked.add(target)
    if parts.fragment and target.endswith(".html"):
        ids = parsed[target].ids if target in parsed else set()
        if unquote(parts.fragment) not in ids:
            return [f"{where}: {target} has no id {parts.fragment!r}"]
    return []
