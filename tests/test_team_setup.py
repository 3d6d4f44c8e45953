"""Setting a repository up for a team: ``pm init`` declares and installs the merge driver,
``pm merge-driver`` is what git runs, and a clone without the driver is warned.

In-process (Typer's CliRunner) against real git; ``test_team_merge.py`` has git itself run
the driver during pulls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, git
from factories import action, postmortem
from pm import rewrite
from pm.config import Config
from pm.frontmatter import Document
from pm.mergesetup import attribute_line
from pm.model import Event, Postmortem
from pm.templates import render_postmortem

PID = "2024-01-15-db-down"
DRIVER = "pm merge-driver %O %A %B %P"


def config(repo: Repo, key: str) -> str:
    return repo.git("config", "--get", key)


# --- pm init ----------------------------------------------------------------------------------


def test_init_declares_the_driver_commits_it_and_installs_it_in_the_clone(
    repo: Repo, cli: CliRunnerCall
) -> None:
    result = cli.ok("init")
    assert result.stdout == "postmortems/.gitkeep\n.pm.toml\n.gitattributes\n"
    assert (
        "Installed pm's merge driver in this clone's git config (merge.pm.name, "
        "merge.pm.driver); git does not clone it: run `pm init` in every clone\n"
    ) in result.stderr
    assert repo.read(".gitattributes") == "postmortems/**/*.md merge=pm\n"
    assert sorted(repo.files_in()) == [".gitattributes", ".pm.toml", "postmortems/.gitkeep"]
    assert config(repo, "merge.pm.driver") == DRIVER
    assert config(repo, "merge.pm.name").startswith("pm: postmortems")
    assert repo.git("check-attr", "merge", "postmortems/2024/x.md") == (
        "postmortems/2024/x.md: merge: pm"
    )
    # Idempotent: a second run changes nothing and says so.
    again = cli.ok("init")
    assert again.stdout == ""
    assert again.stderr == (
        "Already initialised: postmortems/, the config and the merge driver exist.\n"
    )
    assert repo.commit_count() == 2


def test_init_in_an_initialised_repository_adds_what_is_missing(
    repo: Repo, cli: CliRunnerCall
) -> None:
    """A repository set up by an older pm: its .gitattributes gets the line, appended."""
    (repo.path / "postmortems").mkdir()
    (repo.path / "postmortems/.gitkeep").write_text("", encoding="utf-8")
    (repo.path / ".pm.toml").write_text("", encoding="utf-8")
    (repo.path / ".gitattributes").write_text("*.png binary", encoding="utf-8")  # no newline
    repo.git("add", "-A")
    repo.git("commit", "--quiet", "-m", "older pm")
    result = cli.ok("init")
    assert result.stdout == ".gitattributes\n"
    assert "Installed pm's merge driver" in result.stderr
    assert repo.read(".gitattributes") == "*.png binary\npostmortems/**/*.md merge=pm\n"
    assert repo.subjects()[0] == "pm: init postmortems"
    assert repo.files_in() == [".gitattributes"]
    assert repo.git("status", "--porcelain") == ""


def test_init_in_a_fresh_clone_installs_only_the_driver(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.ok("init")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(clone))
    monkeypatch.chdir(clone)
    result = cli.ok("init")
    assert result.stdout == ""
    assert result.stderr.startswith("Installed pm's merge driver in this clone's git config")
    assert git(clone, "config", "--get", "merge.pm.driver") == DRIVER
    assert git(clone, "status", "--porcelain") == ""
    assert git(clone, "log", "--format=%s") == repo.git("log", "--format=%s")


def test_init_leaves_a_driver_you_configured_alone(repo: Repo, cli: CliRunnerCall) -> None:
    repo.git("config", "merge.pm.driver", "/opt/pm/bin/pm merge-driver %O %A %B %P")
    result = cli.ok("init")
    assert "(merge.pm.name)" in result.stderr
    assert config(repo, "merge.pm.driver") == "/opt/pm/bin/pm merge-driver %O %A %B %P"


def test_init_turns_on_the_commit_graph_in_every_clone(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pm log`` walks history: git's commit-graph makes that walk several times faster."""
    cli.ok("init")
    for key in ("core.commitGraph", "fetch.writeCommitGraph", "gc.writeCommitGraph"):
        assert repo.git("config", "--local", "--get", key) == "true"
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(clone))
    assert "commitgraph" not in git(clone, "config", "--local", "--list").lower()
    monkeypatch.chdir(clone)
    cli.ok("init")
    assert git(clone, "config", "--local", "--get", "fetch.writeCommitGraph") == "true"
    # A fetch that brings commits now writes the graph file git reads on every walk.
    repo.git("commit", "--quiet", "--allow-empty", "-m", "Another commit")
    git(clone, "fetch", "--quiet")
    assert (clone / ".git" / "objects" / "info" / "commit-graph").is_file() or (
        clone / ".git" / "objects" / "info" / "commit-graphs"
    ).is_dir()


