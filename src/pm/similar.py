"""Which postmortems tell the same story: text similarity and recurring-cause groups.

Each postmortem becomes a TF-IDF vector over the words of its root cause and contributing
factors (weighted most), its title and impact, plus its services and tags as extra terms
and its structured causes (``causes:`` in the front matter), which weigh most of all. Two
postmortems are similar when the cosine of their vectors is high.

Words are normalised first (``tokens``): dates, times, ordinals, time zones, cloud regions
and zone names are dropped; multi-word terms become one term ("leap second", "connection
pool"); common synonyms are mapped to one word ("regular expression" and "regex", "cert"
and "certificate"); a light stemmer folds plurals and tenses; and a domain stop list drops
status-page phrasing ("experienced", "impacted") and generic cloud words ("availability
zone", "third party") that every write-up uses and that identify no cause.

Thresholds come from the repository itself, not from fixed numbers: the similarity of
random pairs of its postmortems says how alike two unrelated write-ups are here, and a
pair links only when it stands ``spread`` standard deviations above that (``threshold``),
and the two are among each other's ``neighbours`` nearest (mutual nearest neighbours), or
stand twice as far above, and they share at least ``support`` terms (a resemblance resting
on one or two words is how chance resemblances look). Groups then merge strongest link
first, and only while the mean similarity between their members stays above the threshold
(average linkage), so one chance resemblance cannot chain two causes together.
``same_cause:`` links (``pm related --same-cause``) join groups whatever the text says;
``related:`` links are "see also" and do not. ``pm show`` ranks its nearest by CSLS
(``2 * similarity - hubness``), so a write-up near every write-up does not crowd out a
specific match.

It is not quadratic: each document keeps its ``TOP_K`` heaviest terms, an inverted index
maps each such term to the documents that have it among theirs, and only documents sharing
a posting are compared. A posting longer than ``MAX_POSTINGS`` is skipped (a word that
many documents lean on does not identify a cause), except for structured causes, whose
members are compared with their nearest ``MAX_POSTINGS`` in time. Grouping N postmortems
is O(total words + N * TOP_K * MAX_POSTINGS * MEAN_SAMPLE**2) in the worst case: linear
in N, never N**2.

No I/O here: callers build ``Doc`` values (``doc_from``) from the bodies they have read,
and ``cause_candidates`` / ``title_candidates`` choose which files they should read.

Length: one algorithm, from words to groups and matches (tokens and concepts, the TF-IDF
index, the threshold from the repository's own similarities, grouping, ranking, choosing
candidates), whose parts share the index and its constants.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from sys import intern
from typing import TYPE_CHECKING, Any, TypeVar

from pm.records import datarecord, field
from pm.sections import section_text

if TYPE_CHECKING:
    from pathlib import Path

    from pm.config import Config
    from pm.model import Postmortem

_P = TypeVar("_P", str, "Path")

# Field name -> weight. Causes weigh most: they are what recurs; titles and impact describe
# symptoms, which differ from one time to the next.
FIELD_WEIGHTS = {"root_cause": 3.0, "contributing": 2.0, "title": 1.0, "impact": 0.5}
LABEL_WEIGHT = 1.0
CAUSE_WEIGHT = 6.0  # a structured cause (``causes:``) outweighs the prose
MEAN_SAMPLE = 8
TOP_K = 12
MAX_POSTINGS = 64
# CSLS's k: a document's hubness is its mean similarity to its 20 nearest, more than the
# members a recurring cause usually has, so a dense family is not mistaken for a hub.
HUB_NEIGHBOURS = 20
RERANK = 20  # ``pm show`` reranks its 20 nearest by CSLS


@datarecord(frozen=True)
class Tuning:
    """How strict grouping is; ``[recurring]`` in the config sets these.

    ``threshold`` is a fixed similarity, or None to take it from the repository: the mean
    similarity of random pairs plus ``spread`` standard deviations, never below ``floor``.
    """

    threshold: float | None = None
    spread: float = 3.0
    floor: float = 0.08
    neighbours: int = 5
    link: float = 0.7  # two groups merge while their mean similarity is this share of it
    support: int = 3  # a link needs this many shared terms (or a shared structured cause)
    weak: float = 0.5  # matches for ``pm show`` down to this share of the threshold are weak


DEFAULT_TUNING = Tuning()


def tuning_of(config: Config) -> Tuning:
    """The ``[recurring]`` settings of a repository as a ``Tuning``."""
    settings = config.recurring
    return Tuning(
        threshold=settings.threshold,
        spread=settings.spread,
        neighbours=settings.neighbours,
        support=settings.support,
        link=settings.link,
        weak=settings.weak,
    )


RANDOM_PAIRS = 4000
SKIP_UNIQUE = False

# --- words --------------------------------------------------------------------------------

_WORD = r"[a-z0-9][a-z0-9'_]*"
STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just me more most my no nor not now of off on once only or other our
    ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours one two three every
    which whose yet via per us let got get gets getting made make makes many much
    incident incidents postmortem root cause caused causes causing due
    minute minutes hour hours second seconds day days week weeks time times
    everything nothing anything something everyone anyone someone nobody
    dozens hundreds thousands millions billions rarely often usually sometimes always
    never seen saw gave give given expected unexpected still even already
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# The last three lines above are general English, not incident vocabulary: how much, how
# often, who or what in general, and whether it was expected. Two write-ups that share
# only such words ("thousands of ... everything ... rarely seen") tell no common cause,
# and on the tuning part of the real-text corpus groups held together by them were junk.
# Words that every status page and cloud write-up uses: they describe that something went
# wrong, or where, never why.
DOMAIN_STOP_WORDS = frozenset(
    """
    experience experienced experiencing impact impacted impacting affect affected affecting
    degrade degraded degradation outage outages disruption disruptions interruption issue
    issues problem problems incident unavailable unavailability elevated intermittent
    intermittently partial partially major minor customer customers user users service
    services team teams engineer engineers staff people investigate investigated
    investigating identify identified mitigate mitigated resolve resolved resolution
    restore restored recover recovered recovery apologize apologise sorry regret
    availability zone zones region regions cloud provider providers vendor platform
    third party thirdparty production prod infrastructure system systems
    went ran run runs running kept keep sent took take takes began begin came come left
    new old high large larger small big whole entire across without later earlier able
    unable need needed needs use used using set back long longer lot lots least almost
    led lead leads result resulted resulting triggered trigger happen happened happens
    several certain various number amount part parts way ways thing things case cases
    start started stop stopped because
    fail fails failed failing failure failures error errors return returns returned change
    changes changed changing data fix fixed fixes state process code bug bugs software
    wrong right correct correctly incorrect incorrectly request requests response
    responses work worked works working done help meant depend depends depended
    dependent move moved reach reached add added kept point side order hour period window
    end ended rest level full slow slowed quickly fast once twice restart restarted
    restarts crash crashed crashes lost offline online down cause network networks traffic
    site sites
    """.split()  # noqa: SIM905
)
_STOP = STOP_WORDS | DOMAIN_STOP_WORDS

_MONTHS = (
    "january|february|march|april|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_PLACES = (
    "virginia|ohio|oregon|california|ireland|frankfurt|london|paris|amsterdam|dublin|"
    "tokyo|seoul|singapore|sydney|mumbai|sao paulo|são paulo|brazil|canada|montreal|"
    "atlanta|chicago|dallas|texas|san antonio|ashburn|iowa|belgium|netherlands|finland|"
    "stockholm|zurich|milan|madrid|hong kong|taiwan|osaka|jakarta|johannesburg|bahrain|"
    "northern virginia|north america|south america|europe|asia|africa|australia|pacific|"
    "east coast|west coast|us east|us west|us central|eu west|eu central|asia east"
)
# Dropped before words are split: they say when and where, never why.
_DROP = (
    r"\b\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2})?z?)?\b"  # ISO dates and times
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:am|pm)?\b"  # clock times
    r"|\b\d+(?:st|nd|rd|th)\b"  # ordinals
    r"|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b"
    rf"|\b(?:{_MONTHS})\b\.?(?:\s+\d{{1,2}})?|\b(?:{_WEEKDAYS})s?\b"
    r"|\b(?:utc|gmt|pst|pdt|est|edt|cst|cdt|cet|cest|bst|ist|jst|aest)\b"
    r"|\b[a-z]{2,}(?:-[a-z]+)+-?\d+[a-z]?\b"  # cloud regions and zones: us-east-1, europe-west1-b
    rf"|\b(?:{_PLACES})\b"
)
# Multi-word terms and synonyms, applied in order to lower-case text: each becomes one term.
PHRASES: tuple[tuple[str, str], ...] = (
    (r"leap[- ]seconds?", "leapsecond"),
    (r"leap[- ](?:years?|days?)", "leapyear"),
    (r"regular[- ]expressions?|regexe?s?|regexps?", "regex"),
    (r"certs?\b", "certificate"),
    (
        r"(?:cert(?:ificate)?s?|tls|ssl) (?:expiry|expiration|expired|lapsed)|expir(?:ed|ing|y) "
        r"(?:tls |ssl )?cert(?:ificate)?s?\b",
        "certificateexpiry",
    ),
    (r"connection[- ]pools?|pools? of connections", "connectionpool"),
    (r"thread[- ]pools?", "threadpool"),
    (r"transaction (?:id|identifier)s?|xids?", "transactionid"),
    (r"wrap[- ]?around", "wraparound"),
    (r"primary keys?", "primarykey"),
    (r"(?:32|64|16)[- ]bit", "bitwidth"),
    (r"integer overflows?|overflow(?:ed|s)? (?:an? )?(?:signed )?integer", "integeroverflow"),
    (r"out[- ]of[- ]memory|oom[- ]?kill(?:ed|s)?|ooms?|oomkilled", "outofmemory"),
    (r"memory leaks?|leak(?:ed|ing|s)? memory", "memoryleak"),
    (r"race conditions?", "racecondition"),
    (r"dead[- ]?locks?", "deadlock"),
    (r"thundering herds?", "thunderingherd"),
    (r"(?:exponential )?back[- ]?off", "backoff"),
    (r"feature (?:flags?|toggles?)", "featureflag"),
    (r"health[- ]?checks?", "healthcheck"),
    (r"rate[- ]limit(?:s|ed|ing|er)?", "ratelimit"),
    (r"disk (?:full|space)|(?:filled|full) (?:the )?(?:disk|filesystem|file system)", "diskfull"),
    (r"file (?:descriptors?|handles?)|open files", "filedescriptor"),
    (r"split[- ]brain", "splitbrain"),
    (r"fail[- ]?over(?:s|ed)?", "failover"),
    (r"(?:power|electrical) (?:loss|failure|outage|cut)s?|lost power|loss of power", "powerloss"),
    (r"data ?cent(?:er|re)s?", "datacenter"),
    (r"time ?zones?", "timezone"),
    (r"(?:ddos|denial[- ]of[- ]service)(?: attacks?)?", "ddos"),
    (r"load[- ]balanc(?:er|ers|ing)", "loadbalancer"),
    (r"availability zones?", "availability"),
    (r"third[- ]part(?:y|ies)", "thirdparty"),
    (r"k8s", "kubernetes"),
    (r"dbs?\b", "database"),
    (r"configs?\b|configurations?", "configuration"),
    (r"auth\b|authn\b", "authentication"),
    (r"envs?\b", "environment"),
    (r"repos?\b", "repository"),
    (r"routers?|routing", "route"),
    (r"retried|retrying|retries", "retry"),
    (r"expir(?:y|ation|es|ed|ing)", "expire"),
    (r"reconnect(?:s|ed|ing|ions?)?", "reconnect"),
    (
        r"(?:host|hostname|server|node|machine|directory|database|environment|branch|target) "
        r"(?:instead of|rather than)",
        "wrongtarget",
    ),
)
# Causes told in different words: each phrase also adds its concept's term, so "a typo in
# the command" and "ran against the wrong host" share ``manualoperation``. Written from the
# tuning part of the real-text corpus and the causes issue 14 names; shown in groups' terms.
CONCEPTS: tuple[tuple[str, str], ...] = (
    (
        "manualoperation",
        r"typo\w*|mis-?typed|fat[- ]finger\w*|by hand|manual(?:ly)?|playbook|runbook|"
        r"wrong (?:host|server|directory|database|line|branch|environment|target|term|list|ids?|"
        r"button|machine|cluster|table)|instead of|rather than the|against (?:the )?production|"
        r"meant for|intended (?:for|to)|(?:deleted|removed|wiped|truncated) (?:the )?production",
    ),
    (
        "powerfailure",
        r"generators?|utility power|ups units?|\bups\b|batter(?:y|ies)|(?:circuit )?breakers?|"
        r"transformers?|lightning|power grid|\bgrid\b|power (?:failure|loss|cut|disruption|"
        r"interruption)|lost power|loss of power|severe weather|voltage",
    ),
    (
        "retrystorm",
        r"retr(?:y|ies|ied|ying)|back-?off|reconnect\w*|thundering herd|re-?mirroring storm|"
        r"feedback loop|surge of (?:connection|requests?|reconnect)\w*|jitter|kept retrying",
    ),
    (
        "globalrollout",
        r"every (?:region|data ?cent(?:er|re)|edge|server|host|router|machine|location)|"
        r"all regions|whole (?:fleet|network|edge)|entire (?:fleet|network)|fleet-?wide|globally|"
        r"staged|staggered|canary|canaries|flighting|gradual(?:ly)?|region by region|roll-?out",
    ),
    ("denialofservice", r"ddos|botnet|flood(?:ed|s|ing)?|volumetric|amplification|attack traffic"),
    (
        "integeroverflow",
        r"overflow\w*|(?:16|32|64)[- ]bit|maximum (?:value|of a)|int32|signed integer|"
        r"largest value",
    ),
    (
        "packagecompromise",
        r"malicious (?:package|version|code|dependenc)\w*|npm|pypi|maven|typosquat\w*|"
        r"dependency confusion|(?:account|accounts) (?:was |were )?(?:taken over|hijacked|"
        r"compromised)|published (?:package|version)s?",
    ),
    (
        "routeleak",
        r"\bbgp\b|route leaks?|leaked routes?|hijack\w*|announc\w+|prefix(?:es)?|rpki|"
        r"origin validation",
    ),
    (
        "resourceexhaustion",
        r"out[- ]of[- ]memory|oom\w*|memory limits?|requests and limits|resource (?:limits|quotas)|"
        r"evict\w*|notready",
    ),
    (
        "certificateexpiry",
        r"expir\w* (?:\w+ )?certificates?|certificates? (?:\w+ ){0,4}?(?:expir\w*|lapsed|"
        r"ran out|reached (?:the end|its expiry)|validity)",
    ),
)
# How a joined term reads in what pm prints ("shared: certificate expiry", a group's terms):
# the joined form is only a token, so that a phrase counts as one word when comparing.
SPELLED: dict[str, str] = {
    "leapsecond": "leap second",
    "leapyear": "leap year",
    "certificateexpiry": "certificate expiry",
    "connectionpool": "connection pool",
    "threadpool": "thread pool",
    "transactionid": "transaction id",
    "primarykey": "primary key",
    "bitwidth": "bit width",
    "integeroverflow": "integer overflow",
    "outofmemory": "out of memory",
    "memoryleak": "memory leak",
    "racecondition": "race condition",
    "thunderingherd": "thundering herd",
    "featureflag": "feature flag",
    "healthcheck": "health check",
    "ratelimit": "rate limit",
    "diskfull": "disk full",
    "filedescriptor": "file descriptor",
    "splitbrain": "split brain",
    "powerloss": "power loss",
    "datacenter": "data center",
    "timezone": "time zone",
    "loadbalancer": "load balancer",
    "thirdparty": "third party",
    "wrongtarget": "wrong target",
    "manualoperation": "manual operation",
    "powerfailure": "power failure",
    "retrystorm": "retry storm",
    "globalrollout": "global rollout",
    "denialofservice": "denial of service",
    "packagecompromise": "package compromise",
    "routeleak": "route leak",
    "resourceexhaustion": "resource exhaustion",
}
_CONCEPT = "|".join(rf"(?P<c{n}>{regex})" for n, (_, regex) in enumerate(CONCEPTS))
_PHRASE = "|".join(rf"\b(?P<p{n}>{regex})" for n, (regex, _) in enumerate(PHRASES))


@functools.cache
def _compiled() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The word, phrase, concept and drop patterns, compiled on first use: compiling them
    costs more than the rest of ``pm show``'s start-up, which mostly finds its answer in
    the token cache without splitting a word."""
    return re.compile(_WORD), re.compile(_PHRASE), re.compile(_CONCEPT), re.compile(_DROP)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: locks/locked/locking -> lock, queries -> query."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ied") and len(word) > 5:
        word = word[:-3] + "y"  # copied -> copy
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # stopped -> stopp -> stop
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]  # expire/expired/expiring -> expir
    return word


