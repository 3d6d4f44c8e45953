"""Every read command answers the same with and without the summary cache.

The corpus: the hand-edited file of ``test_hand_edited.py`` (comments, other tools' keys
in events and items, offsets), one file per string of ``tests/hostile.py`` (the string in
the title, the impact, an event's text and another tool's key on it, an action item and a
top-level key, JSON-quoted as a careful tool writes them) and files whose unknown keys
hold dates (kept out of the cache). Each read command runs cold (no cache), warm (the
cache a full read wrote) and cold again; output and exit code must be the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import CliRunnerCall, Repo
from hostile import HOSTILE
from pm import cache as cache_module
from pm.cache import (
    CACHE_NAME,
    HEADS_NAME,
    HeadCache,
    SummaryCache,
    file_pieces,
    read_file,
    write_file,
)
from pm.config import Config
from pm.store import Store
from test_cache_index import settle
from test_hand_edited import HAND_WRITTEN
from test_hand_edited import PID as HAND_PID

AS_OF = "2024-03-01"


def hostile_file(index: int, text: str) -> str:
    q = json.dumps(text, ensure_ascii=True)
    pid = f"2024-02-{index % 28 + 1:02d}-hostile-{index}"
    return (
        "---\n"
        f"id: {pid}\n"
        f"title: {q}\n"
        "severity: SEV-2\n"
        f"status: {'resolved' if index % 2 else 'active'}\n"
        f"impact: {q}\n"
        "tags: [db]\n"
        "timeline:\n"
        f"- at: 2024-02-{index % 28 + 1:02d}T10:00:00Z\n  kind: started\n  text: {q}\n"
        f"  x-source: {q}\n"
        f"- at: 2024-02-{index % 28 + 1:02d}T11:00:00Z\n  kind: resolved\n"
        f"  x-seq: {index}\n"
        "review:\n  due: 2024-02-20\n"
        "actions:\n"
        f"- number: 1\n  text: {q}\n  owner: {q}\n  priority: P1\n  due: 2024-02-10\n"
        "  status: open\n"
        f"  x-labels: [{q}]\n"
        f"x-other-tool: {q}\n"
        "---\n"
        f"## Summary\n\n{text}\n\n## Root Cause\n\nThe pool was too small.\n"
    )


def dated_extras() -> str:
    return (
        "---\nid: 2024-02-29-dated-extras\ntitle: Dates in other keys\nseverity: SEV-3\n"
        "status: active\ntimeline:\n- at: 2024-02-29T10:00:00Z\n  kind: started\n"
        "  x-when: 2024-02-29\nx-reviewed-on: 2024-03-01\n---\nBody.\n"
    )


@pytest.fixture
def corpus(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setattr(cache_module, "RACY_NS", 0)  # cache files changed a moment ago
    monkeypatch.setenv("PM_NOW", "2024-03-01T12:00:00Z")
    files = {HAND_PID: HAND_WRITTEN, "2024-02-29-dated-extras": dated_extras()}
    for index, (_name, text) in enumerate(HOSTILE):
        content = hostile_file(index, text)
        files[content.split("\n")[1].removeprefix("id: ")] = content
    for pid, content in files.items():
        path = repo.postmortem_path(pid)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    repo.git("add", "-A")
    repo.git("commit", "--quiet", "-m", "corpus")
    return repo


def cache_path(repo: Repo) -> Path:
    return repo.path / ".git" / "pm" / CACHE_NAME


def ids(repo: Repo) -> list[str]:
    return sorted(p.stem for p in repo.path.glob("postmortems/*/*.md"))


def same_with_and_without_cache(repo: Repo, cli: CliRunnerCall, *args: str) -> None:
    import shutil

    shutil.rmtree(cache_path(repo).parent, ignore_errors=True)  # every cache of pm's
    cold = cli(*args)
    cli("list")  # a full read writes the cache
    assert cache_path(repo).exists()
    cli(*args)  # and the caches of this command (heads, lines...)
    warm = cli(*args)
    shutil.rmtree(cache_path(repo).parent)
    again = cli(*args)
    label = "pm " + " ".join(args)
    assert (warm.exit_code, warm.stdout, warm.stderr) == (
        cold.exit_code,
        cold.stdout,
        cold.stderr,
    ), f"{label}: warm differs from cold"
    assert (again.exit_code, again.stdout) == (cold.exit_code, cold.stdout), label


def test_the_cache_holds_the_corpus(corpus: Repo, cli: CliRunnerCall) -> None:
    """The warm runs below really read the cache: most files are in it, decoded equal."""
    cli("list")
    cached = SummaryCache(cache_path(corpus))
    store = Store(Config(root=corpus.path))
    compared = 0
    for path in store.paths():
        fresh = None
        try:
            fresh = store.read(path).postmortem
        except Exception:  # noqa: BLE001 - unreadable hostile files are not cached
            assert store.display(path) not in cached._old
            continue
        entry = cached._old.get(store.display(path))
        if entry is None:
            continue
        assert type(entry[2]) is bytes  # packed: decoded only when used
        assert cache_module.decode(cache_module.unpack(entry[2])) == fresh, path.name
        assert cache_module.head(cache_module.unpack(entry[2])) == cache_module.Head.of(fresh)
        compared += 1
    assert compared >= len(HOSTILE) // 2


READS = [
    ("list",),
    ("list", "--json"),
    ("list", "--status", "resolved", "--json"),
    ("list", "--tag", "db", "--since", "2024-02-10"),
    ("action", "list"),
    ("action", "list", "--json"),
    ("action", "list", "--overdue", "--json"),
    ("overdue", "--as-of", AS_OF),
    ("overdue", "--as-of", AS_OF, "--format", "json"),
    ("overdue", "--as-of", AS_OF, "--format", "github"),
    ("overdue", "--as-of", AS_OF, "--format", "markdown"),
    ("report", "--since", "2024-01-01", "--until", AS_OF),
    ("report", "--since", "2024-01-01", "--until", AS_OF, "--format", "json"),
    ("report", "--since", "2024-01-01", "--until", AS_OF, "--format", "md"),
    ("lint",),
    ("lint", "--format", "json"),
    # A search reads one postmortem and its prose at a time, the shown ones again.
    ("search", "the", "--json"),
    ("search", "pool", "timeout", "--limit", "2"),
    # Filters skip cached postmortems without decoding them (``Store.read_all(admit)``).
    ("list", "--status", "active"),
    ("list", "--severity", "sev-2", "--service", "payments", "--json"),
    ("list", "--tag", "db", "--status", "resolved,closed"),
    ("action", "list", "--mine"),
    ("action", "list", "--owner", "BOB", "--json"),
    ("action", "list", "--owner", "/etc/passwd", "--status", "open"),
    ("overdue", "--as-of", AS_OF, "--owner", "nobody"),
    ("overdue", "--as-of", AS_OF, "--owner", "@Bob", "--format", "json"),
    ("overdue", "--as-of", AS_OF, "--owner", "../../x", "--severity", "SEV-2"),
    ("overdue", "--as-of", AS_OF, "--owner", "bob", "--due-within", "30"),
    ("overdue", "--as-of", AS_OF, "--owner", "@", "--format", "json"),  # no owner: reviews
]

FILTERS = [
    ("list", "--status", "active", "--json"),
    ("list", "--status", "closed", "--json"),
    ("action", "list", "--owner", "bob", "--json"),
    ("action", "list", "--owner", "eve", "--json"),
    ("action", "list", "--mine", "--json"),
    ("overdue", "--as-of", AS_OF, "--owner", "bob", "--format", "json"),
    ("overdue", "--as-of", AS_OF, "--owner", "eve", "--format", "json"),
]


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_every_read_is_the_same_with_and_without_the_cache(
    corpus: Repo, cli: CliRunnerCall, args: tuple[str, ...]
) -> None:
    same_with_and_without_cache(corpus, cli, *args)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_show_of_every_file_is_the_same_with_and_without_the_cache(
    corpus: Repo, cli: CliRunnerCall, fmt: str
) -> None:
    for pid in ids(corpus):
        same_with_and_without_cache(
            corpus, cli, "show", pid, *(["--json"] if fmt == "json" else [])
        )


def test_report_of_one_incident_is_the_same_with_and_without_the_cache(
    corpus: Repo, cli: CliRunnerCall
) -> None:
    for pid in ids(corpus)[::7]:
        for fmt in ("md", "json"):
            same_with_and_without_cache(corpus, cli, "report", pid, "--format", fmt)


def test_show_json_keeps_other_tools_keys_of_events_once_warm(
    corpus: Repo, cli: CliRunnerCall
) -> None:
    """The bug: a warm cache dropped the unknown keys of timeline events."""
    cli("list")
    shown = json.loads(cli.ok("show", HAND_PID, "--json").stdout)
    assert shown["timeline"][0]["source"] == "pagerduty"


def test_filters_see_a_hand_edit_of_the_same_size_and_mtime(
    corpus: Repo, cli: CliRunnerCall
) -> None:
    """A filter skips a cached postmortem by the fields its entry holds: an edit of those
    very fields that keeps the size and mtime (only the ctime changes) must still be seen."""
    import os

    path = corpus.postmortem_path(HAND_PID)
    before = path.stat()
    edited = HAND_WRITTEN.replace("status: active", "status: closed").replace(
        "owner: bob", "owner: eve"
    )
    assert len(edited) == len(HAND_WRITTEN)
    path.write_text(edited, encoding="utf-8")  # in place: the same inode
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    cold = {args: cli(*args) for args in FILTERS}
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    cli("list", "--status", "active")  # the caches now hold the file as it was: active, bob
    heads = HeadCache(cache_path(corpus).with_name(HEADS_NAME))
    name = path.relative_to(corpus.path).as_posix()
    assert heads._old[name][2][:1] == ("active",)
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    for args, expected in cold.items():
        result = cli(*args)
        assert (result.exit_code, result.stdout) == (expected.exit_code, expected.stdout), args
    assert HAND_PID in cli("list", "--status", "closed").stdout
    assert HAND_PID not in cli("list", "--status", "active").stdout
    assert HAND_PID in cli("action", "list", "--owner", "eve").stdout
    assert "eve" in cli("overdue", "--as-of", AS_OF, "--owner", "eve").stdout


@pytest.mark.parametrize(
    "damage",
    [
        "short",
        "number",
        "tuple-not-bytes",
        "head-ok-rest-broken",
        "owners-not-text",
        "bytes-not-marshal",
    ],
)
def test_filters_treat_a_damaged_entry_as_a_miss(
    corpus: Repo, cli: CliRunnerCall, damage: str
) -> None:
    """A damaged entry is parsed again, whether or not its filtered fields can be read."""
    import marshal

    path = cache_path(corpus)
    cold = {args: cli(*args) for args in FILTERS}
    cli("list")
    header, entries = read_file(path)
    name = corpus.postmortem_path(HAND_PID).relative_to(corpus.path).as_posix()
    stat, blob, packed = entries[name]
    value = marshal.loads(packed)  # each entry is its own marshal bytes (format 5)
    broken = {
        "short": marshal.dumps(("too", "short")),
        "number": 42,
        "tuple-not-bytes": value,  # the format-4 entry, unpacked
        "head-ok-rest-broken": marshal.dumps((*value[:12], "not a timeline", value[13], value[14])),
        "owners-not-text": marshal.dumps((*value[:13], [(1, "x", 7)], value[14])),
        "bytes-not-marshal": b"\xffnot marshal",
    }[damage]
    for args, expected in cold.items():
        write_file(path, header, {**entries, name: (stat, blob, broken)})
        result = cli(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (
            expected.exit_code,
            expected.stdout,
            expected.stderr,
        ), args


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_filters_answer_what_the_whole_answer_filtered_says(
    corpus: Repo, cli: CliRunnerCall, warm: bool
) -> None:
    """Each filter, cold and warm, gives exactly the rows of the unfiltered answer that it
    names: skipping postmortems early (``Store.read_all(admit)``) drops nothing it shows."""

    def run(*args: str) -> list[dict[str, Any]]:
        if not warm:
            cache_path(corpus).unlink(missing_ok=True)
        result = cli(*args)
        data = json.loads(result.stdout)
        rows: list[dict[str, Any]] = data["findings"] if isinstance(data, dict) else data
        return rows

    cli("list")
    listed = run("list", "--json")
    for status in ("active", "resolved", "closed"):
        assert run("list", "--status", status, "--json") == [
            e for e in listed if e["status"] == status
        ]
    assert run("list", "--service", "payments", "--severity", "SEV-2", "--json") == [
        e for e in listed if "payments" in e["services"] and e["severity"] == "SEV-2"
    ]
    items = run("action", "list", "--json")
    # Owners an option can name as they are: no blanks around, no comma, no leading dash.
    owners = {
        o for o in map(str, (i["owner"] for i in items)) if o == o.strip() and o[:1] not in "-"
    } - {o for o in map(str, (i["owner"] for i in items)) if "," in o}
    assert {"alice", "bob"} <= owners
    for owner in sorted(owners)[:12]:
        assert run("action", "list", "--owner", owner.upper(), "--json") == [
            i for i in items if str(i["owner"]).casefold() == owner.upper().casefold()
        ], owner
    assert run("action", "list", "--mine", "--json") == [i for i in items if i["owner"] == "alice"]
    findings = run("overdue", "--as-of", AS_OF, "--format", "json")
    kinds = {f["kind"] for f in findings}
    assert "action" in kinds and kinds & {"review", "stale"}
    for owner in ("@", "@BOB", "alice", "nobody", *sorted(owners)[:8]):
        key = owner.strip().lstrip("@").lower()
        expected = [f for f in findings if str(f["owner"]).strip().lstrip("@").lower() == key]
        if owner.strip():
            assert run("overdue", "--as-of", AS_OF, "--owner", owner, "--format", "json") == (
                expected
            ), owner


def test_a_filter_refusing_every_head_never_loads_the_summary_cache(corpus: Repo) -> None:
    """The point of the heads file: a filter that shows nothing decodes nothing, and does
    not even load the summaries; the caches it saves still hold every file."""
    store = Store(Config(root=corpus.path))
    everything, errors = store.read_all()
    summaries = SummaryCache(cache_path(corpus))._old
    # The first filter adds the heads of the files the summary cache cannot hold (dates
    # in other tools' keys) or read (errors); from then on, nothing needs the summaries.
    Store(Config(root=corpus.path)).read_all(lambda head: False)
    store = Store(Config(root=corpus.path))
    refused, _ = store.read_all(lambda head: False)
    assert refused == []
    assert store._summaries is None
    assert SummaryCache(cache_path(corpus))._old == summaries
    heads = HeadCache(cache_path(corpus).with_name(HEADS_NAME))._old
    assert set(heads) > set(summaries)
    assert len(heads) == len(ids(corpus)) and errors
    store = Store(Config(root=corpus.path))
    actives, _ = store.read_all(lambda head: head.status == "active")
    assert [e.postmortem for e in actives] == [
        e.postmortem for e in everything if e.postmortem.status == "active"
    ]


@pytest.mark.parametrize("damage", ["garbage", "foreign", "entries", "old"])
def test_a_damaged_or_stale_heads_file_changes_no_answer(
    corpus: Repo, cli: CliRunnerCall, damage: str
) -> None:
    """The heads file is only a copy: garbage, another version, damaged entries, or the
    file of an older state (a restored CI cache) give the answers a cold run gives."""
    import os

    heads_path = cache_path(corpus).with_name(HEADS_NAME)
    cli("list", "--status", "active")
    older = heads_path.read_bytes()
    path = corpus.postmortem_path(HAND_PID)
    path.write_text(
        HAND_WRITTEN.replace("status: active", "status: closed").replace(
            "owner: bob", "owner: eve"
        ),
        encoding="utf-8",
    )
    os.utime(path, ns=(1_700_000_000_000_000_000,) * 2)  # a stat the old entry never saw
    cache_path(corpus).unlink()
    cold = {args: cli(*args) for args in FILTERS}
    cli("list", "--status", "active")
    header, entries = read_file(heads_path)
    name = path.relative_to(corpus.path).as_posix()
    damaged = {
        "garbage": b"not marshal at all",
        "foreign": b"".join(file_pieces(("pm-heads", 0, "0.0", (3, 0)), entries)),
        "entries": b"".join(
            file_pieces(
                header,
                {n: (k, b, ("active", 7, [], [], ["bob"])) for n, (k, b, _) in entries.items()},
            )
        ),
        "old": older,
    }[damage]
    assert name in entries
    for args, expected in cold.items():
        heads_path.write_bytes(damaged)
        result = cli(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (
            expected.exit_code,
            expected.stdout,
            expected.stderr,
        ), args


def test_overdue_finds_the_new_lines_of_a_hand_edit_of_the_same_size_and_mtime(
    corpus: Repo, cli: CliRunnerCall
) -> None:
    """The lines of findings come from ``lines-v1.marshal`` while a file is unchanged: an
    edit that moves the keys but keeps size and mtime is still placed right."""
    import os
    import shutil

    args = ("overdue", "--as-of", AS_OF, "--format", "json")
    cli(*args)
    lines = cache_path(corpus).with_name(cache_module.LINES_NAME)
    assert lines.exists()
    path = corpus.postmortem_path(HAND_PID)
    before = path.stat()
    moved = "owner-team: payments            # not a pm key\n"
    edited = HAND_WRITTEN.replace(moved, "").replace(
        "\n---\n## Summary", f"\n{moved}---\n## Summary"
    )
    assert len(edited) == len(HAND_WRITTEN) and edited != HAND_WRITTEN
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    warm = cli(*args)
    shutil.rmtree(cache_path(corpus).parent)
    cold = cli(*args)
    assert (warm.exit_code, warm.stdout) == (cold.exit_code, cold.stdout)
    placed = [f for f in json.loads(cold.stdout)["findings"] if f["id"] == HAND_PID]
    assert placed and all(f["line"] > 1 for f in placed)
    lines.write_bytes(b"garbage")
    assert cli(*args).stdout == cold.stdout
    # Only the keys findings are placed at are kept: the status, the review, the items.
    kept = cache_module.LinesCache(lines)._old
    name = path.relative_to(corpus.path).as_posix()
    assert ("actions", 0) in kept[name][2]
    assert all(k[0] in ("status", "review", "actions") for e in kept.values() for k in e[2])


def test_a_whole_read_writes_no_heads_file_and_a_filter_reads_heads_undecoded(
    corpus: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only filters use the heads file, so only they write it. The first filter after a
    whole read (no heads file yet) takes each head from the summary entry without decoding
    it; what it answers is what the whole answer filtered says."""
    everything, _ = Store(Config(root=corpus.path)).read_all()
    heads_path = cache_path(corpus).with_name(HEADS_NAME)
    assert cache_path(corpus).exists() and not heads_path.exists()
    decoded: list[object] = []
    real = cache_module.decode

    def counting(t: tuple[Any, ...]) -> Any:
        decoded.append(t[0])
        return real(t)

    monkeypatch.setattr(cache_module, "decode", counting)
    actives, _ = Store(Config(root=corpus.path)).read_all(lambda head: head.status == "active")
    expected = [e.postmortem for e in everything if e.postmortem.status == "active"]
    assert [e.postmortem for e in actives] == expected
    assert heads_path.exists()
    cached_active = {
        value[0]
        for value in (
            cache_module.unpack(entry[2])
            for entry in SummaryCache(cache_path(corpus))._old.values()
        )
        if value[3] == "active"
    }
    assert set(decoded) == cached_active  # only the postmortems it shows were decoded


