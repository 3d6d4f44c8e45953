"""The path every change to a postmortem takes, under pm's lock.

1. **Recover.** A change pm was interrupted before committing (``pm.journal``) is
   committed first, under its own message.
2. **Read.** HEAD and each file's blob in it (one ``git cat-file``), then the files.
3. **Typed rows.** Rows a person typed into a generated table are adopted into the
   front matter, or the command refuses before anything is written (``blockedits``).
4. **Hand edits.** A file that differs from HEAD holds someone's uncommitted edit: pm
   commits it first as that person's hand edit (``Pm-Operation: hand-edit``), so that
   its own commit holds only its own change. A file that holds exactly its version from
   before pm's last change to it (or a merge's, or the last pull's) was put back by git
   (a pull that failed part-way) or by a stale editor buffer, not edited: pm takes HEAD's
   version back instead; one nearer to such a version than to HEAD's holds edits made to
   a stale buffer, merged into HEAD's version before they are committed.
5. **Change.** The pure change function edits the model; ``rewrite`` gives the bytes.
6. **Write, if nothing moved.** Each file is written only if it still holds the bytes
   pm read; otherwise someone changed it meanwhile and pm starts again from 2.
7. **Commit and verify.** ``git commit --only`` (hooks run as for the person's own
   commits). The new commit's parent must hold each file as pm read it: if another
   commit that changed the file slipped in (a ``git pull`` in this clone), pm's commit
   would revert it, so pm takes its commit back with a compare-and-swap
   (``git update-ref HEAD <parent> <commit>``), restores the file from that parent and
   starts again from 2, applying its change to the newer file.

A change that cannot settle in a few tries is refused; nothing of it is left behind.

Length: the steps, the checks between them and the recovery of an interrupted change are
one contract about what may happen to a file between pm's read and its commit; apart,
a reader could no longer see which check guards which window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pm import journal
from pm.errors import DataError, RepoError
from pm.records import datarecord, field
from pm.store import Record, Store, atomic_write

if TYPE_CHECKING:
    from pm.gitrepo import GitRepo, HeadState
    from pm.model import Postmortem

MAX_ATTEMPTS = 5


@datarecord
class Outcome:
    """What a change function reports: the subject's detail and extra commit-body lines."""

    detail: str
    body: list[str] = field(default_factory=list)


# A change: edit the records' postmortems; None when there is nothing to do.
Change = Callable[[list[Record]], Outcome | None]
# How the commit message is made from the records and the outcome (and pm's notes).
Message = Callable[[list[Record], Outcome, list[str]], str]


class _Read(Protocol):
    """A file as pm read it: a ``Record``, or the base of an editor session."""

    @property
    def path(self) -> Path: ...

    @property
    def raw(self) -> bytes: ...


class _Base:
    def __init__(self, path: Path, raw: bytes) -> None:
        self.path = path
        self.raw = raw


class _Moved(Exception):
    """Someone changed a file or the branch while pm worked: read again and re-apply."""


def run(
    store: Store,
    git: GitRepo | None,
    paths: Sequence[Path],
    operation: str,
    change: Change,
    message: Message,
    notice: Callable[[str], None],
) -> tuple[list[Record], bool]:
    """Apply ``change`` to the files at ``paths`` as one commit; (records, changed).

    Call it holding pm's lock, after ``recover``. ``git`` is None when pm does not
    commit (``--no-commit``): the files are still written only if nobody changed them
    since pm read them.
    """
    unique = list(dict.fromkeys(paths))
    for _ in range(MAX_ATTEMPTS):
        try:
            return _attempt(store, git, unique, operation, change, message, notice)
        except _Moved as moved:
            for note in moved.args:
                notice(note)
            continue
    shown = ", ".join(store.display(p) for p in unique)
    raise RepoError(
        f"{shown} kept changing while pm worked ({MAX_ATTEMPTS} tries); "
        "pm changed nothing; run the command again"
    )


