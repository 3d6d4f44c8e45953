"""Configuration: the repository's settings (``pm.location`` finds the repository).

Settings come from ``.pm.toml`` at the repository root, or ``[tool.pm]`` in
pyproject.toml. Every setting has a default, so a repository without configuration works.
An unknown key or a bad value is named in the error, with a suggestion for a misspelt
key.

Length: one short validator per setting and per table (severities, priorities, review,
recurring, site, people), each naming the key and the bad value; split up, the checks would no
longer sit beside the settings they guard.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pm.errors import ConfigError
from pm.records import datarecord, field, replace

if TYPE_CHECKING:
    from pm import slo

CONFIG_FILE = ".pm.toml"


@datarecord(frozen=True)
class Severity:
    """One severity level: whether it obliges the team to write and review a postmortem,
    when that review is due, and when an incident left active is stale.

    The review is due ``review_hours`` after the resolution, or, when
    ``review_business_days`` is set, that many weekdays (Monday to Friday) after the day
    of the resolution. ``stale_hours`` None means the default (``stale_after``); 0 means
    never stale.
    """

    name: str
    requires_postmortem: bool
    review_hours: int
    review_business_days: int | None = None
    stale_hours: int | None = None

    @property
    def stale_after(self) -> int:
        """Hours an incident may stay active before ``pm overdue`` calls it stale (0: never):
        72 for a severity that requires a postmortem, 336 (14 days) for one that does not."""
        if self.stale_hours is not None:
            return self.stale_hours
        return DEFAULT_STALE_HOURS if self.requires_postmortem else DEFAULT_STALE_HOURS_MINOR


DEFAULT_REVIEW_HOURS = 48
DEFAULT_STALE_HOURS = 72
DEFAULT_STALE_HOURS_MINOR = 14 * 24
DEFAULT_SEVERITIES = (
    Severity("SEV-1", True, DEFAULT_REVIEW_HOURS, stale_hours=DEFAULT_STALE_HOURS),
    Severity("SEV-2", True, DEFAULT_REVIEW_HOURS, stale_hours=DEFAULT_STALE_HOURS),
    Severity("SEV-3", False, DEFAULT_REVIEW_HOURS, stale_hours=DEFAULT_STALE_HOURS_MINOR),
)
# What a postmortem review needs written: each group is satisfied by any one of its
# headings. ``pm review`` refuses without them and ``pm lint`` reports them missing;
# ``[review] required`` replaces them.
DEFAULT_REVIEW_REQUIRED: tuple[tuple[str, ...], ...] = (
    ("Summary",),
    ("Root Cause",),
    ("Contributing Factors", "What Went Poorly"),
)
DEFAULT_PRIORITIES = {"P0": 7, "P1": 30, "P2": 90}
# The sections of ``pm site`` that can be left out; the index of postmortems is always built.
SITE_PAGES = ("postmortems", "actions", "reports", "causes", "services")


@datarecord(frozen=True)
class SiteConfig:
    """``[site]``: how ``pm site`` builds the website (and how HTML reports link out)."""

    title: str = "Postmortems"
    url: str = ""  # where the site is published, for links from reports to its pages
    repository_url: str = ""  # the repository on GitHub or GitLab: edit and history links
    branch: str = "main"
    ticket_url: str = ""  # a pattern with {ticket}: https://tracker.example.com/browse/{ticket}
    pages: tuple[str, ...] = SITE_PAGES
    output: str = "_site"
    templates: str | None = None  # a folder for the site's templates; default: ``templates``


@datarecord(frozen=True)
class Recurring:
    """``[recurring]``: how recurring causes are found (see ``pm.similar.Tuning``).

    ``threshold`` None means "from the repository's own similarity distribution";
    ``causes`` is the taxonomy that ``causes:`` in the front matter may use (empty: any).
    """

    threshold: float | None = None
    spread: float = 3.0
    neighbours: int = 5
    causes: tuple[str, ...] = ()
    support: int = 3
    link: float = 0.7
    weak: float = 0.5


@datarecord(frozen=True)
class Person:
    """``[people]``: where one action-item owner is reached (each may be empty): a Slack
    member id for ``<@U123>`` mentions, a Teams name or address, an email address, and
    their user names on GitHub, GitLab and Jira (``pm action export`` assigns issues)."""

    slack: str = ""
    teams: str = ""
    email: str = ""
    github: str = ""
    gitlab: str = ""
    jira: str = ""

    def tracker_user(self, tracker: str) -> str:
        """Their user name on ``tracker`` (github, gitlab, jira); "" when not configured."""
        return str(getattr(self, tracker, "")) if tracker in TRACKER_USER_KEYS else ""


PERSON_KEYS = ("slack", "teams", "email", "github", "gitlab", "jira")
TRACKER_USER_KEYS = ("github", "gitlab", "jira")
# A user name on a tracker: GitHub's rule (letters, digits, inner hyphens, up to 39), and
# one word for GitLab (also dots and underscores) and Jira (a user name or account id).
_TRACKER_USER = {
    "github": r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})",
    "gitlab": r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}",
    "jira": r"[^\s<>,]{1,128}",
}


@datarecord(frozen=True)
class Config:
    """Settings for one repository; ``root`` is the folder the config was found in."""

    root: Path
    directory: str = "postmortems"
    severities: tuple[Severity, ...] = DEFAULT_SEVERITIES
    priorities: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PRIORITIES))
    escalation_days: int = 7
    timezone: str = "UTC"
    # Where ``timezone`` came from: "config", "TZ", "/etc/localtime", "/etc/timezone", or
    # "" (not found: UTC, and ``timezone_problem`` says why); "default" for Config(...).
    timezone_source: str = "default"
    timezone_problem: str = ""
    review_required: tuple[tuple[str, ...], ...] = DEFAULT_REVIEW_REQUIRED
    review_attendees: tuple[str, ...] = ()  # invited to every review (pm review schedule)
    commit: bool = True
    templates: str = "templates"
    blameless_names: tuple[str, ...] = ()
    lint_disable: tuple[str, ...] = ()
    site: SiteConfig = field(default_factory=SiteConfig)
    source: Path | None = None
    recurring: Recurring = field(default_factory=Recurring)
    people: dict[str, Person] = field(default_factory=dict)  # keys: owner names, lower case
    # ``[overdue] require_evidence``: priorities whose done items need a fixing commit
    require_evidence: tuple[str, ...] = ()
    slos: tuple[slo.Slo, ...] = ()  # [slo.SERVICE]: error budgets (pm.slo)
    # ``[services.NAME] paths``: the files of each service (``pm recall``, ``pm.pathglob``)
    services: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def person(self, owner: str) -> Person:
        """Where ``owner`` is reached (case and a leading ``@`` do not matter); empty
        when ``[people]`` does not name them."""
        return self.people.get(owner.strip().lstrip("@").lower(), Person())

    @property
    def postmortems_dir(self) -> Path:
        return self.root / self.directory

    @property
    def templates_dir(self) -> Path:
        return self.root / self.templates

    def severity(self, name: str) -> Severity | None:
        """The configured severity called ``name``, or None when the config does not list it."""
        for severity in self.severities:
            if severity.name == name:
                return severity
        return None

    def rule_for(self, name: str) -> Severity:
        """The rules that apply to a postmortem of severity ``name``: the one answer pm uses.

        A severity the configuration does not list (a hand-edited ``SEV-0``, a level removed
        from the config later) is treated as requiring a postmortem review, due after the
        default hours: the safe answer, so nothing serious escapes review by a typo.
        """
        return self.severity(name) or Severity(name, True, DEFAULT_REVIEW_HOURS)

    def requires_review(self, name: str) -> bool:
        """Whether a postmortem of severity ``name`` must be reviewed before it is closed."""
        return self.rule_for(name).requires_postmortem

    @property
    def severity_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.severities)


def load_config(start: Path | None = None) -> Config:
    """Find the repository root from ``start`` (default: cwd) and read its configuration.

    Without a ``timezone`` setting, the zone is the system's (``pm.localzone``).
    """
    from pm.location import find_repository_root

    cwd = Path.cwd() if start is None else start
    config = _load(find_repository_root(cwd))
    if config.timezone_source == "config":
        return config
    from pm.localzone import detect

    system = detect()
    return replace(
        config,
        timezone=system.name,
        timezone_source=system.source,
        timezone_problem=system.problem,
    )


def _load(root: Path) -> Config:
    dotfile = root / CONFIG_FILE
    if dotfile.is_file():
        return parse_config(root, _read_toml(dotfile), dotfile)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("pm")
        if isinstance(table, dict):
            return parse_config(root, table, pyproject)
    return Config(root=root)


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only where there is a config file to read

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path.name}: invalid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path.name}: cannot read: {error.strerror}") from None


_TOP_KEYS = (
    "directory",
    "severities",
    "priorities",
    "escalation_days",
    "timezone",
    "commit",
    "templates",
    "blameless",
    "lint",
    "recurring",
    "review",
    "site",
    "people",
    "slo",
    "services",
    "overdue",
)


def parse_config(root: Path, data: dict[str, Any], source: Path) -> Config:
    """Validate a raw TOML table into a ``Config``; errors name the key and the value."""
    where = source.name
    for key in data:
        if key not in _TOP_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}{_did_you_mean(key, _TOP_KEYS)}")
    kwargs: dict[str, Any] = {"root": root, "source": source}
    if "directory" in data:
        kwargs["directory"] = _relative_dir(where, "directory", data["directory"])
    if "templates" in data:
        kwargs["templates"] = _relative_dir(where, "templates", data["templates"])
    if "escalation_days" in data:
        kwargs["escalation_days"] = _non_negative_int(
            where, "escalation_days", data["escalation_days"]
        )
    if "commit" in data:
        if not isinstance(data["commit"], bool):
            raise ConfigError(f"{where}: commit must be true or false, not {data['commit']!r}")
        kwargs["commit"] = data["commit"]
    if "timezone" in data:
        kwargs["timezone"] = _timezone(where, data["timezone"])
        kwargs["timezone_source"] = "config"
    if "severities" in data:
        kwargs["severities"] = _severities(where, data["severities"])
    if "priorities" in data:
        kwargs["priorities"] = _priorities(where, data["priorities"])
    for key, name, parse in _TABLES:
        if key in data:
            kwargs[name] = parse(where, data[key])
    kwargs["review_attendees"] = _attendees(where, data.get("review"), kwargs)
    _known_priorities(where, kwargs)
    return Config(**kwargs)


def _did_you_mean(key: str, choices: tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(key, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _relative_dir(where: str, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} must be a folder name, not {value!r}")
    path = Path(value)
    if path.is_absolute() or ".." in path.parts:
        raise ConfigError(f"{where}: {key} must be a path inside the repository, not {value!r}")
    return value.strip("/")


def _non_negative_int(where: str, key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{where}: {key} must be a whole number >= 0, not {value!r}")
    return value


def _timezone(where: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: timezone must be a name like 'Europe/Berlin', not {value!r}")
    if value == "UTC":
        return value  # the default, known without loading the zone database
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: timezone {value!r} is not a known time zone") from None
    return value


_SEVERITY_KEYS = ("requires_postmortem", "review_hours", "review_business_days", "stale_hours")


def _severities(where: str, value: object) -> tuple[Severity, ...]:
    if not isinstance(value, dict) or not value:
        raise ConfigError(f"{where}: severities must be a table of severity tables")
    result = []
    for name, table in value.items():
        key = f"severities.{name}"
        if not name or any(c.isspace() for c in name):
            raise ConfigError(f"{where}: severity name {name!r} must be one word")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: {key} must be a table, not {table!r}")
        for sub in table:
            if sub not in _SEVERITY_KEYS:
                hint = _did_you_mean(sub, _SEVERITY_KEYS)
                raise ConfigError(f"{where}: unknown key {key}.{sub}{hint}")
        requires = table.get("requires_postmortem", False)
        if not isinstance(requires, bool):
            raise ConfigError(
                f"{where}: {key}.requires_postmortem must be true or false, not {requires!r}"
            )
        hours = _non_negative_int(
            where, f"{key}.review_hours", table.get("review_hours", DEFAULT_REVIEW_HOURS)
        )
        business = table.get("review_business_days")
        if business is not None:
            if "review_hours" in table:
                raise ConfigError(
                    f"{where}: {key} sets both review_hours and review_business_days; keep one"
                )
            business = _non_negative_int(where, f"{key}.review_business_days", business)
        stale = table.get("stale_hours")
        if stale is not None:
            stale = _non_negative_int(where, f"{key}.stale_hours", stale)
        result.append(Severity(name, requires, hours, business, stale))
    return tuple(result)


def _priorities(where: str, value: object) -> dict[str, int]:
    if not isinstance(value, dict) or not value:
        raise ConfigError(f"{where}: priorities must be a table like {{P0 = 7, P1 = 30}}")
    return {
        name: _non_negative_int(where, f"priorities.{name}", days) for name, days in value.items()
    }


def _blameless(where: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, dict) or set(value) - {"names"}:
        raise ConfigError(f"{where}: blameless must be a table with one key, names")
    names = value.get("names", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{where}: blameless.names must be a list of strings, not {names!r}")
    return tuple(names)


def _lint(where: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, dict) or set(value) - {"disable"}:
        raise ConfigError(f"{where}: lint must be a table with one key, disable")
    rules = value.get("disable", [])
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        raise ConfigError(f"{where}: lint.disable must be a list of rule ids, not {rules!r}")
    return tuple(rules)


def _review(where: str, value: object) -> tuple[tuple[str, ...], ...]:
    """``[review] required``: groups of headings; each group needs one of them filled."""
    if not isinstance(value, dict) or set(value) - set(_REVIEW_KEYS):
        keys = [k for k in value if k not in _REVIEW_KEYS] if isinstance(value, dict) else []
        hint = _did_you_mean(str(keys[0]), _REVIEW_KEYS) if keys else ""
        raise ConfigError(f"{where}: review must be a table of required and attendees{hint}")
    groups = value.get("required", [list(g) for g in DEFAULT_REVIEW_REQUIRED])
    example = '[["Summary"], ["Root Cause", "5 Whys"]]'
    if not isinstance(groups, list):
        raise ConfigError(f"{where}: review.required must be a list like {example}")
    result: list[tuple[str, ...]] = []
    for given in groups:
        group = [given] if isinstance(given, str) else given  # "Summary": ["Summary"]
        if (
            not isinstance(group, list)
            or not group
            or not all(isinstance(h, str) and h.strip() and "\n" not in h for h in group)
        ):
            raise ConfigError(
                f"{where}: review.required must be a list of lists of headings like "
                f"{example}, not {group!r}"
            )
        result.append(tuple(" ".join(h.lstrip("#").split()) for h in group))
    return tuple(result)


_REVIEW_KEYS = ("required", "attendees")


def _attendees(where: str, review: object, kwargs: dict[str, Any]) -> tuple[str, ...]:
    """``[review] attendees``: names in ``[people]`` (with an email) or email addresses,
    invited to every review ``pm review schedule`` schedules (``review``: the table,
    already checked by ``_review``; ``kwargs``: the settings read so far, people too)."""
    from pm.invite import is_email

    if not isinstance(review, dict) or "attendees" not in review:
        return ()
    value = review["attendees"]
    example = '["alice", "sre-leads@example.com"]'
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: review.attendees must be a list like {example}")
    people: dict[str, Person] = kwargs.get("people", {})
    for entry in value:
        name = entry.strip().lstrip("@").lower()
        if "@" in entry.strip().lstrip("@"):
            if not is_email(entry.strip()):
                raise ConfigError(
                    f"{where}: review.attendees: {entry!r} is not an email address like "
                    "a@example.com"
                )
        elif not name or not people.get(name, Person()).email:
            raise ConfigError(
                f"{where}: review.attendees: {entry!r} has no email in [people] "
                f'({entry.strip() or "name"} = {{ email = "..." }}); or give an address'
            )
    return tuple(entry.strip() for entry in value)


_RECURRING_KEYS = ("threshold", "spread", "neighbours", "support", "link", "weak", "causes")


def _recurring(where: str, value: object) -> Recurring:
    """``[recurring]``: threshold ("auto" or a number in (0, 1]), spread, neighbours, support,
    link and weak (shares of the threshold, in (0, 1]), causes."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: recurring must be a table")
    for key in value:
        if key not in _RECURRING_KEYS:
            hint = _did_you_mean(key, _RECURRING_KEYS)
            raise ConfigError(f"{where}: unknown key recurring.{key}{hint}")
    threshold = value.get("threshold", "auto")
    if threshold == "auto":
        threshold = None
    elif (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not (0 < threshold <= 1)
    ):
        raise ConfigError(
            f'{where}: recurring.threshold must be "auto" or a number above 0 and up to 1, '
            f"not {threshold!r}"
        )
    spread = value.get("spread", Recurring.spread)
    if isinstance(spread, bool) or not isinstance(spread, int | float) or spread < 0:
        raise ConfigError(f"{where}: recurring.spread must be a number >= 0, not {spread!r}")
    neighbours = value.get("neighbours", Recurring.neighbours)
    if isinstance(neighbours, bool) or not isinstance(neighbours, int) or neighbours < 1:
        raise ConfigError(
            f"{where}: recurring.neighbours must be a whole number >= 1, not {neighbours!r}"
        )
    support = value.get("support", Recurring.support)
    if isinstance(support, bool) or not isinstance(support, int) or support < 1:
        raise ConfigError(
            f"{where}: recurring.support must be a whole number >= 1, not {support!r}"
        )
    shares: dict[str, float] = {}
    for key in ("link", "weak"):
        share = value.get(key, getattr(Recurring, key))
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            raise ConfigError(
                f"{where}: recurring.{key} must be a number above 0 and up to 1 (a share of "
                f"the threshold), not {share!r}"
            )
        shares[key] = float(share)
    causes = value.get("causes", [])
    if not isinstance(causes, list) or not all(
        isinstance(c, str) and c and not any(ch.isspace() or ch == "," for ch in c) for c in causes
    ):
        raise ConfigError(
            f"{where}: recurring.causes must be a list of one-word names, not {causes!r}"
        )
    return Recurring(
        threshold=None if threshold is None else float(threshold),
        spread=float(spread),
        neighbours=neighbours,
        causes=tuple(causes),
        support=support,
        link=shares["link"],
        weak=shares["weak"],
    )