def _phrase(match: re.Match[str]) -> str:
    name = match.lastgroup
    assert name is not None
    return f" {PHRASES[int(name[1:])][1]} "


@functools.lru_cache(maxsize=4096)
def _normalise(text: str) -> str:
    _, phrase, concept, drop = _compiled()
    lowered = text.lower()
    concepts = [
        CONCEPTS[int(found.lastgroup[1:])][0]
        for found in concept.finditer(lowered)
        if found.lastgroup
    ]
    return drop.sub(" ", phrase.sub(_phrase, lowered)) + " " + " ".join(concepts)


def tokens(text: str, stop: frozenset[str] = _STOP) -> list[tuple[str, str]]:
    """(term, surface word) for each word of ``text`` that can tell a cause apart."""
    found = []
    for raw in _compiled()[0].findall(_normalise(text)):
        word = raw.strip("'").removesuffix("'s")
        if len(word) < 2 or word in stop or word.isdigit():
            continue
        term = stem(word)
        if term in stop:
            continue
        found.append((term, word))
    return found


@functools.cache
def tokeniser_id() -> str:
    """A fingerprint of how ``tokens`` splits text (its word lists, patterns and code), so
    a cache of tokens (``pm.cache.TokenCache``) is dropped when any of them changes."""
    from pm.digest import sha1_hex

    parts: list[object] = [sorted(_STOP), _DROP, _PHRASE, _CONCEPT]
    parts += [PHRASES, CONCEPTS, _WORD]
    # (how ``pack`` writes them is the cache's format number, ``TokenCache.FORMAT``)
    codes = [f.__code__ for f in (tokens, stem.__wrapped__, _normalise.__wrapped__, _phrase)]
    while codes:  # code objects' reprs hold addresses: their parts, nested ones too
        code = codes.pop()
        parts += [code.co_code, code.co_names]
        for const in code.co_consts:
            (codes if isinstance(const, type(code)) else parts).append(const)
    return sha1_hex(repr(parts).encode())