def _attempt(
    store: Store,
    git: GitRepo | None,
    paths: list[Path],
    operation: str,
    change: Change,
    message: Message,
    notice: Callable[[str], None],
) -> tuple[list[Record], bool]:
    for path in paths:
        store.check_inside(path)  # never through a link, not even to read it for a change
    state = git.head_state(paths) if git is not None else None
    records = [store.read(path) for path in paths]
    notes = _adopt_typed_rows(store, records, git, state)
    if git is not None and state is not None:
        pending = [r for r in records if not _is_committed(git, r.path, r.raw, state)]
        if _put_back_undone_changes(store, git, pending, state, notice):
            raise _Moved  # the files now hold HEAD's version: read them again
        if pending:
            zone_naive_times(store, pending, notes)
            _commit_hand_edits(store, git, paths, pending, notes, state, operation, notice)
            state = git.head_state(paths)
            records = [store.read(path) for path in paths]
            notes = _adopt_typed_rows(store, records, git, state)  # hand edits hold theirs
    body = _notes(records, notes, notice)
    outcome = change(records)
    if outcome is None:
        return records, False
    datas = [store.render(record) for record in records]
    if git is None:
        _write_all(store, records, datas)
    else:
        assert state is not None
        text = message(records, outcome, body)
        _write_and_commit(store, git, records, datas, state, text, operation)
    return records, True


def _notes(
    records: list[Record], notes: dict[Path, list[str]], notice: Callable[[str], None]
) -> list[str]:
    """The commit body's notes: rows adopted, repeated item numbers renumbered."""
    from pm import actions

    body: list[str] = []
    for record in records:
        for note in [*notes.get(record.path, []), *actions.renumber_duplicates(record.postmortem)]:
            body.append(note)
            notice(note)
    return body


def _write_and_commit(
    store: Store,
    git: GitRepo,
    records: list[Record],
    datas: list[bytes],
    state: HeadState,
    text: str,
    operation: str,
) -> None:
    """Write the files (if unchanged since read), commit them, verify the commit."""
    files = {git.relative(r.path): d for r, d in zip(records, datas, strict=True)}
    journal.record(git.git_dir, text, files)
    try:
        _write_all(store, records, datas)
    except BaseException:
        journal.clear(git.git_dir)  # nothing of this change is left in the files
        raise
    try:
        new = any(state.blobs[r.path] is None and not git.is_tracked(r.path) for r in records)
        hooks = git.commit_files([r.path for r in records], text, new=new)
    except RepoError:
        _put_back(store, git, records, datas, state)
        journal.clear(git.git_dir)
        if git.head_state([r.path for r in records]).head != state.head:
            raise _Moved from None  # the branch moved under the commit: try again
        raise
    # Interrupted (Ctrl-C) inside git, the record stays: the next pm command finds out
    # whether the commit was made, and commits the change if it was not.
    try:
        _verify(store, git, records, datas, state, operation, hooks)
    finally:
        journal.clear(git.git_dir)


# --- steps -------------------------------------------------------------------------------


def _adopt_typed_rows(
    store: Store, records: list[Record], git: GitRepo | None, state: HeadState | None
) -> dict[Path, list[str]]:
    """Adopt rows typed into the generated tables; refuse (naming them) what cannot be.

    Returns the notes for each file's commit body. Runs before anything is written.
    """
    from pm import blockedits, timeparse

    config = store.config
    today = timeparse.now().astimezone(timeparse.zone(config.timezone)).date()
    notes: dict[Path, list[str]] = {}
    for record in records:
        document = record.document
        if not blockedits.differs(record.postmortem, document.body):
            continue
        previous = None
        if git is not None and state is not None:
            previous = committed_version(store, git, record.path, state.blobs[record.path])
        result = blockedits.adopt(
            record.postmortem,
            document.body,
            priorities=config.priorities,
            today=today,
            previous=previous,
        )
        if result.problems:
            shown = store.display(record.path)
            offset = document.front_lines + 2
            raise DataError(blockedits.refusal(shown, result.problems, offset))
        if result.notes:
            notes[record.path] = result.notes
    return notes


def committed_version(
    store: Store, git: GitRepo, path: Path, blob: str | None
) -> Postmortem | None:
    """The postmortem as the commit holds it (blob ``blob``), or None if it has none."""
    if blob is None:
        return None
    try:
        return store.parse(path, git.blob_bytes(blob)).postmortem
    except (DataError, RepoError):
        return None


def _is_committed(git: GitRepo, path: Path, raw: bytes, state: HeadState) -> bool:
    """Whether ``raw`` is exactly what HEAD holds for ``path`` (as git would store it)."""
    return _holds(git, path, raw, state.blobs[path])


