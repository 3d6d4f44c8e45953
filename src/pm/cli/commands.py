"""Import every command module so its commands register on ``app``; tests import app here."""

from pm.cli import ci, incident, lifecycle_cmds, report  # noqa: F401
from pm.cli.app import app

__all__ = ["app"]