def pack(text: str) -> str:
    """The ``tokens`` of ``text`` as one string (``term`` or ``term/word`` each), for the
    token cache: ``unpack`` gives them back. A written text packs to a non-empty string
    even when it has no token, so ``has_cause`` reads a packed ``Doc`` as it reads text."""
    if not text:
        return ""
    return " " + " ".join(t if t == w else f"{t}/{w}" for t, w in tokens(text))


def unpack(packed: str) -> list[tuple[str, str]]:
    """The inverse of ``pack`` (words hold no ``/`` or space: see ``_WORD``)."""
    found = []
    for item in packed.split():
        term, _, word = item.partition("/")
        term = intern(term)  # one string per term, not one per use: 10,000 vectors share them
        found.append((term, word or term))
    return found


def field_tokens(doc: Doc, name: str) -> list[tuple[str, str]]:
    """``tokens`` of one of ``doc``'s fields, whether it holds text or packed tokens."""
    value = doc.fields.get(name, "")
    return unpack(value) if doc.packed else tokens(value)


# --- documents and their vectors ------------------------------------------------------------


@datarecord(frozen=True)
class Doc:
    """What similarity needs to know about one postmortem."""

    id: str
    title: str
    fields: dict[str, str]
    labels: tuple[str, ...] = ()
    related: tuple[str, ...] = ()  # "see also": shown, never a reason to group
    started: date | None = None
    causes: tuple[str, ...] = ()  # the structured cause, from a configured taxonomy
    same_cause: tuple[str, ...] = ()  # ids a person said share this cause: they group
    # ``fields`` hold ``pack``ed tokens, not text (a ``Doc`` from the token cache).
    packed: bool = False


