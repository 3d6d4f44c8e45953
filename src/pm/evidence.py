"""Follow-ups closed by the code that fixes them: evidence on action items.

No I/O. A commit in any repository that carries the trailer ``Pm-Action: <id>#<n>``
says it does action item ``n`` of postmortem ``id``. ``pm action verify`` reads such
commits from a branch (``gitrepo.trailer_log``), and ``judge`` decides, for one item,
what the branch proves now:

- an open item named by a commit on the branch is done, with the evidence
  ``{repo, commit, date}`` (the earliest such commit that is not reverted);
- a done item without evidence that a commit names gets the evidence;
- an item whose evidence commit was reverted (a later commit on the branch says
  ``This reverts commit <sha>``, and that revert is not itself reverted), or is no
  longer on the branch (a force push), is open again, its evidence kept and marked
  ``withdrawn`` with the reason;
- anything else is left as it is, so a second run changes nothing. An item reopened by
  hand while its evidence stands is not closed again by the same commit.

The evidence lives in the item's front matter as ``evidence:`` (kept in
``ActionItem.extra`` by ``model.py``, so it round-trips like other keys).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from pm.actions import reopen_for_follow_up
from pm.model import EVIDENCE, ActionItem, Postmortem
from pm.records import NamedTuple, datarecord, field

TRAILER = "Pm-Action"


@datarecord(frozen=True)
class Evidence:
    """The commit that did an item: where (``repo``), which, when (committer date, UTC),
    and, when it no longer counts, why (``withdrawn``)."""

    repo: str
    commit: str
    date: datetime
    withdrawn: str | None = None

    def mapping(self) -> dict[str, Any]:
        data: dict[str, Any] = {"repo": self.repo, "commit": self.commit, "date": self.date}
        if self.withdrawn:
            data["withdrawn"] = self.withdrawn
        return data


def evidence_of(item: ActionItem) -> Evidence | None:
    """The item's ``evidence:``; None when it has none or it is not a mapping with a
    repo, a commit and a date (a hand edit pm cannot read is left alone)."""
    raw = item.extra.get(EVIDENCE)
    if not isinstance(raw, dict):
        return None
    repo, commit, when = raw.get("repo"), raw.get("commit"), raw.get("date")
    if not isinstance(repo, str) or not isinstance(commit, str) or not commit:
        return None
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(when, datetime):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    withdrawn = raw.get("withdrawn")
    return Evidence(repo, commit, when.astimezone(UTC), str(withdrawn) if withdrawn else None)


def parse_trailer(value: str) -> tuple[str, int] | None:
    """``2024-08-05-checkout-outage#3`` as (id, 3); None when it is not of that shape."""
    ref, hash_sign, number = value.strip().rpartition("#")
    if not hash_sign or not ref or not number.isascii() or not number.isdigit():
        return None
    return ref.strip(), int(number)


@datarecord(frozen=True)
class Fix:
    """A commit on the branch naming an item in a ``Pm-Action`` trailer."""

    commit: str
    date: datetime


@datarecord
class Branch:
    """What one branch of one repository says: the commits naming each item (oldest
    first), which commits are reverted (by which revert), and which of the evidence
    commits pm recorded are no longer on it."""

    repo: str
    name: str
    fixes: dict[tuple[str, int], list[Fix]] = field(default_factory=dict)
    reverted: dict[str, str] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)

    def live(self, postmortem_id: str, number: int) -> list[Fix]:
        """The commits naming the item that are not reverted, oldest first."""
        found = self.fixes.get((postmortem_id, number), [])
        return [fix for fix in found if fix.commit not in self.reverted]


