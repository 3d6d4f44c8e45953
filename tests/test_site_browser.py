"""The site in a real headless Chromium, driven through the DevTools protocol (``cdp.py``).

Every kind of page is loaded from ``file://``: no console error, no exception, no refused
load, no request outside the site folder. Search and filters are used as a person uses
them (typing into the search box, choosing in a select with the keyboard) and the rows
left visible are compared with what the files say. Hostile titles and prose show as text.
Each kind of page passes axe-core, the accessibility checker (run inside the page, offline;
``.ci/run`` installs it into ``.cache/node``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import cdp
import corpus
from conftest import CliRunnerCall, Repo
from hostile import HOSTILE
from pm import textsafety
from test_site import AS_OF, EXAMPLE_IDS, ROOT, make_example

AXE = ROOT / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        cdp.CHROMIUM is None,
        reason="chromium is not installed (apt-get install chromium; .ci/run does)",
    ),
]

PAGE_KINDS = [
    "index.html",
    "postmortems/2024-08-05-checkout-outage-reconciliation-query-locks.html",
    "postmortems/2024-09-10-disk-full-on-log-host.html",
    "actions/index.html",
    "actions/owners.html",
    "reports/index.html",
    "reports/2024.html",
    "reports/2024-Q3.html",
    "causes/index.html",
    "causes/2024-03-04-checkout-connection-timeouts.html",
    "services/index.html",
    "services/payments-db.html",
]


@pytest.fixture
def example_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunnerCall) -> Path:
    repo = make_example(tmp_path / "example")
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("PM_NOW", AS_OF)
    cli.ok("site")
    return repo.path / "_site"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[cdp.Browser]:
    with cdp.browser(tmp_path / "profile") as opened:
        yield opened


def load(browser: cdp.Browser, site: Path, name: str) -> cdp.Tab:
    """Open a page of the site and check it behaved: no problem, nothing from elsewhere."""
    tab = browser.open((site / name).as_uri())
    assert tab.problems() == [], (name, tab.problems())
    outside = [url for url in tab.requests() if not url.startswith(site.as_uri() + "/")]
    assert outside == [], (name, outside)
    return tab


def visible_ids(tab: cdp.Tab) -> list[str]:
    ids: list[str] = tab.evaluate(
        "[...document.querySelectorAll('#pm-list tbody tr')]"
        ".filter(r => !r.hidden && r.offsetParent !== null).map(r => r.dataset.id)"
    )
    return ids


def count_text(tab: cdp.Tab) -> str:
    return str(tab.evaluate("document.getElementById('pm-count').textContent"))


def containing(repo: Path, *words: str) -> list[str]:
    """Ids of the postmortem files that contain every word (the search's corpus)."""
    found = []
    for path in (repo / "postmortems").rglob("*.md"):
        text = " ".join(path.read_text(encoding="utf-8").lower().split())
        if all(word in text for word in words):
            found.append(path.stem)
    return sorted(found, reverse=True)


def test_every_kind_of_page_loads_cleanly(example_site: Path, browser: cdp.Browser) -> None:
    for name in PAGE_KINDS:
        tab = load(browser, example_site, name)
        assert tab.evaluate("document.querySelectorAll('h1').length") == 1, name
        assert tab.evaluate("document.querySelector('main').innerText.length") > 200, name
        styled = tab.evaluate(
            "getComputedStyle(document.querySelector('header.top')).backgroundColor"
        )
        assert styled == "rgb(31, 41, 51)", name  # the stylesheet loaded
        charts = tab.evaluate(
            "[...document.querySelectorAll('svg.chart')].map(s => s.getBBox().width)"
        )
        assert all(width > 0 for width in charts), name
    index = browser.open((example_site / "index.html").as_uri())
    assert index.evaluate("document.getElementById('pm-filters').hidden") is False
    assert count_text(index) == f"{len(EXAMPLE_IDS)} of {len(EXAMPLE_IDS)} postmortems shown"


def test_search_and_filters_through_the_page(example_site: Path, browser: cdp.Browser) -> None:
    repo = example_site.parent
    tab = load(browser, example_site, "index.html")
    assert visible_ids(tab) == sorted(EXAMPLE_IDS, reverse=True)
    tab.click("#pm-q")
    tab.type("reconciliation")
    tab.wait_for("!document.getElementById('pm-count').textContent.startsWith('Loading')")
    expected = containing(repo, "reconciliation")
    tab.wait_for(
        f"document.getElementById('pm-count').textContent.startsWith('{len(expected)} of')"
    )
    assert visible_ids(tab) == containing(repo, "reconciliation")
    assert len(visible_ids(tab)) >= 2  # the word is in prose and in action items, not titles
    # Every shard of the index was loaded from the site, and nothing else.
    shards = [u for u in tab.requests() if "/search/" in u]
    assert len(shards) == len(list((example_site / "search").iterdir()))
    assert tab.problems() == []
    # Two words: both must be there (in any field: here a timeline event and the prose).
    for _ in range(len("reconciliation")):
        tab.press("Backspace", 8)
    tab.type("pg_locks ledger_entries")
    tab.wait_for("document.getElementById('pm-count').textContent.startsWith('1 of')")
    assert visible_ids(tab) == ["2024-08-05-checkout-outage-reconciliation-query-locks"]
    for _ in range(len("pg_locks ledger_entries")):
        tab.press("Backspace", 8)
    tab.wait_for(
        f"document.getElementById('pm-count').textContent.startsWith('{len(EXAMPLE_IDS)} of')"
    )
    # Severity with the keyboard: Tab from the search box to the select, arrow down.
    tab.press("Tab", 9)
    assert tab.evaluate("document.activeElement.id") == "pm-f-severity"
    tab.press("ArrowDown", 40)
    listed = json.loads(CliRunnerCall().ok("list", "--json").stdout)
    sev1 = sorted((p["id"] for p in listed if p["severity"] == "SEV-1"), reverse=True)
    assert visible_ids(tab) == sev1
    assert count_text(tab) == f"{len(sev1)} of {len(EXAMPLE_IDS)} postmortems shown"
    # And a service, on top of it: typed into the select as a person would.
    tab.press("Tab", 9)
    tab.press("Tab", 9)
    assert tab.evaluate("document.activeElement.id") == "pm-f-service"
    tab.type("payments-d")
    assert tab.evaluate("document.getElementById('pm-f-service').value") == "payments-db"
    both = [i for i in sev1 if "payments-db" in next(p for p in listed if p["id"] == i)["services"]]
    assert visible_ids(tab) == both and both
    # A search on top of the filters narrows further; nothing matches: none shown.
    tab.click("#pm-q")
    tab.type("zebra-unicorn")
    tab.wait_for("document.getElementById('pm-count').textContent.startsWith('0 of')")
    assert visible_ids(tab) == []
    assert tab.problems() == []


def test_without_javascript_every_postmortem_is_listed(
    example_site: Path, browser: cdp.Browser
) -> None:
    tab = browser.open("about:blank")
    tab.call("Emulation.setScriptExecutionDisabled", {"value": True})
    tab.goto((example_site / "index.html").as_uri())
    assert tab.evaluate("document.getElementById('pm-filters').hidden") is True
    assert len(visible_ids(tab)) == len(EXAMPLE_IDS)
    tab.goto(
        (
            example_site / "postmortems/2024-08-05-checkout-outage-reconciliation-query-locks.html"
        ).as_uri()
    )
    assert "SELECT ... FOR UPDATE" in tab.evaluate("document.body.innerText")


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not in .cache/node (see .ci/run)")
def test_every_kind_of_page_passes_axe(example_site: Path, browser: cdp.Browser) -> None:
    source = AXE.read_text(encoding="utf-8")
    found = {}
    for name in PAGE_KINDS:
        tab = load(browser, example_site, name)
        tab.evaluate(source)
        result = tab.evaluate(
            "axe.run(document, {preload: false, resultTypes: ['violations']}).then(r => "
            "({violations: r.violations.map(v => [v.id, v.impact,"
            " v.nodes.map(n => n.target.join(' ')).slice(0, 3)]),"
            " rules: r.passes.length + r.violations.length + r.incomplete.length}))",
            await_promise=True,
        )
        assert result["rules"] >= 20, name  # axe really ran its rules
        if result["violations"]:
            found[name] = result["violations"]
    assert found == {}


def test_the_accessibility_check_can_fail(tmp_path: Path, browser: cdp.Browser) -> None:
    """axe finds what it should: an unlabelled input, an image without alt, low contrast."""
    if not AXE.is_file():
        pytest.skip("axe-core is not in .cache/node (see .ci/run)")
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body><main><h1>x</h1>"
        '<input type="search"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#ccc;background:#fff">faint</p></main></body></html>',
        encoding="utf-8",
    )
    tab = browser.open(bad.as_uri())
    tab.evaluate(AXE.read_text(encoding="utf-8"))
    ids = tab.evaluate(
        "axe.run(document, {preload: false}).then(r => r.violations.map(v => v.id))",
        await_promise=True,
    )
    assert {"label", "image-alt", "color-contrast"} <= set(ids)


