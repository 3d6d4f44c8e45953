"""The owners ``pm lint --changed`` knows come from git's index and ``owners-v1.marshal``
(owners by blob id), never from a stale copy: commits, pulls, branch switches, hand edits
and a damaged or restored file all give the names a lint of every file knows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo
from factories import action, commit, postmortem, write
from test_lint import GOOD, MINOR, clean, edit

__all__ = ["clean"]  # the fixture, shared with test_lint

OWNERS = Path(".git") / "pm" / "owners-v1.marshal"
KNOWN = Path(".git") / "pm" / "known-v1.marshal"
BLAME = ("## Root Cause\n", "## Root Cause\n\nCarol broke the config.\n")


def findings(cli: CliRunnerCall, *args: str) -> list[str]:
    """The blameless rules ``pm lint`` finds (the owners are the names they know)."""
    result = cli("lint", "--format", "json", *args)
    rules = [f["rule"] for f in json.loads(result.stdout)["findings"]]
    return [rule for rule in rules if rule.startswith("blameless.")]


def add_owner(repo: Repo, name: str) -> None:
    """A new postmortem, committed, with an action item owned by ``name``."""
    write(
        repo.path,
        postmortem(
            "2024-03-09-queue-stalls",
            "Queue stalls",
            actions=[action(1, "Add a dead-letter queue", name, due="2024-05-01")],
        ),
    )
    commit(repo.path)


def test_the_owners_file_is_written_and_then_used(clean: Repo, cli: CliRunnerCall) -> None:
    edit(clean, GOOD, "Payments time out", "Payments time out again")
    assert findings(cli, "--changed") == []
    assert (clean.path / OWNERS).is_file()
    first = (clean.path / OWNERS).read_bytes()
    assert findings(cli, "--changed") == []
    assert (clean.path / OWNERS).read_bytes() == first  # nothing new: not rewritten


def test_an_owner_committed_after_the_file_was_written_is_known(
    clean: Repo, cli: CliRunnerCall
) -> None:
    assert findings(cli, "--changed") == []  # the owners file, without carol
    add_owner(clean, "carol")
    edit(clean, GOOD, *BLAME)
    assert findings(cli, "--changed") == ["blameless.person-caused"]
    assert findings(cli, "--changed") == findings(cli)


def test_an_owner_removed_by_a_commit_is_forgotten(clean: Repo, cli: CliRunnerCall) -> None:
    add_owner(clean, "carol")
    assert findings(cli, "--changed") == []
    edit(clean, "postmortems/2024/2024-03-09-queue-stalls.md", "owner: carol", "owner: alice")
    commit(clean.path)
    edit(clean, GOOD, *BLAME)
    # carol is no owner any more and not a git author: a lint of every file does not know
    # her either, so both agree.
    assert findings(cli, "--changed") == findings(cli)
    assert findings(cli, "--changed") == []


def test_a_branch_switch_gives_that_branch_s_owners(clean: Repo, cli: CliRunnerCall) -> None:
    clean.git("switch", "--quiet", "-c", "with-carol")
    add_owner(clean, "carol")
    assert findings(cli, "--changed") == []
    clean.git("switch", "--quiet", "main")
    edit(clean, GOOD, *BLAME)
    assert findings(cli, "--changed") == findings(cli) == []
    clean.git("stash", "--quiet")
    clean.git("switch", "--quiet", "with-carol")
    clean.git("stash", "pop", "--quiet")
    assert findings(cli, "--changed") == ["blameless.person-caused"]


@pytest.mark.parametrize("damage", [b"", b"garbage", b"\xe3\x00\x00"])
@pytest.mark.parametrize("damaged", [OWNERS, KNOWN], ids=["owners", "known"])
def test_a_damaged_cache_file_is_rebuilt(
    clean: Repo, cli: CliRunnerCall, damage: bytes, damaged: Path
) -> None:
    add_owner(clean, "carol")
    assert findings(cli, "--changed") == []
    (clean.path / damaged).write_bytes(damage)
    if damaged == OWNERS:  # else the answer for this index is read back, owners unread
        (clean.path / KNOWN).unlink()
    edit(clean, GOOD, *BLAME)
    assert findings(cli, "--changed") == ["blameless.person-caused"]
    assert (clean.path / damaged).read_bytes() != damage


def test_the_answer_for_an_index_is_kept_and_read_back(clean: Repo, cli: CliRunnerCall) -> None:
    """``known-v1.marshal`` holds the owners and names for one index listing: the same
    index, the same answer read back; any change to the index, a new answer."""
    assert findings(cli, "--changed") == []
    first = (clean.path / KNOWN).read_bytes()
    edit(clean, GOOD, BLAME[0], BLAME[1].replace("Carol", "Bob"))  # the index unchanged
    assert findings(cli, "--changed") == ["blameless.person-caused"]
    assert (clean.path / KNOWN).read_bytes() == first
    add_owner(clean, "carol")  # a commit (the edit too): a new index, carol an owner
    assert findings(cli, "--changed") == []
    assert (clean.path / KNOWN).read_bytes() != first
    edit(clean, GOOD, "Bob broke the config.", "Carol broke the config.")
    assert findings(cli, "--changed") == findings(cli) == ["blameless.person-caused"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_edited_since_it_was_staged_counts_its_staged_owners(
    clean: Repo, cli: CliRunnerCall, jobs: str
) -> None:
    """MINOR's owner changes in the work tree only, and no cache has seen its staged
    content: git's object store gives it (bob is counted: a name more, never one less),
    and the answer for this index is kept. Read in this process or in workers alike."""
    edit(clean, MINOR, "owner: bob", "owner: carol")
    edit(clean, GOOD, BLAME[0], BLAME[1].replace("Carol", "Bob"))
    assert findings(cli, "--changed", "--jobs", jobs) == ["blameless.person-caused"]
    assert (clean.path / KNOWN).is_file()


def test_a_cold_owners_file_is_read_in_workers_with_the_same_answer(
    clean: Repo, cli: CliRunnerCall
) -> None:
    """The first ``lint --changed`` in a clone parses every front matter for its owners:
    across processes when there are many (``--jobs``), with the answer one process gives."""
    import marshal

    add_owner(clean, "carol")
    edit(clean, GOOD, *BLAME)
    alone = findings(cli, "--changed", "--jobs", "1")
    kept = marshal.loads((clean.path / OWNERS).read_bytes())
    assert alone == ["blameless.person-caused"] and len(kept[1]) >= 3
    for name in (OWNERS, KNOWN):
        (clean.path / name).unlink()
    assert findings(cli, "--changed", "--jobs", "2") == alone
    assert marshal.loads((clean.path / OWNERS).read_bytes()) == kept


def test_an_owners_file_restored_from_another_clone_is_right(
    clean: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI cache step restores PM_CACHE_DIR from another checkout: entries are by blob
    id, so whatever they say is true of this checkout's content too."""
    saved = tmp_path / "ci-cache"
    monkeypatch.setenv("PM_CACHE_DIR", str(saved))
    assert findings(cli, "--changed") == []
    assert (saved / OWNERS.name).is_file()
    other = tmp_path / "other"
    shutil.copytree(clean.path, other)
    monkeypatch.chdir(other)
    add_owner(Repo(other), "carol")
    edit(Repo(other), GOOD, *BLAME)
    assert findings(cli, "--changed") == ["blameless.person-caused"]


