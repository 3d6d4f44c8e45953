"""The token cache (``pm.cache.TokenCache``, ``pm.causedocs``): ``pm show``, ``pm report ID``
and ``pm report`` answer the same cold, warm and after any change to a file, and they
tokenise only the files that changed.

The corpus is real text: the tuning part of tests/data/realtext (paraphrased public
postmortems, with families that group), written as postmortem files. "Tokenised" is
observed by counting calls of ``similar.pack``, which runs only for a file not cached.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, git
from pm import cache as cache_module
from pm import causedocs, causegroups, records, similar
from pm.causedocs import TOKENS_NAME, TokenCache
from pm.config import Config
from pm.store import Entry, Store

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import realtext  # noqa: E402

ITEMS = realtext.summaries("tuning")[:48]


def pid_of(n: int, item: dict[str, str]) -> str:
    return f"2023-{n // 28 + 1:02d}-{n % 28 + 1:02d}-{item['id'][:30].strip('-')}"


def text_of(n: int, item: dict[str, str]) -> str:
    pid = pid_of(n, item)
    day = pid[:10]
    return (
        f"---\nid: {pid}\ntitle: {item['title']!r}\nseverity: SEV-2\nstatus: resolved\n"
        f"services: [svc-{n % 5}]\ntags: [t{n % 3}]\n"
        f"timeline:\n- at: {day}T10:00:00Z\n  kind: started\n  text: Opened\n"
        f"- at: {day}T11:00:00Z\n  kind: resolved\n  text: Over\n---\n"
        f"## Summary\n\nSomething broke.\n\n## Impact\n\nUsers saw errors for {n} minutes.\n\n"
        f"## Root Cause\n\n{item['root_cause']}\n\n"
        f"## Contributing Factors\n\n{item['contributing']}\n"
    )


@pytest.fixture
def corpus(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setattr(cache_module, "RACY_NS", 0)  # files written a moment ago vouch too
    monkeypatch.setenv("PM_NOW", "2024-01-20T12:00:00Z")
    for n, item in enumerate(ITEMS):
        path = repo.postmortem_path(pid_of(n, item))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text_of(n, item), encoding="utf-8")
    repo.git("add", "-A")
    repo.git("commit", "--quiet", "-m", "corpus")
    return repo


@pytest.fixture
def packs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text ``similar.pack`` tokenised for the cache, in order."""
    seen: list[str] = []
    real = similar.pack

    def counted(text: str) -> str:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(similar, "pack", counted)
    return seen


def tokens_file(repo: Repo) -> Path:
    return repo.path / ".git" / "pm" / TOKENS_NAME


def ids(repo: Repo) -> list[str]:
    return sorted(p.stem for p in repo.path.glob("postmortems/*/*.md"))