def test_hostile_titles_and_prose_render_as_text(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, browser: cdp.Browser
) -> None:
    short = [(name, text) for name, text in HOSTILE if 0 < len(text.strip()) < 2000]
    entries = []
    for n, (name, text) in enumerate(short):
        entry = dict(corpus.GROUPING[n % len(corpus.GROUPING)])
        prose = text.replace("\x00", "").replace("\n", " ")
        entry.update(
            id=f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}-hostile-{n}",
            title=text,
            impact=text,
            services=[text, "api"],
            tags=[text],
            root_cause=f"Cause: {prose}\n\n<script>alert('{name}')</script> [x](javascript:1)",
            summary=f'![i](http://evil.example/{name}.png) <img src=x onerror="alert(1)"> {prose}',
        )
        entries.append(entry)
    corpus.write(repo.path, entries)
    monkeypatch.setenv("PM_NOW", "2025-01-15T12:00:00Z")
    cli.ok("site")
    site = repo.path / "_site"
    index = load(browser, site, "index.html")
    assert index.evaluate("document.scripts.length") == 1  # site.js, nothing injected
    titles = index.evaluate(
        "[...document.querySelectorAll('#pm-list tbody td.text a')].map(a => a.textContent)"
    )
    assert "<script>alert(1)</script>" in titles
    assert "{{ 7*7 }}" in titles and "49" not in titles
    index.click("#pm-q")
    index.type("alert")
    index.wait_for("document.getElementById('pm-count').textContent.includes(' of ')")
    assert len(visible_ids(index)) == len(entries)  # every one has <script>alert in its prose
    assert index.problems() == []
    for n, (name, text) in enumerate(short):
        postmortem_id = entries[n]["id"]
        tab = load(browser, site, f"postmortems/{postmortem_id}.html")
        assert tab.evaluate("document.scripts.length") == 0, name
        assert tab.evaluate("document.images.length") == 0, name
        assert (
            tab.evaluate(
                "[...document.querySelectorAll('a')]"
                ".filter(a => !/^(https?:|mailto:|file:)/.test(a.href)).length"
            )
            == 0
        ), name
        h1 = tab.evaluate("document.querySelector('h1').textContent")
        # What a template prints of a value: controls and bidi dropped, LS/PS as spaces.
        assert h1 == textsafety.template_value(text), name
        dialogs = tab.events("Page.javascriptDialogOpening")
        assert dialogs == [], name
        tab.close()


