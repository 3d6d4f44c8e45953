"""The system's time zone by name: the zone pm uses when the config names none.

Python's ``datetime.now().astimezone()`` knows only today's offset, which is an hour off
for half the year in a zone with daylight saving; pm needs the zone's name. In order:
``TZ`` (a name, ``:Name``, or a path into a zoneinfo folder), the target of the
``/etc/localtime`` link (Linux, macOS), the name in ``/etc/timezone`` (Debian). When none
names a zone pm can load, it is UTC, and ``problem`` says why, for the note pm prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pm.records import NamedTuple
from pm.timeparse import UTC_NAMES

LOCALTIME = Path("/etc/localtime")
TIMEZONE_FILE = Path("/etc/timezone")


class SystemZone(NamedTuple):
    """A zone name and where it was found (``TZ``, ``/etc/localtime``, ``/etc/timezone``);
    ``UTC`` with ``source`` empty and ``problem`` saying why when none was found."""

    name: str
    source: str
    problem: str = ""


def detect(
    environ: Mapping[str, str] | None = None,
    localtime: Path = LOCALTIME,
    timezone_file: Path = TIMEZONE_FILE,
) -> SystemZone:
    """The system's zone, by name (see the module's docstring for the order)."""
    env = os.environ if environ is None else environ
    if "TZ" in env:
        value = env["TZ"].strip()
        if not value:  # an empty TZ is UTC, as the C library reads it
            return SystemZone("UTC", "TZ")
        name = _from_path(value.removeprefix(":"))
        if name is not None and _loads(name):
            return SystemZone(name, "TZ")
        return SystemZone("UTC", "", f"TZ={value!r} is not a zone name like America/Los_Angeles")
    try:
        target = os.readlink(localtime)
    except OSError:
        target = None
    if target is not None:
        name = _from_path(target)
        if name is not None and _loads(name):
            return SystemZone(name, str(localtime))
    try:
        named = timezone_file.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError):
        named = []
    if named and _loads(named[0].strip()):
        return SystemZone(named[0].strip(), str(timezone_file))
    return SystemZone("UTC", "", f"neither TZ, {localtime} nor {timezone_file} names a zone")


def _from_path(value: str) -> str | None:
    """``Europe/Berlin`` from itself or from ``/usr/share/zoneinfo/Europe/Berlin``."""
    if "zoneinfo/" in value:
        value = value.rsplit("zoneinfo/", 1)[1]
        for prefix in ("posix/", "right/"):
            value = value.removeprefix(prefix)
    elif value.startswith(("/", ".")):
        return None
    return value or None


def _loads(name: str) -> bool:
    """Whether ``name`` is a zone Python's zone database can load."""
    if name in UTC_NAMES:
        return True
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
