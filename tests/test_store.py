"""The store's records are plain data: where the disk is touched, a method's name says so.

Bulk reads give ``Entry`` values (path and postmortem, no text); ``read`` gives a full
``Record``; ``read_body`` and ``file_bytes`` read one file's text on request; ``render``
(``rewrite.render``) computes the bytes to write and changes nothing.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from conftest import CliRunnerCall, Repo
from pm.config import Config
from pm.model import Event
from pm.records import fields
from pm.rewrite import render
from pm.store import Entry, Record, Store


def test_entry_and_record_are_plain_data_classes() -> None:
    assert fields(Entry) == ("path", "postmortem")
    assert list(fields(Record)) == [
        "path",
        "postmortem",
        "document",
        "raw",
    ]
    # No field is shadowed by a property that would read a file behind the caller's back.
    for cls in (Entry, Record):
        assert not [name for name, value in vars(cls).items() if isinstance(value, property)]


def test_render_computes_bytes_and_changes_nothing(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    store = Store(Config(root=repo.path))
    path = repo.postmortem_path(opened)
    record = store.read(path)
    record.postmortem.add_event(
        Event(at=datetime(2024, 1, 20, 11, 0, tzinfo=UTC), kind="mitigated", text="Rolled back")
    )
    before = copy.deepcopy(record)
    data = store.render(record)
    assert record == before  # neither the document nor the postmortem was touched
    assert record.raw == path.read_bytes()  # still the file as read, for a rollback
    assert data == render(record.postmortem, record.document)
    assert b"Rolled back" in data and b"Rolled back" not in record.raw
    assert store.render(record) == data  # the same answer twice: nothing accumulated


def test_new_file_records_have_no_bytes_yet(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    store = Store(Config(root=repo.path))
    existing = store.read(repo.postmortem_path(opened))
    record = Record.new_file(existing.path, existing.postmortem, "## Summary\n")
    assert record.raw == b"" and record.document.front == {} and record.document.front_text is None
    written = store.render(record)
    assert written.endswith(b"---\n## Summary\n")
    assert store.read(existing.path).postmortem == existing.postmortem  # render wrote nothing


def test_text_is_read_on_request_and_missing_files_read_as_empty(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    store = Store(Config(root=repo.path))
    path = repo.postmortem_path(opened)
    (entry,), errors = store.read_all()
    assert not errors and entry == Entry(path, store.read(path).postmortem)
    assert store.file_bytes(path) == path.read_bytes()
    assert store.read_body(path) == store.read(path).document.body
    path.write_bytes(b"no front matter any more\n")
    assert store.read_body(path) == ""  # changed since it was listed: no body to compare
    path.unlink()
    assert store.file_bytes(path) == b"" and store.read_body(path) == ""
