"""Build the site: render the pages whose inputs changed, write them, remove the ones gone.

The output folder holds the pages and one small manifest (``.pm-site.json``): the key of
every file pm wrote there. A page whose key is unchanged (and whose file is still there)
is not rendered again. pm writes only into a folder that is empty or that it built
before, never into the repository's root or its postmortems folder, and it removes only
files its manifest lists.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pm import __version__
from pm.errors import DataError, UsageError, WriteError
from pm.site import state as site_state
from pm.site.collect import collect
from pm.site.pages import NAV, Plan, Spec, digest

if TYPE_CHECKING:
    import jinja2

    from pm.config import Config
    from pm.workspace import Workspace

MANIFEST = ".pm-site.json"
SHARED_TEMPLATES = ("macros.html.j2", "report-period-body.html.j2", "report-style.css.j2")


@dataclass
class BuildResult:
    out: Path
    pages: int = 0
    written: int = 0
    removed: int = 0
    errors: list[DataError] = field(default_factory=list)
    seconds: float = 0.0
    written_paths: list[str] = field(default_factory=list)


def build(ws: Workspace, out: Path, *, full: bool = False) -> BuildResult:
    """Build (or bring up to date) the site of ``ws`` in the folder ``out``."""
    started = time.perf_counter()
    config = ws.config
    out = check_output(config, out)
    manifest = _load_manifest(out)
    state_file = site_state.state_path(config.root)
    data, state = collect(ws, site_state.load(state_file))
    env = environment(config)
    key = digest(
        __version__, _code(), _template_sources(env, config), config.site, config.directory
    )
    previous: dict[str, Any] = {} if full or manifest.get("global") != key else manifest["pages"]
    result = BuildResult(out=out, errors=data.errors)
    plan = Plan(config, data, lambda name, context: _render(env, name, context))
    pages: dict[str, dict[str, Any]] = {}
    todo = [
        spec
        for spec in itertools.chain(_assets(env), plan.specs())
        if not _unchanged(spec, previous, pages, out)
    ]
    for spec in _make_all(todo, out, env, plan):
        pages[spec.path] = {"key": spec.key, "files": sorted(set(spec.files))}
        result.written_paths.append(spec.path)
    images = sorted({f for entry in pages.values() for f in entry.get("files", [])})
    for copy in images:
        image = plan.image_spec(copy)
        if image is not None and not _unchanged(image, previous, pages, out):
            _make(image, out, env, plan)
            pages[image.path] = {"key": image.key, "files": []}
            result.written_paths.append(image.path)
    result.written = len(result.written_paths)
    result.written_paths.sort()
    result.pages = len(pages)
    for stale in sorted(set(manifest.get("pages", {})) - set(pages)):
        if _remove(out, stale):
            result.removed += 1
    if manifest.get("global") != key or manifest.get("pages") != pages:
        _write(out / MANIFEST, _manifest(key, pages))
    site_state.save(state_file, state)
    result.seconds = time.perf_counter() - started
    return result


def _unchanged(
    spec: Spec, previous: dict[str, Any], pages: dict[str, dict[str, Any]], out: Path
) -> bool:
    """Whether the file is there as this key would write it (then it keeps its entry)."""
    old = previous.get(spec.path)
    # os.path on a string, not a Path: this runs for each of 10,000 pages.
    if (
        isinstance(old, dict)
        and old.get("key") == spec.key
        and os.path.isfile(f"{out}/{spec.path}")
    ):
        pages[spec.path] = old
        return True
    return False


def _make(spec: Spec, out: Path, env: jinja2.Environment, plan: Plan) -> None:
    if spec.content is not None:
        data = spec.content()
    else:
        assert spec.template is not None and spec.context is not None
        context = spec.context()
        data = _render(env, spec.template, {**_common(plan, spec), **context}).encode("utf-8")
    _write(out / spec.path, data)


# Many pages to write (a first build, a changed template) are rendered by a few forked
# processes: rendering markdown and templates is CPU-bound Python.
PARALLEL_MIN = 400
MAX_WORKERS = 4
_JOB: tuple[list[Spec], Path, jinja2.Environment, Plan] | None = None


def _workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return min(cpus, MAX_WORKERS)


def _make_all(todo: list[Spec], out: Path, env: jinja2.Environment, plan: Plan) -> Iterator[Spec]:
    """Write every spec; yields each (with the images its page showed) once written."""
    import multiprocessing

    global _JOB  # noqa: PLW0603 - what the forked workers inherit
    workers = _workers()
    forking = "fork" in multiprocessing.get_all_start_methods()
    if len(todo) < PARALLEL_MIN or workers < 2 or not forking:
        for spec in todo:
            _make(spec, out, env, plan)
            yield spec
        return
    _JOB = (todo, out, env, plan)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for index, files in pool.imap_unordered(_work, range(len(todo)), chunksize=32):
                todo[index].files[:] = files
                yield todo[index]
    finally:
        _JOB = None


def _work(index: int) -> tuple[int, list[str]]:
    """In a worker: write one spec; its images go back to the parent."""
    assert _JOB is not None
    todo, out, env, plan = _JOB
    spec = todo[index]
    _make(spec, out, env, plan)
    return index, spec.files


def _common(plan: Plan, spec: Spec) -> dict[str, Any]:
    nav = [item for item in NAV if item[0] == "index" or item[0] in plan.enabled]
    return {
        "site": plan.config.site,
        "root": spec.root,
        "nav": nav,
        "current": spec.current,
        "links": plan.links,
    }


def _assets(env: jinja2.Environment) -> Iterator[Spec]:
    css = _render(env, "site/style.css.j2", {}).encode("utf-8")
    yield Spec("assets/site.css", digest(css), content=lambda: css)
    loader = env.loader
    assert loader is not None
    script = loader.get_source(env, "site/site.js")[0].encode("utf-8")
    yield Spec("assets/site.js", digest(script), content=lambda: script)


# --- templates ---------------------------------------------------------------------------


def environment(config: Config) -> jinja2.Environment:
    """pm's HTML template environment, with ``[site] templates`` searched first for site/."""
    import jinja2

    from pm.templates import environment as base

    env = base(config, html=True)
    inert = env.finalize
    assert inert is not None
    # pm's finalize drops control characters from printed values; printable ASCII has none,
    # and most values are that: skip the regular expressions for them (10,000 pages).
    env.finalize = lambda v: v if type(v) is str and v.isascii() and v.isprintable() else inert(v)
    folder = config.site.templates
    if folder:
        assert env.loader is not None
        own = jinja2.PrefixLoader({"site": jinja2.FileSystemLoader(str(config.root / folder))})
        env.loader = jinja2.ChoiceLoader([own, env.loader])
    return env