_SITE_KEYS = (
    "title",
    "url",
    "repository_url",
    "branch",
    "ticket_url",
    "pages",
    "output",
    "templates",
)
_SITE_TEXTS = ("title", "url", "repository_url", "branch", "ticket_url")


def _site(where: str, value: object) -> SiteConfig:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: site must be a table ([site])")
    for key in value:
        if key not in _SITE_KEYS:
            raise ConfigError(f"{where}: unknown key site.{key}{_did_you_mean(key, _SITE_KEYS)}")
    kwargs: dict[str, Any] = {
        key: _site_text(where, key, value[key]) for key in _SITE_TEXTS if key in value
    }
    if "pages" in value:
        kwargs["pages"] = _site_pages(where, value["pages"])
    for key in ("output", "templates"):
        if key in value:
            kwargs[key] = _relative_dir(where, f"site.{key}", value[key])
    return SiteConfig(**kwargs)


def _site_text(where: str, key: str, value: object) -> str:
    if not isinstance(value, str) or any(ord(c) < 32 for c in value):
        raise ConfigError(f"{where}: site.{key} must be one line of text, not {value!r}")
    text = value.strip()
    if key in ("title", "branch") and not text:
        raise ConfigError(f"{where}: site.{key} must not be empty")
    if key in ("url", "repository_url", "ticket_url") and text:
        if not text.lower().startswith(("https://", "http://")):
            raise ConfigError(f"{where}: site.{key} must start with https://, not {text!r}")
        if key == "ticket_url" and "{ticket}" not in text:
            raise ConfigError(f"{where}: site.ticket_url must contain {{ticket}}")
    return text.rstrip("/") if key in ("url", "repository_url") else text