def _put_back_undone_changes(
    store: Store,
    git: GitRepo,
    pending: list[Record],
    state: HeadState,
    notice: Callable[[str], None],
) -> bool:
    """Put back the changes a file's uncommitted content undoes without meaning to.

    git does this behind pm's back: a ``git pull`` whose merge fails part-way (its
    strategy finds the file being written) resets the index and the work tree to the
    HEAD it read when it started, which is from before pm's commit that landed
    meanwhile; an editor saving a buffer loaded before pm's change, or before a pull
    brought a teammate's, does the same. Committed as a hand edit, it would undo that
    change. A file holding exactly such an earlier version (``_earlier_versions``) gets
    HEAD's back: the undone version is in history, so nothing is lost. A file nearer to
    such a version than to HEAD's (a stale buffer saved with new prose) has its edits
    merged into HEAD's version, to be committed as the hand edit; when they cannot be
    merged cleanly pm refuses and changes nothing. True when a file was rewritten (the
    caller reads it again).
    """
    for record in pending:
        head = state.blobs[record.path]
        versions = _earlier_versions(git, record.path, head) if head is not None else []
        if not versions:
            continue
        assert head is not None
        shown = store.display(record.path)
        exact = [v for v in versions if _holds(git, record.path, record.raw, v[0])]
        if exact:
            _blob, what, undo = exact[0]
            if record.path.read_bytes() != record.raw:
                raise _Moved
            git.restore_paths("HEAD", [record.path])
            notice(
                f"{shown} held its text from before {what}, as a failed git pull or "
                "a stale editor buffer leaves it; pm put back the committed version "
                f"(to undo that change on purpose: {undo})"
            )
            return True
        merged = _merged_into_head(store, git, record, head, versions)
        if merged is not None:
            data, what = merged
            if record.path.read_bytes() != record.raw or _git_busy(git, record.path, state):
                raise _Moved  # a pull is writing the file, or moved HEAD: look again
            atomic_write(record.path, data)
            notice(
                f"{shown} held edits made to its text from before {what} (a stale "
                "editor buffer?); pm merged them into the committed version instead of "
                "undoing that change"
            )
            return True
    return False


def _git_busy(git: GitRepo, path: Path, state: HeadState) -> bool:
    """Whether git is changing the work tree now (``index.lock``) or HEAD moved since
    ``state``: a file read then may be a pull's half-made state, not a person's save."""
    return (git.git_dir / "index.lock").exists() or git.head_state([path]).head != state.head


def _earlier_versions(git: GitRepo, path: Path, head: str) -> list[tuple[str, str, str]]:
    """The versions of ``path`` an editor buffer may still hold, other than HEAD's: (blob,
    what changed it since, how to undo that change on purpose). From before the last change
    to it on this branch when pm made it or a merge brought it (a person's own commit is
    theirs to undo), and from ``ORIG_HEAD`` when HEAD last moved by a pull, rebase or
    merge (before it, ``ORIG_HEAD`` is older news)."""
    from pm.commits import HAND_EDIT, operation_of

    found: list[tuple[str, str, str]] = []
    change = git.last_change(path)
    if change is not None and change.before not in (None, head) and change.after == head:
        assert change.before is not None
        short = change.commit[:8]
        operation = operation_of(change.message)
        if change.merge:
            found.append((change.before, f"the merge {short}", f"git revert -m 1 {short}"))
        elif operation not in (None, HAND_EDIT):
            found.append((change.before, f"pm's '{operation}' ({short})", f"git revert {short}"))
    if git.last_head_move().startswith(("pull", "rebase", "merge")):
        orig = git.version_at("ORIG_HEAD", path)
        if orig is not None and orig != head and all(orig != blob for blob, _, _ in found):
            relative = git.relative(path)
            undo = f"git checkout ORIG_HEAD -- {relative} and commit it"
            found.append((orig, "your last pull (ORIG_HEAD)", undo))
    return found


