"""Blameless language: phrases that put an incident on a person rather than on a system.

The rules are data (``PATTERNS``): an id, a regular expression, a message and a
systems-focused rewording. ``{person}`` in a pattern stands for anyone known to the
repository (config ``[blameless] names``, action-item owners, git authors), matched with
its case, or words that name a person: a pronoun ("he", "I", "we", "someone"), a role
with or without an article ("the engineer", "an operator", "one of our technicians",
"staff", "the author of the change"). ``{object}`` is the same in object position.

A pattern with ``subject`` set is a lapse ("forgot", "made a typo", "deleted the wrong
directory") that counts only when a person is its subject: the person stands before it
in the same clause, with at most ``gap`` words between ("the engineer on the storage
team made a typo"). The found words run from the person to the lapse.

Three guards keep systems language quiet: a negation before the phrase in its clause
("no engineer was punished", "this was not human error"), a hypothetical in its sentence
("if an operator mistypes the flag, the tool refuses"), and the words used as a concept
or a name ("the human error rate", "the term 'human error'").

Only prose is read: HTML comments (template placeholders), generated blocks, code blocks
and spans, quoted strings and block quotes are masked first, because quoting a log line
or a chat message is reporting, not blaming. Short quotes of one to three words that are
not introduced as speech ("a 'shortcut'", the "tired admin") stay: scare quotes blame.

Length: the rules are data and most of the file is that table, one entry per phrasing
found in real postmortems; the matcher and its guards are short and read the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pm.records import datarecord


@datarecord(frozen=True)
class Pattern:
    id: str
    summary: str
    regex: str  # spaces match any whitespace; {person} and {object} are filled in
    message: str
    suggestion: str
    # Lower-case words one of which any match contains: a cheap test that skips the regex
    # for most text (lint reads every file; the regexes are the slow part).
    keywords: tuple[str, ...]
    # A lapse that counts only with a person as its subject, at most ``gap`` words before.
    lapse: str = ""
    gap: int = 0
    negated: bool = True  # a negation before the phrase (in its clause) silences it


# Words that name a person. Roles take an article or a possessive, and up to two words
# before the noun ("the on-call engineer", "one of our operations engineers"); bare plurals
# and "staff" stand alone ("engineers forgot", "Equifax staff failed to").
_ROLE = (
    r"(?:engineer|developer|dev|operator|admin|administrator|sysadmin|sre|technician|"
    r"programmer|coder|staffer|staff member|staff|employee|team member|member of (?:the|our|their) "
    r"team|person|people|contractor|intern|dba|maintainer|reviewer|author|on-?call|worker|"
    r"individual|team|owner|human)s?"
)
_DETERMINER = (
    r"(?:a|an|the|our|their|his|her|its|my|your|this|that|these|those|one of (?:our|the|their|"
    r"its|his|her|my)|one|two|three|several|some|many|each|every|another|any)"
)
_MODIFIERS = r"(?:[\w\"\u201c-]+ ){0,2}?"
_BARE = (
    r"(?:(?-i:[A-Z][\w.&-]* ))?(?:engineers|developers|operators|admins|administrators|"
    r"technicians|staff|employees|programmers|sres|dbas|maintainers|contractors)"
)
_PRONOUN = r"(?:(?-i:I)|we|he|she|someone|somebody|whoever|team-member-\d+)"
_OBJECT_PRONOUN = r"(?:him|her|us|me|someone|somebody|anyone|anybody|whoever)"

_HUMAN_ERROR = (
    r"\b(?:human|operator|operational|engineer|developer|admin|pilot|user) (?:error|mistake)s?\b"
)

PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "blameless.human-error",
        '"human error" as a cause',
        _HUMAN_ERROR,
        "names a person's error as the cause; the analysis stops where it should start",
        "describe what made the action easy to get wrong: the tooling, the missing "
        "guardrail or check, the unclear signal",
        ("error", "mistake"),
    ),
    Pattern(
        "blameless.fault",
        "something is a person's fault or mistake",
        r"(?:\b(?:his|her|their|my|your) (?:own )?(?:fault|mistake|screw-?up|negligence|"
        r"carelessness|error|typo|slip|blunder|oversight|fat fingers?|errant)\b|"
        r"\b(?:fault|mistake|error|typo|slip|blunder|accident|lapse|oversight)s? "
        r"(?:[\w-]+ ){0,3}?(?:of|by|from) {object}|"
        r"\bblam(?:e|es|ed|ing) {object})",
        "assigns fault to a person",
        "describe the conditions that allowed the failure and how the system can prevent it",
        (
            "fault",
            "mistake",
            "screw",
            "negligence",
            "carelessness",
            "typo",
            "blunder",
            "lapse",
            "oversight",
            "finger",
            "errant",
            "blame",
            # "error", "slip" and "accident" are common in systems prose; only their
            # forms that this rule can match make it run
            "error by",
            "error of",
            "error from",
            "errors by",
            "errors of",
            "s error",
            "s' error",
            "\u2019s error",
            "slip by",
            "slip of",
            "s slip",
            "accident by",
            "accident of",
            "s accident",
        ),
        lapse=r"(?:['\u2019]s (?:own )?(?:fault|mistake|screw-?up|negligence|carelessness|error|"
        r"typo|slip|blunder|oversight|fat fingers?|errant)|\b(?:is|was|were|are) (?:at fault|"
        r"to blame))\b",
        gap=3,
    ),
    Pattern(
        "blameless.blamed-on",
        "blaming or pinning something on a person",
        r"(?:\b(?:blam(?:e|es|ed|ing)|pinn?(?:ed|ing|s)?|attribut(?:e|es|ed|ing)|"
        r"(?:plac|la|put)(?:ed|id|s|ing)? the blame|scapegoat(?:ed|ing|s)?)\b "
        r"(?:[\w'\u2019-]+ ){0,6}?(?:on|to) {object}|\bscapegoat(?:ed|ing|s)?\b)",
        "puts the incident on a person",
        "say which conditions made the failure possible; a name is not a cause",
        ("blam", "pin", "attribut", "scapegoat", "fall"),
        lapse=r"\b(?:took|takes|take) the fall\b",
    ),
    Pattern(
        "blameless.should-have-known",
        '"should have known" and hindsight about a person',
        r"(?:\bshould(?:n['\u2019]t| not)? have (?:known|realized|realised|noticed|thought|"
        r"double-checked|checked|paid (?:more )?attention|been (?:more )?(?:careful|aware|"
        r"attentive))\b)",
        "judges a person with hindsight",
        "say what information was available at the time and how the system could surface it "
        "(an alert, a check, a clearer runbook)",
        ("should",),
        lapse=r"\bshould(?:n['\u2019]t| not)? have (?!had\b|been able\b|a\b)",
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
        r"(?:\bfir(?:e|ed|ing) {object}\b|\b(?:be|been|was|were|get|got|getting) (?:sacked|"
        r"let go|disciplined|reprimanded|punished)\b|\bdisciplinary action\b)",
        "calls for punishing a person; punishment teaches people to hide mistakes",
        "name the systemic fix (an automated check, a safer default, training for everyone)",
        ("fire", "firing", "sack", "let go", "disciplin", "reprimand", "punish"),
        lapse=r"\b(?:should|must|will|needs to|ought to|was|were|got|has been|have been|had "
        r"been) (?:be )?(?:fired|sacked|let go|disciplined|reprimanded|punished)\b",
        gap=6,
    ),
    Pattern(
        "blameless.person-caused",
        "a person broke, caused or forgot something",
        "",
        "makes a person the subject of the failure",
        "make the system the subject: what allowed the change through, and what "
        "would have caught it",
        (
            "broke",
            "caused",
            "forgot",
            "missed",
            "messed",
            "screwed",
            "failed",
            "failing",
            "neglected",
            "ignored",
            "overlooked",
            "botched",
            "fat-finger",
            "mistakenly",
            "accidentally",
            "carelessly",
            "wrongly",
            "erroneously",
            "inadvertently",
            "unintentionally",
            "bother",
            "deployed",
            "pushed",
            "merged",
            "shipped",
            "wrote",
            "committed",
        ),
        lapse=r"\b(?:(?:just|then|also|again|simply|apparently|clearly) )?(?:broke|caused|forgot|"
        r"missed|messed up|screwed up|failed to|failing to|neglected|ignored|overlooked|"
        r"botched|fat-fingered|mistakenly|accidentally|carelessly|wrongly|erroneously|"
        r"inadvertently|unintentionally|didn['\u2019]t bother|did not bother|"
        r"(?:deployed|pushed|merged|shipped|wrote|committed) (?:buggy|bad|broken|faulty|"
        r"untested|sloppy))\b",
        gap=8,
    ),
    Pattern(
        "blameless.slip",
        "a person's typo, slip or mistake as the cause",
        "",
        "makes a person's slip the cause",
        "describe what made the slip possible and what would catch it: validation, a "
        "confirmation, a dry run, a safer default",
        ("made", "make", "typo", "typed", "finger", "shortcut", "corners", "mistake", "accident"),
        lapse=r"(?:\b(?:made|makes|make|making) (?:a |an )?(?:simple |small |single |silly |"
        r"classic |careless |typing |little )?(?:typo|mistake|error|slip|blunder|wrong call|"
        r"bad call|careless call)s?\b|\b(?:typo['\u2019]?d|mistyped|mis-typed|fat-finger(?:ed|s)?|"
        r"typed (?:a |the )?(?:wrong|incorrect)|took a [\"\u201c]?shortcut|cut corners)\b|"
        r"\bby (?:mistake|accident)\b)",
        gap=8,
    ),
    Pattern(
        "blameless.fat-finger",
        '"fat finger" and other slips told as a person\'s',
        r"\bfat[- ]finger(?:s|ed)?\b",
        "tells the failure as a person's slip",
        "describe what made the slip possible and what would catch it: validation, a "
        "confirmation, a dry run, a safer default",
        ("finger",),
    ),
    Pattern(
        "blameless.oversight",
        "a person did not notice, check or copy something",
        "",
        "makes a person's oversight the cause",
        "describe the step the system left to memory or attention, and how to make it "
        "automatic or visible: a check, an alert, a step in the tool",
        ("did not", "didn't", "didn\u2019t", "did n't", "never"),
        lapse=r"(?:\b(?:did not|didn['\u2019]t|never|did n['\u2019]t) (?:notice|noticed|realise|"
        r"realize|realised|realized|see|catch|check|verify|copy|copied|update|renew|rotate|"
        r"remove|pause|exclude|configure|set|test|follow|read|review|mask|monitor|remember|"
        r"double-check|confirm|include|consider|think|wait|ask|look)\b)",
        gap=8,
        negated=False,
    ),
    Pattern(
        "blameless.nobody-noticed",
        '"nobody noticed" and "no one remembered"',
        r"\b(?:nobody|no one|no-one) (?:[\w-]+ ){0,3}?(?:noticed|remembered|realised|realized|"
        r"caught|checked|spotted|thought to)\b",
        "makes people's oversight the cause",
        "describe the step the system left to memory or attention, and how to make it "
        "automatic or visible: a check, an alert, a step in the tool",
        ("nobody", "no one", "no-one"),
        negated=False,
    ),
    Pattern(
        "blameless.wrong-target",
        "a person aimed an action at the wrong target",
        "",
        "makes a person's choice of target the cause",
        "describe what made the two targets look alike and what would tell them apart: "
        "clear prompts, a confirmation, separate credentials",
        ("wrong", "instead", "incorrect", "rather"),
        lapse=r"\b(?:[\w-]+ )(?:(?:the|a) wrong|an incorrect|instead of|rather than the)\b",
        gap=8,
    ),
)

# A clause ends at punctuation or a conjunction that starts a new one.
_CLAUSE = re.compile(
    r"[.;:!?,\u2014]|\b(?:but|because|which|when|whereas|although|though|so that|while|"
    r"after|before|since|until)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[.;!?](?=\s)|\n\s*\n")
_NEGATION = re.compile(
    r"\b(?:not|no|never|nobody|none|neither|nor|without|no one|cannot|rather than)\b|n['\u2019]t\b",
    re.IGNORECASE,
)
_HYPOTHETICAL = re.compile(
    r"(?:\b(?:if|unless|suppose|supposing|imagine|whether|in case)\b|"
    r"^\W*(?:were|had|should|could|would|can|might|may)\b)",
    re.IGNORECASE,
)
_MODAL = re.compile(r"\b(?:can|could|would|might|may|will)\b", re.IGNORECASE)
_CONCEPT_BEFORE = re.compile(
    r"(?:\b(?:term|word|words|phrase|label|expression|section on|category of|treat|treats|"
    r"treating)\s*[\"\u201c]?\s*)$",
    re.IGNORECASE,
)
_CONCEPT_AFTER = re.compile(
    r"^[\"\u201d]?\s*(?:rates?|metrics?|budgets?|counts?|categor(?:y|ies)|taxonom(?:y|ies)|"
    r"per\b|reflex|framing|label|wording|language|is (?:the|a) (?:word|term)|is listed|"
    r"as a (?:root )?cause|is a starting point)",
    re.IGNORECASE,
)


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


# A pattern with its phrase and its lapse compiled for one set of names.
Compiled = tuple[Pattern, "re.Pattern[str] | None", "re.Pattern[str] | None"]


class Checker:
    """The compiled patterns for one set of known people."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        people = known_names(names)
        # Names keep their case ("Will", "May" are also words); role words do not.
        named = "|".join(re.escape(n) for n in people)
        roles = rf"(?:{_DETERMINER} {_MODIFIERS}{_ROLE}|{_BARE})"
        subject = rf"(?:{_PRONOUN}|{roles})"
        obj = rf"(?:{_OBJECT_PRONOUN}|{roles})"
        if named:
            subject = rf"(?:(?-i:(?:{named}))|{subject})"
            obj = rf"(?:(?-i:(?:{named}))|{obj})"
        person = rf"\b{subject}\b[\"\u201d]?"
        self._fill = {"{person}": person, "{object}": rf"\b{obj}\b"}
        # Compiled on first use: a lint of one file needs the few patterns whose keywords
        # it holds, and compiling all of them costs more than the lint of that file.
        self._compiled: dict[str, Compiled] = {}
        self._subjects: dict[int, re.Pattern[str]] = {}

    @property
    def compiled(self) -> list[Compiled]:
        """Every pattern, compiled for these names."""
        return [self._compile(p) for p in PATTERNS]

    def _compile(self, pattern: Pattern) -> Compiled:
        found = self._compiled.get(pattern.id)
        if found is None:
            found = (pattern, self._regex(pattern.regex), self._regex(pattern.lapse))
            self._compiled[pattern.id] = found
        return found

    def _regex(self, regex: str) -> re.Pattern[str] | None:
        if not regex:
            return None
        regex = regex.replace(" ", r"\s+")
        for mark, text in self._fill.items():
            regex = regex.replace(mark, text)
        return re.compile(regex, re.IGNORECASE)

    def _subject(self, gap: int) -> re.Pattern[str]:
        """The subject of a lapse: a person, then at most ``gap`` words, at the end of the
        text before the lapse (searched in the clause only, so it stays cheap)."""
        found = self._subjects.get(gap)
        if found is None:
            person = self._fill["{person}"]
            found = re.compile(
                rf"{person}(?P<gap>(?:\s+[\w'\u2019\"\u201c\u201d-]+){{0,{gap}}}?)\s*$",
                re.IGNORECASE,
            )
            self._subjects[gap] = found
        return found

    def candidates(self, text: str) -> list[Compiled]:
        """The patterns whose keywords ``text`` holds: what ``scan`` of any part of it
        (a file's body, the texts of its items) may try. One test per file, not per
        paragraph: most files hold the keywords of few patterns. White space is one space
        here (a third less to search; keywords hold single spaces only, so none is lost)."""
        lowered = " ".join(text.lower().split())
        return [self._compile(p) for p in PATTERNS if any(word in lowered for word in p.keywords)]

    def scan(
        self, text: str, candidates: list[Compiled] | None = None
    ) -> Iterator[tuple[Pattern, int, str]]:
        """(pattern, offset, matched text) for every blaming phrase in ``text``;
        ``candidates`` (from ``candidates`` of a text holding this one) narrows the search."""
        compiled = self.compiled if candidates is None else candidates
        if not compiled:
            return
        for paragraph in _PARAGRAPH.finditer(text):
            lowered = paragraph.group().lower()
            seen: set[tuple[int, int]] = set()
            for pattern, plain, lapse in compiled:
                if not any(word in lowered for word in pattern.keywords):
                    continue
                for regex, needs_person in ((plain, False), (lapse, True)):
                    if regex is None:
                        continue
                    for match in regex.finditer(text, paragraph.start(), paragraph.end()):
                        found = self._judge(pattern, match, text, paragraph.start(), needs_person)
                        if found is not None and found not in seen:
                            seen.add(found)
                            start, end = found
                            yield pattern, start, " ".join(text[start:end].split())

    def _judge(
        self, pattern: Pattern, match: re.Match[str], text: str, floor: int, needs_person: bool
    ) -> tuple[int, int] | None:
        """The span to report for ``match``, or None when a guard silences it."""
        sentence_start = _last_end(_SENTENCE, text, floor, match.start())
        clause_start = _last_end(_CLAUSE, text, sentence_start, match.start())
        start = match.start()
        if needs_person:
            prefix = text[clause_start : match.start()]
            found = self._subject(pattern.gap).search(prefix)
            if found is None:
                return None
            gap = found.group("gap")
            if _MODAL.search(gap) or (pattern.negated and _NEGATION.search(gap)):
                return None  # "an operator can mistype", "the engineer did not forget"
            start = clause_start + found.start()
        before = text[clause_start:start]
        if pattern.negated and _NEGATION.search(before):
            return None
        if _HYPOTHETICAL.search(text[sentence_start:start]):
            return None
        if _CONCEPT_BEFORE.search(before) or _CONCEPT_AFTER.match(
            text[match.end() : match.end() + 40]
        ):
            return None
        return start, match.end()


