"""Git setups real teams have (issue 11, item 9), each tried with real git.

Hooks that refuse (named, with their output), hooks that fix and re-stage, a repository
owned by another user (git's safe.directory), a Latin-1 locale, CRLF line endings with
``core.safecrlf``, an IDE holding ``index.lock`` for a moment, a group-shared repository,
a commit-msg hook appending a footer, ``pm init`` over an existing repository.
(Local times that do not exist or happen twice: ``test_timeparse.py`` and
``test_config.py``.)
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CliRunnerCall, Repo, git, make_repo, pm_command
from pm import cache as cache_module
from pm import frontmatter
from pm.errors import RepoError
from pm.gitanswers import INDEX_LOCK_WAIT_SECONDS, newline_from, worktree_newline
from pm.gitrepo import run_git


def hook(repo: Repo, name: str, script: str) -> Path:
    path = repo.path / ".git" / "hooks" / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(0o755)
    return path


# --- hooks that refuse ---------------------------------------------------------------------


def test_a_refusing_pre_commit_hook_is_named_with_its_last_lines(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    """pre-commit's own report: the finding is at the end, not on the first line."""
    lines = [f"noise {n}" for n in range(25)]
    lines += [
        "pm lint..................................................................Failed",
        "- hook id: pm-lint",
        "- exit code: 1",
        "",
        f"postmortems/2024/{opened}.md:12: error: blameless.fault [blameless.fault]",
    ]
    body = "".join(f"echo '{line}'\n" for line in lines)
    hook(repo, "pre-commit", body + "exit 1\n")
    before = repo.postmortem_path(opened).read_bytes()
    result = cli("event", opened, "Paged the DBA", "--at", "2024-01-15T14:30")
    assert result.exit_code == 4
    err = result.stderr.splitlines()
    assert err[0] == (
        "pm: the pre-commit hook (.git/hooks/pre-commit, exit 1) refused the commit; last 20 "
        "of 30 lines:"
    )
    assert err[1:] == [f"    {line}" if line else "" for line in lines[-20:]]
    assert "blameless.fault" in err[-1]
    assert repo.postmortem_path(opened).read_bytes() == before