def _code() -> list[tuple[str, int, int]]:
    """The modules that draw the pages (so an edited pm, same version, rebuilds them)."""
    import pm

    package = Path(pm.__file__).parent
    files = [*sorted((package / "site").glob("*.py"))]
    files += [package / n for n in ("prose_html.py", "report.py", "recurring.py")]
    files += [package / "render" / n for n in ("charts.py", "report.py", "views.py")]
    found = []
    for path in files:
        try:
            info = path.stat()
        except OSError:
            continue
        found.append((path.name, info.st_size, info.st_mtime_ns))
    return found


def _template_sources(env: jinja2.Environment, config: Config) -> str:
    """A digest of every template the site may use, so a changed template rebuilds all."""
    names = [*SHARED_TEMPLATES, *(f"site/{n}" for n in _site_names(env, config))]
    loader = env.loader
    assert loader is not None
    parts: list[tuple[str, str | None]] = []
    for name in sorted(set(names)):
        try:
            parts.append((name, loader.get_source(env, name)[0]))
        except Exception:  # noqa: BLE001 - a missing template is reported when it is used
            parts.append((name, None))
    return digest(parts)


def _site_names(env: jinja2.Environment, config: Config) -> set[str]:
    from pm.templates import builtin_dir

    folders = [builtin_dir() / "site", config.templates_dir / "site"]
    if config.site.templates:
        folders.append(config.root / config.site.templates)
    names: set[str] = set()
    for folder in folders:
        if folder.is_dir():
            names.update(p.name for p in folder.iterdir() if p.is_file())
    return names


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    import jinja2

    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as missing:
        raise DataError(
            f"template {missing.name!r} not found in your templates or pm's own"
        ) from None
    except jinja2.TemplateError as error:
        where = getattr(error, "filename", None) or name
        line = getattr(error, "lineno", None)
        raise DataError(f"template {where}{f':{line}' if line else ''}: {error}") from None


# --- the output folder -------------------------------------------------------------------


def check_output(config: Config, out: Path) -> Path:
    """The output folder, resolved; UsageError where a site must not be written."""
    try:
        target = out.resolve() if out.is_absolute() else (Path.cwd() / out).resolve()
        root = config.root.resolve()
        folder = config.postmortems_dir.resolve()
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot use {out} for the site: {error}") from None
    shown = str(out)
    if target == root or root.is_relative_to(target):
        raise UsageError(f"{shown} holds the repository; give the site a folder of its own")
    if target.is_relative_to(folder) or folder.is_relative_to(target):
        raise UsageError(f"{shown} is in the postmortems folder; write the site elsewhere")
    if target.is_relative_to(root / ".git"):
        raise UsageError(f"{shown} is inside .git; write the site elsewhere")
    if target.exists() and not target.is_dir():
        raise UsageError(f"{shown} is a file; give a folder for the site")
    if target.is_dir() and not (target / MANIFEST).is_file() and any(target.iterdir()):
        raise UsageError(
            f"{shown} is not empty and was not built by pm site; give an empty or new folder"
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(f"cannot create {shown}: {error.strerror}") from None
    return target


def _load_manifest(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("pages"), dict):
        return {}
    return data


def _manifest(key: str, pages: dict[str, dict[str, Any]]) -> bytes:
    data = {"generator": "pm site", "format": 1, "global": key, "pages": pages}
    return (json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n").encode("utf-8")


def _safe_relative(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and ".." not in parts and path != MANIFEST


def _remove(out: Path, path: str) -> bool:
    """Remove a file pm wrote before (and its folder when that is left empty)."""
    if not isinstance(path, str) or not _safe_relative(path) or "\\" in path:
        return False
    target = out / path
    try:
        if target.is_symlink() or not target.is_file():
            return False
        if not target.resolve().is_relative_to(out):
            return False
        target.unlink()
    except OSError:
        return False
    parent = target.parent
    while parent != out:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent
    return True


_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW


def _write(target: Path, data: bytes) -> None:
    """Write a page: a new file directly, an existing one through a temporary file and a
    rename, so a reader sees the old page or the new one, never half of one.

    (Renaming over a file makes ext4 flush it first: a full rebuild of 10,000 pages into a
    fresh folder, as CI does, would otherwise spend most of its time waiting for the disk.
    A new page half written by a crash is not in the manifest, so the next build writes it.)
    """
    try:
        try:
            fd = os.open(target, _NEW, 0o666)
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, _NEW, 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return
    except FileExistsError:
        pass
    except OSError as error:
        raise WriteError(f"cannot write {target}: {error.strerror}") from None
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with os.fdopen(os.open(tmp, _NEW & ~os.O_EXCL | os.O_TRUNC, 0o666), "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise WriteError(f"cannot write {target}: {error.strerror}") from None
