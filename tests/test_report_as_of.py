"""``pm report --as-of-commit REV`` and ``--as-of-date DATE``: the report of the repository
as it was, read from git's objects (never the working tree), reproduced byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo

FORMATS = (("text",), ("md",), ("json",), ("html",))


def moment(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    """The clock and the commit dates at ``when`` (UTC)."""
    for name in ("PM_NOW", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(name, f"{when}+00:00" if name != "PM_NOW" else f"{when}Z")


def report(cli: CliRunnerCall, fmt: str, *extra: str) -> str:
    return cli.ok("report", "--since", "2024-01-01", "-f", fmt, *extra).stdout


@pytest.fixture
def january(repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch) -> str:
    """Two incidents by 2024-01-20 12:00, one resolved with an item; returns the commit."""
    moment(monkeypatch, "2024-01-20T12:00:00")
    (repo.path / ".pm.toml").write_text("[slo.payments-api]\ntarget = 99.9\n", encoding="utf-8")
    repo.git("add", ".pm.toml")
    repo.git("commit", "--quiet", "-m", "SLO")
    first = cli.ok("open", "Pool exhausted", "-s", "SEV-1", "--service", "payments-api",
                   "--started", "2024-01-15T14:05").stdout.split("\t")[0]  # fmt: skip
    cli.ok("resolve", first, "--at", "2024-01-15T15:05")
    cli.ok("action", "add", first, "Alert on pool saturation", "--owner", "bob", "--due",
           "2024-01-18")  # fmt: skip
    cli.ok("open", "Cache cold", "-s", "SEV-2", "--service", "payments-api",
           "--started", "2024-01-20T11:00")  # fmt: skip
    return repo.git("rev-parse", "HEAD")


def later(repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch) -> None:
    """March: a new incident, the active one resolved, the item done, the SLO changed."""
    moment(monkeypatch, "2024-03-01T09:00:00")
    cli.ok("open", "DNS", "-s", "SEV-2", "--service", "dns", "--started", "2024-02-20T10:00")
    cli.ok("resolve", "2024-01-20-cache-cold", "--at", "2024-01-20T13:30")
    cli.ok("action", "done", "2024-01-15-pool-exhausted", "1")
    (repo.path / ".pm.toml").write_text("[slo.payments-api]\ntarget = 99.0\n", encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "Looser SLO")


def test_as_of_commit_reproduces_the_earlier_report_byte_for_byte(
    january: str, repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {fmt: report(cli, fmt) for (fmt,) in FORMATS}
    assert "2024-01-15-pool-exhausted #1" in before["text"]  # overdue on the 20th
    later(repo, cli, monkeypatch)
    now = {fmt: report(cli, fmt) for (fmt,) in FORMATS}
    assert now["json"] != before["json"]
    for (fmt,) in FORMATS:
        assert report(cli, fmt, "--as-of-commit", january) == before[fmt], fmt
    assert report(cli, "json", "--as-of-commit", january[:8]) == before["json"]


def test_the_working_tree_is_not_touched(
    january: str, repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    later(repo, cli, monkeypatch)
    path = repo.postmortem_path("2024-02-20-dns")
    path.write_text(path.read_text(encoding="utf-8") + "\nUncommitted notes.\n", "utf-8")
    status, mtime = repo.git("status", "--porcelain"), path.stat().st_mtime_ns
    data = json.loads(report(cli, "json", "--as-of-commit", january))
    assert [i["id"] for i in data["incidents"]] == [
        "2024-01-15-pool-exhausted", "2024-01-20-cache-cold",
    ]  # fmt: skip
    assert data["incidents"][1]["status"] == "active"
    assert data["budgets"][0]["target"] == 99.9  # the config of that commit
    assert data["budgets"][0]["consumed_minutes"] == 120.0  # 60 + the active 60 to 12:00
    assert repo.git("status", "--porcelain") == status and path.stat().st_mtime_ns == mtime


def test_as_of_date_takes_the_last_commit_by_the_end_of_that_day(
    january: str, repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    later(repo, cli, monkeypatch)
    data = json.loads(report(cli, "json", "--as-of-date", "2024-02-15"))
    assert data["period"]["until"] == "2024-02-15"  # "now" is the end of that day
    assert [i["id"] for i in data["incidents"]] == [
        "2024-01-15-pool-exhausted", "2024-01-20-cache-cold",
    ]  # fmt: skip
    assert data["budgets"][0]["as_of"] == "2024-02-15T23:59:59Z"
    assert data["follow_through"]["overdue"] == 1
    today = json.loads(report(cli, "json", "--as-of-date", "2024-03-01"))
    assert len(today["incidents"]) == 3 and today["budgets"][0]["target"] == 99.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as-of-date", "2023-06-01"),
         "pm: --as-of-date 2023-06-01: no commit on this branch by then; the first is from "
         "2024-01-20\n"),
        (("--as-of-date", "someday"), None),
        (("--as-of-commit", "HEAD", "--as-of-date", "2024-02-01"),
         "pm: use --as-of-commit or --as-of-date, not both\n"),
    ],
)  # fmt: skip
def test_errors_are_one_line_usage_errors(
    january: str, cli: CliRunnerCall, args: tuple[str, ...], message: str | None
) -> None:
    result = cli("report", *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("pm: ")
    if message is not None:
        assert result.stderr == message


def test_an_unknown_revision_is_bad_data_like_an_unknown_id(
    january: str, cli: CliRunnerCall
) -> None:
    result = cli("report", "--as-of-commit", "nope")
    assert result.exit_code == 3
    assert result.stderr == "pm: unknown revision 'nope': no such commit in this repository\n"


def test_one_id_refuses_as_of(january: str, cli: CliRunnerCall) -> None:
    result = cli("report", "2024-01-15-pool-exhausted", "--as-of-commit", "HEAD")
    assert result.exit_code == 2 and "are for period reports, not one ID" in result.stderr


def test_a_bad_config_then_names_the_commit(
    january: str, repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo.path / ".pm.toml").write_text("[slo.payments-api]\ntarget = 200\n", encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "Oops")
    bad = repo.git("rev-parse", "HEAD")
    (repo.path / ".pm.toml").write_text("", encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "Fixed")
    result = cli("report", "--as-of-commit", bad)
    assert result.exit_code == 3
    assert result.stderr == (
        f"pm: at {bad[:12]}: .pm.toml: slo.payments-api.target must be a percentage above 0 "
        "and below 100, not 200\n"
    )


def test_a_file_unreadable_then_is_named_and_left_out(
    january: str, repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    path = repo.postmortem_path("2024-01-20-cache-cold")
    path.write_text("---\nid: [unclosed\n---\n", encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "Broken by hand")
    result = cli("report", "--as-of-commit", "HEAD", "--json")
    assert result.exit_code == 3
    assert len(json.loads(result.stdout)["incidents"]) == 1
    assert "2024-01-20-cache-cold.md" in result.stderr


def test_an_item_is_created_when_a_commit_first_added_it(
    january: str, repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment(monkeypatch, "2024-02-01T09:00:00")
    cli.ok("action", "edit", "2024-01-15-pool-exhausted", "1", "--text", "Alert at 80%")
    later(repo, cli, monkeypatch)  # done on 2024-03-01
    follow = json.loads(report(cli, "json"))["follow_through"]
    assert follow["median_days_created_to_done"] == 41.0  # 2024-01-20 to 2024-03-01
    assert follow["done_with_created"] == 1
    assert "median days from an item's creation to done 41 (1 done item)" in report(cli, "text")
    assert "Median days from an item's creation to done: 41 (1 done item)." in report(cli, "md")
    # A created: date in the file wins over history.
    path = repo.postmortem_path("2024-01-15-pool-exhausted")
    text = path.read_text(encoding="utf-8").replace(
        "  status: done", "  status: done\n  created: 2024-01-16"
    )
    path.write_text(text, encoding="utf-8")
    assert json.loads(report(cli, "json"))["follow_through"]["median_days_created_to_done"] == 45.0
    before = json.loads(report(cli, "json", "--as-of-commit", january))["follow_through"]
    assert before["median_days_created_to_done"] is None and before["done"] == 0


@pytest.mark.slow
def test_the_readme_samples_are_true(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's as-of samples, on the example's history as generate.py replays it."""
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    section = (root / "README.md").read_text(encoding="utf-8")
    section = section.split("### The report as it was:")[1].split("\n### ")[0]
    blocks = re.findall(r"```console\n\$ pm ([^|\n]*)\| (head -\d+|grep -A2 \^Follow)\n(.*?)```",
                        section, re.S)  # fmt: skip
    assert len(blocks) == 2
    work = tmp_path / "history"
    work.mkdir()
    script = "import sys; sys.path.insert(0, sys.argv[1]); import generate, pathlib; "
    script += "generate.build(pathlib.Path(sys.argv[2]))"
    subprocess.run([sys.executable, "-c", script, str(root / "examples"), str(work)],
                   check=True, cwd=work)  # fmt: skip
    monkeypatch.chdir(work)
    monkeypatch.setenv("PM_NOW", "2024-09-30T12:00:00Z")
    for args, pipe, shown in blocks:
        lines = CliRunnerCall().ok(*args.split()).stdout.splitlines(keepends=True)
        if pipe.startswith("head"):
            lines = lines[: int(pipe.split("-")[1])]
        else:
            start = lines.index("Follow-through\n")
            lines = lines[start : start + 3]
        assert "".join(lines) == shown
