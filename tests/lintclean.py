"""Whether what pm wrote is lint-clean, apart from the rule that reads the clock.

``lifecycle.stale`` judges an active incident by how long ago it started, and the tests'
clock (``PM_NOW``) is days after the incidents they open: it says nothing about the
file pm wrote. Every other finding of ``pm lint --strict`` does.
"""

from __future__ import annotations

import json

CLOCK_RULES = {"lifecycle.stale"}
LINT_ARGS = ("lint", "--strict", "--format", "json")


def findings(stdout: str) -> list[str]:
    """The findings of ``pm lint --strict --format json`` that are about the file."""
    report = json.loads(stdout)
    return [
        f"{f['path']}:{f['line']}: {f['rule']}: {f['message']}"
        for f in report["findings"]
        if f["rule"] not in CLOCK_RULES
    ]