def test_init_leaves_a_commit_graph_you_turned_off_alone(repo: Repo, cli: CliRunnerCall) -> None:
    repo.git("config", "gc.writeCommitGraph", "false")
    cli.ok("init")
    assert config(repo, "gc.writeCommitGraph") == "false"
    assert config(repo, "fetch.writeCommitGraph") == "true"


def test_init_without_commits_still_installs_the_driver(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / ".pm.toml").write_text("commit = false\n", encoding="utf-8")
    cli.ok("init")
    assert config(repo, "merge.pm.driver") == DRIVER
    assert repo.subjects() == ["initial"]  # nothing committed, as configured


def test_the_attribute_follows_the_configured_folder(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / ".pm.toml").write_text('directory = "docs/incidents"\n', encoding="utf-8")
    cli.ok("init")
    assert repo.read(".gitattributes") == "docs/incidents/**/*.md merge=pm\n"
    assert repo.git("check-attr", "merge", "docs/incidents/2024/a.md").endswith(": merge: pm")
    assert repo.git("check-attr", "merge", "postmortems/2024/a.md").endswith(": unspecified")


@pytest.mark.parametrize(
    ("directory", "line"),
    [
        ("postmortems", "postmortems/**/*.md merge=pm"),
        ("post mortems", '"post mortems/**/*.md" merge=pm'),
        ("pm[1]", "pm\\[1]/**/*.md merge=pm"),
    ],
)
def test_attribute_lines_git_reads_as_meant(repo: Repo, directory: str, line: str) -> None:
    assert attribute_line(directory) == line
    (repo.path / ".gitattributes").write_text(line + "\n", encoding="utf-8")
    inside = f"{directory}/2024/a.md"
    assert repo.git("check-attr", "merge", "--", inside) == f"{inside}: merge: pm"


