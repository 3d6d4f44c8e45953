"""Postmortem corpora for tests, written with pm's own model, template and store.

``GROUPING`` is the recurring-cause corpus: 46 postmortems in which five planted families
share a cause told in different words (the seed: the payments database went down five
times, described as timeouts, CPU, lock waits, latency and an unresponsive primary, until
the sixth postmortem named the slow reconciliation query locking tables). Hard negatives
share words or services with a family but not its cause (``family`` is None for them).

``SMALL`` is a five-incident corpus whose report figures are computed by hand in
``test_report.py``.
"""

# ruff: noqa: E501 - the corpus is prose; one entry field per line reads best

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pm.config import Config, load_config
from pm.model import ActionItem, Event, Postmortem, Review
from pm.store import Record, Store
from pm.templates import render_postmortem

ROOT_CAUSE_HINT = (
    '<!-- The conditions that made this possible. Ask "why?" until you reach a system. -->'
)
CONTRIBUTING_HINT = "<!-- What made it worse, slower to detect, or harder to fix. -->"
SUMMARY_HINT = "<!-- What happened, in two or three sentences, for someone who was not there. -->"

# fmt: off
GROUPING: list[dict[str, Any]] = [
    # --- family "payments-db": one slow query locking tables, told five ways, then named ---
    {"id": "2024-01-09-checkout-requests-time-out", "title": "Checkout requests time out",
     "severity": "SEV-2", "services": ["payments-api", "payments-db"], "tags": ["database"],
     "impact": "About 20% of checkouts failed for 40 minutes.",
     "root_cause": "Requests from the payments API to the payments database timed out after 5 seconds. The database was up but answered no queries. We restarted the primary and it recovered. We did not find why it stopped answering.",
     "contributing": "No alert on database query duration; the first signal was customer complaints.",
     "family": "payments-db"},
    {"id": "2024-02-06-payments-database-cpu-pinned", "title": "Payments database CPU pinned at 100%",
     "severity": "SEV-2", "services": ["payments-api", "payments-db"], "tags": ["database", "cpu"],
     "impact": "Card payments were declined for 25 minutes.",
     "root_cause": "CPU on the payments database primary stayed at 100% and every query slowed to a crawl. A restart of the database brought CPU back to normal. The process using the CPU was not identified before the restart.",
     "contributing": "The runbook says to restart the database first, so nobody captured the running queries.",
     "family": "payments-db"},
    {"id": "2024-03-12-lock-wait-timeouts-in-payment", "title": "Lock wait timeouts in payment transactions",
     "severity": "SEV-1", "services": ["payments-api", "payments-db"], "tags": ["database", "locks"],
     "impact": "Payments failed for 15 minutes in all regions.",
     "root_cause": "Payment transactions on the payments database waited for locks until they hit the lock wait timeout. Restarting the database released the locks. We assumed a deadlock between two payment writes.",
     "contributing": "Lock wait metrics are not collected, and the restart removed the evidence.",
     "family": "payments-db"},
    {"id": "2024-04-16-high-latency-on-payment", "title": "High latency on payment authorisation",
     "severity": "SEV-2", "services": ["payments-api"], "tags": ["latency"],
     "impact": "Payment authorisation took up to 30 seconds for an hour.",
     "root_cause": "Authorisation latency rose to 30 seconds because calls to the payments database were queued behind long-running work. The queue cleared after the database was restarted.",
     "contributing": "The payments API has no timeout budget for database calls, so requests piled up.",
     "family": "payments-db"},
    {"id": "2024-05-28-payments-db-unresponsive", "title": "Payments DB unresponsive at month end",
     "severity": "SEV-1", "services": ["payments-api", "payments-db"], "tags": ["database"],
     "impact": "No payments for 50 minutes at month end.",
     "root_cause": "At month end the payments database stopped responding to queries for 50 minutes; the primary was restarted and recovered. The month-end timing was noted but not investigated.",
     "contributing": "Earlier outages of the payments database were closed after a restart without a shared investigation.",
     "family": "payments-db",
     "actions": [("Alert on payments database query duration", "open")]},
    {"id": "2024-06-25-slow-reconciliation-query", "title": "Slow reconciliation query locks payments tables",
     "severity": "SEV-1", "services": ["payments-api", "payments-db"], "tags": ["database", "locks", "slow-query"],
     "impact": "Payments failed for 35 minutes.",
     "root_cause": "The nightly reconciliation report runs a slow query on the payments database that scans the ledger tables and holds table locks for minutes. Payment queries queue behind the locks, time out, and burn CPU retrying. Restarting the database killed the query, which is why every earlier restart appeared to fix the outage.",
     "contributing": "The report query runs on the primary rather than a replica, and its run time grows with the ledger.",
     "family": "payments-db",
     "actions": [("Run the reconciliation query on a payments database replica", "open"),
                 ("Kill queries on the payments database that hold locks over 30 seconds", "done")]},
    # --- family "cert-expiry": certificates renewed by hand, and missed ---
    {"id": "2024-01-22-tls-certificate-expired-on-the", "title": "TLS certificate expired on the public API gateway",
     "severity": "SEV-1", "services": ["api-gateway"], "tags": ["tls", "certificates"],
     "impact": "All public API calls failed for 2 hours.",
     "root_cause": "The certificate for api.example.com expired. Renewal is a manual task on a calendar reminder that went to a former team member's mailbox.",
     "contributing": "No monitor checks certificate expiry dates.",
     "family": "cert-expiry"},
    {"id": "2024-04-02-mobile-app-cannot-connect", "title": "Mobile app cannot connect after certificate lapsed",
     "severity": "SEV-2", "services": ["mobile-backend"], "tags": ["tls"],
     "impact": "Mobile users could not log in for 90 minutes.",
     "root_cause": "The mobile backend's certificate reached its expiry date without being renewed; the renewal reminder existed only in one person's calendar.",
     "contributing": "Certificate expiry dates are not tracked anywhere central.",
     "family": "cert-expiry",
     "actions": [("Track certificate expiry dates in one inventory", "done")]},
    {"id": "2024-07-09-partner-webhooks-fail-tls", "title": "Partner webhooks fail TLS handshake",
     "severity": "SEV-2", "services": ["webhooks"], "tags": ["tls", "partners"],
     "impact": "Partners could not deliver webhooks for 3 hours.",
     "root_cause": "Partners' calls failed the TLS handshake because our webhook endpoint served an expired certificate. The manual renewal was missed.",
     "contributing": "The expiry warning emails from the certificate authority go to an unmonitored address.",
     "family": "cert-expiry",
     "actions": [("Automate certificate renewal with cert-manager", "open")]},
    {"id": "2024-10-15-internal-mtls-between", "title": "Internal mTLS between services broke at midnight",
     "severity": "SEV-1", "services": ["service-mesh"], "tags": ["tls", "certificates"],
     "impact": "Every internal call failed for 45 minutes.",
     "root_cause": "The internal CA's intermediate certificate expired at midnight and every mutual TLS connection between services was rejected. Renewing it was a manual step nobody owned.",
     "contributing": "The expiry was three years after creation, longer than anyone on the team had been there.",
     "family": "cert-expiry"},
    # --- family "config-push": configuration shipped everywhere without validation ---
    {"id": "2024-02-14-feature-flags-service-serves", "title": "Feature flags service serves malformed JSON",
     "severity": "SEV-2", "services": ["feature-flags"], "tags": ["config"],
     "impact": "All clients fell back to default flags for 30 minutes.",
     "root_cause": "A flag change with a trailing comma was pushed to every region at once; the flags service could not parse the file. Configuration changes are not validated before they ship.",
     "contributing": "Configuration pushes skip the canary stage that code deploys go through.",
     "family": "config-push"},
    {"id": "2024-05-07-search-ranking-broken-by", "title": "Search ranking broken by config typo",
     "severity": "SEV-3", "services": ["search-api"], "tags": ["config"],
     "impact": "Search results were in random order for 2 hours.",
     "root_cause": "A typo in the ranking weights configuration set a weight to a string; the change went live on every host at once without any validation.",
     "contributing": "Configuration files have no tests and no canary; they deploy instantly to all hosts.",
     "family": "config-push"},
    {"id": "2024-08-20-rate-limiter-blocks-all", "title": "Rate limiter blocks all traffic after limits change",
     "severity": "SEV-1", "services": ["api-gateway"], "tags": ["config", "rate-limiting"],
     "impact": "Every API request was rejected with 429 for 20 minutes.",
     "root_cause": "A rate limit of 0 was committed in the limits configuration and pushed to all gateways at once; nothing validated the value.",
     "contributing": "No canary or staged rollout for configuration, so one bad value reached every gateway.",
     "family": "config-push"},
    {"id": "2024-11-05-email-sending-stopped", "title": "Email sending stopped after settings update",
     "severity": "SEV-2", "services": ["notifications"], "tags": ["config"],
     "impact": "No emails were sent for 4 hours.",
     "root_cause": "An updated settings file named an SMTP host that does not exist; the configuration was pushed everywhere at once with no validation or canary.",
     "contributing": "Configuration is treated as data, not code, so it skips review and checks.",
     "family": "config-push",
     "actions": [("Validate configuration against a schema before every push", "open")]},
    # --- family "resizer-leak": the image resizer's unbounded cache ---
    {"id": "2024-03-04-thumbnail-service-oom-killed", "title": "Thumbnail service OOM-killed repeatedly",
     "severity": "SEV-3", "services": ["image-resizer"], "tags": ["memory"],
     "impact": "Thumbnails were missing for an hour.",
     "root_cause": "The image resizer keeps every decoded image in an in-process cache with no size limit; memory grows until the kernel kills the pod.",
     "contributing": "Memory limits were raised twice instead of finding the growth.",
     "family": "resizer-leak"},
    {"id": "2024-06-11-image-uploads-fail-with-502", "title": "Image uploads fail with 502 errors",
     "severity": "SEV-2", "services": ["image-resizer", "upload-api"], "tags": ["uploads"],
     "impact": "One in three image uploads failed for 2 hours.",
     "root_cause": "Uploads failed because resizer pods kept restarting: memory climbed steadily until each pod was killed. The unbounded decoded-image cache in the resizer was suspected but not confirmed.",
     "contributing": "Resizer memory dashboards were not linked from the upload alerts.",
     "family": "resizer-leak"},
    {"id": "2024-09-17-resizer-pods-in-crash-loop", "title": "Resizer pods in crash loop after traffic peak",
     "severity": "SEV-2", "services": ["image-resizer"], "tags": ["memory", "kubernetes"],
     "impact": "Image processing stopped for 40 minutes.",
     "root_cause": "A traffic peak filled the resizer's unbounded image cache within minutes; the pods ran out of memory and were restarted in a crash loop.",
     "contributing": "The cache size fix from March was never scheduled.",
     "family": "resizer-leak"},
    # --- family "log-disk": logs outside log rotation fill the disk ---
    {"id": "2024-02-27-order-api-hosts-out-of-disk", "title": "Order API hosts out of disk",
     "severity": "SEV-2", "services": ["orders-api"], "tags": ["disk"],
     "impact": "Orders could not be placed for 25 minutes.",
     "root_cause": "Application logs on the orders hosts were never rotated after the move to a new log path; the disk filled and the API could not write temporary files.",
     "contributing": "Disk alerts page only at 98%.",
     "family": "log-disk"},
    {"id": "2024-07-23-billing-worker-crashes", "title": "Billing worker crashes writing to a full disk",
     "severity": "SEV-3", "services": ["billing-worker"], "tags": ["disk"],
     "impact": "Invoices were delayed by a day.",
     "root_cause": "The billing worker's debug logging was left on and its log files, which log rotation does not cover, filled the volume.",
     "contributing": "Debug logging can be switched on in production without expiry.",
     "family": "log-disk"},
    {"id": "2024-12-03-orders-api-disk-full-again", "title": "Orders API disk full again",
     "severity": "SEV-2", "services": ["orders-api"], "tags": ["disk", "logging"],
     "impact": "Orders failed for 15 minutes.",
     "root_cause": "Log rotation did not cover the new log directory, so logs accumulated until the disk was full.",
     "contributing": "The earlier fix rotated one directory by hand instead of changing the log rotation config.",
     "family": "log-disk"},
    # --- hard negatives: words or services in common with a family, not its cause ---
    {"id": "2024-04-23-payment-authorisation-latency", "title": "Payment authorisation latency from card network outage",
     "severity": "SEV-2", "services": ["payments-api"], "tags": ["latency", "third-party"],
     "impact": "Card payments were slow or failed for 35 minutes.",
     "root_cause": "The card network's authorisation endpoint answered slowly and then not at all for 35 minutes; our authorisation calls waited on it. Nothing in our own systems failed.",
     "contributing": "Retries to the card network had no backoff, which multiplied the load on the provider.",
     "family": None},
    {"id": "2024-03-19-inventory-migration-locks", "title": "Inventory migration locks orders table",
     "severity": "SEV-2", "services": ["inventory-api", "inventory-db"], "tags": ["database", "migration", "locks"],
     "impact": "Stock levels were stale for 12 minutes.",
     "root_cause": "A schema migration added a column to the orders table with an exclusive lock; inventory writes waited on the lock until the migration finished 12 minutes later.",
     "contributing": "The migration tool does not warn when a change rewrites a large table.",
     "family": None},
    {"id": "2024-05-14-search-database-disk-full", "title": "Search database disk full",
     "severity": "SEV-2", "services": ["search-api", "search-db"], "tags": ["database", "disk"],
     "impact": "Search indexing stopped for 3 hours.",
     "root_cause": "The search database volume filled up with index segments after a reindex doubled the data; writes failed once the disk had no space.",
     "contributing": "Disk usage alerts fired at 95%, too late for a reindex.",
     "family": None},
    {"id": "2024-08-06-old-android-app-rejects-new", "title": "Old Android app rejects new certificate chain",
     "severity": "SEV-2", "services": ["mobile-backend"], "tags": ["tls", "mobile"],
     "impact": "Users of app versions before 5.2 could not connect for a day.",
     "root_cause": "The app pinned the previous intermediate certificate, so when we rotated to a new chain on schedule, old app versions refused to connect.",
     "contributing": "Pinning was added without a plan for rotation.",
     "family": None},
    {"id": "2024-06-04-config-service-database", "title": "Config service database failover slow",
     "severity": "SEV-3", "services": ["config-service", "config-db"], "tags": ["database"],
     "impact": "Settings could not be changed for 9 minutes.",
     "root_cause": "The config service's database failover took 9 minutes because the replica was lagging far behind the primary.",
     "contributing": "Replication lag was not monitored.",
     "family": None},
    {"id": "2024-09-03-recommendation-service-memory", "title": "Recommendation service memory exhausted",
     "severity": "SEV-3", "services": ["recommendations"], "tags": ["memory"],
     "impact": "Recommendations were empty for 2 hours.",
     "root_cause": "Each request leaked an HTTP client connection; memory grew with the open connections until the pods were killed.",
     "contributing": "Connection pool metrics were not exported.",
     "family": None},
    # --- unrelated incidents ---
    {"id": "2024-01-30-credential-stuffing-on-login", "title": "Credential stuffing on login endpoint",
     "severity": "SEV-2", "services": ["auth"], "tags": ["security"],
     "impact": "Login was slow for everyone for an hour.",
     "root_cause": "A botnet sent stolen username and password pairs at forty times normal volume; the login endpoint has no per-client throttling.",
     "contributing": "The bot detection vendor's rules were in report-only mode.", "family": None},
    {"id": "2024-02-20-bgp-route-leak", "title": "BGP route leak made EU region unreachable",
     "severity": "SEV-1", "services": ["network"], "tags": ["bgp"],
     "impact": "EU customers could not reach us for 50 minutes.",
     "root_cause": "An upstream transit provider announced our prefixes from a customer's network, and traffic followed the more specific routes.",
     "contributing": "We had no RPKI route origin authorisations published.", "family": None},
    {"id": "2024-03-26-bucket-policy-blocks-cdn", "title": "Bucket policy blocks CDN reads",
     "severity": "SEV-2", "services": ["storage", "cdn"], "tags": ["iam"],
     "impact": "Static assets failed to load for 30 minutes.",
     "root_cause": "A bucket policy update meant to tighten write access denied reads to the CDN origin role.",
     "contributing": "Policy changes are applied by hand in the console.", "family": None},
    {"id": "2024-02-29-leap-day-renewals", "title": "Leap day breaks subscription renewals",
     "severity": "SEV-2", "services": ["subscriptions"], "tags": ["dates"],
     "impact": "Renewals on 29 February were not charged.",
     "root_cause": "Date arithmetic added one year to 29 February and produced an invalid date, which the renewal batch skipped silently.",
     "contributing": "Tests never used leap years.", "family": None},
    {"id": "2024-04-09-kafka-consumer-rebalance", "title": "Kafka consumer rebalance loop delays order emails",
     "severity": "SEV-3", "services": ["notifications", "kafka"], "tags": ["queues"],
     "impact": "Order confirmation emails arrived up to 2 hours late.",
     "root_cause": "Processing one batch took longer than the consumer session timeout, so the group rebalanced endlessly and made no progress.",
     "contributing": "Batch size was raised the week before.", "family": None},
    {"id": "2024-05-21-dns-provider-outage", "title": "DNS provider outage",
     "severity": "SEV-1", "services": ["dns"], "tags": ["third-party"],
     "impact": "Name resolution failed for about a third of users for 70 minutes.",
     "root_cause": "Our only DNS provider had a global outage of its anycast network.",
     "contributing": "No secondary DNS provider is configured.", "family": None},
    {"id": "2024-06-18-search-deployed-wrong-image", "title": "Search deployed with wrong image tag",
     "severity": "SEV-3", "services": ["search-api"], "tags": ["deploy"],
     "impact": "Search returned errors for 10 minutes.",
     "root_cause": "The deploy pipeline resolved the mutable latest tag to a development build.",
     "contributing": "Production manifests are allowed to reference mutable tags.", "family": None},
    {"id": "2024-07-02-redis-eviction-drops-sessions", "title": "Redis eviction drops sessions",
     "severity": "SEV-2", "services": ["sessions", "redis"], "tags": ["cache"],
     "impact": "Users were logged out during a campaign.",
     "root_cause": "The sessions Redis uses an allkeys-lru eviction policy; a campaign doubled the keys and Redis evicted live sessions.",
     "contributing": "Session and cache data share one Redis instance.", "family": None},
    {"id": "2024-07-16-scheduler-charged-twice", "title": "Scheduler charged customers twice",
     "severity": "SEV-1", "services": ["billing-scheduler"], "tags": ["billing"],
     "impact": "1,200 customers were charged twice.",
     "root_cause": "After a node failover two scheduler instances both believed they were leader and ran the charge job; charges carry no idempotency key.",
     "contributing": "Leader election used a lease longer than the failover time.", "family": None},
    {"id": "2024-08-13-elasticsearch-cluster-red", "title": "Elasticsearch cluster red after node loss",
     "severity": "SEV-2", "services": ["search-cluster"], "tags": ["elasticsearch"],
     "impact": "Search was partially unavailable for 2 hours.",
     "root_cause": "Two nodes holding both copies of several shards were in the same rack, which lost power.",
     "contributing": "Shard allocation awareness was not configured.", "family": None},
    {"id": "2024-08-27-cdn-purge-overloads-origin", "title": "CDN purge overloads origin",
     "severity": "SEV-2", "services": ["cdn", "web"], "tags": ["cdn"],
     "impact": "The website was slow for 20 minutes.",
     "root_cause": "A full CDN purge sent every request to the origin at once, and the origin servers could not absorb the stampede.",
     "contributing": "Purges are not rate limited.", "family": None},
    {"id": "2024-09-10-sso-signing-keys-rotated", "title": "SSO login fails after identity provider key change",
     "severity": "SEV-2", "services": ["auth"], "tags": ["sso"],
     "impact": "Employees could not sign in for an hour.",
     "root_cause": "The identity provider published new signing keys and our SSO library cached the old key set for 24 hours.",
     "contributing": "The key cache lifetime was hard-coded.", "family": None},
    {"id": "2024-09-24-health-check-drains-pool", "title": "Load balancer health check drains the pool",
     "severity": "SEV-1", "services": ["load-balancer", "web"], "tags": ["networking"],
     "impact": "The website was down for 12 minutes.",
     "root_cause": "A health check path was renamed in the application but not in the load balancer, so every backend was marked unhealthy.",
     "contributing": "The load balancer fails closed when no backend is healthy.", "family": None},
    {"id": "2024-10-01-backup-saturates-network", "title": "Nightly backup saturates the network",
     "severity": "SEV-3", "services": ["backup", "network"], "tags": ["backup"],
     "impact": "Internal tools were slow overnight.",
     "root_cause": "The backup job copied a full snapshot over the shared link with no bandwidth cap after the incremental chain broke.",
     "contributing": "The broken chain raised no alert.", "family": None},
    {"id": "2024-10-22-report-scheduler-timezone", "title": "Reports sent at the wrong hour after DST",
     "severity": "SEV-3", "services": ["reports"], "tags": ["dates"],
     "impact": "Customer reports arrived an hour late for a week.",
     "root_cause": "The scheduler stored local wall-clock times and did not adjust them when daylight saving time ended.",
     "contributing": "Schedules were never tested across a DST change.", "family": None},
    {"id": "2024-10-29-node-pool-upgrade-evicts", "title": "Node pool upgrade evicts every pod at once",
     "severity": "SEV-2", "services": ["kubernetes"], "tags": ["kubernetes"],
     "impact": "Several services restarted at the same time; errors for 8 minutes.",
     "root_cause": "Most deployments have no pod disruption budget, so the upgrade drained nodes as fast as it could.",
     "contributing": "The upgrade ran in business hours.", "family": None},
    {"id": "2024-11-12-webhook-signature-mismatch", "title": "Payment webhook signature mismatch after upgrade",
     "severity": "SEV-2", "services": ["payments-api", "webhooks"], "tags": ["payments"],
     "impact": "Payment confirmations from the provider were rejected for 3 hours.",
     "root_cause": "A JSON library upgrade changed how the webhook body was re-serialised before its signature was checked.",
     "contributing": "Signature checks ran on parsed, not raw, request bodies.", "family": None},
    {"id": "2024-11-19-autocomplete-slow", "title": "Autocomplete slow after index growth",
     "severity": "SEV-3", "services": ["search-api"], "tags": ["performance"],
     "impact": "Autocomplete took over a second for a day.",
     "root_cause": "The prefix index outgrew memory on the search nodes and queries fell back to scanning.",
     "contributing": "Index growth is not forecast.", "family": None},
    {"id": "2024-11-26-checkout-safari-error", "title": "Checkout page broken on Safari",
     "severity": "SEV-2", "services": ["web"], "tags": ["frontend"],
     "impact": "Safari users could not check out for 3 hours.",
     "root_cause": "A new JavaScript syntax in the checkout bundle is not supported by older Safari versions, and the build did not transpile it.",
     "contributing": "Browser tests run only on Chrome.", "family": None},
    {"id": "2024-12-10-log-shipping-drops", "title": "Log shipping pipeline drops logs",
     "severity": "SEV-3", "services": ["logging"], "tags": ["observability"],
     "impact": "Six hours of application logs are missing.",
     "root_cause": "The log shipper's buffer overflowed during a collector upgrade and discarded new entries instead of applying back-pressure.",
     "contributing": "Dropped-entry counters are not alerted on.", "family": None},
]
# fmt: on