def labels_of(services: Iterable[str], tags: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"service:{s}" for s in services) + tuple(f"tag:{t}" for t in tags)


def _text_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str) and v)
    return ()


def doc_from(postmortem: Postmortem, body: str) -> Doc:
    impact = " ".join(filter(None, [postmortem.impact, section_text(body, "Impact")]))
    started = postmortem.started
    extra = getattr(postmortem, "extra", {}) or {}
    causes = getattr(postmortem, "causes", None)
    same = getattr(postmortem, "same_cause", None)
    return Doc(
        id=postmortem.id,
        title=postmortem.title,
        fields={
            "title": postmortem.title,
            "impact": impact,
            "root_cause": section_text(body, "Root Cause"),
            "contributing": section_text(body, "Contributing Factors"),
        },
        labels=labels_of(postmortem.services, postmortem.tags),
        related=tuple(postmortem.related),
        started=started.date() if started else None,
        causes=tuple(causes) if causes is not None else _text_list(extra.get("causes")),
        same_cause=tuple(same) if same is not None else _text_list(extra.get("same_cause")),
    )


def has_cause(doc: Doc) -> bool:
    return bool(doc.fields.get("root_cause") or doc.fields.get("contributing") or doc.causes)


class Index:
    """TF-IDF vectors (unit length) for a set of documents."""

    def __init__(
        self,
        docs: Sequence[Doc],
        weights: dict[str, float] | None = None,
        *,
        background: tuple[int, Counter[str]] | None = None,
    ) -> None:
        """``background`` (documents, document frequency of each word) replaces the IDF of
        words when ``docs`` is a biased sample, such as candidates picked for sharing words.
        """
        weights = FIELD_WEIGHTS if weights is None else weights
        self.docs = list(docs)
        self.position = {doc.id: i for i, doc in enumerate(self.docs)}
        surface: dict[str, Counter[str]] = defaultdict(Counter)
        raw: list[dict[str, float]] = []
        df: Counter[str] = Counter()
        for doc in self.docs:
            counts: dict[str, float] = defaultdict(float)
            for name, weight in weights.items():
                for term, word in field_tokens(doc, name):
                    counts[term] += weight
                    surface[term][word] += 1
            for label in doc.labels:
                counts[label] += LABEL_WEIGHT
            raw.append(counts)
            df.update(counts.keys())
        n = len(self.docs)
        self.idf = {term: math.log((n + 1) / (count + 1)) + 1.0 for term, count in df.items()}
        if background is not None:
            total, seen = background
            for term in self.idf:
                if ":" not in term:  # words, not service:/tag: labels
                    self.idf[term] = math.log((total + 1) / (seen.get(term, 0) + 1)) + 1.0
        self.vectors: list[dict[str, float]] = []
        # A word only one postmortem uses cannot make two alike, but it would dilute the
        # words they share; it is left out (unless the index is one postmortem's context).
        rare = 1 if n > 2 and background is None and SKIP_UNIQUE else 0
        for i, doc in enumerate(self.docs):
            counts, raw[i] = raw[i], {}  # freed as it goes: 10,000 vectors are enough to hold
            vector = {t: math.log1p(tf) * self.idf[t] for t, tf in counts.items() if df[t] > rare}
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            unit = {t: v / norm for t, v in vector.items()}
            if doc.causes:
                # The structured cause weighs the same whatever the prose's length, and
                # is exempt from the IDF: a common cause is still the same cause.
                share = CAUSE_WEIGHT / (CAUSE_WEIGHT + 1.0)
                unit = {t: v * math.sqrt(1 - share) for t, v in unit.items()}
                each = math.sqrt(share / len(doc.causes))
                for cause in doc.causes:
                    unit[f"cause:{cause}"] = each
            self.vectors.append(unit)
        self._surface = {term: words.most_common(1)[0][0] for term, words in surface.items()}
        self.pairs_compared = 0
        self._postings: dict[str, list[tuple[int, float]]] | None = None

    def word(self, term: str) -> str:
        """How people wrote a term (``databas`` -> ``database``), a joined phrase spelled
        out (``connectionpool`` -> ``connection pool``)."""
        word = self._surface.get(term, term)
        return SPELLED.get(word, word)

    def similarity(self, i: int, j: int) -> float:
        self.pairs_compared += 1
        a, b = self.vectors[i], self.vectors[j]
        if len(a) > len(b):
            a, b = b, a
        return sum(v * b[t] for t, v in a.items() if t in b)

    def hubness(self, i: int, k: int = HUB_NEIGHBOURS) -> float:
        """Mean similarity of document ``i`` to its ``k`` nearest others (missing ones count 0).

        A write-up told in the words that many write-ups use is near everything: a "hub".
        Ranking by ``2 * similarity - hubness`` (CSLS) lets a specific match outrank it.
        """
        if self._postings is None:
            postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
            for n, vector in enumerate(self.vectors):
                for term, value in vector.items():
                    postings[term].append((n, value))
            self._postings = postings
        totals: dict[int, float] = defaultdict(float)
        for term, value in self.vectors[i].items():
            for other, weight in self._postings[term]:
                totals[other] += value * weight
        totals.pop(i, None)
        return sum(heapq.nlargest(k, totals.values())) / k

    def shared(self, members: Sequence[int], limit: int = 5) -> list[str]:
        """The terms (and labels) that most of ``members`` carry, heaviest first."""
        need = max(2, math.ceil(len(members) / 2))
        presence: Counter[str] = Counter()
        weight: dict[str, float] = defaultdict(float)
        for i in members:
            for term, value in self.vectors[i].items():
                presence[term] += 1
                weight[term] += value
        chosen = [t for t, count in presence.items() if count >= need]
        chosen.sort(key=lambda t: (-presence[t], -weight[t], t))
        return chosen[:limit]

    def candidate_pairs(self) -> set[tuple[int, int]]:
        """Pairs of documents that share one of their TOP_K heaviest terms (bounded)."""
        postings: dict[str, list[int]] = defaultdict(list)
        for i, vector in enumerate(self.vectors):
            top = sorted(vector, key=lambda t: (-vector[t], t))[:TOP_K]
            for term in top:
                postings[term].append(i)
            for term in vector:
                if term.startswith("cause:") and term not in top:
                    postings[term].append(i)
        pairs: set[tuple[int, int]] = set()
        for term, members in postings.items():
            if term.startswith("cause:"):
                # Exempt from the cap: each member meets its nearest MAX_POSTINGS in order.
                for a, first in enumerate(members):
                    for second in members[a + 1 : a + 1 + MAX_POSTINGS]:
                        pairs.add((first, second))
                continue
            if len(members) > MAX_POSTINGS:
                continue
            for a, first in enumerate(members):
                for second in members[a + 1 :]:
                    pairs.add((first, second))
        return pairs

    def background(self, seed: int = 0) -> tuple[float, float]:
        """Mean and standard deviation of the similarity of random pairs (deterministic)."""
        n = len(self.vectors)
        if n < 3:
            return 0.0, 0.0
        total = n * (n - 1) // 2
        if total <= RANDOM_PAIRS:
            sample = [(i, j) for i in range(n) for j in range(i + 1, n)]
        else:
            import random

            rng = random.Random(seed)  # noqa: S311 - a sample, not a secret
            sample = []
            while len(sample) < RANDOM_PAIRS:
                i, j = rng.randrange(n), rng.randrange(n)
                if i != j:
                    sample.append((i, j))
        scores = [self._plain(i, j) for i, j in sample]
        import statistics  # only here: it imports decimal and fractions

        return statistics.fmean(scores), statistics.pstdev(scores)

    def _plain(self, i: int, j: int) -> float:
        a, b = self.vectors[i], self.vectors[j]
        if len(a) > len(b):
            a, b = b, a
        return sum(v * b[t] for t, v in a.items() if t in b)

    def threshold(self, tuning: Tuning = DEFAULT_TUNING) -> float:
        """The similarity above which two postmortems read as one cause, here."""
        if tuning.threshold is not None:
            return tuning.threshold
        mean, spread = self.background()
        return max(tuning.floor, mean + tuning.spread * spread)


