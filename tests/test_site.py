"""``pm site``: the static website, built for real repositories and checked file by file.

The browser side (pages loaded in Chromium, search and filters, accessibility) is in
``test_site_browser.py``; here: what is written, where links go, what a rebuild rewrites,
where the site may not be written, and the ``[site]`` settings.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import corpus
import sitecheck
from conftest import CliRunnerCall, Repo, git
from hostile import HOSTILE
from pm.site import history
from pm.site.build import MANIFEST, build
from pm.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2024-09-30T12:00:00Z"
EXAMPLE_IDS = sorted(p.stem for p in (ROOT / "examples" / "repo").rglob("*.md"))
REPORTS = ["2024", "2024-Q1", "2024-Q2", "2024-Q3"]


def make_example(target: Path) -> Repo:
    """The bundled example repository, committed in a fresh git repository."""
    shutil.copytree(ROOT / "examples" / "repo", target)
    git(target, "init", "--quiet")
    git(target, "add", "-A")
    git(target, "commit", "--quiet", "-m", "Example postmortems")
    return Repo(target)


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    repo = make_example(tmp_path / "example")
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("PM_NOW", AS_OF)
    return repo


def built(repo: Repo, *args: str) -> Path:
    """``pm site`` through the real command; returns the site folder."""
    runner = CliRunnerCall()
    result = runner.ok("site", *args)
    assert "Built " in result.stderr and result.stdout == ""
    return repo.path / "_site"


def rebuild(repo: Repo) -> list[str]:
    """Build through the Python API and return the files it wrote."""
    return sorted(build(Workspace.load(repo.path), repo.path / "_site").written_paths)


def page(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def test_the_example_site_has_every_kind_of_page(example: Repo) -> None:
    site = built(example)
    expected = {
        "index.html",
        "actions/index.html",
        "actions/owners.html",
        "reports/index.html",
        "causes/index.html",
        "services/index.html",
        *(f"postmortems/{i}.html" for i in EXAMPLE_IDS),
        *(f"reports/{name}.html" for name in REPORTS),
    }
    html = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert expected <= html
    assert {p for p in html if p.startswith("services/")} == {
        "services/index.html",
        *(
            f"services/{s}.html"
            for s in (
                "auth-api",
                "dns",
                "edge-proxy",
                "logging",
                "mobile-app",
                "payments-api",
                "payments-db",
                "postgres",
                "service-mesh",
            )
        ),
    }
    assert [p for p in html if p.startswith("causes/") and p != "causes/index.html"] == [
        "causes/2024-03-04-checkout-connection-timeouts.html"
    ]
    assert sorted(p.name for p in (site / "search").iterdir()) == [
        f"2024-{m:02d}.js" for m in range(1, 10)
    ]
    assert (site / "assets" / "site.css").is_file() and (site / "assets" / "site.js").is_file()
    manifest = json.loads(page(site, MANIFEST))
    written = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert set(manifest["pages"]) == written - {MANIFEST}
    assert sitecheck.problems(site) == []


def test_the_index_lists_every_postmortem_newest_first_with_filters(example: Repo) -> None:
    html = page(built(example), "index.html")
    ids = re.findall(r'<tr data-id="([^"]+)"', html)
    assert ids == sorted(EXAMPLE_IDS, reverse=True)
    for select in ("severity", "status", "service", "tag", "year"):
        assert f'<label for="pm-f-{select}">' in html
    assert '<option value="SEV-1">SEV-1</option>' in html
    assert '<option value="payments-db">payments-db</option>' in html
    assert 'data-shards="2024-01 2024-02 2024-03' in html
    assert '<form id="pm-filters"' in html and " hidden>" in html  # shown by the script
    assert '<script src="assets/site.js"></script>' in html
    row = html.split('data-id="2024-08-05-checkout-outage-reconciliation-query-locks"')[1]
    row = row.split("</tr>")[0]
    assert 'data-service="[&#34;payments-api&#34;, &#34;payments-db&#34;]"' in row
    assert "SEV-1" in row and "reviewed" in row and "2024-08-05 09:01" in row and "1h 04m" in row
    assert 'href="postmortems/2024-08-05-checkout-outage-reconciliation-query-locks.html"' in row


def test_a_postmortem_page(example: Repo) -> None:
    site = built(example)
    html = page(site, "postmortems/2024-08-05-checkout-outage-reconciliation-query-locks.html")
    # The prose, rendered from markdown; the template's note (an HTML comment) is gone.
    assert '<h2 id="root-cause">Root Cause</h2>' in html
    assert "SELECT ... FOR UPDATE" in html and "Blameless postmortem. pm keeps" not in html
    # The generated blocks are drawn from the front matter, in place: chart, then the table.
    timeline = html.split('<h2 id="timeline">Timeline</h2>')[1].split("<h2")[0]
    assert "<svg" in timeline and "DBA on-call acknowledged" in timeline
    items = html.split('<h2 id="action-items">Action Items</h2>')[1].split("<h2")[0]
    assert "overdue 48 days, in progress</span>" in items
    assert '<span class="st st-done">' in items and "done 2024-08-07" in items
    assert "PAY-412" in items  # a ticket without a ticket_url is text
    # Facts, links to services, the recurring cause, related and similar incidents.
    assert '<a href="../services/payments-db.html">payments-db</a>' in html
    assert 'href="../causes/2024-03-04-checkout-connection-timeouts.html"' in html
    related = html.split('id="pm-related"')[1].split("<h2")[0]
    assert related.count('href="../postmortems/') == 5
    similar = html.split('id="pm-similar"')[1].split("<h2")[0]
    # Similar incidents link to their pages: here one of the payments outages of one cause.
    family = (
        "2024-03-04-checkout-connection-timeouts",
        "2024-05-06-lock-waits-on-payments-db",
        "2024-07-01-payments-api-returning-503s",
        "2024-04-01-payments-database-cpu-at-100",
    )
    assert any(f'href="../postmortems/{i}.html"' in similar for i in family), similar
    # The history from git, without a repository URL: no commit links, no edit link.
    history_part = html.split('id="pm-history"')[1]
    assert "Alice Doe" in history_part and "Example postmortems" in history_part
    assert "Edit this file" not in html


def test_action_items_by_status_and_by_owner_overdue_first(example: Repo) -> None:
    site = built(example)
    by_status = page(site, "actions/index.html")
    headings = re.findall(r'<h2 id="([^"]+)">', by_status)
    assert headings == ["overdue", "open", "done", "wont-do"]  # none in progress on time
    overdue = by_status.split('<h2 id="overdue">')[1].split("<h2")[0]
    late = [int(n) for n in re.findall(r"overdue (\d+) days?", overdue)]
    assert late and late == sorted(late, reverse=True)
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    documented = re.findall(r"^- `([^`]+)` #(\d+) \(", readme, re.MULTILINE)
    assert len(late) == len(documented)
    assert "<details>" in by_status.split('<h2 id="done">')[1]  # closed items folded away
    by_owner = page(site, "actions/owners.html")
    owners = re.findall(r'<h2 id="owner-\d+">([^<]+)</h2>', by_owner)
    lates = [int(re.search(r"(\d+) overdue", o).group(1)) for o in owners]  # type: ignore[union-attr]
    assert lates == sorted(lates, reverse=True) and sum(lates) == len(late)


def test_period_reports_and_their_charts(example: Repo) -> None:
    site = built(example)
    listing = page(site, "reports/index.html")
    for name in REPORTS:
        assert f'href="{name}.html"' in listing
    q3 = page(site, "reports/2024-Q3.html")
    assert "Incident report 2024-Q3: 2024-07-01 to 2024-09-30" in q3
    assert q3.count("<svg") >= 3 and "Recurring causes" in q3
    assert 'href="../causes/2024-03-04-checkout-connection-timeouts.html"' in q3
    assert 'href="../postmortems/2024-03-04-checkout-connection-timeouts.html"' in q3
    assert "(before this period)" in q3
    # The same figures as pm report for the same period.
    data = json.loads(
        CliRunnerCall()
        .ok("report", "--since", "2024-07-01", "--until", "2024-09-30", "--format", "json")
        .stdout
    )
    assert f"{data['total']} incidents started in this period" in q3
    for row in data["counts"]["by_severity"]:
        assert f"<title>{row['name']}: {row['count']}</title>" in q3


def test_cause_and_service_pages(example: Repo) -> None:
    site = built(example)
    cause = page(site, "causes/2024-03-04-checkout-connection-timeouts.html")
    assert cause.count('href="../postmortems/') >= 6
    assert "Action items addressing it" in cause
    causes = page(site, "causes/index.html")
    assert 'href="2024-03-04-checkout-connection-timeouts.html"' not in causes
    assert 'href="../causes/2024-03-04-checkout-connection-timeouts.html"' in causes
    service = page(site, "services/payments-db.html")
    assert "Service payments-db" in service and "median time to resolve" in service
    assert (
        'href="../postmortems/2024-08-05-checkout-outage-reconciliation-query-locks.html"'
        in service
    )


def test_a_rebuild_rewrites_only_what_changed(example: Repo, cli: CliRunnerCall) -> None:
    built(example)
    assert rebuild(example) == []
    second = cli.ok("site")
    assert "0 file(s) written" in second.stderr
    target = "2024-09-10-disk-full-on-log-host"
    cli.ok("event", target, "Disk cleaned again", "--at", "2024-09-10T08:00Z")
    assert rebuild(example) == [
        f"postmortems/{target}.html",  # its timeline and history
        "reports/2024-Q3.html",  # the timeline can change response times
        "reports/2024.html",
        "search/2024-09.js",  # the event's text is searchable
    ]
    cli.ok("action", "done", target, "2")
    changed = rebuild(example)
    assert {
        f"postmortems/{target}.html",
        "actions/index.html",
        "actions/owners.html",
        "services/logging.html",
        "services/index.html",
    } <= set(changed)
    assert (
        "index.html" not in changed
        and "postmortems/2024-01-15-database-connection-pool-exhausted.html" not in changed
    )
    assert sitecheck.problems(example.path / "_site") == []


def test_a_removed_postmortem_takes_its_pages_along(example: Repo) -> None:
    site = built(example)
    gone = "2024-05-21-dns-misconfiguration-broke-internal-service"
    example.git("rm", "--quiet", f"postmortems/2024/{gone}.md")
    example.git("commit", "--quiet", "-m", "Remove one")
    changed = rebuild(example)
    assert "index.html" in changed
    assert not (site / "postmortems" / f"{gone}.html").exists()
    assert not (site / "services" / "dns.html").exists()
    assert gone not in page(site, "index.html")
    assert sitecheck.problems(site) == []


def test_a_changed_template_renders_every_page_again(example: Repo) -> None:
    site = built(example)
    templates = example.path / "templates" / "site"
    templates.mkdir(parents=True)
    source = (ROOT / "templates" / "site" / "index.html.j2").read_text(encoding="utf-8")
    (templates / "index.html.j2").write_text(
        source.replace("<h1>Postmortems</h1>", "<h1>Our incidents</h1>"), encoding="utf-8"
    )
    assert len(rebuild(example)) == len(json.loads(page(site, MANIFEST))["pages"])
    assert "<h1>Our incidents</h1>" in page(site, "index.html")
    assert rebuild(example) == []


def test_where_a_site_may_not_be_written(example: Repo, cli: CliRunnerCall, tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in (example.path / "postmortems").rglob("*") if p.is_file()}
    for target, message in (
        ("postmortems", "is in the postmortems folder"),
        ("postmortems/2024/site", "is in the postmortems folder"),
        (".", "holds the repository"),
        (str(example.path.parent), "holds the repository"),
        (".git/site", "is inside .git"),
        ("postmortems/2024/2024-09-10-disk-full-on-log-host.md", "is in the postmortems folder"),
    ):
        refused = cli("site", "-o", target)
        assert (refused.exit_code, refused.stderr) == (
            2,
            f"pm: {target} {message}; " + refused.stderr.split("; ", 1)[1],
        ), target
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    busy = tmp_path / "docs"
    busy.mkdir()
    (busy / "index.html").write_text("my own page", encoding="utf-8")
    refused = cli("site", "-o", str(busy))
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"pm: {busy} is not empty and was not built by pm site; give an empty or new folder\n"
    )
    assert (busy / "index.html").read_text(encoding="utf-8") == "my own page"
    file_target = cli("site", "-o", str(tmp_path / "notes.txt"))
    assert file_target.exit_code == 2 and "is a file" in file_target.stderr
    nul = cli("site", "-o", "x\x00y")
    assert nul.exit_code == 2 and "NUL" in nul.stderr
    assert {
        p: p.read_bytes() for p in (example.path / "postmortems").rglob("*") if p.is_file()
    } == before
    elsewhere = tmp_path / "out" / "site"
    cli.ok("site", "-o", str(elsewhere))
    assert (elsewhere / "index.html").is_file()


def test_a_tampered_manifest_removes_nothing_outside_the_site(
    example: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    site = built(example)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    outside = example.path / "README.md"
    outside.write_text("# ops\n", encoding="utf-8")
    manifest = json.loads(page(site, MANIFEST))
    for bad in (
        "../README.md",
        str(victim),
        "../../victim.txt",
        "/etc/hostname",
        "a/../../README.md",
    ):
        manifest["pages"][bad] = {"key": "x", "files": []}
    (site / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    cli.ok("site")
    assert victim.read_text(encoding="utf-8") == "keep me" and outside.is_file()
    assert "../README.md" not in json.loads(page(site, MANIFEST))["pages"]


def test_site_settings(example: Repo, cli: CliRunnerCall) -> None:
    (example.path / ".pm.toml").write_text(
        "[site]\n"
        'title = "Acme <incidents>"\n'
        'repository_url = "https://github.com/acme/ops/"\n'
        'branch = "trunk"\n'
        'ticket_url = "https://tracker.example.com/browse/{ticket}"\n'
        'pages = ["postmortems", "services"]\n'
        'output = "public"\n',
        encoding="utf-8",
    )
    cli.ok("site")
    site = example.path / "public"
    assert not (example.path / "_site").exists()
    assert not (site / "actions").exists() and not (site / "reports").exists()
    assert not (site / "causes").exists()
    index = page(site, "index.html")
    assert "<title>All postmortems - Acme &lt;incidents&gt;</title>" in index
    assert 'href="actions/index.html"' not in index and 'href="services/index.html"' in index
    one = page(site, "postmortems/2024-08-05-checkout-outage-reconciliation-query-locks.html")
    path = "postmortems/2024/2024-08-05-checkout-outage-reconciliation-query-locks.md"
    assert f'<a href="https://github.com/acme/ops/edit/trunk/{path}">Edit this file</a>' in one
    assert f'<a href="https://github.com/acme/ops/blob/trunk/{path}">View the file</a>' in one
    commit = example.git("rev-parse", "HEAD")
    assert f'<a href="https://github.com/acme/ops/commit/{commit}">{commit[:10]}</a>' in one
    assert '<a class="ticket" href="https://tracker.example.com/browse/PAY-412">PAY-412</a>' in one
    assert "causes/" not in one  # no page to link to
    assert sitecheck.problems(site) == []
    (example.path / ".pm.toml").write_text(
        '[site]\nrepository_url = "https://gitlab.example.com/acme/ops"\n', encoding="utf-8"
    )
    cli.ok("site", "-o", "gl")
    gl = page(
        example.path / "gl",
        "postmortems/2024-08-05-checkout-outage-reconciliation-query-locks.html",
    )
    assert f'href="https://gitlab.example.com/acme/ops/-/edit/main/{path}"' in gl


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[site]\ntitel = "x"\n', "unknown key site.titel (did you mean 'title'?)"),
        (
            '[site]\npages = ["actions", "report"]\n',
            "site.pages: unknown page 'report' (did you mean 'reports'?)",
        ),
        (
            '[site]\nrepository_url = "javascript:alert(1)"\n',
            "site.repository_url must start with https://",
        ),
        (
            '[site]\nticket_url = "https://t.example.com/"\n',
            "site.ticket_url must contain {ticket}",
        ),
        ('[site]\noutput = "../elsewhere"\n', "site.output must be a path inside the repository"),
        ('[site]\ntitle = ""\n', "site.title must not be empty"),
        ('[site]\ntitle = "two\\nlines"\n', "site.title must be one line of text"),
        ("site = 3\n", "site must be a table"),
    ],
)
def test_bad_site_settings_are_named(
    example: Repo, cli: CliRunnerCall, table: str, message: str
) -> None:
    (example.path / ".pm.toml").write_text(table, encoding="utf-8")
    result = cli("site")
    assert result.exit_code == 3 and message in result.stderr, result.stderr


def test_site_templates_folder_overrides_the_built_in_ones(
    example: Repo, cli: CliRunnerCall
) -> None:
    own = example.path / "site-templates"
    own.mkdir()
    (own / "service.html.j2").write_text(
        '{% extends "site/base.html.j2" %}{% block title %}S{% endblock %}'
        "{% block main %}<h1>Custom {{ name }}</h1>{% endblock %}",
        encoding="utf-8",
    )
    (example.path / ".pm.toml").write_text(
        '[site]\ntemplates = "site-templates"\n', encoding="utf-8"
    )
    site = built(example)
    assert "<h1>Custom payments-db</h1>" in page(site, "services/payments-db.html")
    (own / "index.html.j2").write_text("{{ rows.nope.deeper }}", encoding="utf-8")
    broken = cli("site")
    assert broken.exit_code == 3 and broken.stderr.startswith("pm: template ")


def test_hostile_text_is_escaped_everywhere(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = []
    short = [(name, text) for name, text in HOSTILE if len(text) < 10_000]
    for n, (name, text) in enumerate(short):
        entry = dict(corpus.GROUPING[n % len(corpus.GROUPING)])
        prose = text.replace("\x00", "").replace("\n", " ")
        entry.update(
            id=f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}-hostile-{n}",
            title=text if text.strip() else f"blank {name}",
            impact=text,
            services=[text or "empty", "api"] if text.strip() else ["api"],
            tags=[text] if text.strip() else [],
            # A file holds no NUL byte and no line that starts a merge conflict (pm refuses both).
            root_cause=f"Cause: {prose}\n\n<script>alert('{name}')</script> [x](javascript:1)",
            summary=f"![i](http://evil.example/{name}.png) {prose}",
        )
        entries.append(entry)
    corpus.write(repo.path, entries)
    monkeypatch.setenv("PM_NOW", "2025-01-15T12:00:00Z")
    cli.ok("site")
    site = repo.path / "_site"
    assert sitecheck.problems(site) == []
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "<script>" not in html  # text "<script>" is &lt;script&gt;
        assert not re.search(r"(href|src)\s*=\s*[\"']?\s*javascript:", html, re.IGNORECASE)
        assert "<img" not in html  # the web image became a link (sitecheck: nothing loads)
        assert not re.search(r"<[a-z]+[^>]*\son\w+=", html), path
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e\u2066]", html), path
    for shard in (site / "search").iterdir():
        text = shard.read_text(encoding="utf-8")
        assert text.isascii() and text.startswith("pmSearch.add([") and text.endswith("]);\n")
        assert "</script" not in text.lower() or "<\\/script" not in text  # data, not markup
        json.loads(text[len("pmSearch.add(") : -3])


def test_an_unreadable_postmortem_is_named_and_the_rest_published(
    example: Repo, cli: CliRunnerCall
) -> None:
    broken = example.path / "postmortems" / "2024" / "2024-09-20-broken.md"
    broken.write_text("---\nid: [unclosed\n---\n", encoding="utf-8")
    result = cli("site")
    assert result.exit_code == 3
    assert "2024-09-20-broken.md" in result.stderr
    assert "1 postmortem file(s) could not be read and are not on the site" in result.stderr
    assert len(list((example.path / "_site" / "postmortems").iterdir())) == len(EXAMPLE_IDS)


def test_images_in_prose_are_copied_into_the_site(example: Repo, tmp_path: Path) -> None:
    docs = example.path / "docs"
    docs.mkdir()
    (docs / "latency.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    (docs / "link.png").symlink_to(secret)
    target = example.path / "postmortems" / "2024" / "2024-09-10-disk-full-on-log-host.md"
    text = target.read_text(encoding="utf-8")
    target.write_text(
        text.replace(
            "## Summary\n",
            "## Summary\n\n![p99 latency](../../docs/latency.png) ![out](../../docs/link.png) "
            "[the runbook](../../docs/latency.png) [missing](../../docs/nope.md) "
            "[earlier](2024-05-06-lock-waits-on-payments-db.md#root-cause)\n",
            1,
        ),
        encoding="utf-8",
    )
    site = built(example)
    html = page(site, "postmortems/2024-09-10-disk-full-on-log-host.html")
    assert '<img src="../files/docs/latency.png" alt="p99 latency">' in html
    assert (site / "files" / "docs" / "latency.png").read_bytes() == b"\x89PNG\r\n\x1a\nnot really"
    assert "secret" not in html and not (site / "files" / "docs" / "link.png").exists()
    assert 'href="../postmortems/2024-05-06-lock-waits-on-payments-db.html#root-cause"' in html
    assert ">missing<" not in html and "missing" in html  # no link to a file that is not there
    assert sitecheck.problems(site) == []
    target.write_text(text, encoding="utf-8")  # the image is no longer shown: its copy goes
    rebuild(example)
    assert not (site / "files").exists()


def test_history_follows_renames_and_updates_incrementally(repo: Repo) -> None:
    folder = repo.path / "postmortems" / "2024"
    folder.mkdir(parents=True)
    (folder / "a.md").write_text("one\n", encoding="utf-8")
    repo.git("add", "-A")
    repo.git("commit", "--quiet", "-m", "add a")
    repo.git("mv", "postmortems/2024/a.md", "postmortems/2024/b.md")
    repo.git("commit", "--quiet", "-m", "rename to b")
    first = history.histories(repo.path, repo.path / "postmortems", {})
    assert [c[4] for c in first["files"]["postmortems/2024/b.md"]] == ["rename to b", "add a"]
    (folder / "b.md").write_text("two\n", encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "edit b")
    repo.git("mv", "postmortems/2024/b.md", "postmortems/2024/c.md")
    repo.git("commit", "--quiet", "-m", "rename to c")
    updated = history.histories(repo.path, repo.path / "postmortems", first)
    fresh = history.histories(repo.path, repo.path / "postmortems", {})
    assert updated["files"]["postmortems/2024/c.md"] == fresh["files"]["postmortems/2024/c.md"]
    assert [c[4] for c in fresh["files"]["postmortems/2024/c.md"]] == [
        "rename to c", "edit b", "rename to b", "add a"
    ]  # fmt: skip
    repo.git("reset", "--quiet", "--hard", "HEAD~2")  # history rewritten: read it all again
    rewound = history.histories(repo.path, repo.path / "postmortems", updated)
    assert rewound == history.histories(repo.path, repo.path / "postmortems", {})


def test_outside_git_the_site_has_no_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunnerCall
) -> None:
    target = tmp_path / "plain"
    shutil.copytree(ROOT / "examples" / "repo", target)
    (target / ".pm.toml").write_text("commit = false\n", encoding="utf-8")
    monkeypatch.chdir(target)
    monkeypatch.setenv("PM_NOW", AS_OF)
    cli.ok("site")
    html = page(target / "_site", "postmortems/2024-09-10-disk-full-on-log-host.html")
    assert "Not in git history yet." in html


@pytest.mark.slow
def test_a_generated_repository_of_300(tmp_path: Path) -> None:
    """The benchmark's generator at a few hundred postmortems: built, linked, rebuilt."""
    import sys

    from conftest import run_pm

    target = tmp_path / "big"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(target), "-n", "300"],
        check=True,
        capture_output=True,
    )
    env = {"PM_NOW": "2026-01-01T12:00:00Z", "GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@e",
           "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@e"}  # fmt: skip
    first = run_pm(target, "site", env=env)
    assert first.returncode == 0, first.stderr
    site = target / "_site"
    assert len(list((site / "postmortems").iterdir())) == 300
    assert sitecheck.problems(site) == []
    one = sorted(p.stem for p in (target / "postmortems").rglob("*.md"))[150]
    assert run_pm(target, "event", one, "Benchmark note", env=env).returncode == 0
    again = run_pm(target, "site", env=env)
    written = int(re.search(r"(\d+) file\(s\) written", again.stderr).group(1))  # type: ignore[union-attr]
    assert written == 4, again.stderr  # its page, its search shard, its quarter and year


