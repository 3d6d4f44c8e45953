"""Links out of pm's HTML: tickets, repository files, edits, history, commits, site pages.

Built from ``[site]`` in the configuration. Every method answers None when there is no
address to link to (no repository URL configured, a ticket that is not a URL and no
``ticket_url`` pattern), and templates then print the text without a link.

Repository links follow GitHub's layout (``/blob/main/path``), or GitLab's
(``/-/blob/main/path``) when the host name says gitlab.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from pm.config import Config, SiteConfig
from pm.records import datarecord


def is_web_url(text: str) -> bool:
    """An absolute http(s) address with a host, and nothing a browser would act on."""
    if any(ord(c) < 33 or c in "\"'<>\\`" for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


@datarecord(frozen=True)
class WebLinks:
    site: SiteConfig
    directory: str = "postmortems"

    @classmethod
    def of(cls, config: Config) -> WebLinks:
        return cls(config.site, config.directory)

    def _repository(self, kind: str, tail: str) -> str | None:
        base = self.site.repository_url
        if not base:
            return None
        host = urlsplit(base).netloc.lower()
        separator = "/-/" if "gitlab" in host else "/"
        return f"{base}{separator}{kind}/{tail}"

    def _branch_path(self, path: str) -> str:
        return f"{quote(self.site.branch, safe='')}/{quote(path, safe='/')}"

    def file(self, path: str) -> str | None:
        """The file (repository-relative path) on the repository's web page."""
        return self._repository("blob", self._branch_path(path))

    def edit(self, path: str) -> str | None:
        return self._repository("edit", self._branch_path(path))

    def history(self, path: str) -> str | None:
        return self._repository("commits", self._branch_path(path))

    def commit(self, sha: str) -> str | None:
        if not sha or not all(c in "0123456789abcdef" for c in sha):
            return None
        return self._repository("commit", sha)

    def ticket(self, ticket: str | None) -> str | None:
        """A ticket that is a web address links to itself; others through ``ticket_url``."""
        if not ticket:
            return None
        text = ticket.strip()
        if is_web_url(text):
            return text
        pattern = self.site.ticket_url
        if not pattern or not text:
            return None
        return pattern.replace("{ticket}", quote(text, safe=""))

    def page(self, postmortem_id: str) -> str | None:
        """The postmortem's page on the published site (``[site] url``)."""
        if not self.site.url:
            return None
        return f"{self.site.url}/postmortems/{quote(postmortem_id, safe='')}.html"

    def incident(self, postmortem_id: str) -> str | None:
        """Where an incident id in a report links: its site page, else its file, else None."""
        return self.page(postmortem_id) or self.file(
            f"{self.directory}/{postmortem_id[:4]}/{postmortem_id}.md"
        )