def test_a_hand_edit_of_a_staged_file_is_read_by_lint_itself(
    clean: Repo, cli: CliRunnerCall
) -> None:
    """MINOR's owner changes in the work tree only: the index still has the old content
    (bob counted), and the lint of the changed file adds the new owner (carol)."""
    edit(clean, MINOR, "owner: bob", "owner: carol")
    edit(clean, GOOD, *BLAME)
    assert findings(cli, "--changed") == findings(cli) == ["blameless.person-caused"]


def test_an_unwritable_owners_file_slows_but_never_fails(clean: Repo, cli: CliRunnerCall) -> None:
    (clean.path / OWNERS).parent.mkdir(parents=True, exist_ok=True)
    (clean.path / OWNERS).mkdir()  # a folder where the file goes: the write fails
    edit(clean, GOOD, "## Root Cause\n", "## Root Cause\n\nBob broke the config.\n")
    assert findings(cli, "--changed") == ["blameless.person-caused"]
    assert not list((clean.path / OWNERS).parent.glob(".owners-v1.marshal.*.tmp"))


def test_a_case_twin_deleted_from_the_work_tree_is_no_twin(clean: Repo, cli: CliRunnerCall) -> None:
    (clean.path / GOOD).unlink()  # still in the index
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
    assert "schema.id-case-collision" not in rules


