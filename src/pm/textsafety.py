"""Text safety: which characters user text may hold, and how each output keeps it inert.

Every title, event and owner is typed by a person or pasted from somewhere, and ends up in
a terminal, a JSON document, a CI log, a markdown table, a chart and a commit message.
Each destination acts on different characters (a terminal on ESC, a CI runner on a new
line, a markdown table on ``|``, mermaid on ``"`` and ``:``), so each has one policy here,
built from the named character sets below:

- input checks: ``check_line`` (one line: titles, owners, reasons, tickets) and
  ``check_text`` (free text with newlines: events, impact) refuse what they cannot hold;
- outputs: ``terminal`` (escape, never act), ``json_inert`` (inert JSON escapes),
  ``ci_log`` and ``ci_log_property`` (a GitHub workflow command in a CI log),
  ``markdown_cell`` (one table cell), ``template_value`` (a value a Jinja template
  prints), ``mermaid_label`` and ``commit_line`` (one line of a commit message) make any
  text safe to show.

No I/O.
"""

from __future__ import annotations

import functools
import re

from pm.errors import UsageError


def _span(first: int, last: int) -> frozenset[str]:
    return frozenset(chr(code) for code in range(first, last + 1))


# --- named character sets ---------------------------------------------------------------

TAB = frozenset("\t")
LF = frozenset("\n")
CR = frozenset("\r")
C0 = _span(0x00, 0x1F)  # ASCII controls: NUL, BEL, BS, TAB, LF, VT, FF, CR, ESC...
DEL = frozenset("\x7f")
C1 = _span(0x80, 0x9F)  # CSI (0x9b) acts like ESC [ on many terminals; NEL is 0x85
NEL = frozenset("\x85")
LINE_SEPARATORS = frozenset("\u2028\u2029")  # LS and PS: Unicode's own line breaks
# Everything ``str.splitlines`` breaks a line at: LF, CR, VT, FF, FS/GS/RS, NEL, LS, PS.
LINE_BREAKS = LF | CR | frozenset("\x0b\x0c\x1c\x1d\x1e") | NEL | LINE_SEPARATORS
# Lone surrogates: bytes a locale could not decode (Python keeps them so); never text.
SURROGATES = _span(0xD800, 0xDFFF)
# ALM, LRM, RLM: invisible marks that set the direction of the text around them.
BIDI_MARKS = frozenset("\u061c\u200e\u200f")
BIDI_EMBEDDINGS = _span(0x202A, 0x202E)  # LRE, RLE, PDF, LRO, RLO: reorder what follows
BIDI_ISOLATES = _span(0x2066, 0x2069)  # LRI, RLI, FSI, PDI
BIDI_CONTROLS = BIDI_MARKS | BIDI_EMBEDDINGS | BIDI_ISOLATES  # Unicode's Bidi_Control

# What a terminal (or a log viewer) acts on or shows out of place: every control but TAB,
# the line separators and the bidi controls (which make text read differently than stored).
TERMINAL_UNSAFE = (C0 - TAB) | DEL | C1 | LINE_SEPARATORS | BIDI_CONTROLS
# Of those, what ``json.dumps(ensure_ascii=False)`` leaves raw (it escapes C0 itself).
JSON_UNSAFE = TERMINAL_UNSAFE - C0
# Refused in one line of text. Bidi marks are allowed: right-to-left titles need them.
LINE_FORBIDDEN = C0 | DEL | C1 | LINE_SEPARATORS | BIDI_EMBEDDINGS | BIDI_ISOLATES
# Refused in free text: controls other than TAB and LF, and the line separators. The bidi
# controls are kept (right-to-left prose may use them); every output drops or escapes them.
TEXT_FORBIDDEN = (C0 - TAB - LF) | DEL | C1 | LINE_SEPARATORS
# Dropped from what a template or a markdown cell prints: controls (but TAB, LF) and bidi.
INVISIBLE = (C0 - TAB - LF) | DEL | C1 | BIDI_CONTROLS
# Whitespace a markdown cell turns into one space (CommonMark's line ends, TAB, VT, FF, LS, PS).
CELL_WHITESPACE = LF | CR | TAB | frozenset("\x0b\x0c") | LINE_SEPARATORS
# Line breaks a GitHub runner does not split on but a log viewer may: shown as a space.
CI_OTHER_BREAKS = LINE_BREAKS - LF - CR
# The only characters a mermaid label keeps; every run of others becomes one space.
MERMAID_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _.,/+()-")


def char_class(chars: frozenset[str], *, negate: bool = False) -> str:
    """A regular-expression character class that matches exactly ``chars``."""
    codes = sorted(ord(c) for c in chars)
    parts: list[str] = []
    index = 0
    while index < len(codes):
        first = last = codes[index]
        while index + 1 < len(codes) and codes[index + 1] == last + 1:
            index += 1
            last = codes[index]
        parts.append(_escape(first) if first == last else f"{_escape(first)}-{_escape(last)}")
        index += 1
    return f"[{'^' if negate else ''}{''.join(parts)}]"


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@functools.cache
def _any(chars: frozenset[str]) -> re.Pattern[str]:
    """One of ``chars``; compiled on first use (start-up time: most runs need few)."""
    return re.compile(char_class(chars))


