"""A phrase pm compares as one token ("connectionpool") is printed as people write it."""

from __future__ import annotations

from conftest import CliRunnerCall, Repo
from pm import similar

# Targets of similar.PHRASES and CONCEPTS that are ordinary words, printed as they are.
WORDS = {
    "regex",
    "certificate",
    "wraparound",
    "deadlock",
    "backoff",
    "failover",
    "ddos",
    "availability",
    "kubernetes",
    "database",
    "configuration",
    "authentication",
    "environment",
    "repository",
    "route",
    "retry",
    "expire",
    "reconnect",
}


def test_every_joined_term_has_a_spelling() -> None:
    joined = {target for _, target in similar.PHRASES} | {name for name, _ in similar.CONCEPTS}
    unspelled = sorted(t for t in joined if t not in similar.SPELLED and t not in WORDS)
    assert not unspelled, f"add to similar.SPELLED how these read: {unspelled}"
    assert all(" " in spelled for spelled in similar.SPELLED.values())


def test_pm_show_prints_a_shared_phrase_spelled_out(repo: Repo, cli: CliRunnerCall) -> None:
    cause = (
        "## Root Cause\n\nThe payments connection pool was exhausted by a slow report query; "
        "every checkout request waited for a free connection from the pool.\n"
    )
    ids = []
    for title, started in (
        ("Checkout down", "2024-01-10T10:00"),
        ("Slow checkout", "2024-01-12T10:00"),
    ):
        pid = cli.ok("open", title, "-s", "SEV-2", "--started", started).stdout.split("\t")[0]
        path = repo.postmortem_path(pid)
        text = path.read_text(encoding="utf-8")
        assert "## Root Cause\n" in text
        path.write_text(text.replace("## Root Cause\n", cause, 1), encoding="utf-8")
        ids.append(pid)
    repo.git("commit", "-qam", "causes written")
    out = cli.ok("show", ids[1]).stdout
    similar_part = out.split("Similar past incidents", 1)[1]
    assert ids[0] in similar_part
    assert "connection pool" in similar_part
    assert "connectionpool" not in out