def _last_end(boundary: re.Pattern[str], text: str, start: int, end: int) -> int:
    """Where the last ``boundary`` in ``text[start:end]`` ends (``start`` when none)."""
    last = start
    for found in boundary.finditer(text, start, end):
        last = found.end()
    return last


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
)
_QUOTED = re.compile(r"\"[^\"\n]*\"|\u201c[^\u201d\n]*\u201d")
# A short quote that is not speech or a message is a scare quote: it stays prose.
_SCARE = re.compile(r"[\"\u201c]\s*[A-Za-z][\w'\u2019-]*(?:\s+[\w'\u2019-]+){0,2}\s*[\"\u201d]")
_SPEECH = re.compile(
    r"\b(?:said|says|say|saying|read|reads|wrote|writes|replied|asked|answered|message|"
    r"banner|log|logged|printed|prints|titled|error|output|shows|showed)\s*:?\s*$",
    re.IGNORECASE,
)


def prose(body: str) -> str:
    """``body`` with everything that is not prose blanked out; offsets and lines kept."""
    text = body
    for mask in _MASKS:
        text = mask.sub(_blank, text)

    def quoted(match: re.Match[str]) -> str:
        before = text[max(0, match.start() - 30) : match.start()]
        if _SCARE.fullmatch(match.group()) and not _SPEECH.search(before):
            return match.group()
        return _blank(match)

    return _QUOTED.sub(quoted, text)


def _blank(match: re.Match[str]) -> str:
    """The match as spaces, its line breaks kept (so offsets and lines stay)."""
    return "\n".join(" " * len(line) for line in match.group().split("\n"))
