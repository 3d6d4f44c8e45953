"""The quickest proof the pieces fit: open an incident and read it back."""

from __future__ import annotations

import json

from conftest import CliRunnerCall, Repo


def test_open_then_show(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    assert opened == "2024-01-15-database-connection-pool-exhausted"
    shown = cli.ok("show", "database-connection", "--json")
    assert json.loads(shown.stdout)["severity"] == "SEV-1"
    assert repo.subjects()[0] == f"pm: open {opened} (SEV-1)"
    assert repo.files_in() == [f"postmortems/2024/{opened}.md"]
