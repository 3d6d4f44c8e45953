"""examples/generate.py rebuilds examples/repo exactly, and examples/README.md is true."""

from __future__ import annotations

import filecmp
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_pm

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2024-09-30T12:00:00Z"


def _same_tree(left: Path, right: Path) -> list[str]:
    compared = filecmp.dircmp(left, right)
    diffs = [*compared.left_only, *compared.right_only, *compared.diff_files]
    for name in compared.common_dirs:
        diffs += _same_tree(left / name, right / name)
    return diffs


@pytest.mark.slow
def test_generate_reproduces_the_committed_example(tmp_path: Path) -> None:
    target = tmp_path / "example"
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "generate.py"), str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert _same_tree(target, ROOT / "examples" / "repo") == [], "run examples/generate.py"

    subprocess.run(["git", "init", "--quiet"], cwd=target, check=True)
    overdue = run_pm(target, "action", "list", "--overdue", env={"PM_NOW": AS_OF})
    assert overdue.returncode == 0, overdue.stderr
    rows = [line.split("\t") for line in overdue.stdout.splitlines()]
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    documented = re.findall(r"^- `([^`]+)` #(\d+) \(", readme, re.MULTILINE)
    assert [(row[0], row[1]) for row in rows] == documented

    states = run_pm(target, "action", "list", "--json", env={"PM_NOW": AS_OF}).stdout
    found = {item["status"] for item in json.loads(states)}
    assert found >= {"open", "in-progress", "done", "wont-do"}
    listed = json.loads(run_pm(target, "list", "--json", env={"PM_NOW": AS_OF}).stdout)
    assert {p["status"] for p in listed} == {"resolved", "reviewed", "closed"}
    late_reviews = [
        p["id"]
        for p in listed
        if p["status"] == "resolved" and p["review_due"] and p["review_due"] < AS_OF[:10]
    ]
    past_due = readme.split("Postmortem reviews past due")[1].split("\n\n")[1]
    assert re.findall(r"^- `([^`]+)`", past_due, re.MULTILINE) == late_reviews


@pytest.mark.slow
def test_overdue_on_the_example_finds_exactly_the_documented_late_work(tmp_path: Path) -> None:
    """`pm overdue --as-of 2024-09-30` on the example: the items and review its README lists."""
    import shutil

    target = tmp_path / "example"
    shutil.copytree(ROOT / "examples" / "repo", target)
    subprocess.run(["git", "init", "--quiet"], cwd=target, check=True)
    result = run_pm(target, "overdue", "--as-of", AS_OF[:10], "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    # A late item is "action", or "follow-up" on a postmortem already reviewed or closed.
    item_kinds = {"action": "action", "follow-up": "action", "review": "review"}
    found = sorted((item_kinds[f["kind"]], f["id"], f["item"]) for f in report["findings"])
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    items = re.findall(r"^- `([^`]+)` #(\d+) \(", readme, re.MULTILINE)
    past_due = readme.split("Postmortem reviews past due")[1].split("\n\n")[1]
    reviews = re.findall(r"^- `([^`]+)`", past_due, re.MULTILINE)
    expected = sorted(
        [("action", pid, int(number)) for pid, number in items]
        + [("review", pid, None) for pid in reviews]
    )
    assert len(expected) == 7  # six late items and one late review, as written
    assert found == expected
    assert report["as_of"] == "2024-09-30"


@pytest.mark.slow
def test_report_finds_the_seed_pattern_in_the_example(tmp_path: Path) -> None:
    """Six payments outages, written up as unrelated, are one recurring cause whose fix
    (moving the reconciliation query off the primary) is still open."""
    import shutil

    target = tmp_path / "example"
    shutil.copytree(ROOT / "examples" / "repo", target)
    subprocess.run(["git", "init", "--quiet"], cwd=target, check=True)
    result = run_pm(target, "report", "--since", "2024-01-01", "--format", "json",
                    env={"PM_NOW": AS_OF})  # fmt: skip
    assert result.returncode == 0, result.stderr
    groups = json.loads(result.stdout)["recurring"]
    seed = groups[0]
    assert [i["id"][:10] for i in seed["incidents"]] == [
        "2024-03-04", "2024-04-01", "2024-05-06", "2024-06-03", "2024-07-01", "2024-08-05",
    ]  # fmt: skip
    assert seed["status"] == "open"
    still_open = {(a["id"][:10], a["number"]) for a in seed["actions"]
                  if a["status"] in ("open", "in-progress")}  # fmt: skip
    assert ("2024-08-05", 1) in still_open  # run the reconciliation report on the replica
    assert all(len(g["incidents"]) < 6 for g in groups[1:])
