"""Build a realistic repository of N postmortems, with one commit per postmortem.

Files are rendered by pm's own code (``pm.model`` and ``Store.render``), so they are
exactly what pm writes. The history is built with ``git fast-import`` in one pass rather
than by running pm N times (10,000 pm commits would take most of an hour):

    .venv/bin/python benchmarks/generate.py /tmp/pm-bench-10k            # 10,000
    .venv/bin/python benchmarks/generate.py /tmp/pm-bench-small -n 20

Everything is seeded and dated, so the same N gives the same repository every time.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pm.config import Config
from pm.lifecycle import slugify
from pm.model import ActionItem, Closure, Event, Postmortem, Review
from pm.store import Record, Store

AUTHOR = "Bench Author <bench@example.com>"
FIRST_DAY = date(2016, 1, 1)
DAYS = 3650  # incidents spread over ten years, so ten year folders

SERVICES = [
    "payments-api", "checkout", "postgres", "redis", "search", "auth", "cdn", "billing",
    "notifications", "inventory", "kafka", "gateway", "dns", "k8s-control-plane", "ledger",
    "mobile-api", "web-frontend", "email", "scheduler", "metrics",
]  # fmt: skip
TAGS = [
    "database", "deploy", "config", "capacity", "network", "certificate", "dependency",
    "third-party", "dns", "memory-leak", "timeout", "retry-storm", "data-loss", "security",
    "monitoring", "rollback", "feature-flag", "cache", "queue", "disk-full",
]  # fmt: skip
SYMPTOMS = [
    "returns 500s", "latency above SLO", "connection pool exhausted", "stale reads",
    "duplicate charges", "login failures", "queue backlog growing", "elevated error rate",
    "partial outage", "certificate expired", "timeouts from upstream", "disk full on primary",
    "memory leak after deploy", "DNS resolution failures", "slow page loads",
]  # fmt: skip
OWNERS = ["alice", "bob", "carol", "dan", "erin", "frank", "grace", "heidi", "ivan", "judy"]
SENTENCES = [
    "The {service} service began returning errors shortly after a routine {tag} change.",
    "Alerts fired for {service} about {n} minutes after the first customer reports arrived.",
    "The on-call engineer correlated the spike with a {tag} rollout and paused it.",
    "Retries from {other} amplified the load on {service} by roughly {n} times.",
    "A dashboard for {service} showed saturation, but no alert covered that signal.",
    "The runbook for {service} described an older topology and slowed mitigation.",
    "Traffic was shifted away from the affected region while {other} recovered.",
    "The change had passed review and staging, where the {tag} path was not exercised.",
    "Capacity headroom for {service} had shrunk over months without anyone noticing.",
    "Rolling back took {n} minutes because the pipeline rebuilt every artifact.",
    "Customers saw degraded checkout flows and support received {n} tickets.",
    "A feature flag let the team disable the new {tag} path without a deploy.",
    "The incident channel stayed focused and a single coordinator kept notes.",
    "Dependency {other} had no timeout configured, so requests piled up.",
    "We were lucky that the failure happened outside the peak traffic window.",
    "Synthetic checks for {service} kept passing because they hit a cached page.",
]
SECTIONS = [
    "Summary", "Impact", "Root Cause", "Contributing Factors", "What Went Well",
    "What Went Poorly", "Where We Got Lucky",
]  # fmt: skip
KINDS_BETWEEN = ["detected", "acknowledged", "identified", "note", "note", "mitigated"]


def postmortem(rng: random.Random, started: datetime, postmortem_id: str, title: str) -> Postmortem:
    """One postmortem with 4-8 timeline events, 0-5 action items, a realistic status."""
    services = rng.sample(SERVICES, rng.randint(1, 3))
    tags = rng.sample(TAGS, rng.randint(0, 3))
    severity = rng.choices(["SEV-1", "SEV-2", "SEV-3"], weights=[1, 3, 6])[0]
    n_events = rng.randint(4, 8)
    moment = started
    timeline = [Event(at=started, kind="started", text="Incident opened")]
    for _ in range(n_events - 2):
        moment += timedelta(minutes=rng.randint(2, 40))
        kind = rng.choice(KINDS_BETWEEN)
        timeline.append(Event(at=moment, kind=kind, text=_sentence(rng, services)[:120]))
    age_days = (datetime(2026, 1, 1, tzinfo=UTC) - started).days
    active = age_days < 3 and rng.random() < 0.5
    status = "active"
    if not active:
        moment += timedelta(minutes=rng.randint(5, 90))
        timeline.append(Event(at=moment, kind="resolved", text="Error rate back to baseline"))
        status = rng.choices(["resolved", "reviewed", "closed"], weights=[2, 3, 5])[0]
    actions = []
    for number in range(1, rng.randint(0, 5) + 1):
        priority = rng.choice(["P0", "P1", "P2"])
        due = started.date() + timedelta(days={"P0": 7, "P1": 30, "P2": 90}[priority])
        state = rng.choices(["open", "in-progress", "done", "wont-do"], weights=[3, 1, 5, 1])[0]
        if status == "closed" and state in ("open", "in-progress"):
            state = "done"
        actions.append(
            ActionItem(
                number=number,
                text=_sentence(rng, services)[:100],
                owner=rng.choice(OWNERS),
                priority=priority,
                due=due,
                status=state,
                ticket=f"https://tracker.example.com/OPS-{rng.randint(1000, 99999)}"
                if rng.random() < 0.5
                else None,
                done=due - timedelta(days=rng.randint(0, 5)) if state == "done" else None,
                reason="Superseded by a platform migration" if state == "wont-do" else None,
            )
        )
    review = Review()
    if severity != "SEV-3" and status != "active":
        review.due = (moment + timedelta(hours=48)).date()
        if status in ("reviewed", "closed"):
            review.held = moment + timedelta(days=1, hours=3)
    closed = Closure(at=moment + timedelta(days=2)) if status == "closed" else None
    return Postmortem(
        id=postmortem_id,
        title=title,
        severity=severity,
        status=status,
        impact=f"About {rng.randint(1, 60)}% of {services[0]} requests failed",
        services=services,
        tags=tags,
        review=review,
        closed=closed,
        timeline=timeline,
        actions=actions,
    )


def _sentence(rng: random.Random, services: list[str]) -> str:
    return rng.choice(SENTENCES).format(
        service=services[0],
        other=rng.choice(SERVICES),
        tag=rng.choice(TAGS),
        n=rng.randint(2, 45),
    )


def body(rng: random.Random, services: list[str]) -> str:
    """About 3 KB of prose in pm's sections, with the two generated-block markers."""
    parts: list[str] = []
    for section in SECTIONS:
        sentences = " ".join(_sentence(rng, services) for _ in range(rng.randint(3, 5)))
        parts.append(f"## {section}\n\n{sentences}\n")
        if section == "Impact":
            parts.append("## Timeline\n\n<!-- pm:begin timeline -->\n<!-- pm:end timeline -->\n")
    parts.append("## Action Items\n\n<!-- pm:begin actions -->\n<!-- pm:end actions -->\n")
    lessons = " ".join(_sentence(rng, services) for _ in range(3))
    parts.append(f"## Lessons Learned\n\n{lessons}\n")
    return "\n" + "\n".join(parts)


