"""Every lint rule, by id: what it checks, how serious it is, and whether --fix repairs it.

Ids are stable and readable (``schema.unknown-key``) so people can look a rule up and,
where they must, turn it off in config: ``[lint] disable = ["schema.unknown-key"]``;
a prefix (``blameless``) turns off a whole family.
"""

from __future__ import annotations

from pm.errors import ConfigError
from pm.lint.blameless import PATTERNS
from pm.records import datarecord


@datarecord(frozen=True)
class Finding:
    """One problem: where, which rule, how serious, what is wrong and what to do."""

    path: str
    line: int
    rule: str
    severity: str
    message: str
    suggestion: str = ""


@datarecord(frozen=True)
class Rule:
    id: str
    severity: str  # "error" or "warning"
    summary: str
    fixable: bool = False


_RULES = (
    Rule("file.unreadable", "error", "the file cannot be parsed (YAML, encoding, fences)"),
    Rule("file.unmerged", "error", "git stopped merging the file (a merge or rebase)"),
    Rule("layout.unseen-file", "warning", "a .md pm does not read: notes, or outside a year"),
    Rule("schema.required", "error", "a required key is missing"),
    Rule("schema.unknown-key", "warning", "a key pm does not know (a typo?)"),
    Rule("schema.duplicate-key", "error", "a key given twice (pm refuses to read the file)"),
    Rule("schema.type", "error", "a value has the wrong type"),
    Rule("schema.value", "error", "severity, status, kind or priority not in the config"),
    Rule("schema.date", "error", "a time or date is not ISO 8601"),
    Rule("schema.action-number", "error", "action numbers must be unique"),
    Rule("schema.id-filename", "error", "the id must match the file name and year folder"),
    Rule("schema.id-case-collision", "error", "two ids differ only by case (one file on macOS)"),
    Rule("timeline.order", "error", "the timeline must be sorted by time", True),
    Rule("timeline.before-start", "error", "an event before the started event"),
    Rule("timeline.resolved", "error", "resolved/reviewed/closed needs a resolved event"),
    Rule("lifecycle.section", "error", "a reviewed (or closed, unforced) one has its prose"),
    Rule("lifecycle.review-held", "error", "a reviewed (or closed, unforced) one has its review"),
    Rule("lifecycle.action-owner", "error", "an action item needs an owner"),
    Rule("lifecycle.closed-open-items", "error", "closed with open items, not forced"),
    Rule("lifecycle.forced-reason", "error", "a forced close needs a reason"),
    Rule("lifecycle.stale", "warning", "active longer than its severity's stale_hours"),
    Rule("blocks.out-of-sync", "error", "a generated table differs from the front matter", True),
    *(Rule(p.id, "warning", p.summary) for p in PATTERNS),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def check_disabled(disabled: tuple[str, ...]) -> tuple[str, ...]:
    """The configured ``[lint] disable`` list, refusing ids that name no rule."""
    for entry in disabled:
        if not any(r == entry or r.startswith(entry + ".") for r in RULES):
            raise ConfigError(f"[lint] disable names unknown rule {entry!r} (see pm lint --rules)")
    return disabled


def is_disabled(rule_id: str, disabled: tuple[str, ...]) -> bool:
    return any(rule_id == entry or rule_id.startswith(entry + ".") for entry in disabled)
