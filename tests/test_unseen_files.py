"""Files pm cannot see are named, not silently skipped and not a reason to fail.

Meeting notes in a year folder (no pm front matter) and a postmortem saved outside a year
folder: ``pm lint`` reports each as ``layout.unseen-file`` (a warning), and ``pm list``,
``pm overdue``, ``pm action list`` and ``pm report`` print a one-line warning on stderr
and answer about the files they read.
"""

from __future__ import annotations

import pytest

from conftest import CliRunnerCall, Repo
from pm.errors import NotPostmortemError
from pm.frontmatter import parse_postmortem as parse

NOTES = "postmortems/2024/meeting-notes.md"
JEKYLL = "postmortems/2024/index.md"
OUTSIDE = "postmortems/drafts/2024-02-01-dns-down.md"
LOOSE = "postmortems/2024-03-01-cdn.md"


@pytest.fixture
def cluttered(repo: Repo, cli: CliRunnerCall, opened: str) -> str:
    source = repo.postmortem_path(opened).read_text(encoding="utf-8")
    files = {
        NOTES: "# Weekly sync\n\n- talked about the outage\n",
        JEKYLL: "---\ntitle: Postmortems\nlayout: page\n---\nAll of them.\n",
        OUTSIDE: source.replace(f"id: {opened}", "id: 2024-02-01-dns-down"),
        LOOSE: source.replace(f"id: {opened}", "id: 2024-03-01-cdn"),
        "postmortems/README.md": "# Our postmortems\n",  # no pm keys: not named
    }
    for name, text in files.items():
        path = repo.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    repo.git("add", "-A")
    repo.git("commit", "--quiet", "-m", "notes")
    return opened


def test_list_warns_about_each_unseen_file_and_goes_on(cluttered: str, cli: CliRunnerCall) -> None:
    result = cli("list")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(cluttered + "\t")
    warnings = result.stderr.splitlines()
    assert len(warnings) == 4, result.stderr
    assert all(line.startswith("pm: warning: ") for line in warnings)
    assert (
        f"pm: warning: {NOTES}:1: not a postmortem: it does not start with a '---' "
        "front-matter line; pm skips it (keep other notes outside the year folders)"
    ) in warnings
    assert f"pm: warning: {JEKYLL}:1: not a postmortem: its front matter has no id" in (
        result.stderr
    )
    assert (
        f"pm: warning: {OUTSIDE}: a postmortem outside a year folder: pm does not read it; "
        "move it to postmortems/2024/ (pm reads <year>/<id>.md)"
    ) in warnings
    assert f"pm: warning: {LOOSE}: a postmortem outside" in result.stderr
    assert "README" not in result.stderr


@pytest.mark.parametrize("command", [["overdue"], ["action", "list"], ["report"]])
def test_other_readers_warn_instead_of_failing(
    cluttered: str, cli: CliRunnerCall, command: list[str]
) -> None:
    result = cli(*command)
    assert result.exit_code in (0, 1), result.output  # overdue: 1 when something is late
    assert result.stderr.count("pm: warning: ") == 4
    assert "could not be read" not in result.stderr


def test_a_broken_postmortem_still_fails(cluttered: str, repo: Repo, cli: CliRunnerCall) -> None:
    path = repo.postmortem_path(cluttered)
    path.write_text(path.read_text(encoding="utf-8").removeprefix("---\n"), encoding="utf-8")
    result = cli("list")
    assert result.exit_code == 3
    assert "does not start with a '---' front-matter line" in result.stderr
    assert "1 postmortem file(s) could not be read" in result.stderr


def test_lint_names_every_unseen_file(cluttered: str, cli: CliRunnerCall) -> None:
    result = cli("lint", "--format", "json")
    assert result.exit_code == 0, result.output  # warnings
    import json

    findings = json.loads(result.stdout)["findings"]
    unseen = {f["path"]: f for f in findings if f["rule"] == "layout.unseen-file"}
    assert set(unseen) == {NOTES, JEKYLL, OUTSIDE, LOOSE}
    assert unseen[OUTSIDE]["suggestion"] == "move it to postmortems/2024/ (pm reads <year>/<id>.md)"
    assert all(f["severity"] == "warning" for f in unseen.values())
    strict = cli("lint", "--strict")
    assert strict.exit_code == 1
    assert f"{LOOSE}:1: error: a postmortem outside a year folder" in strict.stdout


def test_lint_of_one_path_does_not_scan_for_unseen_files(
    cluttered: str, cli: CliRunnerCall, repo: Repo
) -> None:
    out = cli("lint", str(repo.postmortem_path(cluttered))).stdout
    assert "layout.unseen-file" not in out


def test_the_rule_can_be_disabled(cluttered: str, repo: Repo, cli: CliRunnerCall) -> None:
    config = repo.path / ".pm.toml"
    text = config.read_text(encoding="utf-8") if config.exists() else ""
    config.write_text(text + '\n[lint]\ndisable = ["layout"]\n', encoding="utf-8")
    assert "layout.unseen-file" not in cli("lint").stdout


def test_not_postmortem_error_is_raised_for_notes() -> None:
    with pytest.raises(NotPostmortemError):
        parse(b"# notes\n", "notes.md")
    with pytest.raises(NotPostmortemError):
        parse(b"---\ntitle: x\n---\n", "notes.md")
    # pm's keys without the opening fence: a broken postmortem, not notes
    with pytest.raises(Exception) as broken:
        parse(b"id: 2024-01-01-x\nseverity: SEV-1\n---\n", "x.md")
    assert not isinstance(broken.value, NotPostmortemError)


def test_an_emptied_postmortem_is_an_error_not_notes(
    cluttered: str, repo: Repo, cli: CliRunnerCall
) -> None:
    """A file named by an id holds a postmortem: emptied (a bad save, a truncation), it
    must not vanish from pm list and pass pm lint as if it were an empty note."""
    path = repo.postmortem_path(cluttered)
    relative = path.relative_to(repo.path).as_posix()
    path.write_bytes(b"")
    listed = cli("list")
    assert listed.exit_code == 3
    assert f"pm: {relative}:1: the file is empty; git restore -- {relative}" in listed.stderr
    lint = cli("lint")
    assert lint.exit_code == 1
    assert f"{relative}:1: error: the file is empty" in lint.stdout
    repo.git("checkout", "--", relative)
    (repo.path / "postmortems/2024/notes.md").write_bytes(b"")  # not named by an id: notes
    notes = cli("lint").stdout
    assert "postmortems/2024/notes.md:1: warning:" in notes and "error" not in notes
