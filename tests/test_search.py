"""``pm search``: full text across titles, impact, prose, timeline and action items, ranked,
with the matching line; the prose cache keeps a repeated search from reading files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import factories
from conftest import CliRunnerCall, Repo
from pm import cache as cache_module
from pm import search
from pm.cache import PROSE_NAME, read_file, write_file
from pm.cli import main
from pm.location import git_dir
from pm.render import found
from pm.store import Store

BODY = """
## Summary

<!-- What happened, in two sentences. -->
Checkout failed while the connection pool was exhausted.

<!-- pm:begin timeline -->
| pool | in a generated table |
<!-- pm:end timeline -->

### Root Cause
The pool size was fixed at 10.
"""


def doc(
    postmortem_id: str,
    title: str = "Something broke",
    impact: str = "",
    prose: str = "",
    timeline: tuple[str, ...] = (),
    actions: tuple[str, ...] = (),
) -> search.Doc:
    return search.Doc(postmortem_id, title, impact, prose, timeline, actions)


def test_terms_are_words_and_quoted_phrases_lowercased_once() -> None:
    assert search.terms('Pool  "Connection   pool" pool') == ["pool", "connection pool"]
    assert search.terms('  ""  ') == []


def test_prose_leaves_out_generated_tables_comments_and_headings() -> None:
    assert search.prose_of(BODY) == (
        "Checkout failed while the connection pool was exhausted.\nThe pool size was fixed at 10."
    )


def test_the_best_kept_while_searching_are_the_first_of_the_whole_sorted_list() -> None:
    """``best`` prunes as it goes (far more hits than shown): what it keeps, in order,
    is the head of ``search``'s full ranking, ties and a repeated id included."""
    docs = [
        doc(
            f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}-{n % 97}",
            prose="pool " * (n % 5) + ("dns" if n % 3 else ""),
            timeline=("pool drained",) if n % 7 == 0 else (),
        )
        for n in range(1500)
    ]
    docs.append(docs[10])  # a copied file: the same id twice
    ranked = search.search(docs, ["pool", "dns"])
    assert len(ranked) > 2 * 20 + 256  # so that pruning happens
    for limit in (1, 3, 20, 700, 5000):
        kept, total = search.best(docs, ["pool", "dns"], limit)
        assert kept == ranked[:limit]
        assert total == len(ranked)
    assert search.best(docs, ["zebra"], 5) == ([], 0)


def test_title_outranks_impact_outranks_prose_and_all_terms_come_first() -> None:
    docs = [
        doc("2024-01-01-a", prose="the dns resolver timed out"),
        doc("2024-01-02-b", impact="dns lookups failed"),
        doc("2024-01-03-c", title="DNS outage"),
        doc("2024-01-04-d", title="DNS outage", prose="resolver crashed"),
        doc("2024-01-05-e", prose="dns"),  # ties with a: the newest first
    ]
    hits = search.search(docs, ["dns", "resolver"])
    assert [h.id for h in hits] == [
        "2024-01-04-d",
        "2024-01-01-a",
        "2024-01-03-c",
        "2024-01-02-b",
        "2024-01-05-e",
    ]
    assert [h.complete for h in hits] == [True, True, False, False, False]


def test_more_occurrences_rank_higher() -> None:
    docs = [doc("2024-01-01-a", prose="cache"), doc("2024-01-02-b", prose="cache\ncache miss")]
    assert [h.id for h in search.search(docs, ["cache"])] == ["2024-01-02-b", "2024-01-01-a"]


def test_the_best_line_is_outside_the_title_and_labelled() -> None:
    (hit,) = search.search(
        [
            doc(
                "2024-01-01-a",
                title="Pool exhausted",
                timeline=("Started", "Raised the pool size"),
                actions=("#2 Alert on pool saturation",),
            )
        ],
        ["pool", "saturation"],
    )
    assert (hit.field, hit.label, hit.line) == ("action", "action #2", "Alert on pool saturation")
    assert hit.spans == ((9, 13), (14, 24))
    assert hit.title_spans == ((0, 4),)
    (only_title,) = search.search([doc("2024-01-01-a", title="Pool exhausted")], ["pool"])
    assert (only_title.field, only_title.line) == ("title", "Pool exhausted")


def test_nothing_matching_is_not_a_hit() -> None:
    assert search.search([doc("2024-01-01-a")], ["zebra"]) == []


