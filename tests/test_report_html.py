"""The HTML report reads like a document: prose rendered, statuses in words and colours
that mean something, tickets and incident ids as links, tables that keep the columns that
matter on the page, charts that stay drawable however long the timeline; and a PDF.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

import cdp
import factories
from conftest import CliRunnerCall, Repo
from factories import action, postmortem
from pm.model import Event
from pm.render.charts import MERMAID_MARKS, SVG_MARKS

PROSE = {
    "Summary": "The pool was *exhausted*:\n\n- connections leaked\n- retries piled up\n\n"
    "See [the dashboard](https://grafana.example.com/d/1) and <script>alert(1)</script>.",
    "Root Cause": "A `finally` block was missing, so **every** failed request kept its connection.",
}


@pytest.fixture
def incident(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PM_NOW", "2024-03-01T12:00:00Z")
    item = postmortem(
        "2024-01-15-pool-exhausted",
        "Pool exhausted",
        actions=[
            action(1, "Add the finally block", due="2024-02-28", ticket="OPS-12"),  # 2 days late
            action(2, "Alert on pool use", due="2024-02-29", status="in-progress"),  # 1 day
            action(3, "Load test", due="2024-04-01", owner="bob"),  # open, on time
            action(
                4,
                "Write a runbook",
                status="done",
                done=factories.day("2024-02-01"),
                ticket="https://tracker.example.com/browse/OPS-14",
            ),
            action(5, "Rewrite the client", status="wont-do", reason="replaced by a library"),
        ],
    )
    factories.write(repo.path, item, sections=PROSE)
    factories.commit(repo.path)
    return item.id


def test_prose_is_rendered_as_html(incident: str, cli: CliRunnerCall) -> None:
    html = cli.ok("report", incident, "--format", "html").stdout
    assert "<em>exhausted</em>" in html and "<li>connections leaked</li>" in html
    assert '<a href="https://grafana.example.com/d/1">the dashboard</a>' in html
    assert "<code>finally</code>" in html and "<strong>every</strong>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "white-space: pre-wrap" not in html  # no longer raw markdown in a box


def test_statuses_are_words_beside_colours_and_tickets_link(
    incident: str, cli: CliRunnerCall, repo: Repo
) -> None:
    html = cli.ok("report", incident, "--format", "html").stdout
    rows = {int(n): row for n, row in re.findall(r'<tr><td class="num">(\d)</td>(.*?)</tr>', html)}
    assert (
        '<span class="st st-overdue"><span aria-hidden="true">&#9888;</span> overdue 2 days</span>'
        in rows[1]
    )
    assert "overdue 1 day, in progress</span>" in rows[2]  # "1 day", and the state kept
    assert '<span class="st st-open">' in rows[3] and "overdue" not in rows[3]
    assert '<span class="st st-done">' in rows[4] and "done 2024-02-01" in rows[4]
    assert "won't do</span>: replaced by a library" in rows[5]
    assert '<span class="ticket">OPS-12</span>' in rows[1]  # no ticket_url: text
    assert '<a class="ticket" href="https://tracker.example.com/browse/OPS-14">' in rows[4]
    assert '<td class="date">2024-02-28</td>' in rows[1]
    css = html.split("<style>")[1].split("</style>")[0]
    assert re.search(r"\.st-overdue \{[^}]*background: #b3261e", css)  # red: late
    assert not re.search(r"\.st-open \{[^}]*#b3261e", css)  # open on time is not red
    (repo.path / ".pm.toml").write_text(
        '[site]\nticket_url = "https://jira.example.com/browse/{ticket}"\n', encoding="utf-8"
    )
    linked = cli.ok("report", incident, "--format", "html").stdout
    assert '<a class="ticket" href="https://jira.example.com/browse/OPS-12">OPS-12</a>' in linked


def test_incident_ids_link(repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch) -> None:
    import corpus

    monkeypatch.setenv("PM_NOW", "2025-01-15T12:00:00Z")
    corpus.write(repo.path, corpus.GROUPING)
    html = cli.ok("report", "--since", "2024-07-01", "--format", "html").stdout
    anchors = re.findall(r'<a href="#incident-([^"]+)">', html)
    assert anchors and all(f'<tr id="incident-{a}">' in html for a in anchors)
    before = re.findall(r"<code>(2024-0[1-6][^<]*)</code>", html)
    assert before  # recurring groups reach back before the period: no page to go to yet
    (repo.path / ".pm.toml").write_text(
        '[site]\nurl = "https://acme.github.io/ops/"\n', encoding="utf-8"
    )
    html = cli.ok("report", "--since", "2024-07-01", "--format", "html").stdout
    assert f'<a href="https://acme.github.io/ops/postmortems/{before[0]}.html">' in html
    one = cli.ok("report", "2024-06-25-slow", "--format", "html").stdout
    assert '<a href="https://acme.github.io/ops/postmortems/2024-06-25-slow' in one


def test_one_day_is_a_day(repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PM_NOW", "2024-01-19T12:00:00Z")
    late = postmortem("2024-01-15-late-review", review_due="2024-01-18")
    factories.write(repo.path, late)
    factories.commit(repo.path)
    for fmt in ("html", "md", "text"):
        out = cli.ok(
            "report", "--since", "2024-01-01", "--until", "2024-01-19", "--format", fmt
        ).stdout
        assert "1 day overdue" in out and "1 days" not in out, fmt


def long_timeline(repo: Repo, events: int = 1100) -> str:
    item = postmortem("2024-01-15-long-outage", "Long outage", resolved="2024-01-17T14:05")
    start = item.started
    assert start is not None
    for n in range(events - 2):
        kind = ("detected", "acknowledged", "mitigated")[n] if n < 3 else "note"
        item.add_event(
            Event(start + timedelta(minutes=2 + 2 * n), kind, f"Update {n}: still on it")
        )
    factories.write(repo.path, item)
    factories.commit(repo.path)
    return item.id


def test_a_timeline_of_1100_events_stays_drawable(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PM_NOW", "2024-03-01T12:00:00Z")
    postmortem_id = long_timeline(repo)
    md = cli.ok("report", postmortem_id).stdout
    block = re.search(r"^```mermaid\n(.*?)^```$", md, re.M | re.S)
    assert block is not None
    assert len(block.group(1)) < 50_000 // 5  # mermaid's limit is 50,000 characters
    assert block.group(1).count(": milestone,") == MERMAID_MARKS
    for kind in ("started", "detected", "acknowledged", "mitigated", "resolved"):
        assert f"    {kind} : milestone" in block.group(1)  # every milestone drawn
    assert f"The chart draws {MERMAID_MARKS} of the 1100 events" in md
    assert md.count("| note |") == 1095  # the table lists them all
    html = cli.ok("report", postmortem_id, "--format", "html").stdout
    assert f"Timeline (UTC): {SVG_MARKS} of 1100 events drawn" in html
    svg = re.search(r"<svg.*?</svg>", html, re.S)
    assert svg is not None and svg.group(0).count('stroke-width="2"') == SVG_MARKS


@pytest.mark.slow
def test_the_long_timeline_renders_in_mermaid(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import subprocess

    from test_mermaid_render import CHROMIUM, MERMAID_JS, PAGE

    if not (MERMAID_JS and Path(MERMAID_JS).is_file() and CHROMIUM):
        pytest.skip("no mermaid.min.js in .cache/mermaid (see .ci/run) or no chromium")
    monkeypatch.setenv("PM_NOW", "2024-03-01T12:00:00Z")
    md = cli.ok("report", long_timeline(repo)).stdout
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", md, re.M | re.S)
    page = tmp_path / "mermaid.html"
    page.write_text(PAGE % (Path(MERMAID_JS).as_uri(), json.dumps(blocks)), encoding="utf-8")
    result = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=30000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    found = re.search(r'RESULTS (\[.*?\])"', result.stderr)
    assert found, result.stderr[-2000:]
    assert json.loads(found.group(1)) == ["OK"]


@pytest.mark.slow
@pytest.mark.skipif(cdp.CHROMIUM is None, reason="chromium is not installed")
def test_wide_tables_keep_owner_and_lateness_on_the_page(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PM_NOW", "2024-03-01T12:00:00Z")
    unbroken = "x" * 400
    item = postmortem(
        "2024-01-15-wide",
        "Wide " + "y" * 300,
        actions=[action(1, f"Fix {unbroken} everywhere", owner="a-very-long-team-name-" * 4,
                        due="2024-02-01", ticket="T-" + "9" * 200)],
    )  # fmt: skip
    factories.write(repo.path, item)
    factories.commit(repo.path)
    incident, period = tmp_path / "incident.html", tmp_path / "period.html"
    cli.ok("report", item.id, "--format", "html", "-o", str(incident))
    cli.ok("report", "--since", "2024-01-01", "--format", "html", "-o", str(period))
    with cdp.browser(tmp_path / "profile", width=800, height=900) as browser:
        for page in (incident, period):
            tab = browser.open(page.as_uri())
            assert tab.problems() == []
            cells = tab.evaluate(
                "[...document.querySelectorAll('td.who, td.st-cell, td.date')]"
                ".map(c => [c.className, c.getBoundingClientRect().right,"
                " c.getClientRects().length, c.scrollWidth <= c.clientWidth + 1])"
            )
            assert cells, page.name
            width = tab.evaluate("document.documentElement.clientWidth")
            for name, right, _rects, fits in cells:
                assert right <= width, (page.name, name, right, width)
                assert fits, (page.name, name)
            # A due date is one line: its text makes one line box (a range's client rects).
            dates = tab.evaluate(
                "[...document.querySelectorAll('td.date')].map(c => { const r = document"
                ".createRange(); r.selectNodeContents(c); return [c.textContent,"
                " new Set([...r.getClientRects()].map(b => Math.round(b.top))).size]; })"
            )
            for text, lines in dates:
                assert lines == 1, (page.name, text, lines)
            wide = tab.evaluate(
                "[...document.querySelectorAll('main *')].filter(e => !e.closest('.table-wrap')"
                f" && e.getBoundingClientRect().right > {width}).map(e => e.tagName)"
            )
            assert wide == [], (page.name, wide)
            assert tab.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.slow
@pytest.mark.skipif(cdp.CHROMIUM is None, reason="chromium is not installed")
def test_pdf_through_headless_chromium(incident: str, cli: CliRunnerCall, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    result = cli.ok("report", incident, "--format", "pdf", "-o", str(target))
    assert f"Wrote {target}" in result.stderr
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    period = tmp_path / "period.pdf"
    cli.ok("report", "--since", "2024-01-01", "--format", "pdf", "-o", str(period))
    assert period.read_bytes().startswith(b"%PDF")


def test_pdf_without_a_browser_is_a_clear_error(
    incident: str, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PM_CHROMIUM", "no-such-browser-here")
    target = tmp_path / "report.pdf"
    result = cli("report", incident, "--format", "pdf", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr == (
        "pm: --format pdf needs Chromium or Chrome (chromium, chromium-browser, google-chrome) "
        "on PATH, or PM_CHROMIUM naming one; --format html writes the same report\n"
    )
    assert not target.exists()
    broken = tmp_path / "fake-chromium"
    broken.write_text("#!/bin/sh\necho 'cannot start: no display' >&2\nexit 1\n", encoding="utf-8")
    broken.chmod(0o755)
    monkeypatch.setenv("PM_CHROMIUM", str(broken))
    failed = cli("report", incident, "--format", "pdf", "-o", str(target))
    assert failed.exit_code == 3
    assert failed.stderr == f"pm: {broken} could not print the PDF: cannot start: no display\n"
    assert not target.exists()
