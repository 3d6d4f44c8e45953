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

import pytest

from conftest import CliRunnerCall, Repo
from hostile import HOSTILE
from pm import cache as cache_module
from pm.cache import CACHE_NAME, SummaryCache
from pm.config import Config
from pm.store import Store
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
    cache_path(repo).unlink(missing_ok=True)
    cold = cli(*args)
    cli("list")  # a full read writes the cache
    assert cache_path(repo).exists()
    warm = cli(*args)
    cache_path(repo).unlink()
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
        assert cache_module.decode(entry[2]) == fresh, path.name
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