def test_owners_of_files_outside_the_year_folders_are_not_names(
    clean: Repo, cli: CliRunnerCall
) -> None:
    """A draft kept outside a year folder is in git's index but no postmortem a lint of
    every file reads: its owners are no names it knows, so --changed must not know them."""
    add_owner(clean, "carol")
    drafts = clean.path / "postmortems" / "drafts"
    drafts.mkdir()
    clean.git("mv", "postmortems/2024/2024-03-09-queue-stalls.md", "postmortems/drafts/")
    commit(clean.path)
    edit(clean, GOOD, *BLAME)
    assert findings(cli, "--changed") == findings(cli) == []


def kept_counts(repo: Repo) -> dict[str, int]:
    import marshal

    _header, _listing, counts, _added = marshal.loads((repo.path / KNOWN).read_bytes())
    assert isinstance(counts, dict)
    return counts


def test_the_owners_kept_follow_commits_from_the_records_that_changed(
    clean: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the first count, a commit (new file, changed owner, deleted file, a rename
    out of the year folders) brings the kept counts up to date from the index records
    that differ, never by looking at every record again, and they equal a fresh count."""
    from pm.lint import names

    whole: list[int] = []
    real = names._counted

    def counted(*args: object) -> object:
        whole.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(names, "_counted", counted)
    assert findings(cli, "--changed") == [] and whole == [1]
    add_owner(clean, "carol")
    edit(clean, GOOD, *BLAME)
    assert findings(cli, "--changed") == findings(cli) == ["blameless.person-caused"]
    assert kept_counts(clean).get("carol") == 1
    queue = "postmortems/2024/2024-03-09-queue-stalls.md"
    edit(clean, queue, "owner: carol", "owner: dave")
    commit(clean.path)
    assert findings(cli, "--changed") == findings(cli) == []
    assert "carol" not in kept_counts(clean) and kept_counts(clean)["dave"] == 1
    clean.git("rm", "--quiet", MINOR)
    commit(clean.path)
    assert findings(cli, "--changed") == findings(cli)
    drafts = clean.path / "postmortems" / "drafts"
    drafts.mkdir()
    clean.git("mv", queue, "postmortems/drafts/")
    commit(clean.path)
    assert findings(cli, "--changed") == findings(cli)
    assert whole == [1], "every later answer came from the records that changed"
    moved = kept_counts(clean)
    (clean.path / KNOWN).unlink()
    findings(cli, "--changed")
    assert kept_counts(clean) == moved and "dave" not in moved and whole == [1, 1]


def test_a_gone_record_whose_owners_are_unknown_is_counted_afresh(
    clean: Repo, cli: CliRunnerCall
) -> None:
    """The owners cache lost (or never had) the owners of a record the commit removed:
    the counts cannot be brought up to date, and are made from the whole index."""
    add_owner(clean, "carol")
    assert findings(cli, "--changed") == []
    (clean.path / OWNERS).unlink()
    edit(clean, "postmortems/2024/2024-03-09-queue-stalls.md", "owner: carol", "owner: dave")
    commit(clean.path)
    edit(clean, GOOD, *BLAME)
    assert findings(cli, "--changed") == findings(cli) == []
    assert "carol" not in kept_counts(clean)
    (clean.path / KNOWN).write_bytes(b"")
    assert findings(cli, "--changed") == findings(cli) == []


def test_names_of_one_folded_id_are_found_in_ascii_and_other_listings(tmp_path: Path) -> None:
    """One search of an ASCII listing finds what a look at every entry finds; a listing
    with other characters is looked at entry by entry (``casefold`` folds more than a
    case-insensitive search: "straße" is "strasse")."""
    from pm.config import Config
    from pm.lint.names import _by_folded_id

    config = Config(root=tmp_path)

    def listing(*names: str, stage: int = 0) -> bytes:
        return b"".join(f"100644 {'a' * 40} {stage}\t{n}\0".encode() for n in names)

    ascii_names = (
        "postmortems/2024/2024-01-01-db.md",
        "postmortems/2024/2024-01-01-DB.md",
        "postmortems/2025/2024-01-01-Db.md",
        "postmortems/drafts/2024-01-01-db.md",  # not in a year folder
        "postmortems/2024/2024-01-01-db.md.bak",
        "postmortems/2024/2024-01-01-dbx.md",
        "other/2024/2024-01-01-db.md",
    )
    found = _by_folded_id(config, listing(*ascii_names) + listing("x", stage=2), {"2024-01-01-db"})
    root = str(tmp_path) + "/"
    assert found == {"2024-01-01-db": [root + n for n in ascii_names[:3]]}
    other = listing(*ascii_names, "postmortems/2024/2024-01-01-straße.md")
    found = _by_folded_id(config, other, {"2024-01-01-db", "2024-01-01-strasse"})
    assert found == {
        "2024-01-01-db": [root + n for n in ascii_names[:3]],
        "2024-01-01-strasse": [root + "postmortems/2024/2024-01-01-straße.md"],
    }
    assert _by_folded_id(config, listing(*ascii_names), set()) == {}


def test_the_records_two_listings_differ_in_are_found_wherever_they_are() -> None:
    """``_differing`` looks only between the records both listings begin and end with;
    whatever changed (first, last, middle, several places, added, removed, a path that
    is a prefix of another), it finds the records a whole set difference finds."""
    import random

    from pm.lint.names import _differing

    def record(n: int, blob: str = "a") -> bytes:
        return f"100644 {blob * 40} 0\tpostmortems/2024/2024-01-{n:05d}.md\0".encode()

    rng = random.Random(7)
    base = [record(n) for n in range(300)]
    cases = [
        (base, base),
        ([], base),
        (base, []),
        (base, [record(0, "b"), *base[1:]]),
        (base, [*base[:-1], record(299, "b")]),
        (base, [*base[:150], record(150, "b"), *base[151:]]),
        (base, base[:100] + base[101:]),
        (base, [*base, record(300)]),
        (
            [b"100644 " + b"a" * 40 + b" 0\tp/2024/x.md\0"],
            [b"100644 " + b"a" * 40 + b" 0\tp/2024/x.md.md\0"],
        ),
    ]
    # A record of one listing that ends with a whole record of the other (a path with a
    # tab and a record in it): the common end must be whole records in both.
    inner = record(5)
    cases.append(([record(1), inner], [record(1), b"100644 " + b"c" * 40 + b" 0\tx/" + inner]))
    cases.append(([record(1), inner[:-1]], [record(1), b"1" + inner[:-1]]))  # no NUL at the end
    for _ in range(200):
        after = list(base)
        for _change in range(rng.randint(1, 4)):
            at = rng.randrange(len(after))
            kind = rng.choice(["edit", "drop", "add"])
            if kind == "edit":
                after[at] = record(at, rng.choice("bcd"))
            elif kind == "drop":
                del after[at]
            else:
                after.insert(at, record(1000 + at))
        cases.append((base, sorted(after, key=lambda r: r.split(b"\t")[1])))
    for old, new in cases:
        gone, came = _differing(b"".join(old), b"".join(new))
        assert set(gone.split(b"\0")) - {b""} == {r.rstrip(b"\0") for r in set(old) - set(new)}
        assert set(came.split(b"\0")) - {b""} == {r.rstrip(b"\0") for r in set(new) - set(old)}


def test_owners_of_added_blobs_move_into_the_owners_cache_past_a_limit(
    clean: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    import marshal

    from pm.lint import names

    monkeypatch.setattr(names, "_ADDED", 1)
    assert findings(cli, "--changed") == []
    add_owner(clean, "carol")
    assert findings(cli, "--changed") == []
    assert len(marshal.loads((clean.path / KNOWN).read_bytes())[3]) == 1  # kept with counts
    queue = "postmortems/2024/2024-03-09-queue-stalls.md"
    edit(clean, queue, "owner: carol", "owner: dave")
    commit(clean.path)
    edit(clean, GOOD, *BLAME)
    assert findings(cli, "--changed") == findings(cli) == []
    assert marshal.loads((clean.path / KNOWN).read_bytes())[3] == {}
    owners = marshal.loads((clean.path / OWNERS).read_bytes())[1]
    assert ("dave",) in owners.values() and ("carol",) in owners.values()