def _site_pages(where: str, pages: object) -> tuple[str, ...]:
    if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
        raise ConfigError(f"{where}: site.pages must be a list like {list(SITE_PAGES)}")
    for page in pages:
        if page not in SITE_PAGES:
            raise ConfigError(
                f"{where}: site.pages: unknown page {page!r}{_did_you_mean(page, SITE_PAGES)}"
            )
    return tuple(p for p in SITE_PAGES if p in pages)


def _services(where: str, value: object) -> dict[str, tuple[str, ...]]:
    """``[services.NAME] paths = ["src/payments/**"]``: each pattern checked (``pm.pathglob``)."""
    from pm.pathglob import compile_pattern

    if not isinstance(value, dict):
        raise ConfigError(f"{where}: services must be a table of [services.NAME] tables")
    found: dict[str, tuple[str, ...]] = {}
    for name, table in value.items():
        key = f"services.{name}"
        if not name or any(c.isspace() for c in name):
            raise ConfigError(f"{where}: service name {name!r} must be one word")
        if not isinstance(table, dict):
            raise ConfigError(f'{where}: {key} must be a table like {{ paths = ["src/**"] }}')
        for sub in table:
            if sub != "paths":
                hint = _did_you_mean(sub, ("paths",))
                raise ConfigError(f"{where}: unknown key {key}.{sub}{hint}")
        paths = table.get("paths")
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise ConfigError(
                f'{where}: {key}.paths must be a list of patterns like ["src/payments/**"], '
                f"not {paths!r}"
            )
        for pattern in paths:
            try:
                compile_pattern(pattern)
            except ValueError as error:
                raise ConfigError(f"{where}: {key}.paths: {pattern!r}: {error}") from None
        found[name] = tuple(paths)
    return found


