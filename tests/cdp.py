"""A small driver for headless Chromium over the Chrome DevTools Protocol, for tests.

Chromium is started with ``--remote-debugging-pipe``: it reads protocol commands from its
file descriptor 3 and writes answers and events to descriptor 4, each message a JSON text
ended by a NUL byte. No websocket, no npm package: the standard library is enough.

A ``Tab`` records what a page does while it lives: console messages, uncaught exceptions,
browser log entries (Content-Security-Policy refusals land there) and every network
request, so a test can assert that a page fetched nothing but its own files. Input is
sent as a person sends it (mouse clicks at an element's position, typed text, key
presses), so tests drive the page rather than call its script.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BASH = shutil.which("bash") or "/bin/bash"


class BrowserError(Exception):
    pass


class Browser:
    def __init__(self, profile: Path, width: int = 1280, height: int = 900) -> None:
        assert CHROMIUM is not None
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        args = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--disable-default-apps", "--disable-quic",
            "--remote-debugging-pipe", f"--user-data-dir={profile}",
            f"--window-size={width},{height}", "about:blank",
        ]  # fmt: skip
        # bash puts the two pipe ends at descriptors 3 and 4 before Chromium starts (dash
        # cannot: it reads only one-digit descriptors in a redirection).
        redirect = f'exec "$0" "$@" 3<&{to_browser_read} 4>&{from_browser_write}'
        self.process = subprocess.Popen(
            [BASH, "-c", redirect, CHROMIUM, *args],
            pass_fds=(to_browser_read, from_browser_write),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        self.width, self.height = width, height

    def close(self) -> None:
        with suppress(BrowserError, OSError):
            self.send("Browser.close", timeout=10)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            with suppress(OSError):
                os.close(fd)

    # --- the protocol -------------------------------------------------------------------

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 60,
    ) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer is None:
                raise BrowserError(f"{method}: no answer within {timeout}s")
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            if "method" in answer:
                self.events.append(answer)

    def pump(self, seconds: float) -> None:
        """Read events for a while (what a page does after an action)."""
        deadline = time.monotonic() + seconds
        while (message := self._read(deadline)) is not None:
            if "method" in message:
                self.events.append(message)

    def _read(self, deadline: float) -> dict[str, Any] | None:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed the pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        loaded: dict[str, Any] = json.loads(message)
        return loaded

    def open(self, url: str, timeout: float = 60) -> Tab:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        tab = Tab(self, session)
        for domain in ("Page", "Runtime", "Log", "Network"):
            tab.call(f"{domain}.enable")
        tab.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        tab.goto(url, timeout)
        return tab


class Tab:
    """One page in the browser, and what it did."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session
        self._seen = len(browser.events)

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, self.session)

    def events(self, method: str) -> list[dict[str, Any]]:
        return [
            e["params"]
            for e in self.browser.events[self._seen :]
            if e.get("sessionId") == self.session and e["method"] == method
        ]

    def goto(self, url: str, timeout: float = 60) -> None:
        self._seen = len(self.browser.events)
        self.call("Page.navigate", {"url": url})
        deadline = time.monotonic() + timeout
        while not self.events("Page.loadEventFired"):
            if time.monotonic() > deadline:
                raise BrowserError(f"{url} did not load within {timeout}s")
            self.browser.pump(0.05)
        self.browser.pump(0.2)  # late console messages and requests

    # --- what the page did --------------------------------------------------------------

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and browser log entries."""
        found = [
            f"console.{e['type']}: "
            + " ".join(str(a.get("value", a.get("description"))) for a in e["args"])
            for e in self.events("Runtime.consoleAPICalled")
            if e["type"] in ("error", "warning", "assert")
        ]
        for e in self.events("Runtime.exceptionThrown"):
            details = e["exceptionDetails"]
            thrown = details.get("exception", {}).get("description", "")
            found.append(f"exception: {details.get('text')} {thrown}")
        found += [
            f"log.{e['entry']['level']} ({e['entry']['source']}): {e['entry']['text']}"
            for e in self.events("Log.entryAdded")
        ]
        return found

    def requests(self) -> list[str]:
        return [e["request"]["url"] for e in self.events("Network.requestWillBeSent")]

    # --- reading and driving the page ---------------------------------------------------

    def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": await_promise},
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"waited {timeout}s for {expression}")
            self.browser.pump(0.05)

    def click(self, selector: str) -> None:
        """A left click in the middle of the element, as a mouse makes it."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )
        self.browser.pump(0.05)

    def type(self, text: str) -> None:
        """Type into the focused element, one key at a time."""
        for char in text:
            self.call("Input.dispatchKeyEvent", {"type": "keyDown", "text": char, "key": char})
            self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": char})
        self.browser.pump(0.05)

    def press(self, key: str, code: int) -> None:
        """A key without text (``ArrowDown``, 40; ``Backspace``, 8; ``Tab``, 9...)."""
        params = {"key": key, "code": key, "windowsVirtualKeyCode": code}
        self.call("Input.dispatchKeyEvent", {"type": "rawKeyDown", **params})
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", **params})
        self.browser.pump(0.05)

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self._target()})

    def _target(self) -> str:
        info = self.browser.send("Target.getTargets")["targetInfos"]
        attached = [str(t["targetId"]) for t in info if t.get("attached") and t["type"] == "page"]
        return attached[-1]


@contextmanager
def browser(profile: Path, width: int = 1280, height: int = 900) -> Iterator[Browser]:
    opened = Browser(profile, width, height)
    try:
        yield opened
    finally:
        opened.close()
