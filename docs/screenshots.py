"""Take the README's screenshots of the site: the example repository, in headless Chromium.

    .venv/bin/python docs/screenshots.py      # writes docs/site-*.png

The example (examples/repo) is copied into a scratch git repository, given a title and a
repository URL, built with ``pm site`` as of 2024-09-30, and three pages are captured
through the DevTools protocol (tests/cdp.py): the index after typing a search, a
postmortem, and a quarter's report.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

import cdp  # noqa: E402 - after the path is set

PM = str(Path(sys.executable).parent / "pm")
SETTINGS = (
    '[site]\ntitle = "Acme postmortems"\nrepository_url = "https://github.com/acme/ops"\n'
    'ticket_url = "https://tracker.example.com/browse/{ticket}"\n'
)


def shoot(tab: cdp.Tab, target: Path, height: int) -> None:
    tab.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1200, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    tab.call("Emulation.setScrollbarsHidden", {"hidden": True})
    tab.browser.pump(0.3)
    data = tab.call("Page.captureScreenshot", {"format": "png"})["data"]
    target.write_bytes(base64.b64decode(data))
    print(f"wrote {target.relative_to(ROOT)}")


def main() -> int:
    env = {**os.environ, "PM_NOW": "2024-09-30T12:00:00Z", "GIT_AUTHOR_NAME": "Dana Ops",
           "GIT_AUTHOR_EMAIL": "dana@example.com", "GIT_COMMITTER_NAME": "Dana Ops",
           "GIT_COMMITTER_EMAIL": "dana@example.com", "GIT_AUTHOR_DATE": "2024-09-12T10:00:00Z",
           "GIT_COMMITTER_DATE": "2024-09-12T10:00:00Z"}  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        repo = Path(scratch) / "ops"
        shutil.copytree(ROOT / "examples" / "repo", repo)
        (repo / ".pm.toml").write_text(SETTINGS, encoding="utf-8")
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "Postmortems"]):
            subprocess.run(["git", *args], cwd=repo, env=env, check=True)
        subprocess.run([PM, "site"], cwd=repo, env=env, check=True)
        site = repo / "_site"
        with cdp.browser(Path(scratch) / "profile", width=1200, height=800) as browser:
            tab = browser.open((site / "index.html").as_uri())
            tab.click("#pm-q")
            tab.type("lock")
            tab.wait_for("document.getElementById('pm-count').textContent.includes(' of ')")
            shoot(tab, HERE / "site-index.png", 640)
            page = "postmortems/2024-08-05-checkout-outage-reconciliation-query-locks.html"
            tab.goto((site / page).as_uri())
            shoot(tab, HERE / "site-postmortem.png", 1500)
            tab.goto((site / "reports" / "2024-Q3.html").as_uri())
            shoot(tab, HERE / "site-report.png", 1000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
