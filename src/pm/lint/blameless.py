"""Blameless language: phrases that put an incident on a person rather than on a system.

The rules are data (``PATTERNS``): an id, a regular expression, a message and a
systems-focused rewording. ``{person}`` in a pattern stands for anyone known to the
repository (config ``[blameless] names``, action-item owners, git authors), matched
with its case, or a word that names a person ("he", "the engineer", "someone").

Only prose is read: HTML comments (template placeholders), generated blocks, code blocks
and spans, quoted strings and block quotes are masked first, because quoting a log line
or a chat message is reporting, not blaming.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    id: str
    summary: str
    regex: str  # spaces match any whitespace; {person} and {object} are filled in
    message: str
    suggestion: str
    # Lower-case words one of which any match contains: a cheap test that skips the regex
    # for most text (lint reads every file; the regexes are the slow part).
    keywords: tuple[str, ...]


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "blameless.human-error",
        '"human error" as a cause',
        r"\b(?:human|operator|engineer|pilot) (?:error|mistake)s?\b",
        "names a person's error as the cause; the analysis stops where it should start",
        "describe what made the action easy to get wrong: the tooling, the missing "
        "guardrail or check, the unclear signal",
        ("error", "mistake"),
    ),
    Pattern(
        "blameless.fault",
        "something is a person's fault or mistake",
        r"(?:\b(?:{person}['\u2019]s|his|her|their|my|your) (?:own )?(?:fault|mistake|screw-?up|"
        r"negligence|carelessness)\b|\b(?:fault|mistake) (?:of|by) {object}\b|"
        r"{person} (?:is|was|were) (?:at fault|to blame)\b|\bblam(?:e|es|ed|ing) {object}\b)",
        "assigns fault to a person",
        "describe the conditions that allowed the failure and how the system can prevent it",
        ("fault", "mistake", "screw", "negligence", "carelessness", "blam"),
    ),
    Pattern(
        "blameless.should-have-known",
        '"should have known" and hindsight about a person',
        r"(?:\bshould(?:n['\u2019]t| not)? have (?:known|realized|realised|noticed|thought|"
        r"double-checked|paid (?:more )?attention|been (?:more )?(?:careful|aware|attentive))\b"
        r"|{person} should(?:n['\u2019]t| not)? have\b)",
        "judges a person with hindsight",
        "say what information was available at the time and how the system could surface it "
        "(an alert, a check, a clearer runbook)",
        ("should",),
    ),
    Pattern(
        "blameless.careless",
        "judging a person's care or competence",
        r"\b(?:careless(?:ly|ness)?|sloppy|sloppiness|laziness|incompeten(?:t|ce)|"
        r"reckless(?:ly|ness)?|stupid(?:ity|ly)?|idiot(?:ic|s)?|inattentive|clueless|"
        r"irresponsibl[ey])\b",
        "judges a person's care or competence",
        "describe the action and the context it happened in (pressure, tooling, missing "
        "safeguards), not the person's qualities",
        (
            "careless",
            "sloppi",
            "sloppy",
            "laziness",
            "incompeten",
            "reckless",
            "stupid",
            "idiot",
            "inattentive",
            "clueless",
            "irresponsib",
        ),
    ),
    Pattern(
        "blameless.negligent",
        '"negligent" and "negligence"',
        r"\bnegligen(?:t|tly|ce)\b",
        "accuses a person of negligence",
        "describe which safeguard was missing or did not work",
        ("negligen",),
    ),
    Pattern(
        "blameless.punish",
        "firing or punishing people",
        r"(?:\bfir(?:e|ed|ing) {object}\b|{person} (?:should|must|will|needs to|ought to) be "
        r"fired\b|\b(?:be|been|was|were|get|got|getting) (?:sacked|let go|disciplined|"
        r"reprimanded|punished)\b|\bdisciplinary action\b)",
        "calls for punishing a person; punishment teaches people to hide mistakes",
        "name the systemic fix (an automated check, a safer default, training for everyone)",
        ("fir", "sack", "let", "disciplin", "reprimand", "punish"),
    ),
    Pattern(
        "blameless.person-caused",
        "a person broke, caused or forgot something",
        r"{person} (?:(?:just|then|also|again|simply|apparently) )?(?:broke|caused|forgot|"
        r"missed|messed up|screwed up|failed to|neglected|ignored|overlooked|botched|"
        r"fat-fingered|mistakenly|accidentally|carelessly|wrongly|didn['\u2019]t bother|"
        r"(?:deployed|pushed|merged|shipped|wrote|committed) (?:buggy|bad|broken|faulty|"
        r"untested|sloppy))\b",
        "makes a person the subject of the failure",
        "make the system the subject: what allowed the change through, and what would "
        "have caught it",
        (
            "broke",
            "caused",
            "forgot",
            "missed",
            "messed",
            "screwed",
            "failed",
            "neglected",
            "ignored",
            "overlooked",
            "botched",
            "fat-finger",
            "mistakenly",
            "accidentally",
            "carelessly",
            "wrongly",
            "bother",
            "deployed",
            "pushed",
            "merged",
            "shipped",
            "wrote",
            "committed",
        ),
    ),
)

_ROLES = (
    r"the (?:on-?call |junior |new |responsible )?"
    r"(?:engineer|developer|dev|operator|admin|administrator|sre|intern|contractor)"
)
_SUBJECTS = rf"(?:he|she|someone|somebody|{_ROLES})"
_OBJECTS = rf"(?:him|her|someone|somebody|whoever|{_ROLES})"


def known_names(names: Iterable[str]) -> list[str]:
    """Full names, first names and handles worth matching, longest first."""
    found: set[str] = set()
    for raw in names:
        name = raw.strip().lstrip("@")
        if not name or "bot" in name.lower():
            continue
        found.add(name)
        first = name.split()[0]
        if len(first) >= 3 and first.isalpha():
            found.add(first)
            found.add(first[0].upper() + first[1:])
    return sorted(found, key=lambda n: (-len(n), n))


class Checker:
    """The compiled patterns for one set of known people."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        people = known_names(names)
        # Names keep their case ("Will", "May" are also words); role words do not.
        named = "|".join(re.escape(n) for n in people)
        person = rf"(?:(?-i:\b(?:{named})\b)|\b{_SUBJECTS})" if named else rf"\b{_SUBJECTS}"
        obj = rf"(?:(?-i:\b(?:{named})\b)|{_OBJECTS})" if named else _OBJECTS
        self.compiled = [
            (
                pattern,
                re.compile(
                    pattern.regex.replace(" ", r"\s+")
                    .replace("{person}", person)
                    .replace("{object}", obj),
                    re.IGNORECASE,
                ),
            )
            for pattern in PATTERNS
        ]

    def scan(self, text: str) -> Iterator[tuple[Pattern, int, str]]:
        """(pattern, offset, matched text) for every blaming phrase in ``text``."""
        for paragraph in _PARAGRAPH.finditer(text):
            lowered = paragraph.group().lower()
            for pattern, regex in self.compiled:
                if not any(word in lowered for word in pattern.keywords):
                    continue
                for match in regex.finditer(text, paragraph.start(), paragraph.end()):
                    yield pattern, match.start(), " ".join(match.group().split())


# A phrase never spans a blank line, so each paragraph is scanned on its own, and only
# for the patterns whose keywords it contains.
_PARAGRAPH = re.compile(r"\S(?:[^\n]|\n(?![ \t]*\n))*")

# --- what counts as prose -------------------------------------------------------------------

_MASKS = (
    re.compile(r"<!-- pm:begin (\w+) -->.*?<!-- pm:end \1 -->", re.DOTALL),  # generated
    re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", re.DOTALL | re.MULTILINE),  # fences
    re.compile(r"<!--.*?-->", re.DOTALL),  # comments: template placeholders, notes
    re.compile(r"(`+).+?\1", re.DOTALL),  # code spans
    re.compile(r"^[ \t]*>[^\n]*$", re.MULTILINE),  # block quotes
    re.compile(r"\"[^\"\n]*\"|“[^”\n]*”"),  # quoted strings
)


def prose(body: str) -> str:
    """``body`` with everything that is not prose blanked out; offsets and lines kept."""
    text = body
    for mask in _MASKS:
        text = mask.sub(_blank, text)
    return text


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group())