def test_spans_merge_overlaps_and_skip_lines_lowercase_resizes() -> None:
    assert search.spans("abcabc", ["abc", "bca"]) == ((0, 6),)
    assert search.spans("İstanbul dns", ["dns"]) == ()


def test_excerpt_cuts_around_the_first_mark() -> None:
    line = "x" * 100 + "needle" + "y" * 100
    text, marks = search.excerpt(line, search.spans(line, ["needle"]), 40)
    assert len(text) == 40
    assert text.startswith("…") and text.endswith("…")
    start, end = marks[0]
    assert text[start:end] == "needle"
    assert search.excerpt("short", (), 40) == ("short", ())


def test_marks_are_escapes_only_on_a_terminal() -> None:
    assert found.mark_style(terminal=False, term="xterm", no_color=False) is None
    assert found.mark_style(terminal=True, term="dumb", no_color=False) is None
    assert found.mark_style(terminal=True, term="xterm", no_color=True) == "\x1b[1m"
    style = found.mark_style(terminal=True, term="xterm", no_color=False)
    (hit,) = search.search([doc("2024-01-01-a", prose="the dns\x1b[31m resolver")], ["dns"])
    assert found.lines([hit], width=None, style=style) == [
        "2024-01-01-a  Something broke",
        f"    the {style}dns\x1b[0m\\x1b[31m resolver",
    ]


# --- through the CLI -------------------------------------------------------------------------


@pytest.fixture
def corpus(repo: Repo) -> Repo:
    """Three postmortems: the words are in titles, impact, prose, timeline, action items."""
    pool = factories.postmortem(
        "2023-11-02-database-connection-pool-exhausted",
        "Database connection pool exhausted",
        actions=[factories.action(1, "Alert on pool saturation")],
    )
    pool.impact = "Checkout failed for 30% of requests"
    dns = factories.postmortem("2023-12-01-dns-outage", "DNS outage in eu-west")
    dns.add_event(factories.Event(factories.at("2023-12-01T14:30"), "note", "Flushed the pool"))
    cert = factories.postmortem("2024-01-10-expired-certificate", "Expired certificate")
    factories.write(repo.path, pool, sections={"Root Cause": "The pool size was fixed at 10."})
    factories.write(repo.path, dns)
    factories.write(
        repo.path, cert, sections={"Summary": "The connection to the payment provider failed."}
    )
    factories.commit(repo.path)
    return repo


def test_search_prints_id_title_and_the_matching_line(corpus: Repo, cli: CliRunnerCall) -> None:
    result = cli.ok("search", "pool")
    assert result.stdout == (
        "2023-11-02-database-connection-pool-exhausted  Database connection pool exhausted\n"
        "    The pool size was fixed at 10.\n"
        "2023-12-01-dns-outage  DNS outage in eu-west\n"
        "    event 2: Flushed the pool\n"
    )
    assert result.stderr == ""


def test_all_words_first_and_json(corpus: Repo, cli: CliRunnerCall) -> None:
    result = cli.ok("search", "connection", "failed", "--json")
    hits = json.loads(result.stdout)
    assert [h["id"] for h in hits] == [
        "2023-11-02-database-connection-pool-exhausted",
        "2024-01-10-expired-certificate",
    ]
    assert hits[0] == {
        "id": "2023-11-02-database-connection-pool-exhausted",
        "title": "Database connection pool exhausted",
        "severity": "SEV-1",
        "status": "resolved",
        "started": "2023-11-02T14:05:00Z",
        "path": "postmortems/2023/2023-11-02-database-connection-pool-exhausted.md",
        "score": hits[0]["score"],
        "all_terms": True,
        "field": "impact",
        "label": "impact",
        "line": "Checkout failed for 30% of requests",
    }
    assert hits[1]["all_terms"] is True
    assert hits[1]["line"] == "The connection to the payment provider failed."


def test_limit_shows_the_best_and_says_how_many_more(corpus: Repo, cli: CliRunnerCall) -> None:
    result = cli.ok("search", "pool", "-n", "1")
    assert result.stdout.count("\n") == 2
    assert result.stderr == "1 of 2 shown; --limit N shows more.\n"
    assert cli("search", "pool", "--limit", "0").exit_code == 2


def test_nothing_found_exits_1_and_an_empty_query_2(corpus: Repo, cli: CliRunnerCall) -> None:
    none = cli("search", "zebra")
    assert (none.exit_code, none.stdout, none.stderr) == (1, "", "")
    empty = cli("search", " ")
    assert (empty.exit_code, empty.stderr) == (
        2,
        "pm: nothing to search for; give one or more words\n",
    )
    assert cli("search").exit_code == 2