@pytest.mark.parametrize(
    "args",
    [("list", "--json"), ("overdue", "--as-of", AS_OF, "--format", "json"), *FILTERS],
    ids=" ".join,
)
def test_a_fresh_clone_with_the_cache_restored_answers_as_cold(
    corpus: Repo,
    cli: CliRunnerCall,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
) -> None:
    """The content key from git's index (``gitrepo.unchanged_blobs``, asked at the first
    miss here) over the whole corpus: a fresh clone with every cache restored answers
    exactly what the same clone answers with no cache."""
    import os
    import shutil
    import subprocess

    from pm import store as store_module

    monkeypatch.setattr(store_module, "INDEX_AFTER_MISSES", 0)
    cli("list")
    cli(*args)
    other = tmp_path / "job"
    subprocess.run(["git", "clone", "--quiet", str(corpus.path), str(other)], check=True)
    settle(other)  # files older than the index, as a CI job finds them
    os.chdir(other)
    cold = cli(*args)
    caches = cache_path(Repo(other)).parent

    def restore() -> None:
        shutil.rmtree(caches, ignore_errors=True)
        shutil.copytree(cache_path(corpus).parent, caches)

    restore()
    restored = cli(*args)
    assert (restored.exit_code, restored.stdout, restored.stderr) == (
        cold.exit_code,
        cold.stdout,
        cold.stderr,
    )
    assert cli(*args).stdout == cold.stdout  # and warm after it
    restore()
    store = Store(Config(root=other))
    store.read_all()
    assert store._summaries is not None
    assert store._summaries.index_hits == len(SummaryCache(cache_path(corpus))._old) > 10
