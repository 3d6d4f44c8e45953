"""The system's zone by name: TZ, the /etc/localtime link, /etc/timezone, else UTC with why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pm.localzone import SystemZone, detect


@pytest.fixture
def etc(tmp_path: Path) -> Path:
    folder = tmp_path / "etc"
    folder.mkdir()
    return folder


def _detect(etc: Path, environ: dict[str, str]) -> SystemZone:
    return detect(environ, etc / "localtime", etc / "timezone")


@pytest.mark.parametrize(
    ("tz", "name"),
    [
        ("America/Los_Angeles", "America/Los_Angeles"),
        (":Europe/Berlin", "Europe/Berlin"),
        ("/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo"),
        ("/usr/share/zoneinfo/posix/Europe/Paris", "Europe/Paris"),
        ("UTC", "UTC"),
        ("", "UTC"),  # an empty TZ is UTC, as the C library reads it
    ],
)
def test_tz_names_the_zone(etc: Path, tz: str, name: str) -> None:
    os.symlink("/usr/share/zoneinfo/Asia/Kolkata", etc / "localtime")  # TZ comes first
    assert _detect(etc, {"TZ": tz}) == SystemZone(name, "TZ")


@pytest.mark.parametrize("tz", ["EST5EDT,M3.2.0,M11.1.0", "Nowhere/Land", "/etc/somefile"])
def test_a_tz_pm_cannot_name_is_utc_with_a_reason(etc: Path, tz: str) -> None:
    os.symlink("/usr/share/zoneinfo/Asia/Kolkata", etc / "localtime")
    found = _detect(etc, {"TZ": tz})
    assert (found.name, found.source) == ("UTC", "")
    assert found.problem == f"TZ={tz!r} is not a zone name like America/Los_Angeles"


def test_the_localtime_link_names_the_zone(etc: Path) -> None:
    os.symlink("/usr/share/zoneinfo/America/Sao_Paulo", etc / "localtime")
    assert _detect(etc, {}) == SystemZone("America/Sao_Paulo", str(etc / "localtime"))
    (etc / "localtime").unlink()
    os.symlink("../usr/share/zoneinfo/Europe/Berlin", etc / "localtime")  # relative, as Arch
    assert _detect(etc, {}).name == "Europe/Berlin"


def test_etc_timezone_when_localtime_is_a_copy(etc: Path) -> None:
    (etc / "localtime").write_bytes(b"TZif2 copied, not linked")
    (etc / "timezone").write_text("Australia/Sydney\n", encoding="utf-8")
    assert _detect(etc, {}) == SystemZone("Australia/Sydney", str(etc / "timezone"))


def test_nothing_found_is_utc_and_says_why(etc: Path) -> None:
    found = _detect(etc, {})
    assert (found.name, found.source) == ("UTC", "")
    assert found.problem == (f"neither TZ, {etc / 'localtime'} nor {etc / 'timezone'} names a zone")
    (etc / "timezone").write_text("Not/AZone\n", encoding="utf-8")
    assert _detect(etc, {}).name == "UTC"
