"""``pm lint``: schema, lifecycle, generated-block and blameless-language rules."""

from pm.lint.rules import RULES, Finding, Rule
from pm.lint.runner import Result, lint

__all__ = ["RULES", "Finding", "Result", "Rule", "lint"]