# --- recurring-cause groups --------------------------------------------------------------------


@datarecord
class Group:
    """Postmortems that share a cause, with what ties them."""

    ids: list[str]
    terms: list[str]
    labels: list[str]
    stems: list[str] = field(default_factory=list)
    linked: list[tuple[str, str]] = field(default_factory=list)


def group(
    docs: Sequence[Doc], threshold: float | None = None, *, tuning: Tuning = DEFAULT_TUNING
) -> tuple[list[Group], Index]:
    """Recurring-cause groups (two or more postmortems), largest and latest first."""
    if threshold is not None:
        tuning = Tuning(**{**tuning.__dict__, "threshold": threshold})
    index = Index(docs)
    cut = index.threshold(tuning)
    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    scores: dict[tuple[int, int], float] = {}
    nearest: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for i, j in index.candidate_pairs():
        score = index.similarity(i, j)
        if score >= cut:
            scores[(i, j)] = score
            nearest[i].append((score, j))
            nearest[j].append((score, i))
    close = {
        i: {j for _score, j in sorted(found, reverse=True)[: tuning.neighbours]}
        for i, found in nearest.items()
    }
    # Mutual nearest neighbours, or a link twice as strong as the threshold asks; and never
    # a resemblance that rests on one or two words, which is how chance resemblances look.
    links = {
        pair: score
        for pair, score in scores.items()
        if (score >= 2 * cut or (pair[1] in close[pair[0]] and pair[0] in close[pair[1]]))
        and _supported(index, *pair, tuning.support)
    }
    # Average linkage: strongest links first, and two groups merge only when their members
    # are, on average, alike too; one chance resemblance cannot chain two causes together.
    members: dict[int, list[int]] = {i: [i] for i in range(len(docs))}
    for (i, j), _score in sorted(links.items(), key=lambda item: (-item[1], item[0])):
        a, b = find(i), find(j)
        if a == b:
            continue
        if _mean_similarity(index, members[a], members[b]) >= tuning.link * cut:
            parent[a] = b
            members[b].extend(members.pop(a))
    said: list[tuple[int, int]] = []
    for i, doc in enumerate(docs):
        for other in doc.same_cause:
            linked = index.position.get(other)
            if linked is not None and linked != i and (linked, i) not in said:
                said.append((i, linked))
                union(i, linked)
    components: dict[int, list[int]] = defaultdict(list)
    for i in range(len(docs)):
        components[find(i)].append(i)
    groups = []
    for indices in components.values():
        if len(indices) < 2:
            continue
        indices.sort(key=lambda i: (docs[i].started or date.min, docs[i].id))
        inside = set(indices)
        shared = index.shared(indices, limit=8)
        words = [t for t in shared if ":" not in t]
        groups.append(
            Group(
                ids=[docs[i].id for i in indices],
                terms=[index.word(t) for t in words][:5],
                labels=[t for t in shared if ":" in t],
                stems=words[:5],
                linked=[(docs[i].id, docs[j].id) for i, j in said if i in inside],
            )
        )
    groups.sort(key=lambda g: g.ids[-1], reverse=True)  # latest first...
    groups.sort(key=lambda g: -len(g.ids))  # ...within the largest first (a stable sort)
    return groups, index