# Settings that are tables of their own: config key, Config field, parser.
def _people(where: str, value: object) -> dict[str, Person]:
    """``[people]``: ``alice = { slack = "U123", teams = "...", email = "..." }``."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: people must be a table")
    people: dict[str, Person] = {}
    for name, entry in value.items():
        if not isinstance(entry, dict):
            raise ConfigError(
                f'{where}: people.{name} must be a table like {{ email = "a@example.com" }}, '
                f"not {entry!r}"
            )
        for key, text in entry.items():
            if key not in PERSON_KEYS:
                hint = _did_you_mean(key, PERSON_KEYS)
                raise ConfigError(f"{where}: unknown key people.{name}.{key}{hint}")
            if not isinstance(text, str) or any(ch in text for ch in "\r\n<>,"):
                raise ConfigError(
                    f"{where}: people.{name}.{key} must be one line of text, not {text!r}"
                )
            if key in _TRACKER_USER and text and not re.fullmatch(_TRACKER_USER[key], text):
                raise ConfigError(
                    f"{where}: people.{name}.{key} must be a {key} user name, not {text!r}"
                )
        people[name.strip().lstrip("@").lower()] = Person(**entry)
    return people


def _overdue(where: str, value: object) -> tuple[str, ...]:
    """``[overdue] require_evidence = ["P0"]``: done items of these priorities need the
    evidence of ``pm action verify`` (else ``pm overdue`` reports them)."""
    if not isinstance(value, dict) or set(value) - {"require_evidence"}:
        keys = [k for k in value if k != "require_evidence"] if isinstance(value, dict) else []
        hint = _did_you_mean(str(keys[0]), ("require_evidence",)) if keys else ""
        raise ConfigError(f"{where}: overdue must be a table with one key, require_evidence{hint}")
    names = value.get("require_evidence", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(
            f'{where}: overdue.require_evidence must be a list of priorities like ["P0"], '
            f"not {names!r}"
        )
    return tuple(names)


def _known_priorities(where: str, kwargs: dict[str, Any]) -> None:
    """``[overdue] require_evidence`` names priorities the configuration has."""
    for name in kwargs.get("require_evidence", ()):
        if name not in kwargs.get("priorities", DEFAULT_PRIORITIES):
            raise ConfigError(f"{where}: overdue.require_evidence: unknown priority {name!r}")


def _slos(where: str, value: object) -> tuple[slo.Slo, ...]:
    """``[slo]``, read by ``pm.slo`` (imported only for a configuration that has one)."""
    from pm import slo

    return slo.parse(where, value)


_TABLES: tuple[tuple[str, str, Any], ...] = (
    ("blameless", "blameless_names", _blameless),
    ("lint", "lint_disable", _lint),
    ("recurring", "recurring", _recurring),
    ("review", "review_required", _review),
    ("site", "site", _site),
    ("people", "people", _people),
    ("slo", "slos", _slos),
    ("services", "services", _services),
    ("overdue", "require_evidence", _overdue),
)