@functools.cache
def _runs(chars: frozenset[str], *, negate: bool = False) -> re.Pattern[str]:
    """A run of ``chars`` (or, negated, of anything else); compiled on first use."""
    return re.compile(char_class(chars, negate=negate) + "+")


_CELL_SPECIAL = r"([\\`*_\[\]|<>#~!])"  # markdown syntax that a cell escapes


def _shown_escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


# --- input: what a value may hold -------------------------------------------------------


def check_line(
    text: str, what: str, limit: int, *, required: bool = True, empty: str | None = None
) -> str:
    """One line of printable text, stripped, at most ``limit`` characters.

    Titles, owners, reasons, tickets. ``empty`` is the message when a required value is
    empty (by default "the WHAT is empty").
    """
    text = text.strip()
    if not text and required:
        raise UsageError(empty or f"the {what} is empty")
    _check_decoded(text, what)
    if _any(LINE_FORBIDDEN).search(text):
        raise UsageError(f"the {what} must be one line without control characters")
    if len(text) > limit:
        raise UsageError(f"the {what} is {len(text)} characters; keep it under {limit}")
    return text


def check_text(text: str, what: str, limit: int) -> str:
    """Free text (events, impact), stripped: newlines and tabs allowed, other controls not."""
    text = text.strip()
    _check_decoded(text, what)
    if _any(TEXT_FORBIDDEN).search(text):
        raise UsageError(f"the {what} contains control characters")
    if len(text) > limit:
        raise UsageError(f"the {what} is {len(text)} characters; keep it under {limit}")
    return text


def _check_decoded(text: str, what: str) -> None:
    if _any(SURROGATES).search(text):
        raise UsageError(
            f"the {what} holds bytes that are not text in this locale's encoding; type it "
            "as UTF-8 or in your terminal's own encoding (LANG)"
        )


# --- output: how each destination shows any text ----------------------------------------


def terminal(text: str) -> str:
    """For a terminal: controls, separators and bidi shown as escapes (``\\x1b``), never acted on.

    TAB stays (tables are tab-separated when piped); a newline is shown as ``\\n``.
    """
    if text.isascii() and text.isprintable():
        return text  # the common case, without the regular expression: nothing to escape
    return _any(TERMINAL_UNSAFE).sub(_shown_escaped, text)


def json_inert(text: str) -> str:
    """JSON text from ``json.dumps(ensure_ascii=False)`` with DEL, C1, separators and bidi
    written as ``\\uXXXX`` escapes: the same data, inert in a terminal or a browser."""
    return _any(JSON_UNSAFE).sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def ci_log(text: str) -> str:
    """A value inside one CI log line (a GitHub workflow command's message or property).

    ``%``, CR and LF are percent-encoded as the Actions toolkit does, so the text can never
    begin a line of its own and so never a workflow command (``::stop-commands::``) of its
    own. Other line breaks (VT, FF, NEL, LS, PS...), which the runner does not split on
    but a log viewer might, become spaces; other controls are shown as escapes, so an
    ANSI sequence cannot colour or hide the log.
    """
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return _any(TERMINAL_UNSAFE).sub(_shown_escaped, _any(CI_OTHER_BREAKS).sub(" ", text))


def ci_log_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``): ``ci_log``, and also
    ``:`` and ``,``, which would end the value."""
    return ci_log(text).replace(":", "%3A").replace(",", "%2C")


def markdown_cell(text: str) -> str:
    """One markdown table cell or paragraph: one line, no markup, no invisible characters.

    Whitespace runs (line breaks included) become one space; controls and bidi are
    dropped; ``&`` and the characters that would end a cell, start a link or emphasis or
    open raw HTML (and so could forge a pm marker) are escaped.
    """
    text = _any(INVISIBLE).sub("", _runs(CELL_WHITESPACE).sub(" ", text)).strip()
    text = text.replace("&", "&amp;")
    return re.sub(_CELL_SPECIAL, r"\\\1", text)


def template_value(text: str) -> str:
    """A value a template prints: controls (but TAB and LF) and bidi dropped, LS and PS
    made spaces. Markup is the template's business (HTML templates autoescape)."""
    return _any(INVISIBLE).sub("", text).replace("\u2028", " ").replace("\u2029", " ")


def mermaid_label(text: str, limit: int = 40) -> str:
    """Text safe inside a mermaid label or quoted string: no quotes, colons, markup.

    Only letters, digits, space and ``_.,/+()-`` survive (a run of anything else becomes one
    space), so a label can never close its quotes or start a directive (``%%{init``) or a
    ``click``; longer than ``limit``, it is cut and ends in ``...``.
    """
    cleaned = " ".join(_runs(MERMAID_SAFE, negate=True).sub(" ", text).split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 3].rstrip() + "..."
    return cleaned or "-"


def commit_line(text: str) -> str:
    """One line of a commit message: every whitespace run (line breaks included) one space,
    other controls and bidi shown as escapes, so ``git log`` prints what was stored without
    a terminal acting on it."""
    return terminal(" ".join(text.split()))
