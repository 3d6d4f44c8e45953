"""Regenerate ``examples/repo`` by running the real ``pm`` against a scratch repository.

The example is written by pm itself (its entry point, run in this process), so it is
always valid pm output. Each step pins the
clock (``PM_NOW``) and the commit dates, and names its author, so the files are the same
on every run. The prose sections are written into the files directly and committed with
plain git, as people do in their editor:

    .venv/bin/python examples/generate.py [TARGET]      # default: examples/repo

The story (see examples/README.md): the payment service's database went down on the first
Monday of five months in a row; each postmortem blamed what it saw (connection timeouts,
CPU at 100%, lock waits, checkout latency, 503s) and a restart fixed it. The sixth found
the cause, the monthly reconciliation report's query holding locks on the payments
tables, and links the other five as sharing its cause (`same_cause`). Four unrelated
incidents sit around them.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The day the example repository is "looked at": overdue items and late reviews are
# relative to this date (examples/README.md lists them).
AS_OF = "2024-09-30"

PEOPLE = {
    "alice": ("Alice Doe", "alice@example.com"),  # SRE, often on call
    "bob": ("Bob Ng", "bob@example.com"),  # payments engineer
    "carol": ("Carol Diaz", "carol@example.com"),  # database administrator
    "dan": ("Dan Park", "dan@example.com"),  # engineering manager, runs reviews
    "erin": ("Erin Moss", "erin@example.com"),  # platform engineer
}


@dataclass
class Step:
    """One thing a person did: a pm command, or prose written and committed with git."""

    clock: str  # when it was done (UTC, ISO 8601)
    who: str
    args: list[str] = field(default_factory=list)
    prose: dict[str, str] = field(default_factory=dict)
    ref: str = ""  # the postmortem the prose goes into (its date prefix)
    message: str = ""


def pm(clock: str, who: str, *args: str) -> Step:
    return Step(clock, who, list(args))


def write(clock: str, who: str, ref: str, message: str, **sections: str) -> Step:
    """Prose for the named sections (keyword = heading with underscores for spaces)."""
    prose = {name.replace("_", " "): text for name, text in sections.items()}
    return Step(clock, who, prose=prose, ref=ref, message=message)


def incident(
    *,
    ref: str,
    who: str,
    title: str,
    severity: str,
    services: list[str],
    tags: list[str],
    impact: str,
    started: str,
    detected: str,
    events: list[tuple[str, str, str]],
    resolved: tuple[str, str],
) -> list[Step]:
    """Open, timeline events (time, kind, text), resolve: the live part of an incident."""
    options = [opt for s in services for opt in ("--service", s)]
    options += [opt for t in tags for opt in ("--tag", t)]
    steps = [
        pm(
            f"{detected}:30Z",
            who,
            "open",
            title,
            "-s",
            severity,
            *options,
            "--impact",
            impact,
            "--started",
            started,
            "--detected",
            detected,
        )
    ]
    for at, kind, text in events:
        steps.append(pm(f"{at}:45Z", who, "event", ref, text, "-k", kind, "--at", at))
    at, text = resolved
    steps.append(pm(f"{at}:50Z", who, "resolve", ref, text, "--at", at))
    return steps


# --- 2024-01-15: the connection pool (kept from the first example) -------------------------

POOL = "2024-01-15"
STEPS: list[Step] = [
    *incident(
        ref=POOL,
        who="alice",
        title="Database connection pool exhausted",
        severity="SEV-1",
        services=["payments-api", "postgres"],
        tags=["database"],
        impact="Checkout failed for about 30% of requests for 2 hours",
        started="2024-01-15T14:05",
        detected="2024-01-15T14:12",
        events=[
            ("2024-01-15T14:15", "acknowledged", "On-call acknowledged the page"),
            (
                "2024-01-15T15:02",
                "identified",
                "Pool of 10 connections saturated by a traffic spike; requests queue and "
                "time out",
            ),
            ("2024-01-15T15:40", "mitigated", "Pool size raised from 10 to 50 and pods restarted"),
        ],
        resolved=("2024-01-15T16:05", "Error rate back to baseline"),
    ),
    write(
        "2024-01-16T10:00:00Z",
        "alice",
        POOL,
        "Postmortem: database connection pool exhausted",
        Summary="A traffic spike after a partner launch saturated payments-api's pool of 10 "
        "database connections. Requests queued for a connection and timed out; about 30% "
        "of checkouts failed for two hours until the pool was raised to 50.",
        Root_Cause="The pool size was a hard-coded default from the service template, sized "
        "for a tenth of today's traffic. Nothing measured how busy the pool was.",
        Contributing_Factors="- The dashboard showed database CPU and query time, both "
        "normal, which pointed the investigation away from the pool for 50 minutes.\n"
        "- Raising the pool needed a code change and a deploy.",
        What_Went_Well="The checkout error-rate alert fired within 7 minutes.",
        What_Went_Poorly="We looked at the database for an hour while the waiting happened "
        "in the client.",
        Lessons_Learned="Measure the queue in front of a resource, not only the resource.",
    ),
    pm("2024-01-16T10:30:00Z", "alice", "action", "add", POOL,
       "Alert when the pool is more than 80% busy for 5 minutes", "--owner", "alice", "-p", "P0"),
    pm("2024-01-16T10:31:00Z", "bob", "action", "add", POOL,
       "Make the pool size configurable per environment", "--owner", "bob", "--ticket", "PAY-101"),
    pm("2024-01-17T15:00:00Z", "dan", "review", POOL, "--at", "2024-01-17T14:00"),
    pm("2024-01-19T09:00:00Z", "alice", "action", "done", POOL, "1"),
    pm("2024-02-02T16:00:00Z", "bob", "action", "done", POOL, "2"),
    pm("2024-02-05T09:30:00Z", "dan", "close", POOL),
]  # fmt: skip

# --- 2024-02-12: expired TLS certificate (unrelated) ------------------------------------

TLS = "2024-02-12"
STEPS += [
    *incident(
        ref=TLS,
        who="erin",
        title="Expired TLS certificate on api.example.com",
        severity="SEV-2",
        services=["edge-proxy"],
        tags=["tls", "certificates"],
        impact="API clients failed TLS handshakes for 77 minutes; mobile apps showed errors",
        started="2024-02-12T07:58",
        detected="2024-02-12T08:20",
        events=[
            ("2024-02-12T08:24", "acknowledged", "Platform on-call paged by support"),
            ("2024-02-12T08:40", "identified", "Certificate for api.example.com expired 07:58"),
            ("2024-02-12T09:05", "mitigated", "Renewed certificate deployed to the edge proxies"),
        ],
        resolved=("2024-02-12T09:15", "Handshake errors back to zero"),
    ),
    write(
        "2024-02-13T11:00:00Z",
        "erin",
        TLS,
        "Postmortem: expired certificate",
        Summary="The certificate for api.example.com expired at 07:58 UTC. Every API client "
        "failed its TLS handshake until a renewed certificate reached the edge proxies.",
        Root_Cause="The certificate was renewed by hand once a year from a calendar "
        "reminder, which went to a mailbox nobody reads since the team reorganised.",
        Contributing_Factors="No monitor checked certificate expiry; the first signal was "
        "customers writing to support, 22 minutes after expiry.",
        Lessons_Learned="Anything renewed by hand once a year will eventually not be.",
    ),
    pm("2024-02-13T11:30:00Z", "erin", "action", "add", TLS,
       "Issue certificates through cert-manager with automatic renewal", "--owner", "erin"),
    pm("2024-02-13T11:31:00Z", "erin", "action", "add", TLS,
       "Alert 30 days before any public certificate expires", "--owner", "alice", "-p", "P0"),
    pm("2024-02-14T16:00:00Z", "dan", "review", TLS),
    pm("2024-02-16T10:00:00Z", "alice", "action", "done", TLS, "2"),
    pm("2024-03-01T10:00:00Z", "erin", "action", "done", TLS, "1"),
    pm("2024-03-04T17:00:00Z", "dan", "close", TLS),
]  # fmt: skip

# --- The payment database, first Monday of every month ----------------------------------

TIMEOUTS = "2024-03-04"
STEPS += [
    *incident(
        ref=TIMEOUTS,
        who="alice",
        title="Checkout connection timeouts",
        severity="SEV-2",
        services=["payments-api"],
        tags=["checkout", "timeouts"],
        impact="About 12% of checkouts timed out for 58 minutes",
        started="2024-03-04T09:12",
        detected="2024-03-04T09:15",
        events=[
            ("2024-03-04T09:17", "acknowledged", "Checkout error-rate alert acknowledged"),
            (
                "2024-03-04T09:40",
                "identified",
                "payments-api waits 30 s for database connections, then times out",
            ),
            ("2024-03-04T10:02", "mitigated", "Restarted the payments-api pods"),
        ],
        resolved=("2024-03-04T10:10", "Timeouts stopped after the restart"),
    ),
    write(
        "2024-03-05T14:00:00Z",
        "bob",
        TIMEOUTS,
        "Postmortem: checkout connection timeouts",
        Summary="Checkout requests timed out waiting for database connections on Monday "
        "morning. Restarting the payments-api pods cleared it.",
        Root_Cause="Monday-morning traffic used up the payments-api connection pool of 50; "
        "connections seemed to be held longer than usual.",
        Contributing_Factors="The pool-busy alert from January fired, but at the same "
        "time as ten other alerts.",
    ),
    pm("2024-03-05T14:30:00Z", "bob", "action", "add", TIMEOUTS,
       "Raise the payments-api pool from 50 to 80", "--owner", "bob"),
    pm("2024-03-05T14:31:00Z", "alice", "action", "add", TIMEOUTS,
       "Show connection wait time on the checkout dashboard", "--owner", "alice", "-p", "P2"),
    pm("2024-03-06T15:00:00Z", "dan", "review", TIMEOUTS),
    pm("2024-03-07T11:00:00Z", "bob", "action", "done", TIMEOUTS, "1"),
    pm("2024-03-19T11:00:00Z", "alice", "action", "done", TIMEOUTS, "2"),
    pm("2024-03-20T09:00:00Z", "dan", "close", TIMEOUTS),
]  # fmt: skip

CPU = "2024-04-01"
STEPS += [
    *incident(
        ref=CPU,
        who="carol",
        title="Payments database CPU at 100%",
        severity="SEV-2",
        services=["payments-db"],
        tags=["database", "cpu"],
        impact="Checkout slow or failing for about 70 minutes during the spring campaign",
        started="2024-04-01T09:05",
        detected="2024-04-01T09:09",
        events=[
            ("2024-04-01T09:12", "acknowledged", "DBA on-call looking at payments-db"),
            (
                "2024-04-01T09:35",
                "identified",
                "CPU at 100% with 400 active sessions; spring campaign traffic suspected",
            ),
            ("2024-04-01T09:58", "mitigated", "Failed over payments-db to the standby"),
        ],
        resolved=("2024-04-01T10:15", "CPU at 35% on the new primary"),
    ),
    write(
        "2024-04-02T10:00:00Z",
        "carol",
        CPU,
        "Postmortem: payments-db CPU",
        Summary="payments-db ran at 100% CPU for almost an hour on the morning the spring "
        "campaign email went out. A failover to the standby brought it back.",
        Root_Cause="The campaign's traffic exceeded what an 8-vCPU instance can serve.",
        What_Went_Poorly="We did not know the database's capacity, so we could not say "
        "whether the campaign was too big for it.",
    ),
    pm("2024-04-02T10:30:00Z", "carol", "action", "add", CPU,
       "Scale payments-db from 8 to 16 vCPUs", "--owner", "carol", "-p", "P0",
       "--ticket", "DBA-77"),
    pm("2024-04-02T10:31:00Z", "bob", "action", "add", CPU,
       "Load-test checkout at twice the campaign traffic", "--owner", "bob", "-p", "P2"),
    pm("2024-04-03T16:00:00Z", "dan", "review", CPU),
    pm("2024-04-05T22:00:00Z", "carol", "action", "done", CPU, "1"),
    pm("2024-05-14T10:00:00Z", "bob", "action", "start", CPU, "2"),
    pm("2024-06-10T10:00:00Z", "bob", "action", "wont-do", CPU, "2", "--reason",
       "A 3x load test passed on the old instance size; capacity was not the problem"),
    pm("2024-06-10T11:00:00Z", "dan", "close", CPU),
]  # fmt: skip

LOCKS = "2024-05-06"
STEPS += [
    *incident(
        ref=LOCKS,
        who="carol",
        title="Lock waits on payments-db",
        severity="SEV-2",
        services=["payments-db"],
        tags=["database", "locks"],
        impact="Checkout latency up to 3 s for 20 minutes; no failed payments",
        started="2024-05-06T09:02",
        detected="2024-05-06T09:20",
        events=[
            (
                "2024-05-06T09:25",
                "identified",
                "Sessions waiting on row locks in ledger_entries; the blocker had ended "
                "before we could see its query",
            ),
        ],
        resolved=("2024-05-06T09:40", "Restarted pgbouncer; lock waits cleared"),
    ),
    pm("2024-05-06T11:00:00Z", "dan", "set", LOCKS, "severity", "SEV-3"),
    write(
        "2024-05-06T11:30:00Z",
        "carol",
        LOCKS,
        "Notes on the lock waits",
        Summary="Checkout writes waited on row locks in ledger_entries for 20 minutes. "
        "Restarting pgbouncer cleared the waits. Downgraded to SEV-3: no payment failed.",
        Root_Cause="Unknown. A long transaction held the locks; it had ended before we "
        "could see its query. Logging lock waits will name it next time.",
    ),
    pm("2024-05-06T11:05:00Z", "carol", "action", "add", LOCKS,
       "Log lock waits longer than 5 s (log_lock_waits)", "--owner", "carol", "-p", "P2"),
    pm("2024-05-07T09:00:00Z", "carol", "action", "done", LOCKS, "1"),
    pm("2024-05-07T09:10:00Z", "carol", "close", LOCKS),
]  # fmt: skip

LATENCY = "2024-06-03"
STEPS += [
    *incident(
        ref=LATENCY,
        who="alice",
        title="Checkout latency above 5 seconds",
        severity="SEV-2",
        services=["payments-api", "payments-db"],
        tags=["checkout", "latency"],
        impact="p99 checkout latency 5-8 s for 70 minutes; about 4% of carts abandoned",
        started="2024-06-03T09:08",
        detected="2024-06-03T09:14",
        events=[
            ("2024-06-03T09:15", "acknowledged", "Latency alert acknowledged"),
            (
                "2024-06-03T09:50",
                "identified",
                "Packet loss between zones suspected from the network dashboard",
            ),
            ("2024-06-03T10:05", "mitigated", "Restarted payments-db; p99 back to 300 ms"),
        ],
        resolved=("2024-06-03T10:20", "Latency normal for 15 minutes"),
    ),
    write(
        "2024-06-04T13:00:00Z",
        "alice",
        LATENCY,
        "Postmortem: checkout latency",
        Summary="Checkout p99 latency rose to 5-8 seconds for 70 minutes on Monday morning. "
        "A restart of payments-db brought it back to normal.",
        Root_Cause="Cross-zone network degradation between payments-api and payments-db, "
        "as far as we can tell from the network dashboard.",
        Contributing_Factors="No latency SLO alert: the error-rate alert does not fire "
        "when requests are slow but succeed.",
    ),
    pm("2024-06-04T13:30:00Z", "alice", "action", "add", LATENCY,
       "Alert on checkout p99 latency above 2 s for 5 minutes", "--owner", "alice"),
    pm("2024-06-04T13:31:00Z", "dan", "action", "add", LATENCY,
       "Ask the cloud provider for their zone network report", "--owner", "dan", "-p", "P2",
       "--due", "2024-10-15"),
    pm("2024-06-05T16:00:00Z", "dan", "review", LATENCY),
    pm("2024-06-12T10:00:00Z", "alice", "action", "done", LATENCY, "1"),
]  # fmt: skip

# --- 2024-05-21: DNS (unrelated) --------------------------------------------------------

DNS = "2024-05-21"
STEPS += [
    *incident(
        ref=DNS,
        who="erin",
        title="DNS misconfiguration broke internal service discovery",
        severity="SEV-2",
        services=["dns", "service-mesh"],
        tags=["dns", "config-change"],
        impact="Internal services could not resolve each other for 50 minutes; "
        "orders were queued, not lost",
        started="2024-05-21T13:30",
        detected="2024-05-21T13:34",
        events=[
            ("2024-05-21T13:36", "acknowledged", "Platform on-call acknowledged"),
            (
                "2024-05-21T13:50",
                "identified",
                "A zone change removed the wildcard record for *.svc.internal",
            ),
            ("2024-05-21T14:05", "mitigated", "Zone change reverted"),
        ],
        resolved=("2024-05-21T14:20", "Resolver caches expired; all services healthy"),
    ),
    write(
        "2024-05-22T10:00:00Z",
        "erin",
        DNS,
        "Postmortem: internal DNS",
        Summary="A change to the internal DNS zone removed the wildcard record that service "
        "discovery relies on. Services could not find each other until the change was "
        "reverted and resolver caches expired.",
        Root_Cause="The zone file is edited by hand and deployed without validation; the "
        "wildcard record looked unused to the person tidying the file, and nothing said "
        "otherwise.",
        Contributing_Factors="- A one-hour TTL kept the broken answer cached after the "
        "revert.\n- The change was reviewed, but the diff did not show what depended on "
        "the record.",
        What_Went_Well="The revert was one command.",
    ),
    pm("2024-05-22T10:30:00Z", "erin", "action", "add", DNS,
       "Validate zone files in CI before deploy", "--owner", "erin", "--ticket", "PLAT-230"),
    pm("2024-05-22T10:31:00Z", "erin", "action", "add", DNS,
       "Lower the TTL of internal records to 60 s", "--owner", "erin", "-p", "P2"),
    pm("2024-05-22T10:32:00Z", "alice", "action", "add", DNS,
       "Synthetic check that resolves key internal names every minute", "--owner", "alice"),
    pm("2024-05-23T15:00:00Z", "dan", "review", DNS),
    pm("2024-06-03T09:00:00Z", "erin", "action", "start", DNS, "1"),
    pm("2024-06-20T09:00:00Z", "erin", "action", "wont-do", DNS, "2", "--reason",
       "Resolver load would rise tenfold; validation in CI prevents the cause instead"),
]  # fmt: skip

# --- 2024-07-01: the fifth time ---------------------------------------------------------

OUTAGE = "2024-07-01"
STEPS += [
    *incident(
        ref=OUTAGE,
        who="bob",
        title="Payments API returning 503s",
        severity="SEV-1",
        services=["payments-api", "payments-db"],
        tags=["outage"],
        impact="No checkout could complete for 45 minutes",
        started="2024-07-01T09:03",
        detected="2024-07-01T09:05",
        events=[
            ("2024-07-01T09:06", "acknowledged", "Incident channel opened"),
            (
                "2024-07-01T09:30",
                "identified",
                "payments-db at max_connections; new connections refused",
            ),
            ("2024-07-01T09:48", "mitigated", "Restarted payments-db; 503s stopped"),
        ],
        resolved=("2024-07-01T10:00", "Checkout success rate back to 99.8%"),
    ),
    write(
        "2024-07-02T11:00:00Z",
        "bob",
        OUTAGE,
        "Postmortem: payments API 503s",
        Summary="payments-db reached max_connections and refused new ones, so payments-api "
        "answered 503 to every checkout for 45 minutes. A database restart ended it.",
        Root_Cause="max_connections (200) was too low after payments-api was scaled from 6 to "
        "10 pods in June.",
        What_Went_Poorly="We did not know how to restart payments-db safely and spent 15 "
        "minutes agreeing on it during the outage.",
        Where_We_Got_Lucky="It happened on a Monday morning, not during the Friday peak.",
    ),
    pm("2024-07-02T11:30:00Z", "carol", "action", "add", OUTAGE,
       "Raise max_connections and run pgbouncer in transaction mode", "--owner", "carol",
       "-p", "P0"),
    pm("2024-07-02T11:31:00Z", "alice", "action", "add", OUTAGE,
       "Write a runbook for restarting payments-db safely", "--owner", "alice"),
    pm("2024-07-03T16:00:00Z", "dan", "review", OUTAGE),
    pm("2024-07-05T18:00:00Z", "carol", "action", "done", OUTAGE, "1"),
    pm("2024-07-15T09:00:00Z", "alice", "action", "start", OUTAGE, "2"),
]  # fmt: skip

# --- 2024-07-18: bad feature-flag rollout (unrelated; its review is late) ---------------

FLAG = "2024-07-18"
STEPS += [
    *incident(
        ref=FLAG,
        who="bob",
        title="Bad feature-flag rollout broke mobile login",
        severity="SEV-2",
        services=["auth-api", "mobile-app"],
        tags=["feature-flags"],
        impact="Users of app versions before 5.2 could not log in for 55 minutes",
        started="2024-07-18T15:00",
        detected="2024-07-18T15:22",
        events=[
            ("2024-07-18T15:25", "acknowledged", "Support escalated a spike of login tickets"),
            (
                "2024-07-18T15:40",
                "identified",
                "Flag new-session-format enabled for 100% at once; older apps cannot parse "
                "the new token",
            ),
            ("2024-07-18T15:45", "mitigated", "Flag turned off"),
        ],
        resolved=("2024-07-18T15:55", "Logins succeed on all app versions"),
    ),
    write(
        "2024-07-19T10:00:00Z",
        "bob",
        FLAG,
        "Postmortem draft: feature-flag rollout",
        Summary="Turning on the new-session-format flag for every user at once broke login "
        "for app versions that cannot read the new token.",
    ),
    pm("2024-07-19T10:30:00Z", "bob", "action", "add", FLAG,
       "Roll flags out in stages (1%, 10%, 50%, 100%) by default", "--owner", "bob"),
    # Two months late, the review meeting is finally on the calendar (an invite written).
    pm("2024-09-27T09:00:00Z", "dan", "review", "schedule", FLAG, "--at", "2024-10-01 14:00"),
]  # fmt: skip

# --- 2024-08-05: the sixth time, and the cause ------------------------------------------

RECON = "2024-08-05"
EARLIER = [TIMEOUTS, CPU, LOCKS, LATENCY, OUTAGE]
STEPS += [
    *incident(
        ref=RECON,
        who="carol",
        title="Checkout outage: reconciliation query locks payments tables",
        severity="SEV-1",
        services=["payments-api", "payments-db"],
        tags=["database", "locks", "slow-query"],
        impact="Checkout failed or took over 10 s for 60 minutes",
        started="2024-08-05T09:01",
        detected="2024-08-05T09:04",
        events=[
            ("2024-08-05T09:05", "acknowledged", "DBA on-call acknowledged"),
            (
                "2024-08-05T09:40",
                "identified",
                "pg_locks: the reconciliation report's query has held locks on "
                "ledger_entries and payments for 38 minutes; every checkout write waits "
                "behind it",
            ),
            ("2024-08-05T09:52", "mitigated", "Reconciliation query cancelled; writes resume"),
        ],
        resolved=("2024-08-05T10:05", "Checkout latency and errors normal"),
    ),
    write(
        "2024-08-06T15:00:00Z",
        "carol",
        RECON,
        "Postmortem: the reconciliation query, and the five incidents before it",
        Summary="For the sixth month in a row payments-db stalled on the first Monday "
        "morning. This time the blocking query was caught while it ran: the monthly "
        "reconciliation report, which starts at 09:00 UTC on the first Monday, holds locks "
        "on the payments tables for 30-40 minutes. The five earlier incidents were the "
        "same event.",
        Root_Cause="The reconciliation report (reports/reconcile.sql) reads ledger_entries "
        "and payments with "
        "SELECT ... FOR UPDATE, added in 2023 to get a consistent view. It locks every row "
        "it reads and, as the tables grew, came to run for 30-40 minutes. Checkout writes "
        "to those rows queue behind it; connections pile up in payments-api, CPU climbs "
        "with the waiting sessions, and users see timeouts, 503s or slow checkouts "
        "depending on which limit is hit first. A restart of anything in the path "
        "cancelled the report's query, which is why every restart \"fixed\" it.",
        Contributing_Factors="- Each postmortem was written alone and named the symptom "
        "it saw: connection timeouts (March), CPU at 100% (April), lock waits (May), "
        "checkout latency (June), 503s (July). Nobody compared them.\n"
        "- Every incident started within minutes of 09:00 on a first Monday; no "
        "postmortem recorded the day of the week.\n"
        "- The lock-wait log from May (log_lock_waits) named the query twice; nobody "
        "was watching that log.",
        What_Went_Poorly="The fixes treated symptoms: a bigger pool, a bigger instance, "
        "more connections. Each one moved the limit that was hit first.",
        What_Went_Well="The DBA on-call checked pg_locks before restarting anything.",
        Lessons_Learned="When a restart fixes an incident, the cause is still there. "
        "Look for earlier incidents with the same services before writing a root cause.",
    ),
    pm("2024-08-06T15:30:00Z", "carol", "set", RECON, "same_cause", ",".join(EARLIER)),
    *[
        pm(f"2024-08-06T15:{40 + i}:00Z", "carol", "set", ref, "tags", "--add", "slow-query")
        for i, ref in enumerate(EARLIER)
    ],
    pm("2024-08-06T16:00:00Z", "bob", "action", "add", RECON,
       "Run the reconciliation report on the read replica, without FOR UPDATE", "--owner", "bob",
       "-p", "P0", "--ticket", "PAY-412"),
    pm("2024-08-06T16:01:00Z", "carol", "action", "add", RECON,
       "Set lock_timeout and statement_timeout for the reporting role", "--owner", "carol",
       "-p", "P0"),
    pm("2024-08-06T16:02:00Z", "alice", "action", "add", RECON,
       "Alert when any lock wait on payments-db exceeds 30 s", "--owner", "alice"),
    pm("2024-08-06T16:03:00Z", "dan", "action", "add", RECON,
       "Search past postmortems for incidents on the same services and weekday", "--owner", "dan",
       "-p", "P2"),
    pm("2024-08-06T16:04:00Z", "dan", "action", "add", RECON,
       "Add a 'seen this before?' question to the postmortem review", "--owner", "dan", "-p", "P2"),
    pm("2024-08-07T10:00:00Z", "carol", "action", "done", RECON, "2"),
    pm("2024-08-07T16:00:00Z", "dan", "review", RECON),
    pm("2024-08-08T09:00:00Z", "bob", "action", "start", RECON, "1"),
    pm("2024-08-20T11:00:00Z", "dan", "action", "done", RECON, "4"),
    pm("2024-08-20T11:30:00Z", "dan", "close", LATENCY, "--force", "--reason",
       "The cause was the reconciliation query (2024-08-05), not the network; the "
       "provider report is still requested but no longer blocks this postmortem"),
]  # fmt: skip

# --- 2024-09-10: disk full on the log host (unrelated, SEV-3) ---------------------------

DISK = "2024-09-10"
STEPS += [
    *incident(
        ref=DISK,
        who="erin",
        title="Disk full on log host",
        severity="SEV-3",
        services=["logging"],
        tags=["disk"],
        impact="Four hours of application logs were not stored; no user impact",
        started="2024-09-10T02:10",
        detected="2024-09-10T06:30",
        events=[
            ("2024-09-10T06:35", "acknowledged", "Seen in the morning check"),
            ("2024-09-10T06:50", "mitigated", "Deleted rotated logs older than 7 days"),
        ],
        resolved=("2024-09-10T07:00", "Log ingestion caught up"),
    ),
    pm("2024-09-10T09:00:00Z", "erin", "action", "add", DISK,
       "Alert at 80% disk usage on log hosts", "--owner", "erin"),
    pm("2024-09-10T09:01:00Z", "erin", "action", "add", DISK,
       "Rotate and compress logs daily instead of weekly", "--owner", "erin", "-p", "P2"),
]  # fmt: skip


def _env(step: Step) -> dict[str, str]:
    name, email = PEOPLE[step.who]
    return {
        **os.environ,
        "PM_NOW": step.clock,
        "TZ": "UTC",  # the team's zone, as pm init writes it: the same on every machine
        "GIT_AUTHOR_DATE": step.clock,
        "GIT_COMMITTER_DATE": step.clock,
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def _wrap(prose: str) -> str:
    """Lines of at most 88 characters, as an editor would wrap them; bullets hang."""
    lines = []
    for line in prose.split("\n"):
        indent = "  " if line.startswith("- ") else ""
        lines.append(textwrap.fill(line, width=88, subsequent_indent=indent))
    return "\n".join(lines)


def _write_prose(work: Path, step: Step) -> None:
    """Replace each section's placeholder comment with the text, then commit with git."""
    (path,) = (work / "postmortems").glob(f"*/{step.ref}-*.md")
    text = path.read_text(encoding="utf-8")
    for heading, prose in step.prose.items():
        pattern = re.compile(rf"^(## {re.escape(heading)}\n\n)<!--.*?-->\n", re.MULTILINE)
        match = pattern.search(text)
        if match is None:
            raise SystemExit(f"{path.name}: no placeholder under '## {heading}'")
        text = f"{text[: match.start()]}{match.group(1)}{_wrap(prose)}\n{text[match.end() :]}"
    path.write_text(text, encoding="utf-8")
    env = _env(step)
    subprocess.run(["git", "add", str(path)], cwd=work, env=env, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", step.message], cwd=work, env=env, check=True)


def run(work: Path, step: Step) -> None:
    """Run one step: pm's own entry point (in this process, to save ~150 ms of start-up
    per command; the environment and working directory are set as for a subprocess)."""
    if step.prose:
        _write_prose(work, step)
        return
    from pm.cli import main as pm_main

    saved = dict(os.environ)
    os.environ.update(_env(step))
    quiet = io.StringIO()
    try:
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            code = pm_main(step.args)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if code != 0:
        raise SystemExit(f"pm {' '.join(step.args)} at {step.clock} failed: {quiet.getvalue()}")


# The error budget the team set for the payment service (pm report shows what is left).
SLO = """
# The payment service's availability objective: 99.9% over a quarter (90 days) allows
# 2h 09m of impact: pm report shows what incidents used, pm overdue warns when none is left.
[slo.payments-api]
target = 99.9
window = "90d"
"""


def _add_slo(work: Path) -> None:
    """Append the ``[slo]`` table to the config, committed with git as a person would."""
    config = work / ".pm.toml"
    config.write_text(config.read_text(encoding="utf-8") + SLO, encoding="utf-8")
    env = _env(Step("2024-01-01T09:05:00Z", "alice"))
    subprocess.run(["git", "add", ".pm.toml"], cwd=work, env=env, check=True)
    message = "Error budget for payments-api: 99.9% over 90 days"
    subprocess.run(["git", "commit", "--quiet", "-m", message], cwd=work, env=env, check=True)


# Which files belong to which service, for pm recall (README: Configuration).
SERVICES = """
# The files of each service, for pm recall: a change to them recalls past incidents of
# the service (patterns from the repository's top; ** is any number of folders).
[services.payments-api]
paths = ["services/payments-api/**"]

[services.payments-db]
paths = ["db/payments/**"]
"""


def _configure_services(work: Path) -> None:
    """Map services to their files in .pm.toml, as a person would, and commit it."""
    step = Step("2024-01-01T09:30:00Z", "alice")
    with (work / ".pm.toml").open("a", encoding="utf-8") as handle:
        handle.write(SERVICES)
    env = _env(step)
    subprocess.run(["git", "add", ".pm.toml"], cwd=work, env=env, check=True)
    message = "Map services to their files for pm recall"
    subprocess.run(["git", "commit", "--quiet", "-m", message], cwd=work, env=env, check=True)


def build(work: Path) -> None:
    """Run the whole history, in time order, in the git repository ``work``."""
    subprocess.run(["git", "init", "--quiet", "-b", "main"], cwd=work, check=True)
    subprocess.run(["git", "config", "commit.gpgSign", "false"], cwd=work, check=True)
    run(work, pm("2024-01-01T09:00:00Z", "alice", "init"))
    _add_slo(work)
    _configure_services(work)
    for step in sorted(STEPS, key=lambda s: s.clock):
        run(work, step)


def main(argv: list[str]) -> None:
    target = Path(argv[0]).resolve() if argv else HERE / "repo"
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        here = Path.cwd()
        os.chdir(work)
        try:
            build(work)
        finally:
            os.chdir(here)
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copy2(work / ".pm.toml", target / ".pm.toml")
        shutil.copytree(work / "postmortems", target / "postmortems")
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
