"""``pm action verify``: read a branch for commits that name action items, and record
what it proves (``pm.evidence`` decides; ``Workspace.verify_action`` commits).

The repository read may be any one (a service's, checked out beside the postmortems in
CI), or the postmortems' own. Its name in the evidence is its ``origin`` URL (user and
password taken out), else its folder's name: the same repository checked out anywhere
with that remote gets the same name, so a second run finds its own evidence.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import TYPE_CHECKING

from pm import evidence
from pm.errors import RepoError, UsageError
from pm.model import Postmortem
from pm.records import datarecord, field

if TYPE_CHECKING:
    from pm.gitrepo import GitRepo, TrailerCommit
    from pm.workspace import Workspace


@datarecord
class Verified:
    """What a run did: the repository and branch read, the commits with trailers, each
    item changed (id, number, verdict), and each trailer pm could not use."""

    repo: str
    branch: str
    commits: int = 0
    changed: list[tuple[str, int, evidence.Verdict]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


_CREDENTIALS = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@")
_SCP = re.compile(r"^[^/@:]+@([^/:]+):(?!//)(.+)$")  # git@github.com:acme/payments.git


def repo_name(git: GitRepo) -> str:
    """The repository's name in evidence: its origin URL, else the name of its folder."""
    url = git.remote_url("origin")
    return web_name(url) if url else git.root.name


def web_name(url: str) -> str:
    """A remote URL as one name, however the clone spelled it: no user or password, no
    ``.git``, and ``git@host:path`` as ``https://host/path`` (CI checks out over https,
    people clone over ssh: the same repository gets the same name)."""
    url = url.strip()
    scp = _SCP.match(url)
    if scp:
        url = f"https://{scp.group(1)}/{scp.group(2)}"
    url = _CREDENTIALS.sub(r"\1", url).rstrip("/")
    return url.removesuffix(".git")


def verify(ws: Workspace, path: Path | None = None, branch: str | None = None) -> Verified:
    from pm.gitrepo import GitRepo

    folder = ws.config.root if path is None else path
    if not folder.is_dir():
        raise UsageError(f"--repo {folder}: no such folder")
    git = GitRepo.discover(folder)
    if git.shallow:
        raise RepoError(
            f"{git.root} is a shallow clone: pm cannot tell a fix that is gone from one it "
            "cannot see; fetch the whole history (git fetch --unshallow; GitHub Actions: "
            "actions/checkout with fetch-depth: 0)"
        )
    tip = git.commit_of(branch or "HEAD")
    label = branch or _branch_name(git)
    done = Verified(repo_name(git), label)
    found = evidence.Branch(done.repo, label)
    found.reverted = evidence.effective_reverts(git.reverts(tip))
    entries, _errors = ws.store.read_all()
    by_id = {entry.postmortem.id: entry.postmortem for entry in entries}
    trailers = git.trailer_log(tip, evidence.TRAILER)
    done.commits = len(trailers)
    _collect(trailers, by_id, found, done)
    on_branch = {commit.commit for commit in trailers}
    for postmortem in by_id.values():
        for item in postmortem.actions:
            recorded = evidence.evidence_of(item)
            if recorded is None or recorded.repo != done.repo or recorded.withdrawn:
                continue
            if recorded.commit not in on_branch and not git.is_ancestor(recorded.commit, tip):
                found.gone.add(recorded.commit)
    for postmortem in by_id.values():
        for number in dict.fromkeys(item.number for item in postmortem.actions):
            trial = copy.deepcopy(postmortem)
            if evidence.judge(trial, number, found, ws.day_of) is None:
                continue  # nothing to change: no lock taken, nothing written
            verdict = ws.verify_action(postmortem.id, number, found)
            if verdict is not None:
                done.changed.append((postmortem.id, number, verdict))
    return done


def _collect(
    trailers: list[TrailerCommit],
    by_id: dict[str, Postmortem],
    found: evidence.Branch,
    done: Verified,
) -> None:
    """The items the trailers name, into ``found.fixes``; the others into ``done.unknown``."""
    for commit in trailers:
        for value in commit.values:
            problem = _named(by_id, value)
            target = evidence.parse_trailer(value)
            if problem or target is None:
                done.unknown.append(
                    f"commit {evidence.short_sha(commit.commit)} names {value!r} in its "
                    f"{evidence.TRAILER} trailer: {problem}"
                )
                continue
            found.fixes.setdefault(target, []).append(evidence.Fix(commit.commit, commit.date))


def _branch_name(git: GitRepo) -> str:
    try:
        return git.current_branch()
    except RepoError:
        return "HEAD"


def _named(by_id: dict[str, Postmortem], value: str) -> str | None:
    """Why a trailer's value names no item; None when it names one."""
    target = evidence.parse_trailer(value)
    if target is None:
        return "not <postmortem id>#<number>"
    postmortem_id, number = target
    postmortem = by_id.get(postmortem_id)
    if postmortem is None:
        return "no such postmortem"
    if all(item.number != number for item in postmortem.actions):
        return f"{postmortem_id} has no action item {number}"
    return None
