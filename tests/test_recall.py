"""``pm recall``: past incidents that name the files a change touches, and why.

Real repositories: a postmortems repository (the ``repo`` fixture) and, for ``--diff``, a
service repository with a real branch, a real rename and a real diff beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import CliRunnerCall, Repo, git, run_pm
from factories import action, commit, day, postmortem, write
from pm.pathglob import compile_pattern
from pm.recall import mention_kind, mentions

POOL = "2024-03-04-checkout-connection-timeouts"
RECON = "2024-08-05-reconciliation-query-locks"
DNS = "2024-05-21-dns-misconfiguration"


# --- what counts as a mention ------------------------------------------------------------------


def test_paths_and_file_names_in_prose_are_mentions() -> None:
    text = (
        "The pool size in `config/pool.yaml` was 10. The report (reconcile.sql) locks rows; "
        "see ./scripts/restart.sh, db/migrations/0042_locks and src/payments/. It ran "
        "reports/monthly/reconcile.sql."
    )
    assert mentions(text) == [
        "config/pool.yaml",
        "reconcile.sql",
        "scripts/restart.sh",
        "db/migrations/0042_locks",
        "src/payments/",
        "reports/monthly/reconcile.sql",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Use a smaller pool, e.g. 10 connections, i.e. fewer.",
        "See https://wiki.example.com/runbooks/config/pool.yaml for the runbook.",
        "Mail oncall@example.com or open www.example.com/status.html today.",
        "The read/write split and the 24/7 rota, client/server.",
        "Version v1.2 raised availability to 99.9% in 3.5s.",
        "The host api.example.com answered; so did example.org.",
        "Node.js", "a.m. and U.S.",
    ],
)  # fmt: skip
def test_words_that_look_like_paths_are_not_mentions(text: str) -> None:
    found = mentions(text)
    assert found in ([], ["Node.js"]), found  # a file name, but never a lower-case node.js


@pytest.mark.parametrize(
    ("mention", "path", "kind"),
    [
        ("config/pool.yaml", "config/pool.yaml", "path"),
        ("pool/config.yaml", "src/pool/config.yaml", "path"),
        ("reconcile.sql", "reports/reconcile.sql", "name"),
        ("src/payments/", "src/payments/api/handler.py", "folder"),
        ("ool.yaml", "config/pool.yaml", None),  # the end of a name is not the name
        ("config/pool.yaml", "other/config/pool.yml", None),
        ("Reconcile.sql", "reports/reconcile.sql", None),  # paths compare as git's do
        ("src/pay/", "src/payments/api.py", None),
    ],
)
def test_how_a_mention_names_a_path(mention: str, path: str, kind: str | None) -> None:
    assert mention_kind(mention, path) == kind


@pytest.mark.parametrize(
    ("pattern", "path", "matched"),
    [
        ("src/payments/**", "src/payments/api/handler.py", True),
        ("src/payments/**", "src/payments-v2/api.py", False),
        ("src/payments/", "src/payments/api.py", True),
        ("*.sql", "reports/monthly/reconcile.sql", True),
        ("reconcile.sql", "reports/reconcile.sql", True),
        ("src/*.py", "src/api/handler.py", False),
        ("src/**/handler.py", "src/handler.py", True),
        ("db/[!t]*.sql", "db/test.sql", False),
        ("db/[!t]*.sql", "db/payments.sql", True),
    ],
)
def test_service_path_patterns(pattern: str, path: str, matched: bool) -> None:
    assert bool(compile_pattern(pattern).match(path)) is matched


# --- the postmortems ---------------------------------------------------------------------------


SERVICES = """
[services.payments-api]
paths = ["src/payments/**", "config/pool.yaml"]
"""


@pytest.fixture
def history(repo: Repo) -> Repo:
    """Three past incidents: one with services and tags, one whose root cause names a
    file, one unrelated; ``.pm.toml`` maps payments-api to its files."""
    (repo.path / ".pm.toml").write_text(SERVICES, encoding="utf-8")
    pool = postmortem(POOL, "Checkout connection timeouts", actions=[action(1, "Raise the pool")])
    pool.services = ["payments-api"]
    pool.tags = ["database"]
    write(repo.path, pool)
    recon = postmortem(
        RECON,
        "Reconciliation query locks payments tables",
        actions=[
            action(1, "Move reports/reconcile.sql to the replica", status="in-progress"),
            action(2, "Set lock_timeout", status="done", done=day("2024-08-07")),
        ],
    )
    recon.services = ["payments-db"]
    recon.extra["same_cause"] = [POOL]
    write(
        repo.path,
        recon,
        sections={
            "Root Cause": "The monthly report (reconcile.sql) holds row locks for 40 "
            "minutes, e.g. on payments; see https://wiki.example.com/db/reconcile.sql.",
        },
    )
    dns = postmortem(DNS, "DNS misconfiguration", actions=[action(1, "Lint zone files")])
    dns.services = ["dns"]
    dns.tags = ["config-change"]
    write(repo.path, dns)
    commit(repo.path)
    return repo


def recalled(cli: CliRunnerCall, *args: str) -> Any:
    return json.loads(cli.ok("recall", *args, "--json").stdout)


def ids(data: Any) -> list[str]:
    return [i["id"] for i in data["incidents"]]


def test_a_file_named_in_a_root_cause_recalls_the_incident(
    history: Repo, cli: CliRunnerCall
) -> None:
    result = cli.ok("recall", "--paths", "reports/reconcile.sql")
    assert result.stdout.startswith("1 past incident names the 1 changed file:\n")
    assert RECON in result.stdout
    words = " ".join(result.stdout.split())
    assert "why: reports/reconcile.sql is named by its file name (reconcile.sql) in Root Cause" in (
        words
    )
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    # Its open action item, not the done one; and the group its same_cause link makes.
    assert "#1 Move reports/reconcile.sql to the replica" in result.stdout
    assert "Set lock_timeout" not in result.stdout
    assert "recurring cause: 2 incidents" in result.stdout
    (incident,) = recalled(cli, "--paths", "reports/reconcile.sql")["incidents"]
    # Strongest first: the whole path in an action item, then the file's name in prose.
    assert incident["reasons"] == [
        {
            "file": "reports/reconcile.sql",
            "kind": "path",
            "name": "reports/reconcile.sql",
            "where": "action #1",
            "text": "Move reports/reconcile.sql to the replica",
        },
        {
            "file": "reports/reconcile.sql",
            "kind": "name",
            "name": "reconcile.sql",
            "where": "Root Cause",
            "text": "The monthly report (reconcile.sql) holds row locks for 40 minutes, e.g. "
            "on payments; see https://wiki.example.com/db/reconcile.sql.",
        },
    ]
    assert [a["number"] for a in incident["open_actions"]] == [1]
    assert incident["group"]["incidents"] == [POOL, RECON]


def test_in_a_large_repository_groups_come_from_the_neighbourhood(
    history: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over GROUP_LIMIT postmortems, those sharing a service or tag with an incident
    recalled, and its same_cause links, are grouped: the linked pair still groups."""
    from pm import recallread

    monkeypatch.setattr(recallread, "GROUP_LIMIT", 1)
    (incident,) = recalled(cli, "--paths", "reports/reconcile.sql")["incidents"]
    assert incident["group"]["incidents"] == [POOL, RECON]


