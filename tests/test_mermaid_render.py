"""Render the reports' mermaid blocks with mermaid itself, in headless chromium.

Needs chromium and a local ``mermaid.min.js``: ``.ci/run`` unpacks ``npm pack mermaid@10``
into ``.cache/mermaid`` (or name another copy with ``MERMAID_JS``). Without them the test
is skipped and says why; ``test_report.py`` also checks the blocks' syntax statically.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import corpus
from conftest import CliRunnerCall, Repo
from pm.render.charts import mermaid_bars, mermaid_pie

ROOT = Path(__file__).resolve().parents[1]
MERMAID_JS = os.environ.get("MERMAID_JS") or str(
    ROOT / ".cache" / "mermaid" / "package" / "dist" / "mermaid.min.js"
)
CHROMIUM = shutil.which("chromium")

pytestmark = [
    pytest.mark.slow,  # a headless browser
    pytest.mark.skipif(
        not (MERMAID_JS and Path(MERMAID_JS).is_file() and CHROMIUM),
        reason="no mermaid.min.js in .cache/mermaid (see .ci/run) or no chromium",
    ),
]

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<script src="%s"></script><script>
const blocks = %s;
mermaid.initialize({startOnLoad: false});
(async () => {
  const results = [];
  for (let i = 0; i < blocks.length; i++) {
    try {
      const r = await mermaid.render("g" + i, blocks[i]);
      results.push((r.svg.match(/<(rect|path)/g) || []).length > 0 ? "OK" : "EMPTY");
    } catch (e) { results.push("FAIL " + e.message); }
  }
  console.log("RESULTS " + JSON.stringify(results));
})();
</script></body></html>"""


def test_mermaid_renders_every_block(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PM_NOW", "2025-01-15T12:00:00Z")
    corpus.write(repo.path, corpus.GROUPING)
    texts = [
        cli.ok("report", "--since", "2024-01-01", "--format", "md").stdout,
        cli.ok("report", "2024-06-25-slow", "--format", "md").stdout,
    ]
    blocks = [b for t in texts for b in re.findall(r"^```mermaid\n(.*?)^```$", t, re.M | re.S)]
    blocks.append(mermaid_pie("t", [('a"b:c\nclick x call alert()', 2.0), ("%%{init}%%", 1.0)]))
    blocks.append(mermaid_bars("t <b>", [('a"b:c', 2.0), ("x;y", 1.5)], "n"))
    page = tmp_path / "mermaid.html"
    page.write_text(PAGE % (Path(MERMAID_JS).as_uri(), json.dumps(blocks)), encoding="utf-8")
    result = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=30000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    found = re.search(r'RESULTS (\[.*?\])"', result.stderr)
    assert found, result.stderr[-2000:]
    assert json.loads(found.group(1)) == ["OK"] * len(blocks)
