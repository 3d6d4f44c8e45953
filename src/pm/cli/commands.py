"""Import every command module so its commands register on ``app``; tests import app here.

The import order is the order of ``pm --help``: the incident as it happens, then the
follow-through, then reports and the CI checks.
"""
# ruff: noqa: I001, F401

from pm.cli import incident
from pm.cli import lifecycle_cmds
from pm.cli import report
from pm.cli import site
from pm.cli import ci
from pm.cli.app import app

__all__ = ["app"]