def test_the_commented_config_states_the_site_defaults() -> None:
    import tomllib

    from pm.config import SiteConfig, parse_config

    text = (ROOT / "templates" / "pm.toml").read_text(encoding="utf-8")
    parsed = parse_config(ROOT, tomllib.loads(text), ROOT / "pm.toml")
    assert parsed.site == SiteConfig()


def test_forked_workers_write_the_same_site(
    example: Repo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pm.site import build as site_build

    ws = Workspace.load(example.path)
    one = build(ws, tmp_path / "one")
    monkeypatch.setattr(site_build, "PARALLEL_MIN", 1)
    monkeypatch.setattr(site_build, "_workers", lambda: 2)
    two = build(Workspace.load(example.path), tmp_path / "two")
    assert one.written_paths == two.written_paths and len(one.written_paths) > 40
    for path in [*one.written_paths, MANIFEST]:
        assert (tmp_path / "one" / path).read_bytes() == (tmp_path / "two" / path).read_bytes()


@pytest.mark.slow
def test_the_site_benchmark_runs(tmp_path: Path) -> None:
    """benchmarks/site.py end to end on a small repository (figures printed, not asserted)."""
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PM_NOW"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "site.py"), "-n", "30", "--quick",
         "--out", str(tmp_path)],
        capture_output=True, text=True, env=env, check=False, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert sum(line.startswith("goal A full build, 30: pm site") for line in lines) == 2
    assert any(line.startswith("goal B incremental, 30: pm site after pm event") for line in lines)
    assert any(line.startswith("goal B beyond start-up: ") for line in lines)
