"""``--format pdf``: an HTML report printed to PDF by a headless Chromium, when one is here.

pm ships no browser: it looks for ``chromium``, ``chromium-browser``, ``google-chrome`` or
``google-chrome-stable`` on PATH (or the program ``PM_CHROMIUM`` names) and asks it to
print the self-contained HTML report. The page fetches nothing (its Content-Security-Policy
forbids it), the browser runs with a throw-away profile, and without one installed the
error says so (exit 2).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pm.errors import DataError, UsageError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_SECONDS = 120


def find_browser() -> str | None:
    named = os.environ.get("PM_CHROMIUM")
    if named:
        return shutil.which(named)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: str) -> bytes:
    """The PDF of one HTML page; UsageError without a browser, DataError if printing fails."""
    browser = find_browser()
    if browser is None:
        raise UsageError(
            "--format pdf needs Chromium or Chrome (chromium, chromium-browser, google-chrome) "
            "on PATH, or PM_CHROMIUM naming one; --format html writes the same report"
        )
    with tempfile.TemporaryDirectory(prefix="pm-pdf-") as scratch:
        folder = Path(scratch)
        page, target = folder / "report.html", folder / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={folder / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root otherwise
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise DataError(f"{browser} could not print the PDF: {error}") from None
        data = target.read_bytes() if target.is_file() else b""
        if not data.startswith(b"%PDF"):
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            why = lines[-1] if lines else f"exit {result.returncode}"
            raise DataError(f"{browser} could not print the PDF: {why}")
        return data