def _merged_into_head(
    store: Store,
    git: GitRepo,
    record: Record,
    head: str,
    versions: list[tuple[str, str, str]],
) -> tuple[bytes, str] | None:
    """The file's edits merged into HEAD's version, and what they would have undone,
    when they were made to an earlier version: the one of ``versions`` the file is
    nearest to (fewest lines differ), if nearer than to HEAD's and holding none of the
    lines added since. None: an edit of HEAD's version, committed as is. The merge is
    pm's own (the merge driver's), used only when it is clean and keeps every line either
    side added; otherwise DataError.
    """
    from collections import Counter

    from pm import gitrepo, mergefile

    new = git.blob_bytes(head)
    crlf = b"\r\n" in record.raw and b"\r\n" not in new  # core.autocrlf in the work tree
    mine = record.raw.replace(b"\r\n", b"\n") if crlf else record.raw
    edited = Counter(mine.split(b"\n"))

    def distance(lines: Counter[bytes]) -> int:
        return sum(((lines - edited) + (edited - lines)).values())

    after = Counter(new.split(b"\n"))
    nearest, what, old, before = distance(after), "", b"", Counter[bytes]()
    for blob, described, _name in versions:
        data = git.blob_bytes(blob)
        lines = Counter(data.split(b"\n"))
        if distance(lines) < nearest:
            nearest, what, old, before = distance(lines), described, data, lines
    if not what:
        return None
    # A stale buffer lacks all that came after it (the generated rows too); a file that
    # keeps some of it was edited after that change, e.g. to take one event out of the
    # YAML on purpose: the person's edit, committed as is.
    since = [line for line, n in after.items() if n > before[line] and line.strip()]
    if not since or any(edited[line] > before[line] for line in since):
        return None
    shown = store.display(record.path)
    merged = mergefile.merge_file(old, new, mine, shown, gitrepo.merge_file)
    result = Counter(merged.data.split(b"\n"))
    added = [(line, n) for side in (after, edited) for line, n in side.items() if n > before[line]]
    if not (merged.clean and all(result[line] >= n for line, n in added if line.strip())):
        raise DataError(
            f"{shown} holds edits made to its text from before {what}: committed, they "
            "would undo that change, and pm cannot merge the two cleanly; pm changed "
            f"nothing (see git diff -- {shown}; keep both by hand, then run the command again)"
        )
    return (merged.data.replace(b"\n", b"\r\n") if crlf else merged.data), what


def zone_naive_times(store: Store, records: list[Record], notes: dict[Path, list[str]]) -> None:
    """Read an event time typed into the front matter without an offset in the team's
    zone, as a time typed on the command line is, not as UTC (hours off, before the
    incident began); the hand edit is committed with it in UTC, and its body says so."""
    from datetime import UTC, datetime

    from pm import timeparse
    from pm.errors import UsageError

    zone_name = store.config.timezone
    for record in records:
        typed = record.document.front.get("timeline")
        timeline = record.postmortem.timeline
        if not isinstance(typed, list) or len(typed) != len(timeline):
            continue
        for item, event in zip(typed, timeline, strict=True):
            value = item.get("at") if isinstance(item, dict) else None
            if isinstance(value, str):
                try:
                    value = datetime.fromisoformat(value.strip())
                except ValueError:
                    continue
            if not isinstance(value, datetime) or value.tzinfo is not None:
                continue
            if event.at != value.replace(tzinfo=UTC):
                continue  # not this event's time as the model read it
            try:
                event.at = timeparse.to_utc(value, timeparse.zone(zone_name))
            except UsageError as error:
                raise DataError(f"{store.display(record.path)}: {error.message}") from None
            shown = value.isoformat(timespec="minutes")
            notes.setdefault(record.path, []).append(
                f"Read the event time {shown} (no offset) as {zone_name} time: "
                f"{timeparse.format_time(event.at)}."
            )


def _commit_hand_edits(
    store: Store,
    git: GitRepo,
    paths: list[Path],
    pending: list[Record],
    notes: dict[Path, list[str]],
    state: HeadState,
    operation: str,
    notice: Callable[[str], None],
) -> None:
    """Commit each file's uncommitted content as the person's own edit, before pm's."""
    if git.head_state(paths) != state:
        raise _Moved  # a pull landed between the two looks: read again
    for record in pending:
        adopted = notes.get(record.path, [])
        _commit_hand_edit(store, git, record, adopted, operation)
        for note in adopted:
            notice(note)
        notice(
            f"{store.display(record.path)} had uncommitted changes: committed them "
            f"first as your hand edit, then '{operation}'"
        )