def test_a_url_naming_the_file_is_not_a_mention(history: Repo, cli: CliRunnerCall) -> None:
    data = recalled(cli, "--paths", "db/reconcile.sql")
    (incident,) = data["incidents"]
    assert all("wiki.example.com" not in r["name"] for r in incident["reasons"])
    assert [(r["kind"], r["where"]) for r in incident["reasons"]] == [("name", "Root Cause")]


def test_services_map_to_paths_and_tags_to_folders(history: Repo, cli: CliRunnerCall) -> None:
    data = recalled(cli, "--paths", "src/payments/api/handler.py", "infra/dns/zones.tf")
    assert sorted(ids(data)) == [POOL, DNS]
    reasons = {i["id"]: i["reasons"] for i in data["incidents"]}
    assert reasons[POOL] == [
        {
            "file": "src/payments/api/handler.py",
            "kind": "service",
            "name": "payments-api",
            "where": "src/payments/**",
            "text": "",
        }
    ]
    # dns has no patterns: a folder of its name owns the file.
    assert [r["kind"] for r in reasons[DNS]] == ["service-folder"]
    # A tag names a folder or a file's name without its extension.
    assert ids(recalled(cli, "--paths", "migrations/database.sql")) == [POOL]
    # Not a prefix of a folder name, not a configured service's other folders.
    assert ids(recalled(cli, "--paths", "src/payments-v2/api.py", "payments-api/x.py")) == []


