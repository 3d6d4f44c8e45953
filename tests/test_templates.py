"""The postmortem template: it lints clean, and a repository's own template wins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo

PYMARKDOWN = Path(sys.executable).parent / "pymarkdown"


def markdownlint(path: Path) -> subprocess.CompletedProcess[str]:
    """markdownlint's default rules (pymarkdown implements them), line length aside."""
    return subprocess.run(
        [
            str(PYMARKDOWN),
            "--set",
            "extensions.front-matter.enabled=$!True",
            "-d",
            "md013",
            "scan",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow  # runs pymarkdown in a subprocess
def test_new_postmortem_passes_markdownlint(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    cli.ok(
        "event",
        opened,
        "Pool | saturated *badly* <b>",
        "-k",
        "identified",
        "--at",
        "2024-01-15T14:30",
    )
    cli.ok("resolve", opened, "--at", "2024-01-15T15:00")
    result = markdownlint(repo.postmortem_path(opened))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # runs pymarkdown in a subprocess
def test_markdownlint_check_has_teeth(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: x\n---\n# Second title\n## No blank line\n", encoding="utf-8")
    assert markdownlint(bad).returncode != 0


def test_new_postmortem_has_every_section(repo: Repo, opened: str) -> None:
    text = repo.postmortem_path(opened).read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Impact",
        "## Timeline",
        "## Root Cause",
        "## Contributing Factors",
        "## What Went Well",
        "## What Went Poorly",
        "## Where We Got Lucky",
        "## Action Items",
        "## Lessons Learned",
    ]


def test_repository_template_overrides_the_builtin(repo: Repo, cli: CliRunnerCall) -> None:
    own = repo.path / "templates"
    own.mkdir()
    (own / "postmortem.md.j2").write_text(
        "## What broke: {{ title | md }}\n\n<!-- pm:begin timeline -->\n<!-- pm:end timeline -->\n",
        encoding="utf-8",
    )
    cli.ok("open", "Queue *stuck*", "-s", "SEV-2", "--started", "2024-01-19T10:00")
    text = repo.read("postmortems/2024/2024-01-19-queue-stuck.md")
    assert "## What broke: Queue \\*stuck\\*\n" in text
    assert "| 2024-01-19 10:00 | started | Incident started |" in text
    assert "## Root Cause" not in text


def test_configured_template_folder(repo: Repo, cli: CliRunnerCall) -> None:
    (repo.path / ".pm.toml").write_text('templates = "ops/tpl"\n', encoding="utf-8")
    folder = repo.path / "ops" / "tpl"
    folder.mkdir(parents=True)
    (folder / "postmortem.md.j2").write_text("Custom for {{ severity }}\n", encoding="utf-8")
    cli.ok("open", "Thing", "-s", "SEV-3", "--started", "2024-01-19T10:00")
    assert repo.read("postmortems/2024/2024-01-19-thing.md").endswith("---\nCustom for SEV-3\n")


def test_broken_user_template_is_a_clear_error(repo: Repo, cli: CliRunnerCall) -> None:
    own = repo.path / "templates"
    own.mkdir()
    (own / "postmortem.md.j2").write_text("{{ undefined_thing }}\n", encoding="utf-8")
    result = cli("open", "Thing", "-s", "SEV-3")
    assert result.exit_code == 3
    assert result.stderr.startswith("pm: template ")
    assert "undefined_thing" in result.stderr
    assert not (repo.path / "postmortems").exists() or not list(repo.path.rglob("*thing*.md"))


@pytest.mark.parametrize("failing", [False, True])
def test_open_with_editor(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, failing: bool
) -> None:
    editor = tmp_path / "fake-editor"
    script = "#!/bin/sh\nprintf '\\nWritten in the editor.\\n' >> \"$1\"\n" + (
        "exit 1\n" if failing else "exit 0\n"
    )
    editor.write_text(script, encoding="utf-8")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    result = cli("open", "Edited", "-s", "SEV-3", "--started", "2024-01-19T10:00", "--edit")
    path = repo.path / "postmortems/2024/2024-01-19-edited.md"
    # The open is committed before the editor runs; what the person writes is theirs.
    assert repo.subjects()[-2] == "pm: open 2024-01-19-edited (SEV-3)"
    if failing:
        assert result.exit_code == 2
        assert "the editor exited with 1; nothing was committed" in result.stderr
        kept = Path(result.stderr.split("your text is kept in ")[1].strip())
        assert kept.read_text(encoding="utf-8").endswith("Written in the editor.\n")
        assert not path.read_text(encoding="utf-8").endswith("Written in the editor.\n")
        assert repo.commit_count() == 2
        assert repo.git("status", "--porcelain") == ""
    else:
        assert result.exit_code == 0, result.stderr
        assert path.read_text(encoding="utf-8").endswith("Written in the editor.\n")
        assert repo.subjects()[0] == "2024-01-19-edited: hand edit (pm open --edit)"
        assert "Written in the editor." in repo.git(
            "show", "HEAD:postmortems/2024/2024-01-19-edited.md"
        )


def test_edit_without_editor_is_a_usage_error(repo: Repo, cli: CliRunnerCall) -> None:
    result = cli("open", "Edited", "-s", "SEV-3", "--edit")
    assert result.exit_code == 2
    assert "--edit needs $VISUAL or $EDITOR" in result.stderr
    assert not (repo.path / "postmortems").exists()


@pytest.mark.slow
def test_templates_ship_in_the_wheel(tmp_path: Path, repo: Repo) -> None:
    root = Path(__file__).resolve().parents[1]
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path / "w"),
            str(root),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "w").glob("*.whl")
    target = tmp_path / "site"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    assert (target / "pm" / "templates" / "postmortem.md.j2").is_file()
    import os

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pm.templates, sys; print(pm.templates.builtin_dir()); "
            "sys.exit(__import__('pm.cli', fromlist=['main']).main())",
            "open",
            "From the wheel",
            "-s",
            "SEV-3",
            "--started",
            "2024-01-19T10:00",
        ],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(target)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == str(target / "pm" / "templates")
    assert "## Root Cause" in repo.read("postmortems/2024/2024-01-19-from-the-wheel.md")


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_values_printed_by_templates_carry_no_control_characters(
    repo: Repo, cli: CliRunnerCall, fmt: str
) -> None:
    """A --service (or any text) with ESC, BEL or a bidi override prints inert."""
    cli.ok("init")
    result = cli.ok("report", "--service", "api\x1b[2J\x07\u202eevil\u2028x", "--format", fmt)
    assert not any(c in result.stdout for c in "\x1b\x07\u202e\u2028")
    assert "api[2Jevil x" in result.stdout.replace("\\", "")