def _commit_hand_edit(
    store: Store, git: GitRepo, record: Record, notes: list[str], operation: str
) -> None:
    """Commit the file's uncommitted content as the person's edit.

    Rows typed into the tables are adopted (``notes``), and tables left stale by an edit
    of the front matter are re-rendered, so the hand edit is consistent on its own.
    """
    from pm import blockedits
    from pm.commits import hand_edit_message

    stale = blockedits.differs(record.postmortem, record.document.body)
    data = store.render(record) if stale else record.raw
    why = f"committed by pm before '{operation}'"
    body = notes or (["Generated tables re-rendered from the front matter."] if stale else [])
    message = hand_edit_message(record.postmortem.id, why, body)
    state = git.head_state([record.path])
    if data != record.raw:
        _write_if_unchanged(store, record, data)
        if _is_committed(git, record.path, data, state):
            return  # only the tables differed (reformatted, or stale): nothing to commit
    new = state.blobs[record.path] is None and not git.is_tracked(record.path)
    try:
        hooks = git.commit_files([record.path], message, new=new)
    except RepoError as error:
        if data != record.raw:
            _put_back(store, git, [record], [data], state)
        raise RepoError(
            f"{store.display(record.path)} has uncommitted changes, and committing them "
            f"first as your hand edit failed ({error.message}); commit or discard them "
            f"(git checkout -- {git.relative(record.path)}), then run the command again"
        ) from None
    _verify(store, git, [record], [data], state, "hand edit", hooks)


def _write_if_unchanged(store: Store, record: _Read, data: bytes) -> None:
    """Write ``data`` over the file only if it still holds the bytes pm read."""
    try:
        current = record.path.read_bytes()
    except FileNotFoundError:
        raise DataError(
            f"{store.display(record.path)}: the file vanished while pm worked"
        ) from None
    except OSError:
        current = None
    if current != record.raw:
        raise _Moved
    store.write(record.path, data)


def _write_all(store: Store, records: Sequence[_Read], datas: list[bytes]) -> None:
    written: list[tuple[_Read, bytes]] = []
    try:
        for record, data in zip(records, datas, strict=True):
            _write_if_unchanged(store, record, data)
            written.append((record, data))
    except BaseException:
        for record, data in written:
            _restore(record, data)
        raise


def _restore(record: _Read, data: bytes) -> None:
    """Put the bytes pm read back, if the file still holds what pm wrote."""
    try:
        if record.path.read_bytes() == data:
            atomic_write(record.path, record.raw)
    except OSError:
        pass


def _put_back(
    store: Store, git: GitRepo, records: Sequence[_Read], datas: list[bytes], state: HeadState
) -> None:
    """After a failed commit: each file as it was, unless someone wrote it since.

    If a pull moved HEAD meanwhile and changed the file there, the file is taken from
    the new HEAD: the bytes pm read would now be an uncommitted revert of that change.
    """
    paths = [r.path for r in records]
    now = git.head_state(paths)
    for record, data in zip(records, datas, strict=True):
        try:
            ours = record.path.read_bytes() == data
        except OSError:
            ours = False
        if not ours:
            continue
        if now.head != state.head and now.blobs[record.path] != state.blobs[record.path]:
            git.restore_paths("HEAD", [record.path])
        else:
            atomic_write(record.path, record.raw)


def _verify(
    store: Store,
    git: GitRepo,
    records: Sequence[_Read],
    datas: list[bytes],
    state: HeadState,
    operation: str,
    hooks: list[str] | None,
) -> None:
    """Check that pm's commit holds its change, made on the files as pm read them.

    The parent may differ from the HEAD pm read (a pull of other files is harmless), but
    it must hold each file as pm read it; otherwise pm's commit would revert a change
    it never saw. And the commit must hold the bytes pm wrote: ``git commit --only``
    takes the files from the work tree, where a ``git pull`` running beside pm can write
    its merge between pm's write and its commit (the commit would then carry the pull's
    text, not pm's change). A pre-commit hook may rewrite the files on purpose (a
    formatter): then, or when git could not say which hooks ran, that check is skipped.
    Either way pm takes its commit back and starts again. The other program's text is
    kept in ``<git dir>/pm/kept/`` and the file put back as committed: committed as a
    hand edit, a pull's half-made merge would repeat the other side's change in a commit
    of its own and make the next pull conflict; an editor's save stays readable there.
    """
    paths = [r.path for r in records]
    last = git.last_commit(paths)
    if last.commit is None or last.parent is None:
        return  # a first commit has nothing to revert
    if last.parent == state.head:
        if hooks is None or "pre-commit" in hooks:
            return
        if all(_holds(git, p, d, last.blobs[p]) for p, d in zip(paths, datas, strict=True)):
            return
        git.undo_commit(last.commit, last.parent, f"pm: take back '{operation}' (file rewritten)")
        notes = _keep_foreign(store, git, records, datas)
        git.restore_paths(last.parent, paths)
        raise _Moved(*notes)
    if all(last.parent_blobs[p] == state.blobs[p] for p in paths):
        return
    git.undo_commit(last.commit, last.parent, f"pm: take back '{operation}' (made on a stale file)")
    ours = []
    for record, data in zip(records, datas, strict=True):
        try:
            if record.path.read_bytes() == data:
                ours.append(record.path)
        except OSError:
            pass
    git.restore_paths(last.parent, ours)
    git.reset_paths(last.parent, [p for p in paths if p not in ours])
    raise _Moved


