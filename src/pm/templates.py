"""Jinja2 templates: the user's own folder first, then the ones built into pm.

Built-in templates live in the repository's ``templates/`` folder; the wheel carries them
as ``pm/templates`` (see pyproject.toml), and an editable install reads them in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pm import textsafety
from pm.config import Config
from pm.errors import DataError

if TYPE_CHECKING:
    import jinja2

    from pm.model import Postmortem


def _inert(value: Any) -> Any:
    """Jinja's ``finalize``: free text printed by a template carries no control character."""
    if isinstance(value, str):
        cleaned = textsafety.template_value(value)
        return value if cleaned == value else type(value)(cleaned)  # Markup stays Markup
    return value


def builtin_dir() -> Path:
    """``pm/templates`` inside an installed wheel, else ``templates/`` of the source tree."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def environment(config: Config, *, html: bool = False) -> jinja2.Environment:
    import jinja2

    search = [str(d) for d in (config.templates_dir, builtin_dir()) if d.is_dir()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=_inert,
    )
    env.filters["md"] = textsafety.markdown_cell
    return env


def render(config: Config, name: str, **context: Any) -> str:
    """Render template ``name``; a broken user template is reported, not a traceback."""
    import jinja2

    try:
        template = environment(config, html=name.endswith(".html.j2")).get_template(name)
        return template.render(**context)
    except jinja2.TemplateNotFound:
        raise DataError(f"template {name!r} not found in {config.templates} or pm's own") from None
    except jinja2.TemplateError as error:
        where = getattr(error, "filename", None) or name
        line = getattr(error, "lineno", None)
        raise DataError(f"template {where}{f':{line}' if line else ''}: {error}") from None


def render_postmortem(config: Config, postmortem: Postmortem) -> str:
    """The body of a new postmortem: ``postmortem.md.j2`` with the incident's facts."""
    return render(
        config,
        "postmortem.md.j2",
        id=postmortem.id,
        title=postmortem.title,
        severity=postmortem.severity,
        impact=postmortem.impact,
        services=postmortem.services,
        tags=postmortem.tags,
        started=postmortem.started,
    )
