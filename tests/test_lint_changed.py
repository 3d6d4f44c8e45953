"""``pm lint --changed [BASE]``: only the postmortems changed since BASE (committed on the
branch, staged, unstaged, untracked), judged as a whole-repository lint judges them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import AUTHOR, CliRunnerCall, Repo, git
from factories import action, commit, postmortem, write
from test_lint import GOOD, MINOR, clean, edit

__all__ = ["clean"]  # the fixture, shared with test_lint


def linted(cli: CliRunnerCall, *args: str) -> tuple[int, list[str], int]:
    """(exit code, the files with findings, the files linted) of ``pm lint --changed``."""
    result = cli("lint", "--format", "json", "--changed", *args)
    data = json.loads(result.stdout)
    return result.exit_code, sorted({f["path"] for f in data["findings"]}), data["files"]


def break_file(repo: Repo, relative: str) -> None:
    """An unknown severity: an error finding."""
    text = (repo.path / relative).read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("severity: SEV-"))
    edit(repo, relative, line, "severity: SEV-9")


def test_nothing_changed_lints_nothing(clean: Repo, cli: CliRunnerCall) -> None:
    break_file(clean, MINOR)
    commit(clean.path)  # committed on the branch, and there is no upstream: base HEAD
    result = cli("lint", "--changed")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "0 files clean.\n")
    assert cli("lint").exit_code == 1  # the whole repository still has it


def test_unstaged_staged_and_untracked_files_are_linted(clean: Repo, cli: CliRunnerCall) -> None:
    break_file(clean, MINOR)  # unstaged
    assert linted(cli) == (1, [MINOR], 1)
    break_file(clean, GOOD)
    clean.git("add", GOOD)  # staged
    assert linted(cli)[:2] == (1, [GOOD, MINOR])
    write(clean.path, postmortem("2024-04-01-new-one", "New one", severity="SEV-9"))
    new = "postmortems/2024/2024-04-01-new-one.md"  # untracked
    assert linted(cli)[:2] == (1, [GOOD, MINOR, new])
    clean.git("checkout", "--", MINOR)
    assert linted(cli)[:2] == (1, [GOOD, new])


def test_the_summary_counts_the_changed_files(clean: Repo, cli: CliRunnerCall) -> None:
    edit(clean, GOOD, "Payments time out", "Payments time out again")
    result = cli("lint", "--changed")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "1 file clean.\n")


def test_a_deleted_file_is_not_linted_and_other_files_are_not_either(
    clean: Repo, cli: CliRunnerCall
) -> None:
    (clean.path / MINOR).unlink()
    (clean.path / "postmortems" / "README.md").write_text("# notes\n", encoding="utf-8")
    result = cli("lint", "--changed")
    assert (result.exit_code, result.stderr) == (0, "0 files clean.\n")


def test_a_base_lints_what_the_branch_changed(clean: Repo, cli: CliRunnerCall) -> None:
    clean.git("switch", "--quiet", "-c", "fix-minor")
    break_file(clean, MINOR)
    commit(clean.path)
    assert linted(cli) == (0, [], 0)  # nothing since HEAD
    assert linted(cli, "main") == (1, [MINOR], 1)
    # main moving on does not drag its own changes in: the merge-base is the base.
    clean.git("switch", "--quiet", "main")
    break_file(clean, GOOD)
    commit(clean.path)
    clean.git("switch", "--quiet", "fix-minor")
    assert linted(cli, "main") == (1, [MINOR], 1)


def test_the_default_base_is_the_merge_base_with_the_upstream(
    clean: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(clean.path), str(other))
    monkeypatch.chdir(other)
    assert linted(cli) == (0, [], 0)
    break_file(Repo(other), MINOR)
    git(other, "commit", "--quiet", "-am", "A local commit, not pushed")
    assert linted(cli) == (1, [MINOR], 1)  # since origin/main, not since HEAD
    assert linted(cli, "HEAD") == (0, [], 0)


def test_cross_file_names_are_still_known(clean: Repo, cli: CliRunnerCall) -> None:
    """bob owns an action item in MINOR only: a lint of every file knows him as a person,
    and so does --changed when only GOOD changed."""
    edit(clean, GOOD, "## Root Cause\n", "## Root Cause\n\nBob broke the config.\n")
    every = cli("lint", "--format", "json")
    rules = [f["rule"] for f in json.loads(every.stdout)["findings"]]
    assert rules == ["blameless.person-caused"]
    only = cli("lint", "--format", "json", "--changed")
    assert json.loads(only.stdout)["findings"] == json.loads(every.stdout)["findings"]


def test_an_id_differing_only_by_case_from_an_unchanged_file_is_found(
    clean: Repo, cli: CliRunnerCall
) -> None:
    write(
        clean.path,
        postmortem(
            "2024-03-01-Payments-timeout",
            "Payments time out twice",
            actions=[action(1, "Alert", "alice", due="2024-04-01")],
        ),
    )
    result = cli("lint", "--format", "json", "--changed")
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert "schema.id-case-collision" in rules


def test_before_the_first_commit_every_file_is_changed(
    tmp_path: Path, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = Repo(tmp_path / "new")
    repo.path.mkdir()
    git(repo.path, "init", "--quiet")
    monkeypatch.chdir(repo.path)
    write(repo.path, postmortem("2024-03-01-a", "A", severity="SEV-9"))
    write(repo.path, postmortem("2024-03-02-b", "B"))
    repo.git("add", "postmortems/2024/2024-03-02-b.md")  # staged, the other untracked
    code, files, _ = linted(cli)
    assert (code, files) == (1, ["postmortems/2024/2024-03-01-a.md"])
    assert "2 files" in cli("lint", "--changed").stderr


def test_an_unknown_base_is_named(clean: Repo, cli: CliRunnerCall) -> None:
    result = cli("lint", "--changed", "no-such-branch")
    assert result.exit_code == 3
    assert result.stderr == "pm: --changed no-such-branch: git knows no commit by that name\n"
    result = cli("lint", "--changed", "--", "-p")  # never read as an option by git
    assert result.exit_code == 3


def test_changed_takes_one_base_and_no_paths(clean: Repo, cli: CliRunnerCall) -> None:
    result = cli("lint", "--changed", "main", GOOD)
    assert result.exit_code == 2
    assert result.stderr == "pm: --changed takes one BASE (a branch or commit), not paths\n"
    result = cli("lint", "--changed", GOOD)  # a path is not a commit
    assert result.exit_code == 3
    assert result.stderr == f"pm: --changed {GOOD}: git knows no commit by that name\n"


def test_changed_works_with_fix(clean: Repo, cli: CliRunnerCall) -> None:
    edit(clean, GOOD, "Payments time out", "Payments time out again")
    result = cli("lint", "--changed", "--fix")
    assert result.exit_code == 0
    assert "1 file" in result.stderr


def test_committed_changes_stay_out_of_a_hook_run(clean: Repo, cli: CliRunnerCall) -> None:
    """The pre-commit use: the staged file is linted, a committed broken one is not."""
    break_file(clean, MINOR)
    commit(clean.path)
    edit(clean, GOOD, "Payments time out", "Payments time out again")
    clean.git("add", GOOD)
    assert linted(cli) == (0, [], 1)


def test_a_hand_edit_keeping_size_and_mtime_is_linted_whatever_git_s_stat_config(
    clean: Repo, cli: CliRunnerCall
) -> None:
    """git's index says which files are unchanged by their stat; a clone configured to
    compare less of it (``core.checkStat=minimal``, ``core.trustctime=false``) would take
    a same-size edit that kept the mtime for no change, and --changed would not lint it."""
    import os

    path = clean.path / MINOR
    os.utime(path, ns=(1_600_000_000_000_000_000,) * 2)
    clean.git("config", "core.checkStat", "minimal")
    clean.git("config", "core.trustctime", "false")
    clean.git("update-index", "--refresh")  # the index holds the old mtime, not racy
    # An editor that saves to a new file and renames it over the old: a new inode. SEV-3
    # to SEV-9 keeps the size, and the mtime is set back (``touch -r``, a sync tool).
    text = path.read_text(encoding="utf-8").replace("severity: SEV-3", "severity: SEV-9")
    (clean.path / "saved.tmp").write_text(text, encoding="utf-8")
    os.replace(clean.path / "saved.tmp", path)
    os.utime(path, ns=(1_600_000_000_000_000_000,) * 2)
    assert linted(cli) == (1, [MINOR], 1)


def test_two_changed_files_of_one_name_in_two_year_folders_are_both_linted(
    clean: Repo, cli: CliRunnerCall
) -> None:
    """A copy filed under another year keeps its name: both files are postmortems a lint
    of every file reads, so --changed lints both."""
    break_file(clean, MINOR)
    copy = MINOR.replace("/2024/", "/2025/")
    (clean.path / copy).parent.mkdir()
    (clean.path / copy).write_bytes((clean.path / MINOR).read_bytes())
    assert linted(cli) == (1, [MINOR, copy], 2)


def test_git_authors_are_known_names_as_in_a_lint_of_every_file(
    clean: Repo, cli: CliRunnerCall
) -> None:
    """A person named only as a commit's author (no action item of theirs): a lint of
    every file knows the name, and so must a lint of the changed files."""
    (clean.path / "notes.md").write_text("x\n", encoding="utf-8")
    clean.git("add", "notes.md")
    clean.git("-c", "user.name=Erin Vale", "commit", "--quiet", "-m", "notes")
    edit(clean, GOOD, "## Root Cause\n", "## Root Cause\n\nErin Vale broke the config.\n")
    every = json.loads(cli("lint", "--format", "json").stdout)["findings"]
    changed = json.loads(cli("lint", "--format", "json", "--changed").stdout)["findings"]
    assert [f["rule"] for f in every] == ["blameless.person-caused"]
    assert changed == every


def test_the_authors_are_kept_for_the_state_of_head(
    clean: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``git log`` walks up to 10,000 commits for the authors: it runs again only when
    HEAD (or its ref, packed-refs, shallow) says other commits; a new author is known
    after their commit, and a reset gives that commit's authors again."""
    from pm import gitrepo

    walks: list[str] = []
    real = gitrepo.GitRepo.run

    def run(self: gitrepo.GitRepo, *args: str, **kwargs: object) -> str:
        if args[:1] == ("log",) and "--format=%an" in args:
            walks.append(args[0])
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gitrepo.GitRepo, "run", run)
    assert gitrepo.authors(clean.path) == gitrepo.authors(clean.path) == [AUTHOR[0]]
    assert len(walks) == 1
    before = clean.git("rev-parse", "HEAD")
    (clean.path / "notes.md").write_text("x\n", encoding="utf-8")
    clean.git("add", "notes.md")
    clean.git("-c", "user.name=Erin Vale", "commit", "--quiet", "-m", "notes")
    assert gitrepo.authors(clean.path) == sorted([AUTHOR[0], "Erin Vale"])
    clean.git("reset", "--quiet", "--hard", before)
    assert gitrepo.authors(clean.path) == [AUTHOR[0]]
    clean.git("pack-refs", "--all")  # the branch moves into packed-refs: still right
    assert gitrepo.authors(clean.path) == [AUTHOR[0]]
    assert len(walks) == 4
    assert gitrepo.authors(clean.path) == [AUTHOR[0]] and len(walks) == 4
