"""What the common commands import. At 20 postmortems start-up is most of their time (issue
15), so a module a command does not need stays out of it: Typer, Rich and Jinja2 for the
fast path, ``dataclasses`` (it imports ``inspect``; ``pm.records`` stands in), and for a
warm ``pm show`` the similarity statistics, OpenSSL's hashlib and shutil (with its
compression modules). These tests assert modules, never times.

Each command runs in a fresh interpreter, as users run it, and reports ``sys.modules``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from conftest import CliRunnerCall, Repo
from pm.digest import sha1_hex, sha256_hex

# Runs pm's entry point twice (the first run fills the caches a warm run reads), then
# writes the modules imported. Files written a moment ago are "racy" and never vouched for
# by their stat (pm.cache.RACY_NS): the window is closed so that the second run is warm.
WRAPPER = """
import json, sys
import pm.cache
from pm.cli import main

pm.cache.RACY_NS = 0
args = sys.argv[2:]
if sys.argv[1] == "warm":
    main(args)
before = set(sys.modules)
main(args)
with open("modules.json", "w", encoding="utf-8") as handle:
    json.dump(sorted(set(sys.modules) - {"json"} | (before & {"json"})), handle)
"""

# Typer, Rich and Jinja2 are for other commands; dataclasses imports inspect (pm.records).
NEVER = {"typer", "click", "rich", "jinja2", "dataclasses", "inspect"}
CAUSE = (
    "## Root Cause\n\nThe connection pool of the payments database was exhausted by a retry "
    "storm after a deploy.\n\n## Contributing Factors\n\nNo limit on retries.\n"
)


def imported(repo: Repo, *args: str, warm: bool = True) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, "warm" if warm else "cold", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    modules: list[str] = json.loads((repo.path / "modules.json").read_text(encoding="utf-8"))
    (repo.path / "modules.json").unlink()
    return set(modules)


@pytest.fixture
def two(repo: Repo, cli: CliRunnerCall) -> list[str]:
    """Two postmortems that tell the same cause (the cause written by hand)."""
    ids = []
    for title in ("Payments database pool exhausted", "Checkout database pool exhausted"):
        pid = cli.ok("open", title, "-s", "SEV-2").stdout.split("\t")[0]
        path = repo.postmortem_path(pid)
        path.write_text(path.read_text(encoding="utf-8") + "\n" + CAUSE, encoding="utf-8")
        ids.append(pid)
    return ids


def test_a_warm_show_leaves_out_statistics_hashlib_and_shutil(repo: Repo, two: list[str]) -> None:
    modules = imported(repo, "show", two[1])
    assert "pm.similar" in modules  # it did compare causes (from what it remembered)
    assert not modules & (NEVER | {"statistics", "random", "hashlib", "_hashlib", "shutil"})


@pytest.mark.parametrize("args", [["show"], ["report"]], ids=" ".join)
def test_a_warm_show_or_incident_report_parses_no_yaml(
    repo: Repo, two: list[str], args: list[str]
) -> None:
    """The one file's parse is kept by its bytes (``pm.singlecache``): PyYAML's import
    costs more than the rest of a ``pm show`` of a small repository."""
    assert "yaml" in imported(repo, *args, two[1], warm=False)  # the first one parses
    modules = imported(repo, *args, two[1])
    assert "pm.singlecache" in modules and "yaml" not in modules


@pytest.mark.parametrize("args", [["list"], ["action", "list"], ["overdue"], ["log"]], ids=" ".join)
def test_fast_reads_import_no_typer_rich_jinja_or_dataclasses(
    repo: Repo, two: list[str], args: list[str]
) -> None:
    argv = [*args, two[0]] if args == ["log"] else args
    assert not imported(repo, *argv) & NEVER


# Writes: every write records its files' digests in the journal and compares blob ids;
# neither needs hashlib (OpenSSL) for one file.
WRITE_NEVER = NEVER | {"hashlib", "_hashlib"}


def test_writes_leave_out_hashlib(repo: Repo, two: list[str]) -> None:
    event = imported(repo, "event", two[0], "Paged the database team", warm=False)
    assert "pm.transaction" in event  # it did write and commit
    assert not event & WRITE_NEVER
    added = imported(repo, "action", "add", two[0], "Add a pool alert", "--owner", "bob")
    assert not added & WRITE_NEVER
    assert "Add a pool alert" in repo.postmortem_path(two[0]).read_text(encoding="utf-8")


def test_sha1_and_sha256_are_hashlibs() -> None:
    for data in (b"", b"postmortems/2024/2024-01-15-db-pool.md", bytes(range(256)) * 40):
        assert sha1_hex(data) == hashlib.sha1(data, usedforsecurity=False).hexdigest()
        assert sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_the_sha1_for_pieces_is_hashlibs_in_both_kinds() -> None:
    from pm.digest import sha1

    for bulk in (False, True):
        hasher = sha1(bulk=bulk)
        for piece in (b"pm", b"", bytes(range(256)) * 40):
            hasher.update(piece)
        expected = hashlib.sha1(b"pm" + bytes(range(256)) * 40, usedforsecurity=False)
        assert hasher.hexdigest() == expected.hexdigest()


def test_a_period_report_over_a_few_leaves_out_dataclasses_statistics_and_hashlib(
    repo: Repo, two: list[str]
) -> None:
    imported(repo, "report", warm=False)  # fills the caches (it hashes every file)
    modules = imported(repo, "report", warm=False)  # a process of its own, warm
    assert "pm.report" in modules  # it did report
    assert sorted(modules & (NEVER | {"statistics", "fractions", "hashlib", "_hashlib"})) == []