def families(entries: list[dict[str, Any]]) -> list[set[str]]:
    """The planted groups: ids of each family with two or more members."""
    found: dict[str, set[str]] = {}
    for entry in entries:
        if entry["family"]:
            found.setdefault(entry["family"], set()).add(entry["id"])
    return [ids for ids in found.values() if len(ids) > 1]


def _minutes(start: datetime, offset: int | None) -> datetime | None:
    return None if offset is None else start + timedelta(minutes=offset)


def postmortem_of(entry: dict[str, Any]) -> Postmortem:
    """A resolved postmortem for a corpus entry; the timeline comes from ``marks``."""
    started = entry.get("started") or datetime.fromisoformat(entry["id"][:10] + "T10:00:00+00:00")
    marks = entry.get("marks", {"detected": 5, "acknowledged": 8, "mitigated": 30, "resolved": 45})
    postmortem = Postmortem(
        id=entry["id"],
        title=entry["title"],
        severity=entry["severity"],
        status=entry.get("status", "resolved"),
        impact=entry.get("impact", ""),
        services=list(entry.get("services", [])),
        tags=list(entry.get("tags", [])),
        related=list(entry.get("related", [])),
    )
    postmortem.add_event(Event(started, "started", "Incident opened"))
    for kind, offset in marks.items():
        moment = _minutes(started, offset)
        if moment is not None:
            postmortem.add_event(Event(moment, kind, kind.capitalize()))
    resolved = postmortem.resolved_at
    if resolved is not None and entry["severity"] in ("SEV-1", "SEV-2"):
        postmortem.review = Review(due=(resolved + timedelta(hours=48)).date())
    if "review" in entry:
        postmortem.review = entry["review"]
    for number, action in enumerate(entry.get("actions", []), start=1):
        postmortem.actions.append(_action(number, action, started.date()))
    return postmortem