def test_a_hook_that_prints_nothing_is_still_named(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    hook(repo, "pre-commit", "exit 3\n")
    result = cli("event", opened, "x", "--at", "2024-01-15T14:30")
    assert result.exit_code == 4
    assert result.stderr == (
        "pm: the pre-commit hook (.git/hooks/pre-commit, exit 3) refused the commit and "
        "printed nothing\n"
    )


def test_a_refusing_commit_msg_hook_is_named(repo: Repo, cli: CliRunnerCall, opened: str) -> None:
    hook(repo, "commit-msg", 'echo "commit-msg: subject must reference a ticket" >&2\nexit 1\n')
    result = cli("resolve", opened, "Fixed", "--at", "2024-01-15T16:00")
    assert result.exit_code == 4
    assert result.stderr == (
        "pm: the commit-msg hook (.git/hooks/commit-msg, exit 1) refused the commit; its "
        "output:\n    commit-msg: subject must reference a ticket\n"
    )
    assert repo.git("status", "--porcelain") == ""


def test_a_hook_in_core_hooks_path_is_named_by_its_path(
    repo: Repo, cli: CliRunnerCall, opened: str, tmp_path: Path
) -> None:
    hooks = tmp_path / "team-hooks"
    hooks.mkdir()
    script = hooks / "pre-commit"
    script.write_text(
        "#!/bin/sh\necho 'ANSI \033[31mred\033[0m policy' \nexit 1\n", encoding="utf-8"
    )
    script.chmod(0o755)
    repo.git("config", "core.hooksPath", str(hooks))
    result = cli("event", opened, "x", "--at", "2024-01-15T14:30")
    assert result.exit_code == 4
    assert f"the pre-commit hook ({script}, exit 1)" in result.stderr
    assert "    ANSI red policy\n" in result.stderr  # colour codes taken out


def test_a_refused_open_leaves_no_file_and_no_empty_folder(repo: Repo, cli: CliRunnerCall) -> None:
    hook(repo, "pre-commit", "echo refused >&2\nexit 1\n")
    result = cli("open", "Refused", "-s", "SEV-3", "--started", "2024-01-19T10:00")
    assert result.exit_code == 4
    assert "pre-commit hook" in result.stderr
    assert not (repo.path / "postmortems").exists()  # it made postmortems/2024/ for it
    assert repo.git("status", "--porcelain", "--ignored") == ""


def test_a_refused_open_keeps_folders_that_hold_other_files(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    hook(repo, "pre-commit", "exit 1\n")
    assert cli("open", "Refused", "-s", "SEV-3", "--started", "2024-01-19T10:00").exit_code == 4
    assert repo.postmortem_path(opened).is_file()
    assert cli("open", "Refused", "-s", "SEV-3", "--started", "2023-06-01T10:00").exit_code == 4
    assert not (repo.path / "postmortems" / "2023").exists()
    assert (repo.path / "postmortems" / "2024").is_dir()


def test_gits_own_refusal_outside_a_sparse_checkout_is_shown_whole(
    repo: Repo, cli: CliRunnerCall
) -> None:
    """git refuses to add a path outside the sparse-checkout cone: all its lines shown,
    and the folders pm made for the file are gone again."""
    (repo.path / "docs").mkdir()
    (repo.path / "docs" / "a.md").write_text("a\n", encoding="utf-8")
    repo.git("add", "docs")
    repo.git("commit", "--quiet", "-m", "docs")
    repo.git("sparse-checkout", "set", "docs")
    result = cli("open", "DB down", "-s", "SEV-1", "--started", "2024-01-15T10:00")
    assert result.exit_code == 4
    err = result.stderr.splitlines()
    assert err[0] == (
        "pm: git add failed: The following paths and/or pathspecs matched paths that exist"
    )
    assert "    postmortems/2024/2024-01-15-db-down.md" in err
    assert any("sparse-checkout definition" in line for line in err)
    assert any(line.startswith("    hint: ") for line in err)
    assert not (repo.path / "postmortems").exists()
    assert repo.git("status", "--porcelain") == ""


# --- a hook that fixes and re-stages the file ------------------------------------------------


def test_a_formatter_hook_that_restages_leaves_a_clean_index(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    """The hook rewrites the file and runs ``git add``: its fix is committed, and after
    pm's commit the index and HEAD agree, so ``git status`` is clean for the file."""
    relative = f"postmortems/2024/{opened}.md"
    hook(repo, "pre-commit", f"sed -i 's/TODO-FORMAT/formatted/' {relative}\ngit add {relative}\n")
    (repo.path / "other.txt").write_text("staged work\n", encoding="utf-8")
    repo.git("add", "other.txt")
    cli.ok("event", opened, "TODO-FORMAT me", "--at", "2024-01-15T14:30")
    assert "formatted me" in repo.git("show", f"HEAD:{relative}")
    assert "formatted me" in repo.read(relative)
    assert repo.git("status", "--porcelain") == "A  other.txt"  # the user's work, untouched
    assert repo.files_in() == [relative]


# --- a repository owned by another user (CI containers) --------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a repository another owner")
def test_a_repository_owned_by_another_user_names_safe_directory(
    repo: Repo, cli: CliRunnerCall, opened: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in a CI container running as root on a checkout made by another uid: git's
    "dubious ownership" check. pm names safe.directory and the command that lifts it."""
    monkeypatch.delenv("SUDO_UID", raising=False)  # git trusts sudo's caller: not here
    for folder, _dirs, files in os.walk(repo.path):
        os.chown(folder, 12345, 12345)
        for name in files:
            os.chown(Path(folder) / name, 12345, 12345)
    fix = f"git config --global --add safe.directory {repo.path}"
    expected = (
        f"pm: git refuses to work in {repo.path}: it is owned by another user (git's "
        f"safe.directory check, common in CI containers); if you trust it, run: {fix}\n"
    )
    for args in (["event", opened, "x"], ["log", opened], ["lint"]):
        result = cli(*args)
        assert (result.exit_code, result.stderr) == (4, expected), args
    subprocess.run(fix.split(), check=True)  # in the test's own HOME
    cli.ok("event", opened, "After trusting it", "--at", "2024-01-15T14:30")
    assert cli.ok("log", opened).stdout.count("\n") == 2


# --- a terminal that is not UTF-8 ------------------------------------------------------------


TITLE = "Café à Zürich: 500s ✓ 日本 😀"


def pm_in_locale(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LANG", "LANGUAGE", "PYTHONIOENCODING", "PYTHONUTF8")
        and not k.startswith("LC_")
    }
    return subprocess.run(
        [*pm_command(), *args], cwd=cwd, capture_output=True, env={**clean, **env}, check=False
    )


@pytest.fixture(scope="session")
def latin1_locale(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An ISO-8859-1 locale compiled into a private folder (LOCPATH), so Python really
    runs with a Latin-1 stdout; skipped where localedef or its sources are missing."""
    folder = tmp_path_factory.mktemp("locales")
    if shutil.which("localedef") is None:
        pytest.skip("no localedef to build an ISO-8859-1 locale")
    built = subprocess.run(
        ["localedef", "-i", "en_US", "-f", "ISO-8859-1", str(folder / "en_US.ISO-8859-1")],
        capture_output=True,
        check=False,
    )
    env = {"LOCPATH": str(folder), "LANG": "en_US.ISO-8859-1"}
    probe = subprocess.run(
        ["python3", "-c", "import sys; print(sys.stdout.encoding)"],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "PYTHONUTF8": "0"},
        check=False,
    )
    if built.returncode not in (0, 1) or probe.stdout.strip() != "iso8859-1":
        pytest.skip(f"cannot build an ISO-8859-1 locale here: {built.stderr[-200:]!r}")
    return env


LOCALES = {
    "ascii": {"LC_ALL": "C", "PYTHONUTF8": "0"},  # C locale, UTF-8 mode turned off
}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["latin-1", "ascii"])
def test_reads_and_writes_in_a_locale_that_is_not_utf8(
    repo: Repo, cli: CliRunnerCall, latin1_locale: dict[str, str], name: str
) -> None:
    """``list``, ``show`` and ``report`` on a non-ASCII title: no crash, what the terminal
    cannot show escaped; JSON stays valid and the same data; files and commit messages
    stay UTF-8."""
    env = latin1_locale if name == "latin-1" else LOCALES["ascii"]
    encoding = "iso8859-1" if name == "latin-1" else "ascii"
    cli.ok("open", TITLE, "-s", "SEV-2", "--started", "2024-01-15T10:00")
    pid = "2024-01-15-cafe-a-zurich-500s"
    for args in (["list"], ["show", pid], ["report", pid], ["report"], ["action", "list"]):
        result = pm_in_locale(repo.path, env, *args)
        assert result.returncode == 0, (args, result.stderr.decode(encoding, "replace"))
        out = result.stdout.decode(encoding)  # bytes the terminal's encoding can take
        if args[0] in ("list", "show") or args == ["report", pid]:
            assert "\\u2713" in out and "\\U0001f600" in out, args
            if name == "latin-1":
                assert "Café à Zürich" in out
    listed = pm_in_locale(repo.path, env, "list", "--json")
    assert listed.returncode == 0
    assert listed.stdout.isascii()
    assert json.loads(listed.stdout)[0]["title"] == TITLE
    shown = pm_in_locale(repo.path, env, "show", pid, "--json")
    assert json.loads(shown.stdout)["title"] == TITLE
    # What the terminal sends: Latin-1 bytes from a Latin-1 terminal (which has no ✓),
    # UTF-8 bytes from a UTF-8 terminal in the C locale (Python sees surrogates).
    renamed = "Zürich again" if name == "latin-1" else "Zürich ✓ again"
    typed = renamed.encode("iso8859-1" if name == "latin-1" else "utf-8")
    result = subprocess.run(
        [*pm_command(), "set", pid, "title", typed],
        cwd=repo.path,
        capture_output=True,
        env={**os.environ, **env},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    raw = repo.postmortem_path(pid).read_bytes()
    raw.decode("utf-8")  # the file stays UTF-8
    assert frontmatter.parse(raw, "x.md").front["title"] == renamed
    body = subprocess.run(
        ["git", "log", "-1", "--format=%B"], cwd=repo.path, capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert f"title: {TITLE} -> {renamed}" in body
    garbage = subprocess.run(
        [*pm_command(), "set", pid, "title", b"Z\xfc\xffrich"],
        cwd=repo.path,
        capture_output=True,
        env={**os.environ, **LOCALES["ascii"]},
        check=False,
    )
    assert garbage.returncode == 2
    assert b"holds bytes that are not text in this locale's encoding" in garbage.stderr
    assert repo.postmortem_path(pid).read_bytes() == raw


# --- line endings git expects -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "attributes", "crlf_md", "crlf_toml"),
    [
        ({"core.autocrlf": "true", "core.safecrlf": "true"}, "", True, True),
        ({"core.safecrlf": "true"}, "* text eol=crlf\n", True, True),
        ({"core.safecrlf": "true", "core.eol": "crlf"}, "*.md text\n", True, False),
        ({"core.safecrlf": "true", "core.autocrlf": "true"}, "*.md eol=lf\n", False, True),
        ({"core.safecrlf": "true", "core.autocrlf": "input"}, "", False, False),
        ({"core.safecrlf": "true"}, "", False, False),
    ],
)
def test_new_files_get_the_line_endings_git_expects(
    repo: Repo,
    cli: CliRunnerCall,
    setup: dict[str, str],
    attributes: str,
    crlf_md: bool,
    crlf_toml: bool,
) -> None:
    """With core.safecrlf=true, a file git would convert is refused by ``git add``: pm
    writes new files (``open``, ``init``'s .pm.toml) with the endings git checks out,
    path by path."""
    if attributes:
        (repo.path / ".gitattributes").write_text(attributes, encoding="utf-8")
        repo.git("add", ".gitattributes")
        repo.git("commit", "--quiet", "-m", "attributes")
    for key, value in setup.items():
        repo.git("config", key, value)
    cli.ok("init")
    pid = cli.ok("open", "DB down", "-s", "SEV-1", "--started", "2024-01-15T10:00").stdout
    path = repo.postmortem_path(pid.split("\t")[0])
    for written, crlf in ((path, crlf_md), (repo.path / ".pm.toml", crlf_toml)):
        data = written.read_bytes()
        lines = data.count(b"\n")
        assert data.count(b"\r\n") == (lines if crlf else 0), written.name
    cli.ok("event", "db-down", "Failed over", "--at", "2024-01-15T10:30")
    cli.ok("resolve", "db-down", "Back", "--at", "2024-01-15T11:00")
    assert repo.git("status", "--porcelain") == ""
    assert (b"\r\n" in path.read_bytes()) == crlf_md  # kept through the changes
    assert cli("lint").exit_code in (0, 1)  # readable; findings are about missing prose
    assert json.loads(cli.ok("show", "db-down", "--json").stdout)["status"] == "resolved"


@pytest.mark.parametrize(
    ("text", "eol", "autocrlf", "core_eol", "expected"),
    [
        ("unspecified", "unspecified", "false", "native", "\n"),
        ("unspecified", "unspecified", "true", "native", "\r\n"),
        ("unspecified", "unspecified", "input", "crlf", "\n"),
        ("unspecified", "unspecified", "false", "crlf", "\n"),  # core.eol needs text
        ("set", "unspecified", "false", "crlf", "\r\n"),
        ("auto", "unspecified", "false", "crlf", "\r\n"),
        ("set", "unspecified", "input", "crlf", "\n"),
        ("unspecified", "crlf", "false", "native", "\r\n"),
        ("auto", "lf", "true", "native", "\n"),
        ("unset", "unspecified", "true", "crlf", "\n"),
    ],
)
def test_the_line_ending_rules_follow_git(
    text: str, eol: str, autocrlf: str, core_eol: str, expected: str
) -> None:
    assert worktree_newline(text, eol, autocrlf, core_eol) == expected


def test_the_answers_of_git_are_read_with_odd_paths() -> None:
    attributes = "a: b.md: text: set\na: b.md: eol: crlf\n"
    assert newline_from(attributes, "core.autocrlf false\n") == "\r\n"
    assert newline_from("x.md: text: unspecified\nx.md: eol: unspecified\n", "") == "\n"


# --- index.lock held for a moment ---------------------------------------------------------


def hold(lock: Path, seconds: float) -> threading.Timer:
    """Create ``lock`` now, as git does, and remove it after ``seconds``."""
    lock.write_text("", encoding="utf-8")
    timer = threading.Timer(seconds, lambda: lock.unlink(missing_ok=True))
    timer.start()
    return timer


def test_pm_waits_for_an_index_lock_held_for_a_moment(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    """An IDE's ``git status`` holds index.lock for a moment: pm waits and goes on."""
    lock = repo.path / ".git" / "index.lock"
    commits = repo.commit_count()
    timer = hold(lock, 0.5)
    start = time.monotonic()
    cli.ok("event", opened, "While the IDE refreshed", "--at", "2024-01-15T14:30")
    timer.join()
    assert time.monotonic() - start >= 0.4
    assert repo.commit_count() == commits + 1


def test_pm_gives_up_on_an_index_lock_held_too_long_and_never_removes_it(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    lock = repo.path / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    start = time.monotonic()
    result = cli("event", opened, "x", "--at", "2024-01-15T14:30")
    waited = time.monotonic() - start
    assert result.exit_code == 4
    assert f"({lock} exists, for over 2 s now)" in result.stderr
    assert INDEX_LOCK_WAIT_SECONDS <= waited < INDEX_LOCK_WAIT_SECONDS + 5
    assert lock.exists()


def test_a_git_command_that_meets_index_lock_is_run_again(repo: Repo) -> None:
    """The lock can appear after pm's check: git then refuses, pm waits and retries."""
    (repo.path / "notes.txt").write_text("x\n", encoding="utf-8")
    timer = hold(repo.path / ".git" / "index.lock", 0.3)
    run_git(repo.path, "add", "notes.txt")
    timer.join()
    assert repo.git("status", "--porcelain") == "A  notes.txt"
    (repo.path / ".git" / "index.lock").write_text("", encoding="utf-8")
    with pytest.raises(RepoError, match=r"held index\.lock for over 2 s"):
        run_git(repo.path, "rm", "--cached", "--quiet", "notes.txt")


# --- a repository shared by a group --------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("umask_022")
@pytest.mark.parametrize(
    ("shared", "file_mode", "folder_mode"),
    [("group", 0o664, 0o2775), ("0660", 0o660, 0o2770), ("0640", 0o640, 0o2750)],
)
def test_pm_lock_and_cache_follow_a_shared_repository(
    tmp_path: Path,
    cli: CliRunnerCall,
    monkeypatch: pytest.MonkeyPatch,
    shared: str,
    file_mode: int,
    folder_mode: int,
) -> None:
    """``git init --shared``: pm's lock and cache get the modes git gives its own files,
    so the next member of the group can take the lock and replace the cache."""
    path = tmp_path / "shared"
    path.mkdir()
    git(path, "init", "--quiet", f"--shared={shared}")
    monkeypatch.chdir(path)
    cli.ok("init")
    cli.ok("open", "DB down", "-s", "SEV-1", "--started", "2024-01-15T10:00")
    monkeypatch.setattr(cache_module, "RACY_NS", 0)  # cache the file just written
    cli.ok("list")
    assert mode(path / ".git" / "pm.lock") == file_mode
    assert mode(path / ".git" / "pm") == folder_mode
    cache = path / ".git" / "pm" / "cache-v1.marshal"
    assert mode(cache) == file_mode


@pytest.mark.usefixtures("umask_022")
def test_an_unshared_repository_keeps_the_umask(
    repo: Repo, cli: CliRunnerCall, opened: str
) -> None:
    assert mode(repo.path / ".git" / "pm.lock") == 0o644


GROUP, BOB = 54321, 54322  # a group and a second member of it, by number
SYSTEM_PYTHON = Path("/usr/bin/python3")


def as_bob(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run pm as a second user of the group. The test's interpreter may live where only
    root can read it (a pyenv under /root): the system Python of the same minor version
    runs pm from this checkout's virtualenv instead."""
    site = next(Path(__file__).resolve().parents[1].glob(".venv/lib/python3*/site-packages"))
    code = (
        f"import site; site.addsitedir({str(site)!r}); "
        "from pm.cli import main; raise SystemExit(main())"
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    env.update({k: v for k, v in os.environ.items() if k.startswith(("PM_", "GIT_AUTHOR_D"))})

    def become_bob() -> None:
        os.setgroups([GROUP])
        os.setgid(GROUP)
        os.setuid(BOB)
        os.umask(0o002)

    return subprocess.run(
        [str(SYSTEM_PYTHON), "-c", code, *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=become_bob,
    )


@pytest.fixture
def shared_checkout(cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A checkout shared by a group (``git init --shared=group``, umask 002, set-group-id
    folders), outside pytest's root-only temporary folder; root opened one incident."""
    if os.geteuid() != 0:
        pytest.skip("needs root to act as a second user")
    minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    probe = (
        subprocess.run(
            [
                str(SYSTEM_PYTHON),
                "-c",
                "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if SYSTEM_PYTHON.exists()
        else None
    )
    if probe is None or probe.stdout.strip() != minor:
        pytest.skip(f"no system Python {minor} to run pm as a second user")
    base = Path(tempfile.mkdtemp(prefix="pm-shared-", dir="/tmp"))
    old_umask = os.umask(0o002)
    try:
        base.chmod(0o755)
        home = base / "bob"
        home.mkdir()
        (home / ".gitconfig").write_text(
            "[user]\n\tname = Bob Lee\n\temail = bob@example.com\n"
            "[safe]\n\tdirectory = *\n",  # the checkout belongs to root: Bob trusts it
            encoding="utf-8",
        )
        os.chown(home, BOB, GROUP)
        path = base / "repo"
        path.mkdir()
        os.chown(path, 0, GROUP)
        path.chmod(0o2775)
        git(path, "init", "--quiet", "--shared=group")
        monkeypatch.chdir(path)
        cli.ok("init")
        cli.ok("open", "DB down", "-s", "SEV-1", "--started", "2024-01-15T10:00")
        yield path
    finally:
        os.umask(old_umask)
        shutil.rmtree(base)


def test_another_member_of_the_group_can_use_pm(shared_checkout: Path) -> None:
    """Bob, in the repository's group, runs pm after root did: he takes pm's lock,
    commits, and root's pm goes on after him."""
    home = shared_checkout.parent / "bob"
    result = as_bob(
        shared_checkout, home, "event", "db-down", "Bob paged", "--at", "2024-01-15T10:30"
    )
    assert result.returncode == 0, result.stderr
    assert git(shared_checkout, "log", "-1", "--format=%an %s") == (
        "Bob Lee pm: event 2024-01-15-db-down (note: Bob paged)"
    )
    assert mode(shared_checkout / ".git" / "pm.lock") == 0o664


def test_an_old_lock_without_group_write_is_fixed_or_still_usable(
    shared_checkout: Path, cli: CliRunnerCall
) -> None:
    """A pm.lock an older pm made 0644: Bob can still take it (flock needs only a read
    descriptor); the next pm of its owner gives the group its write bit back."""
    lock = shared_checkout / ".git" / "pm.lock"
    lock.chmod(0o644)
    home = shared_checkout.parent / "bob"
    result = as_bob(
        shared_checkout, home, "event", "db-down", "Bob paged", "--at", "2024-01-15T10:30"
    )
    assert result.returncode == 0, result.stderr
    cli.ok("event", "db-down", "Root again", "--at", "2024-01-15T10:40")
    assert mode(lock) == 0o664


# --- a commit-msg hook that appends a footer ------------------------------------------------


FOOTERS = {
    "gerrit": "git interpret-trailers --in-place --trailer 'Change-Id: I0123456789abcdef' \"$1\"\n",
    "paragraph": "printf '\\nChange-Id: I0123456789abcdef\\n' >> \"$1\"\n",
    "signed-off": "printf 'Signed-off-by: Alice Doe <alice@example.com>\\n' >> \"$1\"\n",
    "signed-off-paragraph": (
        "printf '\\nSigned-off-by: Alice Doe <alice@example.com>\\n' >> \"$1\"\n"
    ),
    "text": "printf 'Reviewed in the incident channel\\n' >> \"$1\"\n",
    "text-paragraph": "printf '\\nReviewed in the incident channel\\n' >> \"$1\"\n",
}


@pytest.mark.parametrize("footer", sorted(FOOTERS))
def test_pm_log_knows_its_commits_after_a_footer_hook(
    repo: Repo, cli: CliRunnerCall, footer: str
) -> None:
    hook(repo, "commit-msg", FOOTERS[footer])
    pid = cli.ok("open", "DB down", "-s", "SEV-1", "--started", "2024-01-15T10:00").stdout
    pid = pid.split("\t")[0]
    cli.ok("event", pid, "Paged", "--at", "2024-01-15T10:05")
    cli.ok("set", pid, "title", "Database down")
    message = repo.git("log", "-1", "--format=%B")
    assert ("Change-Id" in message) or ("Signed-off-by" in message) or ("Reviewed" in message)
    path = repo.postmortem_path(pid)
    path.write_text(path.read_text(encoding="utf-8") + "\nBy hand.\n", encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "Write the summary\n\nPm-Id is mentioned here.")
    rows = [line.split("\t") for line in cli.ok("log", pid).stdout.splitlines()]
    assert [row[3] for row in rows] == ["manual", "set", "event", "open"]
    data = json.loads(cli.ok("log", pid, "--json").stdout)
    assert [entry["operation"] for entry in data] == [None, "set", "event", "open"]


# --- pm init over an existing repository -----------------------------------------------------


def test_init_in_an_existing_repository_does_not_say_it_made_one(
    repo: Repo, cli: CliRunnerCall
) -> None:
    result = cli.ok("init")
    assert "Initialised" not in result.stderr
    assert result.stdout == "postmortems/.gitkeep\n.pm.toml\n.gitattributes\n"


def test_init_with_a_subfolder_config_never_nests_a_repository(
    repo: Repo, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A monorepo keeps .pm.toml in ops/: pm init there uses the repository above."""
    ops = repo.path / "ops"
    ops.mkdir()
    (ops / ".pm.toml").write_text('directory = "incidents"\n', encoding="utf-8")
    monkeypatch.chdir(ops)
    result = cli.ok("init")
    assert "Initialised" not in result.stderr
    assert not (ops / ".git").exists()
    assert result.stdout == "incidents/.gitkeep\n.gitattributes\n"
    assert repo.subjects()[0] == "pm: init incidents"
    assert repo.files_in() == ["ops/.gitattributes", "ops/incidents/.gitkeep"]


def test_init_with_git_dir_elsewhere_uses_that_repository(
    tmp_path: Path, cli: CliRunnerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = make_repo(tmp_path / "other", monkeypatch)
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    monkeypatch.setenv("GIT_DIR", str(other.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other.path))
    result = cli.ok("init")
    assert "Initialised" not in result.stderr
    assert not (outside / ".git").exists()
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_WORK_TREE")
    assert other.subjects()[0] == "pm: init postmortems"
