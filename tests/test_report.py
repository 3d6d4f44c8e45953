"""``pm report``: the period figures against hand-computed values, formats, -o, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import corpus
from conftest import CliRunnerCall, Repo
from pm.render.charts import MERMAID_KEYWORDS
from pm.report import median, p90

ROOT = Path(__file__).resolve().parents[1]
PERIOD = ("--since", "2024-01-01", "--until", "2024-03-31")


@pytest.fixture
def small(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setenv("PM_NOW", "2024-06-01T12:00:00Z")
    corpus.write(repo.path, corpus.SMALL)
    return repo


def period_json(cli: CliRunnerCall, *extra: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(cli.ok("report", *PERIOD, "--format", "json", *extra).stdout)
    return data


def test_median_and_nearest_rank_p90() -> None:
    assert median([4, 10, 15, 20]) == 12.5
    assert p90([4, 10, 15, 20]) == 20
    assert p90(list(range(1, 11))) == 9  # rank ceil(9.0) = 9
    assert p90(list(range(1, 12))) == 10  # rank ceil(9.9) = 10
    assert median([]) is None and p90([]) is None


def test_median_is_the_standard_librarys() -> None:
    import random
    import statistics

    draw = random.Random(15)
    for size in range(1, 40):
        values = [draw.choice([draw.randint(-5, 500), draw.random() * 1e4]) for _ in range(size)]
        assert median(values) == float(statistics.median(values))
        assert isinstance(median(values), float)


def test_period_counts_and_trend(small: Repo, cli: CliRunnerCall) -> None:
    data = period_json(cli)
    assert data["total"] == 5  # the December and April incidents are outside
    assert [i["id"][:10] for i in data["incidents"]] == [
        "2024-01-10", "2024-01-25", "2024-02-14", "2024-03-05", "2024-03-20",
    ]  # fmt: skip
    counts = data["counts"]
    assert counts["by_severity"] == [
        {"name": "SEV-1", "count": 2},
        {"name": "SEV-2", "count": 2},
        {"name": "SEV-3", "count": 1},
    ]
    assert counts["by_service"] == [
        {"name": "api", "count": 3},
        {"name": "db", "count": 2},
        {"name": "web", "count": 1},
    ]
    assert counts["by_month"] == [
        {"name": "2024-01", "count": 2},
        {"name": "2024-02", "count": 1},
        {"name": "2024-03", "count": 2},
    ]
    # 91 days before 2024-01-01: 2023-10-02..2023-12-31 holds one incident; 1 -> 5 is +400%.
    assert counts["trend"] == {
        "previous_since": "2023-10-02",
        "previous_until": "2023-12-31",
        "previous_period": 1,
        "change_percent": 400,
    }


def test_period_metrics_by_hand(small: Repo, cli: CliRunnerCall) -> None:
    metrics = period_json(cli)["metrics"]
    overall = metrics["overall"]
    # detect: 10, 20, 4, 15 -> median 12.5, p90 20; acknowledge: 5, 10, 5 -> 5 and 10;
    # mitigate: 40, 90, 30 -> 40 and 90; resolve: 60, 120, 200, 30 -> 90 and 200.
    expected = {
        "MTTD": (12.5, 20.0, 4),
        "MTTA": (5.0, 10.0, 3),
        "MTTM": (40.0, 90.0, 3),
        "MTTR": (90.0, 200.0, 4),
    }
    for short, (med, high, count) in expected.items():
        got = overall[short]
        assert (got["median_minutes"], got["p90_minutes"], got["count"]) == (med, high, count)
    assert overall["MTTR"]["median"] == "1h 30m" and overall["MTTR"]["p90"] == "3h 20m"
    sev1 = metrics["by_severity"]["SEV-1"]
    assert (sev1["MTTD"]["median_minutes"], sev1["MTTD"]["p90_minutes"]) == (7.0, 10.0)
    assert (sev1["MTTR"]["median_minutes"], sev1["MTTR"]["count"]) == (130.0, 2)
    assert sev1["MTTA"]["count"] == 1  # the failover never had an acknowledged event
    sev2 = metrics["by_severity"]["SEV-2"]
    assert (sev2["MTTD"]["median_minutes"], sev2["MTTR"]["count"]) == (17.5, 1)
    sev3 = metrics["by_severity"]["SEV-3"]
    assert sev3["MTTD"] == {
        "label": "Time to detect", "count": 0, "median_minutes": None,
        "p90_minutes": None, "median": "-", "p90": "-",
    }  # fmt: skip
    assert list(metrics["by_severity"]) == ["SEV-1", "SEV-2", "SEV-3"]


def test_follow_through_by_hand(small: Repo, cli: CliRunnerCall) -> None:
    follow = period_json(cli)["follow_through"]
    assert follow["as_of"] == "2024-03-31"
    # Five items: two done (5 and 16 days after resolution), one wont-do, two open of
    # which one (due 2024-02-09) is overdue on 2024-03-31.
    picked = {k: follow[k] for k in ("created", "done", "wont_do", "open", "overdue")}
    assert picked == {"created": 5, "done": 2, "wont_do": 1, "open": 2, "overdue": 1}
    assert follow["median_days_to_done"] == 10.5
    by_priority = {row["name"]: row for row in follow["by_priority"]}
    assert list(by_priority) == ["P0", "P1", "P2"]
    assert (by_priority["P0"]["done"], by_priority["P0"]["median_days_to_done"]) == (2, 10.5)
    assert (by_priority["P1"]["wont_do"], by_priority["P1"]["overdue"]) == (1, 1)
    assert (by_priority["P2"]["open"], by_priority["P2"]["overdue"]) == (1, 0)
    owners = [
        (row["name"], row["created"], row["done"], row["overdue"]) for row in follow["by_owner"]
    ]
    assert owners == [("alice", 2, 1, 0), ("bob", 2, 1, 1), ("carol", 1, 0, 0)]
    assert [(i["id"], i["number"], i["days_overdue"]) for i in follow["overdue_items"]] == [
        ("2024-01-10-api-errors", 2, 51)
    ]


def test_reviews_late_and_missing(small: Repo, cli: CliRunnerCall) -> None:
    reviews = period_json(cli)["reviews"]
    assert reviews["late"] == [
        {"id": "2024-01-25-api-slow", "title": "API slow", "due": "2024-01-27",
         "held": "2024-02-01", "days_late": 5}
    ]  # fmt: skip
    assert reviews["missing"] == [
        {"id": "2024-02-14-db-failover", "title": "DB failover", "due": "2024-02-16",
         "days_overdue": 44}
    ]  # fmt: skip


def test_service_filter_and_default_until(small: Repo, cli: CliRunnerCall) -> None:
    data = period_json(cli, "--service", "db")
    assert [i["id"] for i in data["incidents"]] == [
        "2024-01-10-api-errors",
        "2024-02-14-db-failover",
    ]
    everything = json.loads(cli.ok("report", "--format", "json").stdout)
    assert everything["period"] == {"since": None, "until": "2024-06-01", "service": None}
    assert everything["total"] == 7
    assert everything["counts"]["trend"]["previous_period"] is None


def test_text_report_plain_when_piped(small: Repo, cli: CliRunnerCall) -> None:
    out = cli.ok("report", *PERIOD).stdout
    assert out.startswith(
        "Incident report: 2024-01-01 to 2024-03-31\n5 incidents; previous period 1 (+400%)\n"
    )
    assert "Incidents by severity\n  SEV-1  2\n  SEV-2  2\n  SEV-3  1\n" in out
    assert "  all    MTTD 12m / 20m (4)" in out
    assert "5 action items: 2 done, 1 won't do, 2 open, 1 overdue as of 2024-03-31" in out
    assert "missing  2024-02-14-db-failover (due 2024-02-16, 44 days overdue)" in out
    assert "\x1b[" not in out


def test_text_report_draws_rich_bars_on_a_terminal(small: Repo) -> None:
    """A real pseudo-terminal: Rich draws bars (block characters) for the counts."""
    import os
    import pty

    from conftest import pm_command

    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(small.path)
        os.execvpe(pm_command()[0], [*pm_command(), "report", *PERIOD], env)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.waitpid(pid, 0)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "Incidents by severity" in screen
    assert "█" in screen or "━" in screen


def test_output_file_and_refusals(small: Repo, cli: CliRunnerCall, tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    result = cli.ok("report", *PERIOD, "--format", "md", "-o", str(target))
    assert result.stdout == ""
    assert f"Wrote {target}" in result.stderr
    first = target.read_text(encoding="utf-8")
    assert first.startswith("# Incident report: 2024-01-01 to 2024-03-31\n")
    cli.ok("report", *PERIOD, "--format", "html", "-o", str(target))  # over an existing file
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    refused = cli("report", "-o", str(tmp_path))
    assert refused.exit_code == 2
    assert refused.stderr == f"pm: {tmp_path} is a directory; give a file name for -o\n"
    missing = cli("report", "-o", str(tmp_path / "nope" / "r.md"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert not list(tmp_path.glob(".*.tmp"))


def test_output_goes_where_asked_but_never_over_a_postmortem(
    small: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """-o is a redirect: outside the repository is fine; the postmortems folder is not."""
    folder = small.path / "postmortems"
    postmortem = sorted(folder.rglob("*.md"))[0]
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    head = small.git("rev-parse", "HEAD")
    link = tmp_path / "link.md"
    link.symlink_to(postmortem)
    for target in (
        str(postmortem),
        postmortem.relative_to(small.path).as_posix(),
        "postmortems/new-report.md",
        "postmortems/../postmortems/2024/r.html",
        str(link),
    ):
        refused = cli("report", *PERIOD, "--format", "md", "-o", target)
        assert (refused.exit_code, refused.stderr) == (
            2,
            f"pm: {target} is in the postmortems folder; write the report elsewhere\n",
        )
    nul = cli("report", "-o", "r\x00.md")
    assert nul.exit_code == 2 and "NUL" in nul.stderr
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert link.is_symlink() and small.git("rev-parse", "HEAD") == head
    (small.path / "docs").mkdir()
    monkeypatch.chdir(small.path / "docs")
    cli.ok("report", *PERIOD, "--format", "html", "-o", "../../outside.html")
    assert (tmp_path / "outside.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    cli.ok("report", *PERIOD, "--format", "json", "-o", str(tmp_path / "abs.json"))
    assert json.loads((tmp_path / "abs.json").read_text(encoding="utf-8"))["counts"]


def test_usage_errors(small: Repo, cli: CliRunnerCall) -> None:
    bad = cli("report", "--format", "docx")
    assert (bad.exit_code, bad.stderr) == (
        2,
        "pm: unknown format 'docx'; use one of text, md, html, json, pdf, slack\n",
    )
    one = cli("report", "2024-01-10", "--format", "text")
    assert (one.exit_code, one.stderr) == (
        2,
        "pm: unknown format 'text'; use one of md, html, json, pdf\n",
    )
    pdf = cli("report", "2024-01-10", "--format", "pdf")
    assert (pdf.exit_code, pdf.stderr) == (
        2,
        "pm: --format pdf writes a file; give one with -o FILE\n",
    )
    mixed = cli("report", "2024-01-10", "--since", "2024-01-01")
    assert mixed.exit_code == 2 and "period reports" in mixed.stderr
    backwards = cli("report", "--since", "2024-03-01", "--until", "2024-01-01")
    assert (backwards.exit_code, backwards.stderr) == (
        2, "pm: --since 2024-03-01 is after --until 2024-01-01: the period is empty\n"
    )  # fmt: skip
    date = cli("report", "--since", "soon")
    assert date.exit_code == 2 and "cannot read --since 'soon'" in date.stderr
    unknown = cli("report", "no-such-incident")
    assert unknown.exit_code == 3 and unknown.stderr.startswith("pm: no postmortem matches")


def test_broken_file_is_named_and_exit_3(small: Repo, cli: CliRunnerCall) -> None:
    broken = small.path / "postmortems" / "2024" / "2024-02-01-broken.md"
    broken.write_text("---\nid: [\n---\n", encoding="utf-8")
    result = cli("report", *PERIOD, "--format", "json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["total"] == 5
    assert "2024-02-01-broken.md" in result.stderr


def test_incident_report_json(small: Repo, cli: CliRunnerCall) -> None:
    data = json.loads(cli.ok("report", "2024-01-10", "--format", "json").stdout)
    assert data["id"] == "2024-01-10-api-errors"
    assert data["duration"] == "1h 00m"
    assert [(m["short"], m["minutes"]) for m in data["metrics"]] == [
        ("MTTD", 10.0), ("MTTA", 5.0), ("MTTM", 40.0), ("MTTR", 60.0),
    ]  # fmt: skip
    assert [a["status"] for a in data["actions"]] == ["done", "open"]
    assert data["actions"][1]["days_overdue"] == 113  # due 2024-02-09, today 2024-06-01


# --- markdown quality ---------------------------------------------------------------------

XSS_TITLE = "<script>alert(1)</script> | *bold* [x](http://evil.example)"


@pytest.fixture
def rich_repo(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """The grouping corpus plus an incident whose title and texts try to inject markup."""
    monkeypatch.setenv("PM_NOW", "2025-01-15T12:00:00Z")
    hostile = dict(corpus.GROUPING[5])
    hostile.update(
        id="2024-12-20-hostile-title",
        title=XSS_TITLE,
        impact="<img src=x onerror=alert(2)> users | affected",
        services=["payments-api"],
        actions=[("<b>Fix</b> the payments `query` | database now", "open")],
    )
    corpus.write(repo.path, [*corpus.GROUPING, hostile])
    return repo


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    pymarkdown = Path(sys.executable).parent / "pymarkdown"
    return subprocess.run(
        [str(pymarkdown), "--config", str(ROOT / ".pymarkdown.json"), "scan", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def mermaid_blocks(text: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def assert_github_mermaid(block: str) -> None:
    first = block.splitlines()[0].split()[0]
    assert first in MERMAID_KEYWORDS, block
    assert "%%" not in block  # no directives or comments
    assert not any(line.strip().lower().startswith("click") for line in block.splitlines())
    assert not re.search(r"<[A-Za-z/!]", block), block
    for line in block.splitlines()[1:]:
        assert line.startswith("    "), line


@pytest.mark.slow  # runs pymarkdown in a subprocess
def test_markdown_reports_pass_the_linter(
    rich_repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    outputs = {
        "period.md": ("report", "--since", "2024-01-01", "--format", "md"),
        "incident.md": ("report", "2024-06-25-slow", "--format", "md"),
        "hostile.md": ("report", "2024-12-20-hostile", "--format", "md"),
        "small-period.md": ("report", "--since", "2025-01-01", "--format", "md"),
    }
    for name, args in outputs.items():
        path = tmp_path / name
        cli.ok(*args, "--output", str(path))
        result = lint(path)
        assert result.returncode == 0, f"{name}:\n{result.stdout}{result.stderr}"
        text = path.read_text(encoding="utf-8")
        for block in mermaid_blocks(text):
            assert_github_mermaid(block)
    period = (tmp_path / "period.md").read_text(encoding="utf-8")
    kinds = sorted({b.split()[0] for b in mermaid_blocks(period)})
    assert kinds == ["pie", "xychart-beta"]
    incident = (tmp_path / "incident.md").read_text(encoding="utf-8")
    assert [b.split()[0] for b in mermaid_blocks(incident)] == ["gantt"]


@pytest.mark.slow  # runs pymarkdown in a subprocess
def test_linter_catches_a_broken_file(tmp_path: Path) -> None:
    """The lint test can fail: a file with two H1s and no blank lines is reported."""
    bad = tmp_path / "bad.md"
    bad.write_text("# One\n# Two\ntext\n", encoding="utf-8")
    assert lint(bad).returncode != 0


def test_user_text_is_escaped_in_markdown(rich_repo: Repo, cli: CliRunnerCall) -> None:
    out = cli.ok("report", "2024-12-20-hostile", "--format", "md").stdout
    raw_tag = re.compile(r"(?<!\\)<(script|img|b)\b")  # a < not escaped with a backslash
    assert not raw_tag.search(out), out
    assert "\\<script\\>alert(1)\\</script\\> \\| \\*bold\\* \\[x\\](http://evil.example)" in out
    period = cli.ok("report", "--format", "md").stdout
    assert not raw_tag.search(period)
    assert (
        "\\<b\\>Fix\\</b\\> the payments \\`query\\` \\| database now" in period
    )  # the action item


def test_mermaid_labels_cannot_break_out() -> None:
    from pm.render.charts import mermaid_bars, mermaid_pie

    hostile = [('a"b:c\nclick x call alert()', 2.0), ("%%{init: {}}%%", 1.0)]
    for block in (mermaid_pie("t", hostile), mermaid_bars("t", hostile, "n")):
        assert_github_mermaid(block)
        assert block.count('"') % 2 == 0 and "\n    click" not in block
        assert "%%" not in block


def test_template_override(small: Repo, cli: CliRunnerCall) -> None:
    templates = small.path / "templates"
    templates.mkdir()
    (templates / "report-incident.md.j2").write_text(
        "Custom: {{ report.title | md }} ({{ report.severity }})\n", encoding="utf-8"
    )
    assert cli.ok("report", "2024-01-10").stdout == "Custom: API errors (SEV-1)\n"
    (templates / "report-period.md.j2").write_text("{{ report.nope.deeper }}\n", encoding="utf-8")
    broken = cli("report", "--format", "md")
    assert broken.exit_code == 3
    assert broken.stderr.startswith("pm: template ")


def test_incident_report_of_an_ongoing_incident(small: Repo, cli: CliRunnerCall) -> None:
    out = cli.ok("report", "2024-03-20-api-ongoing").stdout
    assert "| Resolved | not yet |" in out
    assert "| Duration | " in out and "(ongoing)" in out
    assert "| Time to resolve (MTTR) | - |" in out
    assert "No action items." in out and "None found by root cause." in out
    html = cli.ok("report", "2024-03-20-api-ongoing", "--format", "html").stdout
    assert "<td>not yet</td>" in html and "<svg" in html


def test_period_report_with_no_incidents(repo: Repo, cli: CliRunnerCall) -> None:
    cli.ok("init")
    out = cli.ok("report").stdout
    assert out.startswith("Incident report: the beginning to 2024-01-20\n0 incidents\n")
    data = json.loads(cli.ok("report", "--format", "json").stdout)
    assert data["total"] == 0 and data["recurring"] == []
    assert data["metrics"]["overall"]["MTTR"]["median_minutes"] is None
    html = cli.ok("report", "--format", "html").stdout
    assert "No recurring causes found." in html