def test_nothing_named_is_advice_exit_0(history: Repo, cli: CliRunnerCall) -> None:
    result = cli.ok("recall", "README.md")
    assert result.stdout == "No past incident names the 1 changed file.\n"
    assert cli.ok("recall", "README.md", "-f", "md").stdout == ""
    assert cli.ok("recall", "README.md", "-f", "github").stdout == ""


def test_fail_on_open_exits_1_while_an_incident_recalled_has_open_items(
    history: Repo, cli: CliRunnerCall
) -> None:
    assert cli("recall", "--paths", "reports/reconcile.sql").exit_code == 0
    assert cli("recall", "--paths", "reports/reconcile.sql", "--fail-on-open").exit_code == 1
    assert cli("recall", "--paths", "README.md", "--fail-on-open").exit_code == 0


def test_markdown_and_github_formats(history: Repo, cli: CliRunnerCall) -> None:
    md = cli.ok("recall", "--paths", "config/pool.yaml", "reports/reconcile.sql", "-f", "md")
    text = md.stdout
    assert text.startswith("### pm recall: 2 past incidents name the files this change touches")
    assert "| incident | severity | why | open items |" in text
    assert "<details>" in text and text.rstrip().endswith("</details>")
    github = cli.ok(
        "recall", "--paths", "config/pool.yaml", "reports/reconcile.sql", "-f", "github"
    )
    lines = github.stdout.splitlines()
    assert lines == [
        f"::notice file=config/pool.yaml,title=pm recall%3A past incidents::1 past incident "
        f"names this file: {POOL} (service payments-api)",
        f"::notice file=reports/reconcile.sql,title=pm recall%3A past incidents::1 past "
        f"incident names this file: {RECON} (named in action #1, named in Root Cause)",
    ]


def test_limit_shows_the_strongest_first(history: Repo, cli: CliRunnerCall) -> None:
    both = ["--paths", "config/pool.yaml", "reports/reconcile.sql"]
    data = recalled(cli, *both, "--limit", "1")
    assert data["total"] == 2 and ids(data) == [RECON]  # a file named beats a service
    assert "(the first 1 shown; --limit 0 shows all)" in " ".join(
        cli.ok("recall", *both, "-n", "1").stdout.split()
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "pm: nothing to recall for: give --paths FILE... or --diff REV\n"),
        (("a.py", "--diff", "main"), "pm: give --paths FILE... or --diff REV, not both\n"),
        (("a.py", "--repo", "."), "pm: --repo is where --diff looks; give --diff REV with it\n"),
        (("/etc/passwd",), "pm: --paths /etc/passwd: give paths from the top of the repository "
         "(src/payments/api.py), not absolute or with ..\n"),
        (("a.py", "-f", "html"), "pm: unknown format 'html'; use one of text, md, github, json\n"),
    ],
)  # fmt: skip
def test_usage_errors(
    history: Repo, cli: CliRunnerCall, args: tuple[str, ...], message: str
) -> None:
    result = cli("recall", *args)
    assert (result.exit_code, result.stderr) == (2, message)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[services.api]\npaths = ["[abc"]\n', "services.api.paths: '[abc': a [ opens a set"),
        ('[services.api]\npaths = ["/src/**"]\n', "drop the leading /"),
        ("[services.api]\npaths = []\n", "services.api.paths must be a list of patterns"),
        ('[services.api]\npath = ["src/**"]\n', "unknown key services.api.path (did you mean"),
        ('services = "src"\n', "services must be a table of [services.NAME] tables"),
    ],
)
def test_a_bad_services_mapping_is_a_one_line_error(
    history: Repo, cli: CliRunnerCall, toml: str, message: str
) -> None:
    (history.path / ".pm.toml").write_text(toml, encoding="utf-8")
    result = cli("recall", "--paths", "a.py")
    assert result.exit_code == 3
    assert result.stderr.startswith("pm: .pm.toml: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


# --- --diff against a real service repository ------------------------------------------------


@pytest.fixture
def service(history: Repo, tmp_path: Path) -> Path:
    """A service repository: main, then a branch that changes reconcile.sql, renames
    config/pool.yaml and adds a file; main moves on after the branch left it."""
    root = tmp_path / "service"
    root.mkdir()
    git(root, "init", "--quiet", "-b", "main")
    for name, text in [
        ("config/pool.yaml", "size: 10\n"),
        ("reports/reconcile.sql", "SELECT 1 FOR UPDATE;\n"),
        ("README.md", "# service\n"),
    ]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "service")
    git(root, "switch", "--quiet", "-c", "feature")
    (root / "reports" / "reconcile.sql").write_text("SELECT 1;\n", encoding="utf-8")
    git(root, "mv", "config/pool.yaml", "config/db-pool.yaml")
    git(root, "commit", "--quiet", "-am", "feature")
    git(root, "switch", "--quiet", "main")
    (root / "README.md").write_text("# service, changed on main\n", encoding="utf-8")
    git(root, "commit", "--quiet", "-am", "main moves on")
    git(root, "switch", "--quiet", "feature")
    (root / "notes.txt").write_text("untracked: not part of the change\n", encoding="utf-8")
    return root


