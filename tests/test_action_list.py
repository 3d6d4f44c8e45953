"""pm action list across postmortems, and action numbers after a two-branch merge."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import CliRunnerCall, Repo, run_pm


def _setup(cli: CliRunnerCall, opened: str) -> str:
    other = cli.ok("open", "DNS misconfigured", "-s", "SEV-2", "--started", "2024-01-18T09:00")
    other_id = other.stdout.split("\t")[0]
    cli.ok(
        "action",
        "add",
        opened,
        "Alert on pool saturation",
        "--owner",
        "alice",
        "--due",
        "2024-01-18",
    )
    cli.ok("action", "add", opened, "Raise pool size", "--owner", "bob", "-p", "P0", "--due", "+3d")
    cli.ok("action", "add", other_id, "Lint DNS zone files", "--owner", "Alice", "-p", "P2")
    cli.ok("action", "add", other_id, "Document TTLs", "--owner", "carol", "--due", "2024-01-10")
    cli.ok("action", "done", other_id, "2")
    return other_id


def test_list_sorted_by_due_as_tsv(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    other = _setup(cli, opened)
    result = cli.ok("action", "list")
    assert result.stdout.splitlines() == [
        f"{other}\t2\tcarol\tP1\t2024-01-10\tdone\t0\tDocument TTLs",
        f"{opened}\t1\talice\tP1\t2024-01-18\topen\t2\tAlert on pool saturation",
        f"{opened}\t2\tbob\tP0\t2024-01-23\topen\t0\tRaise pool size",
        f"{other}\t1\tAlice\tP2\t2024-04-19\topen\t0\tLint DNS zone files",
    ]


def test_list_filters(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    other = _setup(cli, opened)

    def numbers(*args: str) -> list[str]:
        rows = cli.ok("action", "list", *args).stdout.splitlines()
        return [f"{row.split()[0][11:14]}#{row.split()[1]}" for row in rows]

    assert numbers("--owner", "alice") == ["dat#1", "dns#1"]  # case-insensitive
    assert numbers("--status", "open", "-p", "p0") == ["dat#2"]
    assert numbers("--overdue") == ["dat#1"]  # done items are never overdue
    assert numbers("--mine") == ["dat#1", "dns#1"]  # git user.name Alice Doe / alice@...
    assert numbers(other) == ["dns#2", "dns#1"]
    assert numbers("--owner", "nobody") == []
    data = json.loads(cli.ok("action", "list", "--overdue", "--json").stdout)
    assert data == [
        {
            "id": opened,
            "number": 1,
            "text": "Alert on pool saturation",
            "owner": "alice",
            "priority": "P1",
            "due": "2024-01-18",
            "status": "open",
            "ticket": None,
            "done": None,
            "reason": None,
            "days_overdue": 2,
            "path": f"postmortems/2024/{opened}.md",
        }
    ]


def test_list_usage_errors(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    bad_status = cli("action", "list", "--status", "finished")
    assert bad_status.exit_code == 2
    assert bad_status.stderr == (
        "pm: unknown status 'finished'; use one of open, in-progress, done, wont-do\n"
    )
    bad_priority = cli("action", "list", "-p", "P7")
    assert bad_priority.exit_code == 2


def test_list_names_broken_files_and_lists_the_rest(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    cli.ok("action", "add", opened, "One", "--owner", "alice")
    broken = repo.path / "postmortems" / "2024" / "2024-01-01-broken.md"
    broken.write_text("---\nid: [unclosed\n---\n", encoding="utf-8")
    result = cli("action", "list")
    assert result.exit_code == 3
    assert result.stdout.startswith(f"{opened}\t1\talice")
    assert "2024-01-01-broken.md:3: invalid YAML" in result.stderr


@pytest.mark.slow  # runs pm in a subprocess
def test_list_is_a_pure_read_that_runs_no_git(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path
) -> None:
    """In a repository, ``action list`` reads files only: it works where git cannot run
    (no git on PATH); ``--mine`` asks git for the identity and says it cannot."""
    cli.ok("action", "add", opened, "One", "--owner", "alice")
    no_git = tmp_path / "bin-without-git"
    no_git.mkdir()
    result = run_pm(repo.path, "action", "list", env={"PATH": str(no_git)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{opened}\t1\t")
    mine = run_pm(repo.path, "action", "list", "--mine", env={"PATH": str(no_git)})
    assert mine.returncode == 4
    assert mine.stderr == "pm: git is not installed or not on PATH\n"


@pytest.mark.slow  # runs pm in a subprocess
def test_list_outside_git_is_refused(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    """A copy of the files outside any repository is no place to read from (exit 4)."""
    cli.ok("action", "add", opened, "One", "--owner", "alice")
    subprocess.run(["rm", "-rf", str(repo.path / ".git")], check=True)
    (repo.path / ".pm.toml").write_text("", encoding="utf-8")
    for args in (["action", "list"], ["action", "list", "--mine"]):
        result = run_pm(repo.path, *args)
        assert result.returncode == 4, args
        assert "is not in a git repository" in result.stderr


def _items(repo: Repo, postmortem_id: str) -> list[dict[str, object]]:
    text = repo.read(f"postmortems/2024/{postmortem_id}.md")
    data = yaml.safe_load(text.split("---\n")[1])
    return list(data["actions"])


def _merge_two_branches_that_each_add_item_2(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    """Two branches each add action item 2; merge them and keep both, as a person would."""
    cli.ok("action", "add", opened, "Alert on pool saturation", "--owner", "alice")
    repo.git("switch", "--quiet", "-c", "feature")
    cli.ok("action", "add", opened, "Load-test checkout", "--owner", "bob")
    repo.git("switch", "--quiet", "main")
    cli.ok("action", "add", opened, "Raise pool size", "--owner", "carol")
    merge = subprocess.run(
        ["git", "merge", "--quiet", "--no-edit", "feature"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    if merge.returncode != 0:
        _keep_both(repo, opened)
    numbers = [item["number"] for item in _items(repo, opened)]
    assert numbers == [1, 2, 2]


def _keep_both(repo: Repo, postmortem_id: str) -> None:
    """Resolve the conflict keeping both items, as a person would in an editor.

    Git's conflict hunk starts after the shared ``- number: 2`` line, so just deleting the
    marker lines would give one item with two ``text`` keys (YAML keeps the last one). A
    person writes both items out whole: ours, then theirs' item appended to the list, and
    keeps both rows of the table (pm re-renders the table on its next change anyway).
    """
    path = repo.postmortem_path(postmortem_id)
    relative = path.relative_to(repo.path).as_posix()
    ours = repo.git("show", f":2:{relative}").split("\n")
    theirs = repo.git("show", f":3:{relative}").split("\n")
    theirs_end = theirs.index("---", 1)
    theirs_item_start = max(i for i in range(theirs_end) if theirs[i] == "- number: 2")
    ours_end = ours.index("---", 1)
    front = ours[:ours_end] + theirs[theirs_item_start:theirs_end]
    merged = path.read_text(encoding="utf-8").split("\n")
    body = merged[merged.index("---", 1) + 1 :]
    markers = ("<<<<<<< ", "=======", ">>>>>>> ")
    body = [line for line in body if not line.startswith(markers)]
    path.write_text("\n".join([*front, "---", *body]), encoding="utf-8")
    repo.git("add", relative)
    repo.git("commit", "--quiet", "--no-edit")


def test_merge_of_two_branches_is_renumbered_on_next_change(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    _merge_two_branches_that_each_add_item_2(repo, cli, opened)
    listed = cli.ok("action", "list")
    assert "has repeated action-item numbers (2) after a merge" in listed.stderr

    ambiguous = cli("action", "done", opened, "2")
    assert ambiguous.exit_code == 3
    assert "has 2 action items numbered 2" in ambiguous.stderr
    assert "'Raise pool size'" in ambiguous.stderr and "'Load-test checkout'" in ambiguous.stderr

    result = cli.ok("event", opened, "Follow-up meeting scheduled")
    assert "pm: warning: action item 2 ('Load-test checkout')" in result.stderr
    assert "it is now 3" in result.stderr
    state = _items(repo, opened)
    assert [(item["number"], item["text"]) for item in state] == [
        (1, "Alert on pool saturation"),
        (2, "Raise pool size"),
        (3, "Load-test checkout"),
    ]
    body = repo.git("log", "-1", "--format=%b")
    assert "action item 2 ('Load-test checkout')" in body and "it is now 3" in body
    table = repo.read(f"postmortems/2024/{opened}.md")
    assert "| 3 | P1 | Load-test checkout | bob |" in table
    assert cli.ok("action", "add", opened, "Next", "--owner", "a").stdout == "4\n"


def test_renumber_command(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    _merge_two_branches_that_each_add_item_2(repo, cli, opened)
    result = cli.ok("action", "renumber", opened)
    assert "Renumbered 1 action item(s); committed." in result.stderr
    assert repo.subjects()[0] == f"pm: renumber {opened} (action items)"
    assert [item["number"] for item in _items(repo, opened)] == [1, 2, 3]
    again = cli.ok("action", "renumber", opened)
    assert again.stderr == "No repeated action-item numbers; nothing to renumber.\n"
