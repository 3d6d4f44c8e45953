"""The shape of every dict pm prints as JSON or hands to a template, as ``TypedDict``s.

``pm.render.views`` builds the views (a postmortem, an action item, a commit, a finding...),
``pm.report`` and ``pm.recurring`` the report data; the renderers, ``--format json`` and
the templates (as ``report``) read them. At run time they are plain dicts, so the JSON is
what it always was, while mypy checks every key the code writes or reads. Dates and times
stay ``date``/``datetime`` values until ``output.to_json`` writes them.

Modules import this one only for type checking (``if TYPE_CHECKING:``): building these
classes would cost every command start-up time for nothing it uses at run time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NotRequired, TypedDict

# --- views (pm.render.views) -------------------------------------------------------------------


class SummaryView(TypedDict):
    id: str
    title: str
    severity: str
    status: str
    started: datetime | None
    resolved: datetime | None
    duration_minutes: float | None
    services: list[str]
    tags: list[str]
    review_due: date | None
    open_actions: int
    path: str


class SearchHitView(TypedDict):
    """``pm search --json``: a postmortem found and the line that matches best."""

    id: str
    title: str
    severity: str
    status: str
    started: datetime | None
    path: str
    score: int
    all_terms: bool
    field: str
    label: str
    line: str


class ActionView(TypedDict):
    number: int
    text: str
    owner: str
    priority: str
    due: date
    status: str
    ticket: str | None
    done: date | None
    reason: str | None
    days_overdue: int


class ActionRowView(ActionView):
    id: str
    path: str


class LateActionView(TypedDict):
    id: str
    number: int
    text: str
    owner: str
    priority: str
    due: date
    days_overdue: int


class AddressingView(TypedDict):
    id: str
    number: int
    text: str
    owner: str
    status: str
    due: date


class LogEntryView(TypedDict):
    commit: str
    date: datetime
    author: str
    email: str
    operation: str | None
    manual: bool
    subject: str


class FindingView(TypedDict):
    kind: str
    id: str
    item: int | None
    text: str
    owner: str
    priority: str
    due: str
    days_late: int
    escalated: bool
    path: str
    line: int
    message: str


class OverdueView(TypedDict):
    version: int
    as_of: str
    escalation_days: int
    total: int
    escalated: int
    findings: list[FindingView]
    due_within: NotRequired[int]  # only with --due-within (days), with due_soon
    due_soon: NotRequired[list[FindingView]]


class LintFindingView(TypedDict):
    path: str
    line: int
    rule: str
    severity: str
    message: str
    suggestion: str


class LintView(TypedDict):
    version: int
    files: int
    errors: int
    warnings: int
    fixed: list[str]
    findings: list[LintFindingView]


# --- one incident ---------------------------------------------------------------------------


class ReviewDates(TypedDict):
    due: date | None
    held: datetime | None


class IncidentMetric(TypedDict):
    name: str  # time_to_detect...
    short: str  # MTTD...
    label: str  # Time to detect...
    minutes: float | None
    text: str


class TimelineEntry(TypedDict):
    at: datetime
    kind: str
    text: str


class Section(TypedDict):
    heading: str
    text: str


class RelatedRef(TypedDict):
    id: str
    title: str | None  # None when the id names no readable postmortem
    same_cause: bool  # linked with ``pm related --same-cause`` (one recurring cause)


class SimilarRef(TypedDict):
    id: str
    title: str
    score: float
    shared: list[str]
    weak: bool


class IncidentData(TypedDict):
    id: str
    title: str
    severity: str
    status: str
    impact: str
    services: list[str]
    tags: list[str]
    started: datetime | None
    resolved: datetime | None
    duration_minutes: float | None
    duration: str
    ongoing: bool
    review: ReviewDates
    metrics: list[IncidentMetric]
    timeline: list[TimelineEntry]
    sections: list[Section]
    actions: list[ActionView]
    related: list[RelatedRef]
    similar: list[SimilarRef]
    path: str


# --- a period -------------------------------------------------------------------------------


class Window(TypedDict):
    since: date | None
    until: date
    service: str | None


class NameCount(TypedDict):
    name: str
    count: int


class Trend(TypedDict):
    previous_since: NotRequired[date]  # only with a --since (a period of known length)
    previous_until: NotRequired[date]
    previous_period: int | None
    change_percent: int | None


class Counts(TypedDict):
    by_severity: list[NameCount]
    by_service: list[NameCount]
    by_month: list[NameCount]
    trend: Trend


class MetricStats(TypedDict):
    label: str
    count: int
    median_minutes: float | None
    p90_minutes: float | None
    median: str
    p90: str


# Keyed by the short name: MTTD, MTTA, MTTM, MTTR.
MetricTable = dict[str, MetricStats]


class Metrics(TypedDict):
    overall: MetricTable
    by_severity: dict[str, MetricTable]


class ItemStats(TypedDict):
    created: int
    done: int
    wont_do: int
    open: int
    overdue: int
    median_days_to_done: float | None
    done_with_dates: int
    median_days_created_to_done: float | None  # from each item's creation (pm.history)
    done_with_created: int


class NamedItemStats(ItemStats):
    name: str


class FollowThrough(ItemStats):
    as_of: date
    by_priority: list[NamedItemStats]
    by_owner: list[NamedItemStats]
    overdue_items: list[LateActionView]


class LateReview(TypedDict):
    id: str
    title: str
    due: date
    held: date
    days_late: int


class MissingReview(TypedDict):
    id: str
    title: str
    due: date
    days_overdue: int


class Reviews(TypedDict):
    late: list[LateReview]
    missing: list[MissingReview]


class GroupIncident(TypedDict):
    id: str
    title: str
    severity: str
    started: datetime | None
    in_period: bool


class RecurringGroup(TypedDict):
    incidents: list[GroupIncident]
    in_period: int
    count: int
    first: date | None
    last: date | None
    span_days: int | None
    terms: list[str]
    labels: list[str]
    linked: list[list[str]]
    actions: list[AddressingView]
    open_actions: int
    status: str  # "open", "done" (every addressing item closed) or "none"


class PeriodIncident(TypedDict):
    id: str
    title: str
    severity: str
    status: str
    started: datetime | None
    duration_minutes: float | None
    services: list[str]


class BudgetIncident(TypedDict):
    id: str
    title: str
    minutes: float  # its own impact inside the window, before overlaps are merged


class BudgetData(TypedDict):
    """One service's error budget (``pm.slo.budget``)."""

    service: str
    target: float
    window: str
    since: datetime
    until: datetime
    as_of: datetime
    allowed_minutes: float
    consumed_minutes: float
    remaining_minutes: float
    consumed_percent: float
    exhausted: bool
    allowed: str
    consumed: str
    remaining: str
    incidents: list[BudgetIncident]


class PeriodData(TypedDict):
    period: Window
    total: int
    counts: Counts
    metrics: Metrics
    follow_through: FollowThrough
    reviews: Reviews
    recurring: list[RecurringGroup]
    incidents: list[PeriodIncident]
    budgets: list[BudgetData]