def _supported(index: Index, i: int, j: int, need: int) -> bool:
    """Whether two documents share ``need`` terms (words, services, tags) or a structured cause."""
    a, b = index.vectors[i], index.vectors[j]
    if len(a) > len(b):
        a, b = b, a
    common = [t for t in a if t in b]
    return len(common) >= need or any(t.startswith("cause:") for t in common)


def _mean_similarity(index: Index, first: list[int], second: list[int]) -> float:
    """Mean similarity between two groups, over at most MEAN_SAMPLE members of each."""
    a, b = first[:MEAN_SAMPLE], second[:MEAN_SAMPLE]
    total = sum(index.similarity(i, j) for i in a for j in b)
    return total / (len(a) * len(b))


# --- similar incidents for one postmortem ------------------------------------------------------


@datarecord(frozen=True)
class Match:
    """A similar postmortem: its id and title, the score, and the terms both share.

    ``weak`` marks a match below the repository's threshold for "the same cause": worth a
    look, not a recurrence.
    """

    id: str
    title: str
    score: float
    shared: list[str]
    started: date | None
    weak: bool = False


def _ranked(
    index: Index,
    target: int,
    limit: int,
    minimum: float,
    strong: float | None = None,
    *,
    hubs: bool = False,
) -> list[Match]:
    vector = index.vectors[target]
    results = []
    raw: dict[str, float] = {}
    for j, doc in enumerate(index.docs):
        if j == target:
            continue
        score = index.similarity(target, j)
        if score < minimum or score <= 0:
            continue
        raw[doc.id] = score
        other = index.vectors[j]
        common = sorted((t for t in vector if t in other), key=lambda t: -vector[t] * other[t])
        results.append(
            Match(
                id=doc.id,
                title=doc.title,
                score=round(score, 3),
                shared=[index.word(t) for t in common[:4]],
                started=doc.started,
                weak=strong is not None and score < strong,
            )
        )
    results.sort(key=lambda m: m.id, reverse=True)  # equal scores: the latest first
    results.sort(key=lambda m: -raw[m.id])
    if hubs:
        # Cross-domain similarity local scaling (CSLS): the nearest by cosine, reranked by
        # 2 * cosine - hubness, so a hub (near everything) yields to a specific match.
        nearest = results[:RERANK]
        key = {m.id: 2 * raw[m.id] - index.hubness(index.position[m.id]) for m in nearest}
        nearest.sort(key=lambda m: (m.weak, -key[m.id]))
        return nearest[:limit]
    return results[:limit]


