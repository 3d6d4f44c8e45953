"""Merge two versions of a postmortem file: the bytes git's merge driver leaves behind.

No I/O: the text merge of the prose is passed in (``gitrepo.merge_file``, which is git's
own ``git merge-file``), so this module only computes.

- The front matter is merged as data (``pm.merge``). Where both sides changed a value
  differently, the file shows that value's lines twice between git's conflict markers
  (``<<<<<<< ours`` ... ``=======`` ... ``>>>>>>> theirs``): every pm command then refuses
  the file naming the line of the marker, and keeping one of the two versions (deleting
  the markers and the other) resolves it.
- The body is merged as git merges text, after the generated blocks of all three
  versions are replaced by the blocks of the merged front matter: markers appear only
  where the prose itself conflicts, never in a generated table.
- The front matter's layout is ours' (comments and order kept, only changed values
  re-emitted); when git's text merge of the three front matters is clean and reads back
  to exactly the merged data, that text is used instead, so comments from both sides stay.
- A version pm cannot read (conflict markers, broken YAML, not a postmortem) is merged as
  text, as git would have done without the driver.
"""

from __future__ import annotations

from collections.abc import Callable

from pm import frontmatter, markdown, rewrite
from pm.errors import DataError
from pm.frontmatter import Document
from pm.merge import FieldConflict, Merged, Side, merge
from pm.model import Postmortem, SchemaError, from_mapping
from pm.records import datarecord, field, replace

# (ours, base, theirs) -> (merged bytes, whether conflict markers remain)
TextMerge = Callable[[bytes, bytes, bytes], tuple[bytes, bool]]
MARKERS = ("<<<<<<< ours", "=======", ">>>>>>> theirs")


@datarecord(frozen=True)
class Conflict:
    """A place the merge could not decide: the line of its ``<<<<<<<`` marker, and what."""

    line: int
    what: str


@datarecord(frozen=True)
class FileMerge:
    """The merged file's bytes; clean when ``conflicts`` is empty."""

    data: bytes
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


@datarecord(frozen=True)
class _Version:
    document: Document
    postmortem: Postmortem


def merge_file(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    path: str,
    merge_text: TextMerge,
    *,
    keep_numbers: Side = "ours",
) -> FileMerge:
    """Merge ``ours`` and ``theirs`` (both changed from ``base``; empty: both created it)."""
    if theirs in (ours, base):
        return FileMerge(ours)
    if ours == base:
        return FileMerge(theirs)
    try:
        old = _read(base, path, "base") if base.strip() else None
        mine, other = _read(ours, path, "ours"), _read(theirs, path, "theirs")
    except DataError as error:
        return as_text(base, ours, theirs, merge_text, f"{error.message}; merged as text")
    merged = merge(
        old.postmortem if old else None,
        mine.postmortem,
        other.postmortem,
        keep_numbers=keep_numbers,
    )
    body, body_conflicts = _merge_body(merged.ours, old, mine, other, merge_text, merged.notes)
    if merged.conflicts:
        yaml_text, front_conflicts = _front_with_markers(merged, mine.document)
    else:
        as_merged = _front_as_text(merged.ours, old, mine, other, merge_text)
        yaml_text = as_merged or rewrite.front_yaml(merged.ours, mine.document)
        front_conflicts = []
    data = frontmatter.render(replace(mine.document, body=body), yaml_text)
    if not (merged.conflicts or body_conflicts) and not _reads_back(data, path, merged.ours):
        note = "pm's merge did not read back as merged (a bug in pm); merged as text"
        return as_text(base, ours, theirs, merge_text, note)
    first_body_line = yaml_text.count("\n") + 3  # the opening fence, the YAML, the closing
    conflicts = front_conflicts + [
        Conflict(first_body_line + line, what) for line, what in body_conflicts
    ]
    return FileMerge(data, conflicts, merged.notes)


def as_text(base: bytes, ours: bytes, theirs: bytes, merge_text: TextMerge, note: str) -> FileMerge:
    """The merge git makes without the driver: text, with markers where lines conflict."""
    data, conflicted = merge_text(ours, base, theirs)
    conflicts = [
        Conflict(number, "both sides changed these lines")
        for number, line in enumerate(data.split(b"\n"), 1)
        if line.startswith(b"<<<<<<<")
    ]
    if conflicted and not conflicts:
        conflicts = [Conflict(1, "git could not merge the two versions; ours is kept")]
    return FileMerge(data, conflicts, [note])


def _read(raw: bytes, path: str, label: str) -> _Version:
    shown = f"{path} ({label})"
    document = frontmatter.parse(raw, shown)
    try:
        postmortem = from_mapping(document.front)
    except SchemaError as error:
        from pm.frontmatter.yamlhelp import schema_error

        raise schema_error(shown, raw, document.front, error.field, error.reason) from None
    return _Version(document, postmortem)


def _reads_back(data: bytes, path: str, merged: Postmortem) -> bool:
    try:
        return _read(data, path, "merged").postmortem == merged
    except DataError:
        return False


# --- the body ---------------------------------------------------------------------------------