def _action(number: int, spec: Any, started: date) -> ActionItem:
    if isinstance(spec, ActionItem):
        return spec
    text, status = spec
    return ActionItem(
        number=number,
        text=text,
        owner="team-payments",
        priority="P1",
        due=started + timedelta(days=30),
        status=status,
        done=started + timedelta(days=10) if status == "done" else None,
        reason="superseded" if status == "wont-do" else None,
    )


def body_of(config: Config, postmortem: Postmortem, entry: dict[str, Any]) -> str:
    """The real template's body with the prose placeholders replaced by the entry's text."""
    body = render_postmortem(config, postmortem)
    for hint, key in (
        (ROOT_CAUSE_HINT, "root_cause"),
        (CONTRIBUTING_HINT, "contributing"),
        (SUMMARY_HINT, "summary"),
    ):
        assert hint in body, f"the template no longer has {hint!r}"
        if entry.get(key):
            body = body.replace(hint, entry[key])
    return body


def write(root: Path, entries: list[dict[str, Any]], *, commit: bool = True) -> list[Record]:
    """Write ``entries`` as postmortem files in the repository at ``root``, one commit."""
    config = load_config(root)
    store = Store(config)
    records = []
    for entry in entries:
        postmortem = postmortem_of(entry)
        body = body_of(config, postmortem, entry)
        record = Record.new_file(store.path_for(postmortem.id), postmortem, body)
        store.create(record)
        records.append(record)
    if commit:
        for args in (["add", "-A", config.directory], ["commit", "--quiet", "-m", "corpus"]):
            subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return records