def _keep_foreign(
    store: Store, git: GitRepo, records: Sequence[_Read], datas: list[bytes]
) -> list[str]:
    """Copy each file another program wrote over pm's bytes to ``pm/kept/``; the notes."""
    import hashlib

    notes = []
    for record, data in zip(records, datas, strict=True):
        try:
            current = record.path.read_bytes()
        except OSError:
            continue
        if current == data:
            continue
        folder = git.git_dir / "pm" / "kept"
        folder.mkdir(parents=True, exist_ok=True)
        kept = folder / f"{record.path.stem}.{hashlib.sha256(current).hexdigest()[:12]}.md"
        atomic_write(kept, current, create=True)
        notes.append(
            f"{store.display(record.path)} was rewritten by another program while pm "
            f"committed (a git pull's merge, or an editor's save): its text is kept in "
            f"{kept}, and pm made its change on the file as committed"
        )
    return notes


def _holds(git: GitRepo, path: Path, data: bytes, blob: str | None) -> bool:
    """Whether ``blob`` is ``data`` as git stores it at ``path``."""
    from pm.gitrepo import plain_blob_id

    if blob is None:
        return False
    return plain_blob_id(data, blob) == blob or git.blob_id(path, data) == blob


# --- an interrupted change ---------------------------------------------------------------


def recover(store: Store, git: GitRepo, operation: str, notice: Callable[[str], None]) -> None:
    """Commit the change pm was interrupted before committing, if the files still hold it."""
    pending = journal.read(git.git_dir)
    if pending is None:
        return
    from pm.commits import with_body_line

    paths = [git.root / name for name in pending.files]
    state = git.head_state(paths)
    ours: list[Path] = []
    for path, name in zip(paths, pending.files, strict=True):
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        if journal.digest(raw) == pending.files[name] and not _is_committed(git, path, raw, state):
            ours.append(path)
    if ours:
        line = f"Recovered: pm was interrupted before this commit; committed before '{operation}'."
        new = any(state.blobs[p] is None and not git.is_tracked(p) for p in ours)
        git.commit_files(ours, with_body_line(pending.message, line), new=new)
        subject = pending.message.partition("\n")[0]
        notice(f"pm was interrupted before committing '{subject}'; committed it now")
    journal.clear(git.git_dir)


# --- a whole new content, from an editor ------------------------------------------------


class Conflict(DataError):
    """The file changed since the content was based on it: nothing was written."""


def replace(
    store: Store,
    git: GitRepo | None,
    path: Path,
    base: bytes,
    data: bytes,
    message: str,
    operation: str,
) -> bool:
    """Write ``data`` over the file, which must still hold ``base``, and commit it.

    For content a person wrote from ``base`` (an editor session): it cannot be
    re-applied to a newer file, so where a change is re-applied, this raises Conflict
    and leaves the file (and the branch) as they are. False when nothing was committed
    (``--no-commit``, or ``data`` is what HEAD holds already).
    """
    shown = store.display(path)
    record = _Base(path, base)
    state = git.head_state([path]) if git is not None else None
    try:
        _write_all(store, [record], [data])
    except _Moved:
        raise Conflict(f"{shown} changed while you edited it") from None
    if git is None or state is None or _is_committed(git, path, data, state):
        return False
    journal.record(git.git_dir, message, {git.relative(path): data})
    try:
        new = state.blobs[path] is None and not git.is_tracked(path)
        hooks = git.commit_files([path], message, new=new)
    except RepoError:
        _put_back(store, git, [record], [data], state)
        journal.clear(git.git_dir)
        raise
    try:
        _verify(store, git, [record], [data], state, operation, hooks)
    except _Moved:
        raise Conflict(f"{shown} changed (a pull?) while pm committed your edit") from None
    finally:
        journal.clear(git.git_dir)
    return True