@pytest.mark.parametrize("args", [["search", "pool"], ["search", "dns", "-n", "1", "--json"]])
def test_fast_path_answers_as_typer_does(
    corpus: Repo, cli: CliRunnerCall, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code = main(args)
    captured = capsys.readouterr()
    typer_result = cli(*args)
    assert (code, captured.out, captured.err) == (
        typer_result.exit_code,
        typer_result.stdout,
        typer_result.stderr,
    )


def test_an_unreadable_file_is_named_and_exits_3(corpus: Repo, cli: CliRunnerCall) -> None:
    broken = corpus.path / "postmortems" / "2024" / "2024-01-11-broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\npool\n", encoding="utf-8")
    result = cli("search", "pool")
    assert result.exit_code == 3
    assert result.stdout.startswith("2023-11-02-database-connection-pool-exhausted")
    assert "2024-01-11-broken.md" in result.stderr


def test_outside_a_repository_is_refused(
    tmp_path: Path, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("search", "pool").exit_code == 4


# --- the prose cache -------------------------------------------------------------------------


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "RACY_NS", 0)


def test_a_warm_search_reads_no_file(
    corpus: Repo, cli: CliRunnerCall, no_racy_window: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cli.ok("search", "pool").stdout
    found_dir = git_dir(corpus.path)
    assert found_dir is not None
    assert (found_dir / "pm" / PROSE_NAME).is_file()

    def refuse(self: Store, path: Path) -> str:
        raise AssertionError(f"read {path}")

    monkeypatch.setattr(Store, "read_body", refuse)
    assert cli.ok("search", "pool").stdout == first


def test_a_hand_edit_of_the_prose_is_seen(
    corpus: Repo, cli: CliRunnerCall, no_racy_window: None
) -> None:
    assert cli("search", "zebra").exit_code == 1
    path = corpus.postmortem_path("2024-01-10-expired-certificate")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("payment provider", "zebra provider"), encoding="utf-8")
    result = cli.ok("search", "zebra")
    assert result.stdout == (
        "2024-01-10-expired-certificate  Expired certificate\n"
        "    The connection to the zebra provider failed.\n"
    )


def test_a_damaged_prose_cache_is_rebuilt(
    corpus: Repo, cli: CliRunnerCall, no_racy_window: None
) -> None:
    first = cli.ok("search", "pool").stdout
    found_dir = git_dir(corpus.path)
    assert found_dir is not None
    (found_dir / "pm" / PROSE_NAME).write_bytes(b"garbage")
    assert cli.ok("search", "pool").stdout == first


def test_a_damaged_prose_entry_is_a_miss(
    corpus: Repo, cli: CliRunnerCall, no_racy_window: None
) -> None:
    """Each text is compressed in the cache; an entry that does not decompress to text
    (or the plain text of format 2) is read again from the file, never shown as found."""
    import zlib

    first = cli.ok("search", "pool", "--json").stdout
    found_dir = git_dir(corpus.path)
    assert found_dir is not None
    path = found_dir / "pm" / PROSE_NAME
    header, entries = read_file(path)
    name = "postmortems/2024/2024-01-10-expired-certificate.md"
    stat, blob, packed = entries[name]
    assert "payment provider" in zlib.decompress(packed).decode()  # compressed, as told
    for damaged in (b"not zlib", zlib.compress(b"\xff\xfe"), "plain text", 42):
        entries[name] = (stat, blob, damaged)
        write_file(path, header, entries)
        assert cli.ok("search", "pool", "--json").stdout == first


def test_a_long_line_is_cut_around_the_match_when_piped(repo: Repo, cli: CliRunnerCall) -> None:
    long = factories.postmortem("2023-10-01-long-prose", "Long prose")
    text = "Words before the match. " * 6 + "The zebra crossed. " + "Words after it. " * 6
    factories.write(repo.path, long, sections={"Summary": text})
    factories.commit(repo.path)
    out = cli.ok("search", "zebra").stdout.splitlines()
    assert out[0] == "2023-10-01-long-prose  Long prose"
    assert len(out[1]) == 80
    assert out[1].startswith("    …") and out[1].endswith("…")
    assert "The zebra crossed." in out[1]
    whole = json.loads(cli.ok("search", "zebra", "--json").stdout)[0]["line"]
    assert whole == text.strip()
