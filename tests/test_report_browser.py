"""The HTML reports in a real headless browser (Debian's chromium; ``.ci/run`` installs it).

Checked: the page loads without console errors or Content-Security-Policy violations, the
charts are SVG with bars, user text with markup appears as text, and nothing is fetched.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import corpus
from conftest import CliRunnerCall, Repo

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
XSS = "<script>alert(1)</script> checkout down"

pytestmark = [
    pytest.mark.slow,  # a headless browser
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install chromium; .ci/run does)",
    ),
]


def browse(page: Path, profile: Path) -> tuple[str, str]:
    """Load ``page`` in headless chromium; return (the DOM after load, the browser log)."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", f"--user-data-dir={profile}",
            "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


@pytest.fixture
def pages(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> list[Path]:
    monkeypatch.setenv("PM_NOW", "2025-01-15T12:00:00Z")
    hostile = dict(corpus.GROUPING[0])
    hostile.update(id="2024-12-30-script-alert", title=XSS, impact="<img src=x onerror=alert(2)>")
    corpus.write(repo.path, [*corpus.GROUPING, hostile])
    incident, period = tmp_path / "incident.html", tmp_path / "period.html"
    cli.ok("report", "2024-12-30-script", "--format", "html", "-o", str(incident))
    cli.ok("report", "--since", "2024-07-01", "--format", "html", "-o", str(period))
    return [incident, period]


def test_static_html_has_no_external_resources(pages: list[Path]) -> None:
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "default-src 'none'" in html
        # Links a reader may follow are fine (incident ids jump to their row); nothing that
        # loads: no src, srcset, form action, <link href> or SVG xlink:href.
        tag_with_link = r"<(?!a\s)[a-zA-Z][^>]*\s(src|href|srcset|action|xlink:href)\s*="
        assert not re.search(tag_with_link, html, re.IGNORECASE)
        for href in re.findall(r'<a\s[^>]*href="([^"]*)"', html):
            assert href.startswith("#incident-"), href
            assert f'id="{href[1:]}"' in html, href
        urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
        assert urls <= {"http://www.w3.org/2000/svg"}, urls
        assert "<script" not in html.lower()
        assert "@import" not in html and "url(" not in html


def test_reports_render_in_chromium(pages: list[Path], tmp_path: Path) -> None:
    for page in pages:
        dom, log = browse(page, tmp_path / f"profile-{page.stem}")
        svgs = re.findall(r"<svg\b.*?</svg>", dom, re.DOTALL)
        assert svgs, f"{page.name}: no SVG in the rendered DOM"
        assert all(re.search(r"<(rect|path)\b", svg) for svg in svgs), page.name
        assert re.search(r'<rect [^>]*width="(?!0\.0")[\d.]+"', dom), "bars have no width"
        # The browser console: no script errors, no blocked (attempted) loads.
        console = [line for line in log.splitlines() if "CONSOLE" in line or "Refused" in line]
        assert console == [], console
        assert "<script>" not in dom.replace("&lt;script&gt;", "")
    incident_dom, _ = browse(pages[0], tmp_path / "profile-again")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; checkout down" in incident_dom
    assert "<img" not in incident_dom and "&lt;img src=x onerror=alert(2)&gt;" in incident_dom


def test_the_browser_check_can_fail(tmp_path: Path) -> None:
    """A page that does load a script and an image is caught by the same checks."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'\"></head><body><script>alert(1)</script></body></html>",
        encoding="utf-8",
    )
    dom, log = browse(bad, tmp_path / "profile")
    assert "<script>" in dom
    assert "Refused" in log or "Content Security Policy" in log