def test_a_site_of_300_generated_postmortems(tmp_path: Path, browser: cdp.Browser) -> None:
    import subprocess
    import sys

    from conftest import run_pm

    target = tmp_path / "big"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(target), "-n", "300"],
        check=True, capture_output=True,
    )  # fmt: skip
    built = run_pm(target, "site", env={"PM_NOW": "2026-01-01T12:00:00Z"})
    assert built.returncode == 0, built.stderr
    site = target / "_site"
    tab = load(browser, site, "index.html")
    assert len(visible_ids(tab)) == 300
    expected = containing(target, "runbook", "topology")
    tab.click("#pm-q")
    tab.type("runbook topology")
    tab.wait_for(
        f"document.getElementById('pm-count').textContent.startsWith('{len(expected)} of 300')"
    )
    assert visible_ids(tab) == expected and 0 < len(expected) < 300
    for name in ("actions/index.html", "reports/index.html", "services/index.html"):
        load(browser, site, name)


def test_action_tables_keep_owner_due_and_status_on_a_narrow_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunnerCall
) -> None:
    repo = make_example(tmp_path / "example")
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("PM_NOW", AS_OF)
    cli.ok("action", "add", "2024-09-10", "Fix " + "x" * 400, "--owner", "team-" + "o" * 80)
    cli.ok("site")
    site = repo.path / "_site"
    pages = [
        "actions/index.html",
        "actions/owners.html",
        "postmortems/2024-09-10-disk-full-on-log-host.html",
        "services/logging.html",
    ]
    with cdp.browser(tmp_path / "narrow", width=800, height=900) as narrow:
        for name in pages:
            tab = load(narrow, site, name)
            width = tab.evaluate("document.documentElement.clientWidth")
            cells = tab.evaluate(
                "[...document.querySelectorAll('td.who, td.st-cell, td.date')]"
                ".map(c => c.getBoundingClientRect().right)"
            )
            assert cells and max(cells) <= width, (name, max(cells), width)
            assert tab.evaluate("document.documentElement.scrollWidth") <= width, name
