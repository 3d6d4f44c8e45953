"""Error budgets: ``[slo.SERVICE]`` in the config, what incidents consumed (overlaps merged,
active incidents to now, ``impact_minutes`` first), in every report format and in
``pm overdue``; ``pm set ID impact_minutes N``; config and front-matter errors."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import factories
from conftest import CliRunnerCall, Repo
from factories import Event, at, day
from pm import slo
from pm.config import parse_config
from pm.errors import ConfigError
from pm.model import Postmortem, SchemaError, from_mapping, to_mapping

SLO = '[slo.payments-api]\ntarget = 99.9\nwindow = "30d"\n'  # 43.2 minutes allowed


def incident(
    postmortem_id: str,
    started: str,
    *,
    mitigated: str | None = None,
    resolved: str | None = None,
    services: tuple[str, ...] = ("payments-api",),
    minutes: float | None = None,
) -> Postmortem:
    item = factories.postmortem(
        postmortem_id,
        started=started,
        resolved=resolved,
        status="active" if resolved is None else "resolved",
        review_due="2030-01-01",
    )
    if mitigated is not None:
        item.add_event(Event(at(mitigated), "mitigated", "Mitigated"))
    item.services = list(services)
    if minutes is not None:
        item.extra["impact_minutes"] = minutes
    return item


def payments(target: float = 99.9, window: str = "30d") -> slo.Slo:
    config = parse_config(
        Path("."), {"slo": {"payments-api": {"target": target, "window": window}}}, Path("x")
    )
    return config.slos[0]


# --- the arithmetic ---------------------------------------------------------------------


def test_allowed_minutes_follow_target_and_window() -> None:
    assert payments().allowed_minutes == pytest.approx(43.2)
    assert payments(99.0, "4w").allowed_minutes == pytest.approx(403.2)
    assert payments(99.5, "12h").span == timedelta(hours=12)


def test_impact_is_started_to_mitigated_else_resolved_else_now() -> None:
    now = at("2024-01-20T12:00")
    both = incident("2024-01-10-a", "2024-01-10T10:00", mitigated="2024-01-10T10:20",
                    resolved="2024-01-10T11:00")  # fmt: skip
    assert slo.impact(both, now) == (at("2024-01-10T10:00"), at("2024-01-10T10:20"))
    resolved = incident("2024-01-10-b", "2024-01-10T10:00", resolved="2024-01-10T11:00")
    assert slo.impact(resolved, now) == (at("2024-01-10T10:00"), at("2024-01-10T11:00"))
    active = incident("2024-01-20-c", "2024-01-20T11:00")
    assert slo.impact(active, now) == (at("2024-01-20T11:00"), now)
    explicit = incident("2024-01-10-d", "2024-01-10T10:00", resolved="2024-01-10T11:00",
                        minutes=5)  # fmt: skip
    assert slo.impact(explicit, now) == (at("2024-01-10T10:00"), at("2024-01-10T10:05"))


def test_overlapping_incidents_count_once() -> None:
    first = incident("2024-01-10-a", "2024-01-10T10:00", resolved="2024-01-10T10:30")
    second = incident("2024-01-10-b", "2024-01-10T10:20", resolved="2024-01-10T10:40")
    inside = incident("2024-01-10-c", "2024-01-10T10:05", resolved="2024-01-10T10:10")
    apart = incident("2024-01-11-d", "2024-01-11T09:00", resolved="2024-01-11T09:03")
    data = slo.budget(payments(), [first, second, inside, apart], day("2024-01-19"),
                      at("2024-01-20T12:00"))  # fmt: skip
    assert data["consumed_minutes"] == 43.0  # 10:00-10:40 and 3 minutes, not 30+20+5+3
    assert [i["minutes"] for i in data["incidents"]] == [30.0, 20.0, 5.0, 3.0]
    assert data["remaining_minutes"] == 0.2 and not data["exhausted"]
    hours = [(at(f"2024-01-01T{a:02d}:00"), at(f"2024-01-01T{b:02d}:00")) for a, b in
             [(1, 3), (2, 5), (5, 6), (8, 9)]]  # fmt: skip
    assert slo.merged(hours) == [hours[0][:1] + hours[2][1:], hours[3]]


def test_an_active_incident_counts_up_to_now_and_can_exhaust() -> None:
    active = incident("2024-01-20-a", "2024-01-20T11:00")
    data = slo.budget(payments(), [active], day("2024-01-20"), at("2024-01-20T12:00"))
    assert data["as_of"] == at("2024-01-20T12:00")
    assert data["consumed_minutes"] == 60.0
    assert data["remaining_minutes"] == -16.8 and data["exhausted"]
    assert data["remaining"] == "16m over"


def test_only_the_window_and_the_service_count() -> None:
    before = incident("2023-12-20-a", "2023-12-20T23:50", resolved="2023-12-21T00:30")
    other = incident("2024-01-10-b", "2024-01-10T10:00", resolved="2024-01-10T11:00",
                     services=("auth",))  # fmt: skip
    later = incident("2024-01-25-c", "2024-01-25T10:00", resolved="2024-01-25T11:00")
    # The window of 30 days ending with 2024-01-19 starts at 2023-12-21 00:00 UTC.
    data = slo.budget(payments(), [before, other, later], day("2024-01-19"),
                      at("2024-02-01T00:00"))  # fmt: skip
    assert data["since"] == at("2023-12-21T00:00") and data["until"] == at("2024-01-20T00:00")
    assert data["consumed_minutes"] == 30.0
    assert [i["id"] for i in data["incidents"]] == ["2023-12-20-a"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"target": 100}, "slo.payments-api.target must be a percentage above 0 and below 100"),
        ({"target": 0}, "not 0"),
        ({"target": "99.9"}, "not '99.9'"),
        ({"target": 99.9, "window": "30 days"}, "slo.payments-api.window must be a duration"),
        ({"target": 99.9, "window": "0d"}, "not '0d'"),
        ({"target": 99.9, "windw": "30d"}, "unknown key slo.payments-api.windw (did you mean"),
        ({"window": "30d"}, "slo.payments-api.target is missing"),
    ],
)
def test_config_errors_name_key_and_value(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match="^x: .*" + message.replace("(", r"\(")):
        parse_config(Path("."), {"slo": {"payments-api": table}}, Path("x"))


def test_a_bad_slo_is_a_one_line_error(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / ".pm.toml").write_text("[slo.payments-api]\ntarget = 101\n", encoding="utf-8")
    result = cli("report")
    assert result.exit_code == 3
    assert result.stderr == (
        "pm: .pm.toml: slo.payments-api.target must be a percentage above 0 and "
        "below 100, not 101\n"
    )


def test_impact_minutes_is_validated_on_read() -> None:
    data = to_mapping(incident("2024-01-10-a", "2024-01-10T10:00", resolved="2024-01-10T11:00"))
    assert from_mapping({**data, "impact_minutes": 12.5}).impact_minutes == 12.5
    for bad in ("ten", -1, True, [5]):
        with pytest.raises(SchemaError, match="impact_minutes: must be a number of minutes"):
            from_mapping({**data, "impact_minutes": bad})


# --- the commands -------------------------------------------------------------------------


@pytest.fixture
def budgeted(repo: Repo, cli: CliRunnerCall) -> Repo:
    """Two overlapping payments-api incidents (40 minutes together) and one elsewhere."""
    (repo.path / ".pm.toml").write_text(SLO, encoding="utf-8")
    for item in (
        incident("2024-01-10-pool", "2024-01-10T10:00", mitigated="2024-01-10T10:30",
                 resolved="2024-01-10T12:00"),
        incident("2024-01-10-cache", "2024-01-10T10:10", resolved="2024-01-10T10:40"),
        incident("2024-01-12-auth", "2024-01-12T10:00", resolved="2024-01-12T13:00",
                 services=("auth",)),
    ):  # fmt: skip
        factories.write(repo.path, item)
    factories.commit(repo.path)
    return repo


def test_report_json_has_the_budget(budgeted: Repo, cli: CliRunnerCall) -> None:
    data = json.loads(cli.ok("report", "--since", "2024-01-01", "--json").stdout)
    [budget] = data["budgets"]
    assert budget["service"] == "payments-api" and budget["window"] == "30d"
    assert budget["as_of"] == "2024-01-20T12:00:00Z"  # PM_NOW, before the day ends
    assert budget["allowed_minutes"] == 43.2 and budget["consumed_minutes"] == 40.0
    assert budget["remaining_minutes"] == 3.2 and budget["consumed_percent"] == 92.6
    assert [i["id"] for i in budget["incidents"]] == ["2024-01-10-cache", "2024-01-10-pool"]
    other = json.loads(cli.ok("report", "--service", "auth", "--json").stdout)
    assert other["budgets"] == []


def test_report_text_md_and_html_show_the_budget(
    budgeted: Repo, cli: CliRunnerCall, tmp_path: Path
) -> None:
    text = cli.ok("report", "--since", "2024-01-01").stdout
    assert (
        "Error budgets, counted to 2024-01-20 12:00 UTC\n"
        "  payments-api: 99.9% over 30d (2023-12-22 to 2024-01-20)\n"
        "    allowed 43m, consumed 40m, remaining 3m\n"
        "    [###################.] 92.6% used\n"
        "    2024-01-10-cache  30m\n"
        "    2024-01-10-pool  30m\n"
    ) in text
    markdown = cli.ok("report", "--since", "2024-01-01", "-f", "md").stdout
    assert "## Error Budgets" in markdown
    assert "| payments-api | 99.9% | 30d from 2023-12-22 | 43m | 40m | 3m | 92.6% |" in markdown
    assert 'title "Error budget used, percent of allowed"' in markdown
    cli.ok("report", "--since", "2024-01-01", "-f", "html", "-o", str(tmp_path / "r.html"))
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<h2>Error budgets</h2>" in html and "Error budget used" in html


def test_no_slo_no_budget_section(repo: Repo, cli: CliRunnerCall) -> None:
    factories.write(repo.path, incident("2024-01-10-pool", "2024-01-10T10:00",
                                        resolved="2024-01-10T11:00"))  # fmt: skip
    assert "Error budget" not in cli.ok("report").stdout
    assert "Error Budget" not in cli.ok("report", "-f", "md").stdout


def test_set_impact_minutes_wins_and_exhausts(budgeted: Repo, cli: CliRunnerCall) -> None:
    result = cli.ok("set", "2024-01-10-cache", "impact_minutes", "45")
    assert 'Set impact_minutes of 2024-01-10-cache: "" -> 45' in result.stderr
    assert budgeted.subjects()[0] == 'pm: set 2024-01-10-cache (impact_minutes: "" -> 45)'
    assert "impact_minutes: 45\n" in budgeted.read("postmortems/2024/2024-01-10-cache.md")
    [budget] = json.loads(cli.ok("report", "--json").stdout)["budgets"]
    assert budget["consumed_minutes"] == 55.0 and budget["exhausted"]  # 10:00 to 10:55
    cli.ok("set", "2024-01-10-cache", "impact_minutes", "")
    assert "impact_minutes" not in budgeted.read("postmortems/2024/2024-01-10-cache.md")


@pytest.mark.parametrize("value", ["-5", "ten", "1e12"])
def test_set_impact_minutes_refuses_a_bad_value(
    budgeted: Repo, cli: CliRunnerCall, value: str
) -> None:
    result = cli("set", "2024-01-10-cache", "impact_minutes", "--", value)
    assert result.exit_code == 2
    assert result.stderr == (
        f"pm: impact_minutes must be a number of minutes, 0 or more, not {value!r}\n"
    )


def test_lint_names_a_bad_impact_minutes(budgeted: Repo, cli: CliRunnerCall) -> None:
    path = budgeted.path / "postmortems/2024/2024-01-10-cache.md"
    text = path.read_text(encoding="utf-8").replace("actions:", "impact_minutes: soon\nactions:", 1)
    path.write_text(text, encoding="utf-8")
    result = cli("lint", "--json")
    assert "impact_minutes must be a number of minutes" in result.stdout


def test_overdue_warns_of_an_exhausted_budget(budgeted: Repo, cli: CliRunnerCall) -> None:
    # The reviews (due 2030) are not scheduled: review-unscheduled findings, not budgets.
    assert '"budget"' not in cli("overdue", "--json").stdout  # 40 of 43.2 minutes: not yet
    cli.ok("set", "2024-01-10-cache", "impact_minutes", "45")
    result = cli("overdue")
    assert result.exit_code == 1
    assert "budget" in result.stdout and "exhausted" in result.stdout
    findings = json.loads(cli("overdue", "--json").stdout)["findings"]
    [finding] = [f for f in findings if f["kind"] == "budget"]
    assert finding["kind"] == "budget" and finding["escalated"] is False
    assert finding["path"] == ".pm.toml" and finding["line"] == 1
    assert finding["due"] == "2024-01-10" and finding["id"] == "2024-01-10-pool"
    assert "payments-api (99.9% over 30d) is exhausted: 55m of impact" in finding["message"]
    github = cli("overdue", "-f", "github").stdout
    assert "::warning file=.pm.toml,line=1,title=Error budget exhausted::" in github
    assert "| - | budget | 2024-01-10-pool |" in cli("overdue", "-f", "md").stdout
    assert "exhausted" in json.dumps(json.loads(cli("overdue", "-f", "slack").stdout))
    # Never escalated: --fail-on escalated passes; a severity filter leaves budgets out.
    assert cli("overdue", "--fail-on", "escalated").exit_code == 0
    assert '"budget"' not in cli("overdue", "--severity", "SEV-1", "--json").stdout


def test_the_readme_budget_sample_is_true(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's error budget of the example repository is what pm prints."""
    import re
    import shutil

    root = Path(__file__).resolve().parents[1]
    section = (root / "README.md").read_text(encoding="utf-8").split("### Error budgets\n")[1]
    block = re.search(r"```console\n\$ (pm [^\n|]*)\| head -(\d+)\n(.*?)```", section, re.S)
    assert block is not None
    target = tmp_path / "example"
    shutil.copytree(root / "examples" / "repo", target)
    subprocess.run(["git", "init", "--quiet"], cwd=target, check=True)
    monkeypatch.chdir(target)
    monkeypatch.setenv("PM_NOW", "2024-09-30T12:00:00Z")
    printed = CliRunnerCall().ok(*block.group(1).split()[1:]).stdout.splitlines(keepends=True)
    assert "".join(printed[: int(block.group(2))]) == block.group(3)
