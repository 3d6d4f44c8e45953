"""``pm show`` and ``pm report ID`` take one file's parse from its own small cache entry
(``pm.singlecache``) while the file's bytes are those parsed: the answers are those of a
fresh parse, cold, warm, after a hand edit of the same size and mtime, with a damaged or
foreign entry, and for a file marshal cannot keep or pm cannot read."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo
from pm import singlecache
from pm.cache import cache_folder

CAUSE = (
    "\n## Root Cause\n\nThe connection pool of the payments database was exhausted by a "
    "retry storm after a deploy.\n"
)


def entries(repo: Repo) -> list[Path]:
    folder = cache_folder(repo.path)
    assert folder is not None
    return sorted((folder / singlecache.FOLDER).glob("*.marshal"))


@pytest.fixture
def incident(repo: Repo, cli: CliRunnerCall) -> str:
    pid = cli.ok("open", "Payments database pool exhausted", "-s", "SEV-2").stdout.split("\t")[0]
    cli.ok("event", pid, "Paged the database team", "--kind", "detected")
    cli.ok("action", "add", pid, "Add a pool alert", "--owner", "bob")
    path = repo.postmortem_path(pid)
    path.write_text(path.read_text(encoding="utf-8") + CAUSE, encoding="utf-8")
    return pid


def answers(cli: CliRunnerCall, pid: str) -> list[str]:
    reads = [("show", pid), ("show", pid, "--json"), ("report", pid, "--format", "json")]
    return [cli.ok(*args).stdout for args in reads]


def test_warm_answers_are_the_cold_ones(repo: Repo, cli: CliRunnerCall, incident: str) -> None:
    cold = answers(cli, incident)
    assert len(entries(repo)) == 1
    assert answers(cli, incident) == cold
    shutil.rmtree(entries(repo)[0].parent)
    assert answers(cli, incident) == cold


def test_a_hand_edit_of_the_same_size_and_mtime_is_seen(
    repo: Repo, cli: CliRunnerCall, incident: str
) -> None:
    before = answers(cli, incident)
    path = repo.postmortem_path(incident)
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Add a pool alert", "Add a pool ALERT"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    after = answers(cli, incident)
    assert after != before and "Add a pool ALERT" in after[0]
    shutil.rmtree(entries(repo)[0].parent)
    assert answers(cli, incident) == after


@pytest.mark.parametrize(
    "damage", [b"", b"garbage", b"\xe3\x00\x00", "another file", "another pm", "bad value"]
)
def test_a_damaged_or_foreign_entry_is_parsed_again(
    repo: Repo, cli: CliRunnerCall, incident: str, damage: bytes | str
) -> None:
    import marshal

    cold = answers(cli, incident)
    (entry,) = entries(repo)
    header, name, blob, packed = marshal.loads(entry.read_bytes())
    if damage == "another file":
        data = marshal.dumps((header, name + "x", blob, packed))
    elif damage == "another pm":
        data = marshal.dumps((("pm-parsed", 0, "0.0", (3, 0)), name, blob, packed))
    elif damage == "bad value":
        data = marshal.dumps((header, name, blob, marshal.dumps(("too", "short"))))
    else:
        assert isinstance(damage, bytes)
        data = damage
    entry.write_bytes(data)
    assert answers(cli, incident) == cold
    assert entry.read_bytes() != data or damage == "another file"


def test_a_timestamp_in_an_unknown_key_is_kept_exactly(
    repo: Repo, cli: CliRunnerCall, incident: str
) -> None:
    """An unknown key holding a YAML timestamp (a datetime, as ``pm action verify``'s
    evidence has) is kept like plain data, and shown the same from the kept parse."""
    path = repo.postmortem_path(incident)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n---\n", "\naudited: 2024-01-02 10:00:00\n---\n", 1), "utf-8")
    first = cli.ok("show", incident, "--json").stdout
    assert '"audited"' in first and len(entries(repo)) == 1
    assert cli.ok("show", incident, "--json").stdout == first
    shutil.rmtree(repo.path / ".git" / "pm")
    assert cli.ok("show", incident, "--json").stdout == first


def test_a_file_pm_cannot_read_is_named_as_before(
    repo: Repo, cli: CliRunnerCall, incident: str
) -> None:
    answers(cli, incident)
    path = repo.postmortem_path(incident)
    path.write_text(path.read_text(encoding="utf-8").replace("severity: SEV-2", "severity: ["))
    result = cli("show", incident)
    assert result.exit_code == 3 and incident in result.stderr
    assert "Traceback" not in result.stderr