def now_after(entries: list[dict[str, Any]]) -> datetime:
    """A moment after every incident in ``entries``, for PM_NOW."""
    last = max(datetime.fromisoformat(e["id"][:10]) for e in entries)
    return (last + timedelta(days=30)).replace(tzinfo=UTC)


def _item(
    number: int, priority: str, owner: str, due: str, status: str, done: str = ""
) -> ActionItem:
    return ActionItem(
        number=number,
        text=f"Item {number} ({priority})",
        owner=owner,
        priority=priority,
        due=date.fromisoformat(due),
        status=status,
        done=date.fromisoformat(done) if done else None,
        reason="replaced by a platform fix" if status == "wont-do" else None,
    )


def _held(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00+00:00")


# Figures for the period 2024-01-01..2024-03-31 are worked out by hand in test_report.py.
# fmt: off
SMALL: list[dict[str, Any]] = [
    {"id": "2023-12-20-previous-period", "title": "Previous period incident", "severity": "SEV-2",
     "services": ["api"], "family": None, "marks": {"resolved": 30},
     "review": Review(due=date(2023, 12, 22), held=_held("2023-12-21"))},
    {"id": "2024-01-10-api-errors", "title": "API errors", "severity": "SEV-1",
     "services": ["api", "db"], "family": None,
     "marks": {"detected": 10, "acknowledged": 15, "mitigated": 40, "resolved": 60},
     "review": Review(due=date(2024, 1, 12), held=_held("2024-01-11")),
     "actions": [_item(1, "P0", "alice", "2024-01-17", "done", "2024-01-15"),
                 _item(2, "P1", "bob", "2024-02-09", "open")]},
    {"id": "2024-01-25-api-slow", "title": "API slow", "severity": "SEV-2",
     "services": ["api"], "family": None,
     "marks": {"detected": 20, "acknowledged": 30, "mitigated": 90, "resolved": 120},
     "review": Review(due=date(2024, 1, 27), held=_held("2024-02-01")),
     "actions": [_item(1, "P1", "alice", "2024-02-24", "wont-do"),
                 _item(2, "P2", "carol", "2024-04-24", "open")]},
    {"id": "2024-02-14-db-failover", "title": "DB failover", "severity": "SEV-1",
     "services": ["db"], "family": None,
     "marks": {"detected": 4, "mitigated": 30, "resolved": 200},
     "review": Review(due=date(2024, 2, 16)),
     "actions": [_item(1, "P0", "bob", "2024-02-21", "done", "2024-03-01")]},
    {"id": "2024-03-05-web-glitch", "title": "Web glitch", "severity": "SEV-3",
     "services": ["web"], "family": None, "marks": {"resolved": 30}, "review": Review()},
    {"id": "2024-03-20-api-ongoing", "title": "API still failing", "severity": "SEV-2",
     "services": ["api"], "family": None, "status": "active",
     "marks": {"detected": 15, "acknowledged": 20}, "review": Review()},
    {"id": "2024-04-10-after-the-period", "title": "After the period", "severity": "SEV-1",
     "services": ["api"], "family": None, "marks": {"resolved": 10}},
]
# fmt: on