def similar_docs(
    docs: Sequence[Doc],
    target: Doc,
    limit: int = 3,
    *,
    minimum: float | None = None,
    tuning: Tuning = DEFAULT_TUNING,
) -> list[Match]:
    """Past postmortems whose root cause and contributing factors read like ``target``'s.

    Empty when the target has no written cause yet; only postmortems that started before
    the target (or on the same day) count as past. ``pm show`` and ``pm review`` use this
    (through ``queries.similar_by_cause``).

    Matches at or above the repository's threshold are strong; weaker ones down to
    ``tuning.weak`` of it are returned too, marked ``weak``, so a reader sees the nearest
    past incidents rather than nothing. ``minimum`` overrides that lower bound. Of the
    ``RERANK`` nearest, strong ones come first, each kind ranked by CSLS (``hubness``).
    """
    if not has_cause(target):
        return []
    past = [
        d
        for d in docs
        if d.id != target.id
        and has_cause(d)
        and (target.started is None or d.started is None or d.started <= target.started)
    ]
    index = Index([target, *past])
    strong = index.threshold(tuning)
    lowest = tuning.weak * strong if minimum is None else minimum
    return _ranked(index, 0, limit, lowest, strong, hubs=True)


TITLE_WEIGHTS = {"title": 1.0}


