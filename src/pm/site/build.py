"""Build the site: render the pages whose inputs changed, write them, remove the ones gone.

The output folder holds the pages and one small manifest (``.pm-site.json``): the key of
every file pm wrote there. A page whose key is unchanged (and whose file is still there)
is not rendered again. pm writes only into a folder that is empty or that it built
before, never into the repository's root or its postmortems folder, and it removes only
files its manifest lists.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import tempfile
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
    for spec in itertools.chain(_assets(env), plan.specs()):
        _produce(spec, previous, pages, out, env, plan, result)
    images = sorted({f for entry in pages.values() for f in entry.get("files", [])})
    for copy in images:
        image = plan.image_spec(copy)
        if image is not None:
            _produce(image, previous, pages, out, env, plan, result)
    result.pages = len(pages)
    for stale in sorted(set(manifest.get("pages", {})) - set(pages)):
        if _remove(out, stale):
            result.removed += 1
    _write(out / MANIFEST, _manifest(key, pages))
    site_state.save(state_file, state)
    result.seconds = time.perf_counter() - started
    return result


def _produce(
    spec: Spec,
    previous: dict[str, Any],
    pages: dict[str, dict[str, Any]],
    out: Path,
    env: jinja2.Environment,
    plan: Plan,
    result: BuildResult,
) -> None:
    old = previous.get(spec.path)
    target = out / spec.path
    if isinstance(old, dict) and old.get("key") == spec.key and target.is_file():
        pages[spec.path] = old
        return
    if spec.content is not None:
        data = spec.content()
    else:
        assert spec.template is not None and spec.context is not None
        context = spec.context()
        data = _render(env, spec.template, {**_common(plan, spec), **context}).encode("utf-8")
    _write(target, data)
    pages[spec.path] = {"key": spec.key, "files": sorted(set(spec.files))}
    result.written += 1
    result.written_paths.append(spec.path)


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
    files += [package / n for n in ("prose_html.py", "charts.py", "report.py", "views.py")]
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
    return (json.dumps(data, indent=0, sort_keys=True) + "\n").encode("utf-8")


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


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write(target: Path, data: bytes) -> None:
    """Write through a temporary file and a rename: a reader sees the old page or the new."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise WriteError(f"cannot write {target}: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a web server must read it
        os.replace(tmp, target)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(f"cannot write {target}: {error.strerror}") from None
