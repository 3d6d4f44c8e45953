"""``pm lint``: schema, lifecycle, generated-block and blameless-language rules."""

from pm.lint.rules import RULES, Finding, Rule
from pm.lint.runner import LintResult, lint, validate

__all__ = ["RULES", "Finding", "LintResult", "Rule", "lint", "validate"]
