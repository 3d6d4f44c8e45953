"""The layers hold: one module runs git, and the domain modules do no I/O.

Read from the source with ``ast`` (imports anywhere in a module, ``TYPE_CHECKING`` blocks
and function bodies included), so the rules hold for code paths no other test runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "pm"

# The only modules that start processes, and why.
RUNS_PROCESSES = {
    "gitrepo.py": "the one module that runs git",
    "cli/incident.py": "runs the user's $VISUAL/$EDITOR for `pm edit` and `pm open --edit`",
    "pdf.py": "prints a report to PDF with the user's headless Chromium",
    "site/build.py": "renders many pages of `pm site` in forked worker processes",
    "lint/parallel.py": "lints many files of `pm lint` in forked worker processes",
    "filing.py": "files issues with the trackers' own tools, gh and glab (export --create)",
}
PROCESS_MODULES = {"subprocess", "pty", "multiprocessing"}
PROCESS_CALLS = {"system", "popen", "execv", "execvp", "execve", "spawnv", "spawnvp", "fork"}

# Rules, values and text: no files, no git, no terminal, no CLI.
DOMAIN = (
    "model.py",
    "actions.py",
    "lifecycle.py",
    "fields.py",
    "metrics.py",
    "sections.py",
    "timeparse.py",
    "timeline.py",
    "importing.py",
    "similar.py",
    "textsafety.py",
    "blockedits.py",
    "merge.py",
    "mergefile.py",
    "vocabulary.py",
    "idmatch.py",
    "search.py",
    "invite.py",
    "recall.py",
    "pathglob.py",
    "trackers.py",
    "evidence.py",
)
IO_MODULES = {
    *PROCESS_MODULES,
    "shutil",
    "tempfile",
    "socket",
    "fcntl",
    "typer",
    "click",
    "rich",
    "jinja2",
    "pm.cli",
    "pm.store",
    "pm.gitrepo",
    "pm.workspace",
    "pm.cache",
    "pm.render.output",
    "pm.render.tables",
    "pm.templates",
    "pm.render.report",
}
FILE_CALLS = {
    "open",
    "read_bytes",
    "read_text",
    "write_bytes",
    "write_text",
    "unlink",
    "mkdir",
    "iterdir",
    "glob",
    "rglob",
    "touch",
}
# Known debt, named so that it is fixed rather than forgotten (strict: a fix makes the
# test pass, and then the entry must go).
DOMAIN_DEBT: dict[str, str] = {}


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def name(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported(module: ast.Module) -> set[str]:
    """Every module an ``import`` or ``from ... import`` names, and the names it imports."""
    found: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def within(names: set[str], packages: set[str]) -> set[str]:
    return {n for n in names if any(n == p or n.startswith(p + ".") for p in packages)}


def called(module: ast.Module) -> set[str]:
    """Names of everything called: ``open(...)`` gives ``open``, ``p.read_text()`` ``read_text``."""
    names: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


def mentions_git(module: ast.Module) -> bool:
    """A string that is exactly ``git``: the program's name, as an argument list holds it."""
    return any(isinstance(n, ast.Constant) and n.value == "git" for n in ast.walk(module))


@pytest.mark.parametrize("path", modules(), ids=name)
def test_only_gitrepo_runs_git(path: Path) -> None:
    module = tree(path)
    runs = within(imported(module), PROCESS_MODULES) or called(module) & PROCESS_CALLS
    if name(path) in RUNS_PROCESSES:
        assert runs, f"{name(path)} no longer starts a process: drop it from RUNS_PROCESSES"
    else:
        assert not runs, f"{name(path)} starts a process ({runs}); only gitrepo.py runs git"
    assert mentions_git(module) == (name(path) == "gitrepo.py"), name(path)


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(m, marks=pytest.mark.xfail(strict=True, reason=DOMAIN_DEBT[m]))
        if m in DOMAIN_DEBT
        else m
        for m in DOMAIN
    ],
)
def test_domain_modules_do_no_io(module: str) -> None:
    source = tree(SRC / module)
    forbidden = within(imported(source), IO_MODULES)
    assert not forbidden, f"{module} imports {sorted(forbidden)}"
    files = called(source) & FILE_CALLS
    assert not files, f"{module} calls {sorted(files)}"


def test_the_checks_see_what_they_look_for() -> None:
    """The detectors find git, processes and file calls where they are."""
    gitrepo = tree(SRC / "gitrepo.py")
    assert mentions_git(gitrepo) and "subprocess" in imported(gitrepo)
    assert {"read_text", "open"} <= called(gitrepo)
    store = tree(SRC / "store.py")
    assert called(store) & FILE_CALLS
    typed_only = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import rich\n")
    assert within(imported(typed_only), IO_MODULES) == {"rich"}
    assert "pm.store" in within(imported(tree(SRC / "workspace.py")), IO_MODULES)
    assert set(DOMAIN_DEBT) <= set(DOMAIN)
