"""Other front-matter readers see the same data pm wrote: ruamel.yaml, safe and round-trip.

Static-site generators and scripts read postmortems with their own YAML library, often a
YAML 1.2 one. pm writes for YAML 1.1 (PyYAML) and quotes whatever 1.2 would read
differently; here ruamel.yaml (YAML 1.2, both its safe and round-trip loaders) must read
every file pm writes to the same JSON-normalised data as pm's own reader.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from conftest import CliRunnerCall, Repo
from pm import frontmatter
from pm.model import Postmortem, to_mapping
from test_roundtrip import LIGHT, postmortems

pytestmark = pytest.mark.slow  # other readers (ruamel, Node's gray-matter), property-based


def normalise(value: Any) -> Any:
    """JSON-comparable data: times as UTC ISO strings (naive read as UTC), dates as ISO."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def ruamel_load(text: str, typ: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ=typ, pure=True).load(io.StringIO(text))


def front_text(raw: bytes) -> str:
    text = raw.decode("utf-8").removeprefix(frontmatter.BOM).replace("\r\n", "\n")
    return text.split("\n---\n", 1)[0].removeprefix("---\n")


def assert_same_everywhere(raw: bytes) -> None:
    yaml_text = front_text(raw)
    ours = json.dumps(normalise(frontmatter.parse(raw, "x.md").front), sort_keys=True)
    for typ in ("safe", "rt"):
        theirs = json.dumps(normalise(ruamel_load(yaml_text, typ)), sort_keys=True)
        assert theirs == ours, f"ruamel typ={typ} reads different data"


@LIGHT
@given(postmortems())
def test_generated_postmortems_read_the_same_in_ruamel(postmortem: Postmortem) -> None:
    # Naive times in other tools' keys mean "no zone" to everyone; normalise() reads both
    # sides' naive times as UTC, so only a real difference in value fails.
    raw = frontmatter.render(frontmatter.Document(front=to_mapping(postmortem), body="body\n"))
    assert_same_everywhere(raw)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_files_from_the_cli_read_the_same_in_ruamel(
    repo: Repo, cli: CliRunnerCall, opened: str, newline: str
) -> None:
    path = repo.postmortem_path(opened)
    if newline == "\r\n":
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
        repo.git("commit", "--quiet", "-am", "crlf")
    for text in ("no", "14:05", "0755", "null", "~", "*a", ": x", "# y", "2024-01-01", "on"):
        cli.ok("event", opened, text, "--at", "2024-01-15T15:00")
    cli.ok("resolve", opened, "yes", "--at", "2024-01-15T16:00")
    assert_same_everywhere(path.read_bytes())
    data = ruamel_load(front_text(path.read_bytes()), "safe")
    assert [e["text"] for e in data["timeline"]][1:7] == ["no", "14:05", "0755", "null", "~", "*a"]
    assert data["review"]["due"] == date(2024, 1, 17)


# --- gray-matter (Node), what static-site generators use ---------------------------------

GRAY_MATTER = Path(__file__).resolve().parents[1] / ".cache" / "node"
READ_ALL = """
const matter = require('gray-matter');
const fs = require('fs');
const out = {};
for (const file of process.argv.slice(2)) {
  const data = matter(fs.readFileSync(file, 'utf8')).data;
  out[file] = JSON.parse(JSON.stringify(data, (k, v) => v));
}
process.stdout.write(JSON.stringify(out));
"""


def js_normalise(value: Any) -> Any:
    """What JSON.stringify makes of js-yaml's values: times and dates as JS Date ISO."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00.000Z"
    if isinstance(value, dict):
        return {str(k): js_normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [js_normalise(v) for v in value]
    return value


@pytest.mark.skipif(
    not (GRAY_MATTER / "node_modules" / "gray-matter").is_dir() or not shutil.which("node"),
    reason="no gray-matter in .cache/node (see .ci/run) or no node",
)
def test_gray_matter_reads_what_pm_writes(tmp_path: Path) -> None:
    """The example repository and every hostile string, written by pm, read by gray-matter."""
    from hostile import HOSTILE
    from pm.model import ActionItem, Event

    files = sorted((Path(__file__).resolve().parents[1] / "examples" / "repo").rglob("*.md"))
    base = datetime(2024, 1, 15, 14, 5, tzinfo=UTC)
    for n, (_name, text) in enumerate(HOSTILE):
        if len(text) > 10_000:  # pm refuses text this long (and files over 2 MiB)
            continue
        postmortem = Postmortem(
            id=f"2024-01-15-hostile-{n}",
            title=text,
            severity="SEV-2",
            impact=text,
            services=[text[:60]],
            timeline=[Event(at=base, kind="started", text=text)],
            actions=[ActionItem(1, text, text[:60], "P1", date(2024, 2, 1), reason=text)],
            extra={"custom": text},
        )
        path = tmp_path / f"hostile-{n}.md"
        path.write_bytes(
            frontmatter.render(frontmatter.Document(front=to_mapping(postmortem), body="b\n"))
        )
        files.append(path)
    script = tmp_path / "read.js"
    script.write_text(READ_ALL, encoding="utf-8")
    result = subprocess.run(
        ["node", str(script), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NODE_PATH": str(GRAY_MATTER / "node_modules")},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    theirs = json.loads(result.stdout)
    assert len(theirs) == len(files) > 50
    for path in files:
        ours = js_normalise(frontmatter.parse(path.read_bytes(), path.name).front)
        assert theirs[str(path)] == ours, f"gray-matter reads {path.name} differently"