def files(count: int, root: Path, seed: int = 6) -> list[tuple[str, bytes, int, str]]:
    """(relative path, bytes, unix time, commit message) for each postmortem, oldest first."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    store = Store(Config(root=root))
    starts = sorted(
        datetime.combine(FIRST_DAY, datetime.min.time(), UTC)
        + timedelta(days=rng.randrange(DAYS), minutes=rng.randrange(24 * 60))
        for _ in range(count)
    )
    taken: set[str] = set()
    result = []
    for started in starts:
        service = rng.choice(SERVICES)
        title = f"{service} {rng.choice(SYMPTOMS)}"
        base = f"{started.date().isoformat()}-{slugify(title)}"
        postmortem_id, suffix = base, 2
        while postmortem_id in taken:
            postmortem_id, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(postmortem_id)
        item = postmortem(rng, started, postmortem_id, title)
        path = store.path_for(postmortem_id)
        record = Record.new_file(path, item, body(rng, item.services))
        data = store.render(record)
        message = (
            f"pm: open {postmortem_id} ({item.severity})\n\n"
            f"Pm-Id: {postmortem_id}\nPm-Operation: open\n"
        )
        relative = path.relative_to(root).as_posix()
        result.append((relative, data, int(started.timestamp()), message))
    return result


def fast_import_stream(entries: list[tuple[str, bytes, int, str]]) -> bytes:
    """A ``git fast-import`` stream: a first commit, then one commit per postmortem."""
    chunks: list[bytes] = []

    def commit(when: int, message: str, path: str, data: bytes) -> None:
        msg = message.encode()
        chunks.append(b"commit refs/heads/main\n")
        chunks.append(f"author {AUTHOR} {when} +0000\n".encode())
        chunks.append(f"committer {AUTHOR} {when} +0000\n".encode())
        chunks.append(b"data %d\n%s\n" % (len(msg), msg))
        chunks.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))

    first = int(datetime.combine(FIRST_DAY, datetime.min.time(), UTC).timestamp()) - 86400
    commit(first, "Start the postmortems repository\n", "README.md", b"# Postmortems\n")
    for path, data, when, message in entries:
        commit(when, message, path, data)
    return b"".join(chunks)


def build(target: Path, count: int) -> None:
    """Create ``target`` as a git repository holding ``count`` postmortems and commits."""
    if target.exists() and any(target.iterdir()):
        raise SystemExit(f"{target} exists and is not empty; remove it or pick another folder")
    target.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LC_ALL": "C"}

    def git(*args: str, stdin: bytes | None = None) -> None:
        subprocess.run(["git", *args], cwd=target, input=stdin, env=env, check=True)

    git("init", "--quiet", "--initial-branch=main")
    git("config", "user.name", "Bench Author")
    git("config", "user.email", "bench@example.com")
    git("config", "commit.gpgSign", "false")
    entries = files(count, target)
    git("fast-import", "--quiet", stdin=fast_import_stream(entries))
    git("reset", "--hard", "--quiet", "main")
    # Files written by checkout are "now"; age them so they are like files of any real
    # clone, and so pm's cache takes them (it skips files changed in the last seconds).
    past = time.time() - 3600
    for path, *_ in entries:
        os.utime(target / path, (past, past))
    git("update-index", "-q", "--refresh")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="an empty or missing folder")
    parser.add_argument("-n", "--count", type=int, default=10_000, help="postmortems (10,000)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    build(args.target, args.count)
    took = time.perf_counter() - started
    print(f"{args.count} postmortems and commits in {args.target} ({took:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