def similar_by_title(
    docs: Sequence[Doc],
    title: str,
    services: Sequence[str],
    tags: Sequence[str],
    limit: int = 3,
    *,
    exclude: str | None = None,
    minimum: float = 0.2,
    background: tuple[int, Counter[str]] | None = None,
) -> list[Match]:
    """Past postmortems like a new incident, from what is known when it opens."""
    probe = Doc(id="\0new", title=title, fields={"title": title}, labels=labels_of(services, tags))
    others = [d for d in docs if d.id != exclude]
    index = Index([probe, *others], weights=TITLE_WEIGHTS, background=background)
    return _ranked(index, 0, limit, minimum)


# --- which files to compare (paths in, paths out: the caller reads them) -----------------

# ``pm show`` compares with at most this many of the latest earlier postmortems, and
# ``pm open`` reads at most this many candidates, so both answer quickly at 10k files.
SIMILAR_SCAN_LIMIT = 1000
OPEN_CANDIDATES = 100


def cause_candidates(
    paths: Sequence[_P], target: _P | Path, limit: int = SIMILAR_SCAN_LIMIT
) -> list[_P]:
    """The files ``similar_docs`` compares ``target`` with: the latest ``limit`` that
    started on or before it (by the date in the id, so ``paths`` sorted by id). Paths may
    be strings (``Store.path_names``): 10,000 ``Path`` objects cost ``pm show`` 70 ms."""
    name = os.path.basename
    own = name(target)
    # Sorted by id, the files that started by then come first: found by bisection, so
    # 50,000 names cost no more than 1,000 (one more than ``limit``: the target's own).
    end = bisect.bisect_right(paths, own[:10], key=lambda p: name(p)[:10])
    return [p for p in paths[max(0, end - limit - 1) : end] if name(p) != own][-limit:]


def file_slug(path: str | Path) -> str:
    """The slug of a postmortem file's id (``db-pool-exhausted`` of
    ``postmortems/2024/2024-01-15-db-pool-exhausted.md``): string slicing, since
    ``os.path.basename`` and ``splitext`` cost ``pm open`` 0.1 s over 50,000 names."""
    name = os.fspath(path).rpartition(os.sep)[2]
    return (name[:-3] if name.endswith(".md") else os.path.splitext(name)[0])[11:]


def slug_words(slug: str) -> tuple[str, ...]:
    """The terms of an id's slug (``db-pool-exhausted``), each once, as ``title_candidates``
    compares them; a pure function of the slug, so a cache may keep them by slug."""
    return tuple(dict.fromkeys(term for term, _ in tokens(slug.replace("-", " "))))


def title_candidates(
    paths: Sequence[_P],
    title: str,
    limit: int = OPEN_CANDIDATES,
    *,
    words: Mapping[str, Sequence[str]] | None = None,
    slugs: Sequence[str] | None = None,
) -> tuple[list[_P], tuple[int, Counter[str]]]:
    """The files ``similar_by_title`` compares a new incident with, and its background.

    Candidates are the ``limit`` files whose id slug shares the most title words, plus the
    ``limit`` most recent ones (which share services and tags more often); only those are
    read, so the cost does not grow with the repository. Word frequencies over every id
    slug (the title's words) give the IDF (``background``): the few files read are picked
    for sharing words, so their own frequencies are biased. ``words`` holds ``slug_words``
    of slugs already split (``causedocs.slug_words``); each distinct slug is split once.
    ``slugs`` are the paths' ``file_slug`` when the caller has them already.
    """
    wanted = {term for term, _ in tokens(title)}
    if slugs is None:
        slugs = [file_slug(path) for path in paths]
    known = words if words is not None else {}
    frequency: Counter[str] = Counter()
    common: dict[str, int] = {}
    for slug, count in Counter(slugs).items():
        terms = known[slug] if slug in known else slug_words(slug)
        for term in terms:
            frequency[term] += count
        common[slug] = sum(1 for term in terms if term in wanted)
    scored = [
        (-common[slug], -n, path)
        for n, (slug, path) in enumerate(zip(slugs, paths, strict=True))
        if common[slug]
    ]
    scored.sort()
    chosen = {path for _, _, path in scored[:limit]}
    chosen.update(paths[-limit:])
    return sorted(chosen), (len(paths), frequency)
