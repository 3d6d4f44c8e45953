"""Ids that differ only by case are one file on macOS and Windows: pm never makes such a
pair, and ``pm lint`` reports one made by hand (or by two branches)."""

from __future__ import annotations

import json

from conftest import CliRunnerCall, Repo
from factories import postmortem, write

UPPER = "2024-01-15-DB-Down"
LOWER = "2024-01-15-db-down"


def test_open_takes_a_free_id_beside_one_that_differs_only_by_case(
    repo: Repo, cli: CliRunnerCall
) -> None:
    write(repo.path, postmortem(UPPER, "DB Down", status="active"))
    result = cli.ok("open", "DB down", "-s", "SEV-1", "--started", "2024-01-15T14:05")
    assert result.stdout == f"{LOWER}-2\tpostmortems/2024/{LOWER}-2.md\n"
    assert not repo.postmortem_path(LOWER).exists()
    cli.ok("lint")  # exit 0: no case collision (and no other error)


def test_lint_reports_ids_that_differ_only_by_case(repo: Repo, cli: CliRunnerCall) -> None:
    write(repo.path, postmortem(UPPER, "DB Down", status="active"))
    write(repo.path, postmortem(LOWER, "DB down", status="active"))
    result = cli("lint", "--format", "json")
    assert result.exit_code == 1
    findings = [
        (f["path"], f["line"], f["message"])
        for f in json.loads(result.stdout)["findings"]
        if f["rule"] == "schema.id-case-collision"
    ]
    shown = {name: f"postmortems/2024/{name}.md" for name in (UPPER, LOWER)}
    assert findings == [
        (
            shown[UPPER],
            2,
            f"id {UPPER} differs from {LOWER} ({shown[LOWER]}) only by case: on macOS and "
            "Windows the two are one file",
        ),
        (
            shown[LOWER],
            2,
            f"id {LOWER} differs from {UPPER} ({shown[UPPER]}) only by case: on macOS and "
            "Windows the two are one file",
        ),
    ]
    # Linting one of them (as the pre-commit hook does, with the staged file) finds it too.
    one = cli("lint", shown[LOWER])
    assert one.exit_code == 1
    assert f"{shown[LOWER]}:2: error: id {LOWER} differs from {UPPER}" in one.stdout
    assert "[schema.id-case-collision]" in one.stdout
    assert "schema.id-case-collision" in cli.ok("lint", "--rules").stdout