def _merge_body(
    merged: Postmortem,
    base: _Version | None,
    ours: _Version,
    theirs: _Version,
    merge_text: TextMerge,
    notes: list[str],
) -> tuple[str, list[tuple[int, str]]]:
    """The bodies merged as text, the generated blocks rendered from ``merged`` first.

    A block a person typed into on either side (``_typed_into``) is left as each side has
    it, so git's text merge keeps every typed row (and conflicts where both changed the
    same rows). Returns the body and, for each conflict, the body line of its marker (0
    for the first) and what conflicts.
    """
    blocks = markdown.blocks(merged)
    for name in list(blocks):
        typed = [v for v in (ours, theirs) if _typed_into(v, base, name)]
        for version in typed:
            label = "ours" if version is ours else "theirs"
            notes.append(
                f"the {name} table of {label} holds text typed by hand: merged as text, "
                "nothing dropped (pm lint shows what differs from the front matter)"
            )
        if typed:
            del blocks[name]

    def normalised(version: _Version | None) -> bytes:
        if version is None:
            return b""
        body = version.document.body
        for name, content in blocks.items():
            body = frontmatter.replace_block(body, name, content, version.document.newline)
        return body.encode("utf-8")

    data, conflicted = merge_text(normalised(ours), normalised(base), normalised(theirs))
    body = data.decode("utf-8")
    if not conflicted:
        return body, []
    markers: dict[str, str | None] = {}
    for name in markdown.blocks(merged):
        begin, end = frontmatter.block_markers(name)
        markers.update({begin: name, end: None})
    found: list[tuple[int, str]] = []
    inside: str | None = None
    for number, line in enumerate(body.split("\n")):
        if line.strip() in markers:
            inside = markers[line.strip()]
        if line.startswith("<" * 7):
            what = f"the {inside} table" if inside else "the prose"
            found.append((number, f"{what}: both sides changed these lines"))
    return body, found


def _typed_into(version: _Version, base: _Version | None, name: str) -> bool:
    """Whether block ``name`` of ``version`` holds lines a person typed.

    A line is typed when pm would write it from neither this version's front matter nor
    the ancestor's: a table left stale by a hand edit of the front matter holds only lines
    pm wrote, and is re-rendered like any other. A row typed before the ancestor (it is in
    the ancestor's table, not in what its front matter renders) is still typed, so it is
    kept.
    """
    current = frontmatter.block_content(version.document.body, name)
    if current is None:
        return False
    known = set(markdown.blocks(version.postmortem)[name].split("\n"))
    if base is not None:
        known |= set(markdown.blocks(base.postmortem)[name].split("\n"))
    return any(line.strip() and line not in known for line in current.split("\n"))


# --- the front matter -------------------------------------------------------------------------


def _front_as_text(
    merged: Postmortem,
    base: _Version | None,
    ours: _Version,
    theirs: _Version,
    merge_text: TextMerge,
) -> str | None:
    """git's text merge of the three front matters, when it is exactly the merged data."""
    texts = [v.document.front_text if v else None for v in (ours, base, theirs)]
    if base is None or any(text is None for text in texts):
        return None
    data, conflicted = merge_text(*(f"{text}\n".encode() for text in texts))
    if conflicted:
        return None
    text = data.decode("utf-8")
    try:
        same = from_mapping(frontmatter.load_yaml(text, "")) == merged
    except DataError:
        return None
    return text if same else None


def _front_with_markers(merged: Merged, layout: Document) -> tuple[str, list[Conflict]]:
    """Both versions of the front matter in one text, the lines that differ between markers."""
    from difflib import SequenceMatcher

    versions = {
        "ours": rewrite.front_yaml(merged.ours, layout),
        "theirs": rewrite.front_yaml(merged.theirs, layout),
    }
    lines = {side: text.removesuffix("\n").split("\n") for side, text in versions.items()}
    out: list[str] = []
    where: dict[str, dict[int, int]] = {"ours": {}, "theirs": {}}  # line -> marker's line
    matcher = SequenceMatcher(a=lines["ours"], b=lines["theirs"], autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            for offset in range(a2 - a1):
                where["ours"][a1 + offset] = where["theirs"][b1 + offset] = len(out)
                out.append(lines["ours"][a1 + offset])
            continue
        marker = len(out)
        out.append(MARKERS[0])
        for index in range(a1, a2):
            where["ours"][index] = marker
            out.append(lines["ours"][index])
        out.append(MARKERS[1])
        for index in range(b1, b2):
            where["theirs"][index] = marker
            out.append(lines["theirs"][index])
        out.append(MARKERS[2])
    first_hunk = next((n for n, line in enumerate(out) if line == MARKERS[0]), 0)
    conflicts = []
    for conflict in merged.conflicts:
        line = _line_of(conflict, versions, where, first_hunk)
        conflicts.append(Conflict(line + 2, _describe(conflict)))  # + the opening fence
    return "\n".join(out) + "\n", sorted(conflicts, key=lambda c: c.line)


def _line_of(
    conflict: FieldConflict,
    versions: dict[str, str],
    where: dict[str, dict[int, int]],
    first_hunk: int,
) -> int:
    """The line (0 for the YAML's first) of the marker around ``conflict``'s value."""
    sides: list[Side] = [conflict.side, "theirs" if conflict.side == "ours" else "ours"]
    for side in sides:
        located = frontmatter.locate(f"---\n{versions[side]}---\n".encode())
        if conflict.path in located.lines:
            return where[side].get(located.lines[conflict.path] - 2, first_hunk)
    return first_hunk


def _describe(conflict: FieldConflict) -> str:
    what = f"both sides changed {conflict.name}: ours {conflict.ours}, theirs {conflict.theirs}"
    if conflict.why:
        what = f"{conflict.name}: {conflict.why} (ours {conflict.ours}, theirs {conflict.theirs})"
    return what + "; keep one version and delete the markers"
