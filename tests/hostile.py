"""One shared corpus of hostile strings, for every test that feeds user text to pm.

Each entry is (name, text). Tests parametrise over ``HOSTILE`` (or ``hostile_params()``
for readable test ids) so that a new nasty string added here is tried everywhere.
"""

from __future__ import annotations

import re

import pytest

ONE_MB = "A" * (1024 * 1024)

HOSTILE: list[tuple[str, str]] = [
    ("traversal", "../../x"),
    ("traversal-deep", "../../../../../../tmp/pwned"),
    ("absolute-path", "/etc/passwd"),
    ("windows-path", "..\\..\\x"),
    ("control-chars", "bell\x07 back\x08 vt\x0b ff\x0c cr\r del\x7f c1\x85\x9b"),
    ("bidi-rlo", "safe \u202etxt.exe"),
    ("bidi-isolate", "a \u2066hidden\u2069 b"),
    ("bidi-marks", "\u200fmarked\u061c \u200e"),
    ("ansi-colour", "\x1b[31mred\x1b[0m"),
    ("ansi-clear", "\x1b[2J\x1b[H cleared"),
    ("osc-link", "\x1b]8;;http://e\x07click\x1b]8;;\x07"),
    ("rich-markup", "[bold]x[/] [link=http://e]y[/link]"),
    ("rich-close", "[/]"),
    ("jinja-expr", "{{ 7*7 }}"),
    ("jinja-block", "{% raw %}{{ config }}{% endraw %}"),
    ("yaml-doc-start", "---"),
    ("yaml-doc-end", "..."),
    ("yaml-colon", "key: value"),
    ("yaml-comment", "# not a comment"),
    ("yaml-anchor", "&a"),
    ("yaml-alias", "*a"),
    ("yaml-python", "!!python/object/apply:os.system ['id']"),
    ("yaml-bool", "no"),
    ("yaml-time", "14:05"),
    ("yaml-octal", "0755"),
    ("yaml-date", "2024-01-01"),
    ("yaml-null", "~"),
    ("gh-error", "::error::x"),
    ("gh-stop", "::stop-commands::tok"),
    ("gh-multiline", "ok\n::error file=a::injected"),
    ("skip-ci", "[skip ci]"),
    ("html-script", "<script>alert(1)</script>"),
    ("pm-marker", "<!-- pm:end timeline -->"),
    ("pm-marker-begin", "<!-- pm:begin actions -->"),
    ("table-pipes", "a | b || c \\| d"),
    ("markdown-link", "[x](javascript:alert(1)) ![i](http://e/i.png)"),
    ("conflict-marker", "<<<<<<< HEAD"),
    ("trailer-injection", "fine\n\nSigned-off-by: Mallory <m@evil.example>"),
    ("trailer-crlf", "fine\r\nPm-Id: forged"),
    ("line-separator", "one\u2028two\u2029three"),
    ("nul", "nul\x00byte"),
    ("nul-id", "2024-01-15\x00x"),
    ("nul-path", "x\x00.md"),
    ("very-long-id", "2024-01-15-" + "a" * 5000),
    ("bom-zero-width", "\ufeff\u200bzero\u200dwidth"),
    ("emoji-combining", "🔥 e\u0301 👩\u200d💻"),
    ("whitespace-only", " \t "),
    ("empty", ""),
    ("leading-dash", "--help"),
    ("percent-format", "%s %(x)s {0} {x!r}"),
    ("time-underflow", "0001-01-01T00:00+01:00"),
    ("time-overflow", "9999-12-31T23:59-01:00"),
    ("time-ancient", "0001-01-01T00:30"),
    ("date-overflow", "+9999y"),
    ("one-mb", ONE_MB),
]

# What no terminal output may contain raw: ESC, other C0/C1 controls, bidi controls,
# line/paragraph separators (``output.safe`` shows them escaped).
RAW_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def hostile_params() -> list[object]:
    """``HOSTILE`` as pytest params with readable ids."""
    return [pytest.param(text, id=name) for name, text in HOSTILE]