def effective_reverts(reverts: list[tuple[str, str]]) -> dict[str, str]:
    """``{reverted commit: revert}`` for the reverts that stand: a revert that is itself
    reverted (a reapply) does not count. Abbreviated shas match by prefix."""
    by_revert: dict[str, list[str]] = {}
    for revert, reverted in reverts:
        by_revert.setdefault(revert, []).append(reverted)

    def full(sha: str) -> str:
        return next((r for r in by_revert if r.startswith(sha)), sha)

    memo: dict[str, bool] = {}

    def stands(revert: str, depth: int = 0) -> bool:
        """A revert stands unless a revert of it stands."""
        if revert not in memo:
            undoing = [
                r for r, targets in by_revert.items() if any(revert.startswith(t) for t in targets)
            ]
            memo[revert] = depth > 50 or not any(stands(r, depth + 1) for r in undoing)
        return memo[revert]

    result: dict[str, str] = {}
    for revert, targets in by_revert.items():
        if stands(revert):
            for target in targets:
                result[full(target)] = revert
    return result


def short_sha(commit: str) -> str:
    return commit[:12]


class Verdict(NamedTuple):
    """What ``judge`` changed: the commit subject's detail, the body lines, what the item
    is now (``done``, ``evidence``, ``reopened``, ``withdrawn``) and why, for people."""

    detail: str
    body: list[str]
    kind: str
    why: str


def judge(
    postmortem: Postmortem,
    number: int,
    branch: Branch,
    day_of: Callable[[datetime], date],
) -> Verdict | None:
    """Change item ``number`` to what ``branch`` proves; None when it stays as it is.
    ``day_of`` gives a commit's date in the team's zone (the day the item was done).
    An item reopened on a closed postmortem opens the postmortem again for it."""
    item = postmortem.action(number)
    verdict = _judge(postmortem.id, item, branch, day_of)
    if verdict is not None and verdict.kind == "reopened":
        moved = reopen_for_follow_up(postmortem)
        if moved:
            verdict.body.append(f"Status: {moved} (a fix was withdrawn after the close)")
    return verdict


def _judge(
    postmortem_id: str,
    item: ActionItem,
    branch: Branch,
    day_of: Callable[[datetime], date],
) -> Verdict | None:
    current = evidence_of(item)
    where = f"{branch.repo} {branch.name}"
    if current is not None and current.repo == branch.repo and current.withdrawn is None:
        revert = branch.reverted.get(current.commit)
        if revert is not None:
            return _withdraw(item, current, f"{short_sha(current.commit)} was reverted by "
                             f"{short_sha(revert)} on {where}")  # fmt: skip
        if current.commit in branch.gone:
            return _withdraw(item, current, f"{short_sha(current.commit)} is no longer on {where}")
    live = branch.live(postmortem_id, item.number)
    if not live:
        return None
    fix = live[0]
    stands = current is not None and current.withdrawn is None
    if item.is_open:
        if stands and current is not None and current.commit == fix.commit:
            return None  # reopened by hand while its evidence stands: the person decides
        item.status, item.done, item.reason = "done", day_of(fix.date), None
        _record(item, Evidence(branch.repo, fix.commit, fix.date))
        return Verdict(
            f"#{item.number} done by {short_sha(fix.commit)}",
            [f"Evidence: {fix.commit} in {where} ({fix.date.isoformat()})"],
            "done",
            f"{short_sha(fix.commit)} on {where}",
        )
    if item.status == "done" and not stands:
        _record(item, Evidence(branch.repo, fix.commit, fix.date))
        return Verdict(
            f"#{item.number} evidence {short_sha(fix.commit)}",
            [f"Evidence: {fix.commit} in {where} ({fix.date.isoformat()})"],
            "evidence",
            f"{short_sha(fix.commit)} on {where}",
        )
    return None


def _record(item: ActionItem, evidence: Evidence) -> None:
    item.extra[EVIDENCE] = evidence.mapping()


def _withdraw(item: ActionItem, evidence: Evidence, reason: str) -> Verdict:
    """The evidence no longer counts: keep it, marked, and open the item again."""
    _record(item, Evidence(evidence.repo, evidence.commit, evidence.date, reason))
    if item.status != "done":  # already reopened (or dropped) by hand
        body = [f"Reason: {reason}"]
        return Verdict(f"#{item.number} evidence withdrawn", body, "withdrawn", reason)
    item.status, item.done, item.reason = "open", None, None
    return Verdict(f"#{item.number} reopened", [f"Reason: {reason}"], "reopened", reason)