def test_diff_recalls_from_another_repository_with_renames(
    service: Path, cli: CliRunnerCall
) -> None:
    data = recalled(cli, "--diff", "main", "--repo", str(service))
    # REV...HEAD: the branch's changes, not main's README; untracked files are no change.
    assert data["files"] == [
        {"path": "config/db-pool.yaml", "status": "renamed", "old_path": "config/pool.yaml"},
        {"path": "reports/reconcile.sql", "status": "modified", "old_path": None},
    ]
    assert ids(data) == [RECON, POOL]
    pool = data["incidents"][1]
    # The old path is in the service's patterns: the renamed file is still its file.
    assert pool["reasons"][0]["file"] == "config/db-pool.yaml"
    assert pool["reasons"][0]["where"] == "config/pool.yaml"


def test_diff_in_this_repository_and_an_empty_diff(history: Repo, cli: CliRunnerCall) -> None:
    assert cli.ok("recall", "--diff", "HEAD").stdout == "No changed files: nothing to recall.\n"
    (history.path / "src" / "payments").mkdir(parents=True)
    (history.path / "src" / "payments" / "api.py").write_text("x = 1\n", encoding="utf-8")
    git(history.path, "add", "-A")
    assert ids(recalled(cli, "--diff", "HEAD")) == [POOL]  # staged counts, as in lint --changed


def test_an_unknown_rev_or_repository_is_a_one_line_error(
    service: Path, cli: CliRunnerCall, tmp_path: Path
) -> None:
    result = cli("recall", "--diff", "no-such-branch", "--repo", str(service))
    assert result.exit_code == 3
    assert result.stderr == (
        f"pm: --diff no-such-branch: git knows no commit by that name in {service}\n"
    )
    for rev in ("", "--output=x", "main\0x", "a\nb"):
        refused = cli("recall", "--diff", rev, "--repo", str(service))
        assert refused.exit_code == 2, rev
        assert refused.stderr == f"pm: --diff {rev!r}: not a branch, tag or commit name\n"
    for where in (str(tmp_path / "nowhere"), "x" * 5000, "a\0b"):
        missing = cli("recall", "--diff", "main", "--repo", where)
        shown = where if len(where) <= 80 else where[:77] + "..."
        assert (missing.exit_code, missing.stderr) == (
            2,
            f"pm: --repo {shown!r}: no such directory\n",
        )
    plain = tmp_path / "plain"
    plain.mkdir()
    refused = cli("recall", "--diff", "main", "--repo", str(plain))
    assert refused.exit_code == 4
    assert refused.stderr == f"pm: --repo {plain}: not a git repository\n"


def test_the_installed_pm_posts_markdown_for_a_pull_request(service: Path, history: Repo) -> None:
    """As the CI example runs it: pm -C in the postmortems, --repo at the service."""
    result = run_pm(
        service,
        "-C",
        str(history.path),
        "recall",
        "--diff",
        "main",
        "--repo",
        str(service),
        "--format",
        "md",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("### pm recall: 2 past incidents name the files")
    assert f"`{RECON}`" in result.stdout