def test_init_warns_when_git_cannot_find_pm(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # git, but no pm
    result = cli.ok("init")
    assert (
        "pm: warning: git runs `pm merge-driver` when it merges postmortems, but `pm` is not "
        "on PATH here"
    ) in result.stderr


# --- a clone without the driver ---------------------------------------------------------------


def test_a_clone_without_the_driver_is_warned_once_by_commands_that_write(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.ok("init")
    cli.ok("open", "DB down", "-s", "SEV-1", "--started", "2024-01-15T14:05")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(repo.path), str(clone))
    monkeypatch.chdir(clone)
    warning = (
        "pm: warning: this clone has no pm merge driver (git does not clone its config), so "
        "a pull that meets a teammate's changes to the same postmortem will conflict; run "
        "`pm init` once in this clone\n"
    )
    event = cli.ok("event", PID, "Paged the DBA", "--at", "2024-01-15T14:10")
    assert event.stderr.count(warning) == 1
    assert cli.ok("list").stderr == ""  # reads say nothing
    cli.ok("init")
    assert (
        "merge driver" not in cli.ok("event", PID, "Failed over", "--at", "2024-01-15T14:20").stderr
    )
    # The repository's own clone (driver installed by init) never sees the warning.
    monkeypatch.chdir(repo.path)
    assert (
        "merge driver" not in cli.ok("event", PID, "Recovered", "--at", "2024-01-15T14:30").stderr
    )


def test_a_repository_without_the_attribute_is_not_warned(repo: Repo, cli: CliRunnerCall) -> None:
    result = cli.ok("open", "DB down", "-s", "SEV-1", "--started", "2024-01-15T14:05")
    assert "merge driver" not in result.stderr
    assert "pm init" not in result.stderr  # no remote: nobody pulls, nothing to merge


def test_opening_in_a_shared_repository_never_set_up_says_to_run_init(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    """A team that skipped ``pm init``: no ``merge=pm`` line, so every concurrent change to
    one postmortem conflicts on pull. ``pm open`` (only it, once) says so."""
    git(tmp_path, "init", "--quiet", "--bare", "origin.git")
    repo.git("remote", "add", "origin", str(tmp_path / "origin.git"))
    result = cli.ok("open", "DB down", "-s", "SEV-1", "--started", "2024-01-15T14:05")
    assert result.stderr.startswith(
        "pm: warning: this repository was not set up with `pm init` (no merge=pm line in "
        ".gitattributes), so teammates' changes to one postmortem conflict when pulled; run "
        "`pm init` once, commit and push what it writes\n"
    )
    assert "pm init" not in cli.ok("event", PID, "Paged", "--at", "2024-01-15T14:10").stderr
    cli.ok("init")
    opened = cli.ok("open", "Disk full", "-s", "SEV-2", "--started", "2024-01-15T15:05")
    assert "pm init" not in opened.stderr


# --- pm merge-driver, as git calls it -----------------------------------------------------------


def file_of(item: Postmortem, root: Path) -> bytes:
    body = render_postmortem(Config(root=root), item)
    return rewrite.render(item, Document(front={}, body=body))


def versions(repo: Repo, ours: Postmortem, theirs: Postmortem) -> list[str]:
    """The three temporary files git gives the driver (named as git names them)."""
    old = postmortem(PID, "DB down", status="active", actions=[action(1, "Alert on the pool")])
    names = []
    for name, item in (("base", old), ("ours", ours), ("theirs", theirs)):
        path = repo.path / f".merge_file_{name}"
        path.write_bytes(file_of(item, repo.path))
        names.append(path.name)
    return names


def incident() -> Postmortem:
    return postmortem(PID, "DB down", status="active", actions=[action(1, "Alert on the pool")])


def test_the_driver_writes_a_clean_merge_into_ours_and_exits_0(
    repo: Repo, cli: CliRunnerCall
) -> None:
    ours, theirs = incident(), incident()
    ours.add_event(Event(ours.timeline[0].at.replace(minute=20), "note", "Rolled back"))
    theirs.actions.append(action(2, "Add a replica", owner="bob"))
    ours.actions.append(action(2, "Load-test checkout", owner="carol"))
    names = versions(repo, ours, theirs)
    path = f"postmortems/2024/{PID}.md"
    result = cli("merge-driver", *names, path)
    assert result.exit_code == 0, result.stderr
    # Not in a rebase, so a merge: theirs is the branch merged in, already shared, and
    # keeps its numbers; ours' item (not yet pushed) gets a fresh one.
    assert result.stderr == (
        f"pm: {path}: action item 2 ('Load-test checkout') of {PID} repeated number 2 after "
        "a merge; it is now 3\n"
    )
    merged = (repo.path / names[1]).read_text(encoding="utf-8")
    assert "| note | Rolled back |" in merged
    assert "| 2 | P1 | Add a replica | bob |" in merged
    assert "| 3 | P1 | Load-test checkout | carol |" in merged


def test_the_driver_exits_1_on_a_conflict_naming_file_and_line(
    repo: Repo, cli: CliRunnerCall
) -> None:
    ours, theirs = incident(), incident()
    ours.title, theirs.title = "Database down", "Primary DB down"
    names = versions(repo, ours, theirs)
    result = cli("merge-driver", *names, "postmortems/2024/x.md")
    assert result.exit_code == 1
    lines = (repo.path / names[1]).read_text(encoding="utf-8").split("\n")
    line = lines.index("<<<<<<< ours") + 1
    assert result.stderr == (
        f"pm: postmortems/2024/x.md:{line}: both sides changed title: ours 'Database down', "
        "theirs 'Primary DB down'; keep one version and delete the markers\n"
    )


def test_the_driver_names_a_file_git_did_not_give_it(repo: Repo, cli: CliRunnerCall) -> None:
    result = cli("merge-driver", ".merge_file_none", ".merge_file_b", ".merge_file_c", "x.md")
    assert (result.exit_code, result.stderr) == (
        3,
        "pm: .merge_file_none: cannot read: No such file or directory\n",
    )


def test_the_driver_is_not_in_the_main_help(cli: CliRunnerCall) -> None:
    assert "merge-driver" not in cli.ok("--help").stdout
    assert "Merge two versions of a postmortem for git" in cli.ok("merge-driver", "--help").stdout


def test_init_keeps_a_declaration_you_wrote_for_the_folder(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / ".gitattributes").write_text("/postmortems/** merge=pm\n", encoding="utf-8")
    repo.git("add", ".gitattributes")
    repo.git("commit", "--quiet", "-m", "attributes")
    result = cli.ok("init")
    assert ".gitattributes" not in result.stdout
    assert repo.read(".gitattributes") == "/postmortems/** merge=pm\n"