# Every command that compares causes, on a few targets (the latest has the most history).
def commands(repo: Repo) -> list[tuple[str, ...]]:
    every = ids(repo)
    reads: list[tuple[str, ...]] = [("report", "--format", "json"), ("report",)]
    for pid in (every[-1], every[len(every) // 2], every[5]):
        reads += [("show", pid), ("report", pid, "--format", "json")]
    return reads


def outputs(cli: CliRunnerCall, reads: list[tuple[str, ...]]) -> list[str]:
    return [cli.ok(*args).stdout for args in reads]


def forget_answers(repo: Repo) -> None:
    """Forget the remembered groups and matches, so the next commands read the token
    cache (while no file changed they answer without it)."""
    folder = repo.path / ".git" / "pm"
    (folder / causegroups.GROUPS_NAME).unlink(missing_ok=True)
    shutil.rmtree(folder / causedocs.MATCHES_FOLDER, ignore_errors=True)


def test_packed_docs_group_and_rank_exactly_as_their_text() -> None:
    """``pack``/``unpack`` keep every token: groups, scores and shared words are equal."""
    items = realtext.summaries("tuning") + realtext.summaries("held-out")
    text = realtext.docs_of(items)
    packed = [
        similar.Doc(d.id, d.title, {k: similar.pack(v) for k, v in d.fields.items()}, packed=True)
        for d in text
    ]
    for field in ("root_cause", "contributing", "title"):
        assert [similar.field_tokens(d, field) for d in packed] == [
            similar.tokens(d.fields[field]) for d in text
        ]
    assert similar.group(text)[0] == similar.group(packed)[0]
    assert similar.group(text)[0], "the corpus groups: the comparison means something"
    for target in range(0, len(text), 9):
        found = similar.similar_docs(text, text[target])
        assert found == similar.similar_docs(packed, packed[target])
    assert similar.pack("The.") == " " and similar.has_cause(
        similar.Doc("x", "", {"root_cause": similar.pack("The.")}, packed=True)
    ), "a written cause without a token is still written"


def test_cold_warm_and_without_a_cache_answer_the_same(
    corpus: Repo, cli: CliRunnerCall, packs: list[str]
) -> None:
    reads = commands(corpus)
    cold = outputs(cli, reads)
    assert tokens_file(corpus).exists() and packs
    assert any("Similar past incidents" in out for out in cold), "show found matches"
    packs.clear()
    assert outputs(cli, reads) == cold
    assert packs == [], "warm: nothing tokenised"
    tokens_file(corpus).unlink()
    assert outputs(cli, reads) == cold


def test_the_cached_docs_are_what_the_files_give(corpus: Repo, cli: CliRunnerCall) -> None:
    """The Docs from the cache equal those made from the files' text, packed."""
    cli.ok("report")
    store = Store(Config(root=corpus.path))
    entries, _ = store.read_all()
    warm = causedocs.for_entries(store, entries, entries)
    assert warm.as_read, "every doc came from the bytes its postmortem was read from"
    for entry, doc in zip(entries, warm.docs, strict=True):
        fresh = similar.doc_from(entry.postmortem, store.read_body(entry.path))
        assert {k: similar.pack(v) for k, v in fresh.fields.items()} == doc.fields
        assert (fresh.id, fresh.title, fresh.labels, fresh.started) == (
            doc.id,
            doc.title,
            doc.labels,
            doc.started,
        )
    cached = TokenCache(tokens_file(corpus))
    assert len(cached._old) == len(entries)


def edit_keeping_size_and_mtime(path: Path, old: str, new: str) -> None:
    assert len(old) == len(new)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def test_a_hand_edit_of_the_same_size_and_mtime_is_seen(
    corpus: Repo, cli: CliRunnerCall, packs: list[str]
) -> None:
    every = ids(corpus)
    target = every[-1]
    reads = [("show", target), ("report", "--format", "json")]
    outputs(cli, reads)
    # Give an earlier file the target's cause: it must become its nearest match.
    victim = corpus.postmortem_path(every[10])
    mine = corpus.postmortem_path(target).read_text(encoding="utf-8")
    theirs = victim.read_text(encoding="utf-8")
    cause = mine.split("## Root Cause\n\n")[1].split("\n")[0]
    old = theirs.split("## Root Cause\n\n")[1].split("\n")[0]
    new = (cause + " " * len(old))[: len(old)] if len(cause) <= len(old) else cause[: len(old)]
    edit_keeping_size_and_mtime(victim, old, new)
    packs.clear()
    edited = outputs(cli, reads)
    assert 0 < len(packs) <= 4, "only the edited file is tokenised again (its four fields)"
    assert every[10] in edited[0]
    tokens_file(corpus).unlink()
    (corpus.path / ".git" / "pm" / cache_module.CACHE_NAME).unlink()
    assert outputs(cli, reads) == edited


def test_a_pull_or_a_branch_switch_tokenises_only_the_changed_files(
    corpus: Repo, cli: CliRunnerCall, packs: list[str]
) -> None:
    every = ids(corpus)
    reads = [("show", every[-1]), ("report", "--format", "json")]
    corpus.git("switch", "--quiet", "-c", "other")
    path = corpus.postmortem_path(every[3])
    path.write_text(path.read_text(encoding="utf-8") + "\nA deadlock in the pool.\n", "utf-8")
    corpus.git("commit", "--quiet", "-am", "edit")
    on_other = outputs(cli, reads)
    corpus.git("switch", "--quiet", "main")
    on_main = outputs(cli, reads)
    packs.clear()
    corpus.git("switch", "--quiet", "other")  # new inodes and ctimes for the changed file
    assert outputs(cli, reads) == on_other
    assert 0 < len(packs) <= 4, "one file changed: one file tokenised"
    packs.clear()
    corpus.git("switch", "--quiet", "main")
    assert outputs(cli, reads) == on_main and 0 < len(packs) <= 4


def test_a_restored_ci_cache_in_a_fresh_clone_is_used(
    corpus: Repo,
    cli: CliRunnerCall,
    packs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved = tmp_path / "ci-cache"
    monkeypatch.setenv("PM_CACHE_DIR", str(saved))
    reads = commands(corpus)
    first = outputs(cli, reads)
    assert (saved / TOKENS_NAME).exists()
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(corpus.path), str(clone))
    monkeypatch.chdir(clone)
    packs.clear()
    assert outputs(cli, reads) == first
    assert packs == [], "every file's bytes match its cached entry: nothing tokenised"


def test_a_corrupt_truncated_or_foreign_cache_is_ignored_and_rewritten(
    corpus: Repo, cli: CliRunnerCall, packs: list[str]
) -> None:
    reads = commands(corpus)
    first = outputs(cli, reads)
    whole = tokens_file(corpus).read_bytes()
    for damaged in (
        b"garbage",
        whole[: len(whole) // 2],
        b"",
        whole.replace(b"pm-tokens", b"pm-tokenz"),
    ):
        tokens_file(corpus).write_bytes(damaged)
        forget_answers(corpus)
        assert outputs(cli, reads) == first
        assert tokens_file(corpus).read_bytes() != damaged, "rewritten"


def test_a_damaged_entry_is_a_miss(corpus: Repo, cli: CliRunnerCall, packs: list[str]) -> None:
    reads = commands(corpus)
    first = outputs(cli, reads)
    cache = TokenCache(tokens_file(corpus))
    name = next(iter(cache._old))
    key, blob, _value = cache._old[name]
    cache._new = {**cache._old, name: (key, blob, ("not", "a", "doc"))}
    cache.save()
    forget_answers(corpus)
    packs.clear()
    assert outputs(cli, reads) == first
    assert 0 < len(packs) <= 4


def test_a_changed_tokeniser_starts_afresh(
    corpus: Repo, cli: CliRunnerCall, packs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = commands(corpus)
    first = outputs(cli, reads)
    monkeypatch.setattr(similar, "tokeniser_id", lambda: "another tokeniser")
    packs.clear()
    assert outputs(cli, reads) == first
    assert len(packs) >= 4 * (len(ITEMS) - 1), "every file tokenised again"


def test_the_tokeniser_fingerprint_is_stable_and_sees_its_word_lists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = similar.tokeniser_id.__wrapped__()
    assert first == similar.tokeniser_id.__wrapped__() == similar.tokeniser_id()
    monkeypatch.setattr(similar, "_STOP", similar._STOP | {"pool"})
    assert similar.tokeniser_id.__wrapped__() != first


def test_show_keeps_the_entries_of_files_it_did_not_read(corpus: Repo, cli: CliRunnerCall) -> None:
    """``pm show`` reads the earlier files only; the report's entries stay cached."""
    cli.ok("report")
    before = set(TokenCache(tokens_file(corpus))._old)
    every = ids(corpus)
    path = corpus.postmortem_path(every[2])
    path.write_text(path.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    cli.ok("show", every[4])
    assert set(TokenCache(tokens_file(corpus))._old) == before
    path.unlink()
    cli.ok("report")
    assert set(TokenCache(tokens_file(corpus))._old) == before - {f"postmortems/2023/{every[2]}.md"}


def test_no_cache_can_be_written_and_pm_still_answers(
    corpus: Repo, cli: CliRunnerCall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = commands(corpus)
    first = outputs(cli, reads)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    monkeypatch.setenv("PM_CACHE_DIR", str(blocked))
    assert outputs(cli, reads) == first
    shutil.rmtree(corpus.path / ".git" / "pm")
    monkeypatch.delenv("PM_CACHE_DIR")
    assert outputs(cli, reads) == first


# --- the matches of one postmortem, remembered (causedocs.Remembered) -----------------------


@pytest.fixture
def compares(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many files each comparison of ``pm show`` read through the token cache."""
    seen: list[int] = []
    real = causedocs.for_paths

    def counted(store: Store, paths: list[Path]) -> list[similar.Doc]:
        seen.append(len(paths))
        return real(store, paths)

    monkeypatch.setattr(causedocs, "for_paths", counted)
    return seen


def fresh_show(corpus: Repo, cli: CliRunnerCall, *args: str) -> str:
    """``pm show`` with no cache at all: what the files say now."""
    shutil.rmtree(corpus.path / ".git" / "pm", ignore_errors=True)
    return cli.ok("show", *args).stdout


def test_show_remembers_its_matches_while_nothing_changes(
    corpus: Repo, cli: CliRunnerCall, compares: list[int]
) -> None:
    target = ids(corpus)[-1]
    first = cli.ok("show", target).stdout
    assert "Similar past incidents" in first and compares == [len(ITEMS) - 1]
    assert cli.ok("show", target).stdout == first
    assert cli.ok("report", target).exit_code == 0
    assert compares == [len(ITEMS) - 1], "remembered: nothing compared again"
    assert list((corpus.path / ".git" / "pm" / "similar-v1").glob("*.marshal"))


def test_remembered_matches_are_found_afresh_after_any_change(
    corpus: Repo, cli: CliRunnerCall, compares: list[int]
) -> None:
    every = ids(corpus)
    target = every[-1]
    cli.ok("show", target)
    # A hand edit of a compared file, same size and mtime: it becomes the best match.
    victim = corpus.postmortem_path(every[7])
    mine = corpus.postmortem_path(target).read_text(encoding="utf-8")
    cause = mine.split("## Root Cause\n\n")[1].split("\n")[0]
    old = victim.read_text(encoding="utf-8").split("## Root Cause\n\n")[1].split("\n")[0]
    new = (cause + " " * len(old))[: len(old)]
    edit_keeping_size_and_mtime(victim, old, new)
    edited = cli.ok("show", target).stdout
    assert every[7] in edited and len(compares) == 2
    assert edited == fresh_show(corpus, cli, target)
    # A new earlier file among those compared.
    cli.ok("show", target)
    added = corpus.postmortem_path("2023-01-01-a-copy")
    added.write_text(
        victim.read_text(encoding="utf-8").replace(every[7], "2023-01-01-a-copy"),
        encoding="utf-8",
    )
    count = len(compares)
    with_copy = cli.ok("show", target).stdout
    assert len(compares) == count + 1 and "2023-01-01-a-copy" in with_copy
    assert with_copy == fresh_show(corpus, cli, target)
    # The target's own text.
    path = corpus.postmortem_path(target)
    cli.ok("show", target)
    path.write_text(path.read_text(encoding="utf-8").replace(cause, old), encoding="utf-8")
    count = len(compares)
    changed = cli.ok("show", target).stdout
    assert len(compares) == count + 1 and changed == fresh_show(corpus, cli, target)
    # The settings that tune matching.
    cli.ok("show", target)
    (corpus.path / ".pm.toml").write_text("[recurring]\nthreshold = 0.9\n", encoding="utf-8")
    count = len(compares)
    tuned = cli.ok("show", target).stdout
    assert len(compares) == count + 1 and tuned == fresh_show(corpus, cli, target)


def test_damaged_remembered_matches_are_found_afresh(
    corpus: Repo, cli: CliRunnerCall, compares: list[int]
) -> None:
    target = ids(corpus)[-1]
    first = cli.ok("show", target).stdout
    (remembered,) = (corpus.path / ".git" / "pm" / "similar-v1").glob("*.marshal")
    whole = remembered.read_bytes()
    for damaged in (b"", b"junk", whole[: len(whole) // 2]):
        remembered.write_bytes(damaged)
        assert cli.ok("show", target).stdout == first
    assert len(compares) == 4


def test_a_racy_stat_is_not_remembered(
    corpus: Repo, cli: CliRunnerCall, compares: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files changed in the last two seconds could change again unseen: not remembered."""
    monkeypatch.setattr(cache_module, "RACY_NS", 3600 * 10**9)
    target = ids(corpus)[-1]
    cli.ok("show", target)
    cli.ok("show", target)
    assert len(compares) == 2
    assert not list((corpus.path / ".git" / "pm").glob("similar-v1/*.marshal"))


# --- the recurring-cause groups of a report, remembered (causegroups.groups_of) ---------------


@pytest.fixture
def groupings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many docs each ``similar.group`` call grouped."""
    seen: list[int] = []
    real = similar.group

    def counted(docs: list[similar.Doc], *args: object, **kwargs: object) -> object:
        seen.append(len(docs))
        return real(docs, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(similar, "group", counted)
    return seen


def test_a_report_remembers_its_groups_while_no_cause_changes(
    corpus: Repo, cli: CliRunnerCall, groupings: list[int]
) -> None:
    first = cli.ok("report", "--format", "json").stdout
    assert json.loads(first)["recurring"], "the corpus has recurring causes"
    assert groupings == [len(ITEMS)]
    assert cli.ok("report", "--format", "json").stdout == first
    assert cli.ok("report").exit_code == 0
    assert groupings == [len(ITEMS)], "remembered"
    assert (corpus.path / ".git" / "pm" / causegroups.GROUPS_NAME).exists()


def test_remembered_groups_follow_any_change(
    corpus: Repo, cli: CliRunnerCall, groupings: list[int]
) -> None:
    reads = [("report", "--format", "json"), ("report",)]
    every = ids(corpus)
    outputs(cli, reads)
    # A hand edit of a cause, same size and mtime.
    victim = corpus.postmortem_path(every[10])
    mine = corpus.postmortem_path(every[-1]).read_text(encoding="utf-8")
    cause = mine.split("## Root Cause\n\n")[1].split("\n")[0]
    old = victim.read_text(encoding="utf-8").split("## Root Cause\n\n")[1].split("\n")[0]
    edit_keeping_size_and_mtime(victim, old, (cause + " " * len(old))[: len(old)])
    count = len(groupings)
    edited = outputs(cli, reads)
    assert len(groupings) == count + 1
    shutil.rmtree(corpus.path / ".git" / "pm")
    assert outputs(cli, reads) == edited
    # The tuning.
    (corpus.path / ".pm.toml").write_text("[recurring]\nthreshold = 0.3\n", encoding="utf-8")
    count = len(groupings)
    tuned = outputs(cli, reads)
    assert len(groupings) == count + 1 and tuned != edited
    shutil.rmtree(corpus.path / ".git" / "pm")
    assert outputs(cli, reads) == tuned
    # A damaged file.
    path = corpus.path / ".git" / "pm" / causegroups.GROUPS_NAME
    for damaged in (b"", b"junk", path.read_bytes()[:100]):
        path.write_bytes(damaged)
        assert outputs(cli, reads) == tuned


@pytest.fixture
def token_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many entries each ``causedocs.for_entries`` call (the token cache) was asked."""
    seen: list[int] = []
    real = causedocs.for_entries

    def counted(store: Store, entries: list[Entry], every: list[Entry]) -> causedocs.Causes:
        seen.append(len(entries))
        return real(store, entries, every)

    monkeypatch.setattr(causedocs, "for_entries", counted)
    return seen


def test_an_unchanged_repository_reports_without_its_tokens(
    corpus: Repo, cli: CliRunnerCall, token_reads: list[int], groupings: list[int]
) -> None:
    """The groups remembered name the bytes every file was read from: while those are the
    same, ``pm report`` neither groups nor loads the token cache (about 100 MB at 50,000
    postmortems), and reads only the causes of the groups it describes."""
    reads = [("report", "--format", "json"), ("report",), ("report", "--since", "2023-02-01")]
    first = outputs(cli, reads)
    assert json.loads(first[0])["recurring"], "the corpus has recurring causes"
    assert token_reads == [len(ITEMS)], "the first report remembers which bytes it grouped"
    assert groupings == [len(ITEMS)]
    bodies: list[Path] = []
    real_body = Store.read_body

    def read_body(store: Store, path: Path) -> str:
        bodies.append(path)
        return real_body(store, path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "read_body", read_body)
        assert outputs(cli, reads) == first
    assert token_reads == [len(ITEMS)], "the token cache was not read"
    assert groupings == [len(ITEMS)]
    assert 0 < len(bodies) < len(ITEMS), "only the described groups' causes"
    # A new file: its bytes were never grouped.
    item = realtext.summaries("tuning")[len(ITEMS)]
    new = corpus.postmortem_path(pid_of(len(ITEMS), item))
    new.write_text(text_of(len(ITEMS), item), encoding="utf-8")
    outputs(cli, reads)
    assert token_reads == [len(ITEMS), len(ITEMS) + 1] and len(groupings) == 2


def test_a_file_changed_while_it_is_tokenised_is_not_remembered_by_its_bytes(
    corpus: Repo, cli: CliRunnerCall
) -> None:
    """A doc made from newer bytes than its postmortem was read from: the groups are kept
    for their content, but not for the bytes read, which did not give them."""
    store = Store(Config(root=corpus.path))
    entries, _ = store.read_all()
    store.release_summaries()
    victim = corpus.postmortem_path(ids(corpus)[3])
    victim.write_text(victim.read_text(encoding="utf-8") + "\nA retry storm.\n", encoding="utf-8")
    found = causedocs.for_entries(store, entries, entries)
    assert not found.as_read
    files = causegroups.files_read(store, entries)
    tuning = similar.DEFAULT_TUNING
    groups = causegroups.groups_of(store, found.docs, tuning, None)
    known = {entry.postmortem.id for entry in entries}
    assert causegroups.remembered_groups(store, files, tuning, known) is None
    # Read afresh, every doc is as read: the next report needs no tokens.
    store = Store(Config(root=corpus.path))
    entries, _ = store.read_all()
    again = causedocs.for_entries(store, entries, entries)
    files = causegroups.files_read(store, entries)
    assert again.as_read and files is not None
    assert causegroups.groups_of(store, again.docs, tuning, files) == groups
    assert causegroups.remembered_groups(store, files, tuning, known) == groups
    stricter = records.replace(tuning, threshold=0.5)
    assert causegroups.remembered_groups(store, files, stricter, known) is None


def test_a_show_of_a_new_file_appends_its_tokens_and_answers_as_cold(
    corpus: Repo, cli: CliRunnerCall
) -> None:
    """Once a report filled the token cache, a ``pm show`` of a new file adds its words at
    the end of the file (``StatCache.append``) instead of rewriting every file's, and
    gives what it gives with no cache at all."""
    latest = ids(corpus)[-1]
    cli.ok("report")
    before = tokens_file(corpus).stat()
    item = realtext.summaries("tuning")[len(ITEMS)]
    pid = pid_of(5, item)  # an earlier day: compared when the latest is shown
    corpus.postmortem_path(pid).write_text(text_of(5, item), encoding="utf-8")
    warm = cli.ok("show", latest).stdout
    after = tokens_file(corpus).stat()
    assert after.st_ino == before.st_ino and after.st_size > before.st_size
    assert corpus_name(corpus, pid) in TokenCache(tokens_file(corpus))._old
    shutil.rmtree(corpus.path / ".git" / "pm")
    assert cli.ok("show", latest).stdout == warm


def corpus_name(repo: Repo, pid: str) -> str:
    return repo.postmortem_path(pid).relative_to(repo.path).as_posix()


def test_remembered_groups_naming_an_unknown_id_are_damage_not_a_crash(
    corpus: Repo, cli: CliRunnerCall
) -> None:
    """A groups file that still loads but names an id no postmortem has (a flipped byte)
    is grouped afresh and rewritten, as a file that does not load is: used, it failed
    every report with an internal error until the cache was deleted."""
    cli.ok("report")
    cold = cli.ok("report").stdout
    path = corpus.path / ".git" / "pm" / causegroups.GROUPS_NAME
    data = path.read_bytes()
    grouped = next(i for i in ids(corpus) if i.encode() in data)
    damaged = grouped[:11] + "X" + grouped[12:]  # same length: still valid marshal
    path.write_bytes(data.replace(grouped.encode(), damaged.encode()))
    assert cli.ok("report").stdout == cold
    assert damaged.encode() not in path.read_bytes()  # rewritten, not kept
    assert cli.ok("report").stdout == cold


def test_the_groups_key_follows_the_docs_values_not_how_python_shares_them(
    corpus: Repo, groupings: list[int]
) -> None:
    """marshal writes a string met twice as a reference, so equal docs whose strings were
    shared differently (interned by one read, not by another) gave other bytes, another
    key, and a report that grouped every doc again for nothing."""
    import pickle

    store = Store(Config(root=corpus.path))
    entries, _ = store.read_all()
    docs = causedocs.for_entries(store, entries, entries).docs
    tuning = similar.DEFAULT_TUNING
    groups = causegroups.groups_of(store, docs, tuning, None)
    assert groupings == [len(docs)]
    fresh = pickle.loads(pickle.dumps(docs))  # equal values, no string shared with docs
    assert fresh == docs
    assert causegroups.groups_of(store, fresh, tuning, None) == groups
    assert groupings == [len(docs)], "the same docs: remembered, not grouped again"
