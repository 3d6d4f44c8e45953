"""``pm edit ID``: the person's editor, a checked save, a commit that is theirs.

The editor is a real program (a shell script standing in for vim) run on pm's buffer;
some scripts run a real ``pm event`` while "the editor is open".
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from conftest import AUTHOR, CliRunnerCall, Repo, pm_command
from lintclean import LINT_ARGS, findings

RELATIVE = "postmortems/2024/2024-01-15-database-connection-pool-exhausted.md"


def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Make ``script`` (sh, the buffer is "$1") the editor."""
    path = tmp_path / "editor.sh"
    path.write_text("#!/bin/sh\nset -e\n" + script, encoding="utf-8")
    path.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(path))


def sed(expression: str) -> str:
    return f'sed -i {shlex.quote(expression)} "$1"\n'


def kept_buffer(stderr: str) -> Path:
    return Path(stderr.split("kept in ")[1].split(" ", maxsplit=1)[0].rstrip(";\n"))


def test_a_valid_save_is_committed_as_a_hand_edit(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor(tmp_path, monkeypatch, sed("s/^impact: .*/impact: Half of checkouts failed/"))
    result = cli.ok("edit", opened)
    assert result.stderr == f"Saved your edit of {opened}; committed as your hand edit.\n"
    assert repo.subjects()[0] == f"{opened}: hand edit (pm edit)"
    assert repo.git("log", "-1", "--format=%an") == AUTHOR[0]
    assert "Pm-Operation: hand-edit" in repo.git("log", "-1", "--format=%B")
    assert "impact: Half of checkouts failed" in repo.git("show", f"HEAD:{RELATIVE}")
    assert repo.git("status", "--porcelain") == ""
    assert not list((repo.path / ".git" / "pm" / "edits").glob("*"))


def test_no_change_commits_nothing(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor(tmp_path, monkeypatch, "true\n")
    before = repo.commit_count()
    assert cli.ok("edit", opened).stderr == f"No changes to {opened}; nothing to commit.\n"
    assert repo.commit_count() == before


def test_an_editor_that_fails_commits_nothing(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor(tmp_path, monkeypatch, sed("s/^impact: .*/impact: Half/") + "exit 3\n")
    before, file = repo.commit_count(), repo.postmortem_path(opened).read_bytes()
    result = cli("edit", opened)
    assert result.exit_code == 2
    assert "the editor exited with 3; nothing was committed; your text is kept in" in result.stderr
    assert "impact: Half" in kept_buffer(result.stderr).read_text(encoding="utf-8")
    assert repo.commit_count() == before
    assert repo.postmortem_path(opened).read_bytes() == file


def test_an_invalid_save_is_kept_named_and_reopened(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = repo.postmortem_path(opened)
    file, before = path.read_bytes(), repo.commit_count()
    editor(tmp_path, monkeypatch, sed("s/^severity: SEV-1/severity: SEV-9/"))
    result = cli("edit", opened)
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1
    assert "pm: line 4 of your text: unknown severity 'SEV-9'" in result.stderr  # not the file's
    assert "nothing was committed; your text is kept in" in result.stderr
    assert f"(`pm edit {opened}` reopens it)" in result.stderr
    buffer = kept_buffer(result.stderr)
    assert buffer.is_relative_to(repo.path / ".git")  # never committed, never listed
    assert "severity: SEV-9" in buffer.read_text(encoding="utf-8")
    assert path.read_bytes() == file and repo.commit_count() == before
    assert cli.ok("list").stdout.count("\n") == 1
    # pm edit again reopens the kept text; fixing it commits it.
    editor(tmp_path, monkeypatch, "grep -q 'severity: SEV-9' \"$1\"\n" + sed("s/SEV-9/SEV-2/"))
    again = cli.ok("edit", opened)
    assert f"reopening your earlier edit of {opened}, kept in {buffer}" in again.stderr
    assert "severity: SEV-2" in repo.git("show", f"HEAD:{RELATIVE}")
    assert not buffer.exists()


def test_a_yaml_error_is_invalid_too(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor(tmp_path, monkeypatch, sed("s/^title: .*/title: [unclosed/"))
    result = cli("edit", opened)
    assert result.exit_code == 3
    assert result.stderr.startswith("pm: line 4 of your text: invalid YAML")
    assert "your text is kept in" in result.stderr


def test_a_pm_change_while_the_editor_is_open_is_never_overwritten(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A teammate's ``pm event`` lands while the person writes; their save waits aside."""
    pm = " ".join(shlex.quote(part) for part in pm_command())
    script = f"{pm} event {opened} 'Added while editing' --at 2024-01-15T14:30\n" + sed(
        "s/^impact: .*/impact: Written in the editor/"
    )
    editor(tmp_path, monkeypatch, script)
    result = cli("edit", opened)
    assert result.exit_code == 3
    assert f"pm: {RELATIVE} changed while you edited it; your text is kept in" in result.stderr
    text = repo.postmortem_path(opened).read_text(encoding="utf-8")
    assert "Added while editing" in text and "Written in the editor" not in text
    assert "Written in the editor" in kept_buffer(result.stderr).read_text(encoding="utf-8")
    assert repo.subjects()[0] == f"pm: event {opened} (note)"
    assert repo.git("status", "--porcelain") == ""


def test_open_edit_with_an_event_meanwhile_keeps_both(
    repo: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pm = " ".join(shlex.quote(part) for part in pm_command())
    pid = "2024-01-19-edited-live"
    script = f"{pm} event {pid} 'Paged' --at 2024-01-19T10:05\n" + sed("s/^impact: .*/impact: x/")
    editor(tmp_path, monkeypatch, script)
    result = cli("open", "Edited live", "-s", "SEV-3", "--started", "2024-01-19T10:00", "--edit")
    assert result.exit_code == 3
    assert result.stdout.startswith(f"{pid}\t")  # the open itself is done and committed
    assert "changed while you edited it; your text is kept in" in result.stderr
    assert repo.subjects()[:2] == [f"pm: event {pid} (note: Paged)", f"pm: open {pid} (SEV-3)"]


def test_rows_typed_in_the_editor_are_adopted(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = "| 2024-01-15 14:20 | acknowledged | Paged the DBA |"
    editor(tmp_path, monkeypatch, sed(f"/^| 2024-01-15 14:05 | started/a {row}"))
    result = cli.ok("edit", opened)
    assert "Adopted from the timeline table" in result.stderr
    committed = repo.git("show", f"HEAD:{RELATIVE}")
    assert "kind: acknowledged\n  text: Paged the DBA" in committed
    assert "Adopted from the timeline table" in repo.git("log", "-1", "--format=%B")
    assert findings(cli(*LINT_ARGS).stdout) == []


def test_a_broken_file_can_be_fixed_with_pm_edit(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = repo.postmortem_path(opened)
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: [", 1), "utf-8")
    assert cli("event", opened, "x", "--at", "2024-01-15T14:30").exit_code == 3
    editor(tmp_path, monkeypatch, sed("s/^title: \\[/title: /"))
    fixed = cli.ok("edit", opened)
    assert fixed.stderr == f"Saved your edit of {opened}; it is as last committed.\n"
    assert repo.git("status", "--porcelain") == ""
    assert cli("event", opened, "x", "--at", "2024-01-15T14:30").exit_code == 0


def test_edit_needs_an_editor(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    result = cli("edit", opened)
    assert result.exit_code == 2
    assert result.stderr == "pm: pm edit needs $VISUAL or $EDITOR to name your editor\n"


def test_edit_of_an_unknown_id(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor(tmp_path, monkeypatch, "true\n")
    result = cli("edit", "nope")
    assert result.exit_code == 3
    assert result.stderr == "pm: no postmortem matches 'nope' (see `pm list`)\n"


def test_a_time_saved_without_an_offset_is_read_in_the_zone(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event typed in the editor at the responder's wall-clock time, no offset: the
    commit holds it in UTC, read in the configured zone, and says so."""
    (repo.path / ".pm.toml").write_text('timezone = "America/Los_Angeles"\n', encoding="utf-8")
    typed = r"- at: 2024-01-15T06:30:00\n  kind: note\n  text: Paged the DBA\n"
    editor(tmp_path, monkeypatch, sed(f"s/^actions:/{typed}actions:/"))
    result = cli.ok("edit", opened)
    assert (
        "Read the event time 2024-01-15T06:30 (no offset) as America/Los_Angeles time: "
        "2024-01-15T14:30:00Z." in result.stderr
    )
    committed = repo.git("show", f"HEAD:{RELATIVE}")
    assert "- at: 2024-01-15T14:30:00Z\n  kind: note\n  text: Paged the DBA" in committed
    assert "Read the event time 2024-01-15T06:30" in repo.git("log", "-1", "--format=%b")
