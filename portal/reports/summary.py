"""The organization summary for executives: every escalation of a period (a quarter by
default) with counts, mean times, SLA attainment and its trend, the top root-cause categories
and the remediation actions still open. A constant number of queries whatever the row count;
SLA results come from the one pure function through `portal.escalations.reporting`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from portal.accounts.models import Organization
from portal.clock import now as clock_now
from portal.enums import SEVERITY_LABELS, Severity, StepStatus
from portal.escalations import sla
from portal.escalations.clocks import status_histories
from portal.escalations.models import Escalation
from portal.escalations.queries import not_a_drill
from portal.escalations.reporting import (
    Attainment,
    MeanDuration,
    calendar_and_targets,
    mean_duration,
)
from portal.extensions import db
from portal.reports.models import Review, ReviewAction

MAX_ROWS = 500
TREND_MONTHS = 6
_PERIOD = re.compile(r"^(\d{4})-Q([1-4])$")


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    label: str
    key: str
    since: datetime
    until: datetime

    @property
    def last_day(self) -> datetime:
        return self.until - timedelta(days=1)


def quarter(year: int, q: int, zone: ZoneInfo) -> Period:
    start = datetime(year, 3 * (q - 1) + 1, 1, tzinfo=zone)
    end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=zone)
    return Period(f"Q{q} {year}", f"{year}-Q{q}", start, end)


def period_for(text: str | None, timezone: str, *, at: datetime | None = None) -> Period:
    """'2026-Q3' → that quarter in the organization's timezone; empty → the current quarter.
    Raises BadPeriod for anything else."""
    zone = ZoneInfo(timezone)
    if not text:
        local = (at or clock_now()).astimezone(zone)
        return quarter(local.year, (local.month - 1) // 3 + 1, zone)
    match = _PERIOD.match(text.strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise BadPeriod("Choose a quarter such as 2026-Q3.")
    return quarter(int(match.group(1)), int(match.group(2)), zone)


def recent_periods(timezone: str, count: int = 6, *, at: datetime | None = None) -> list[Period]:
    current = period_for(None, timezone, at=at)
    periods = [current]
    while len(periods) < count:
        previous = periods[-1].since - timedelta(days=1)
        periods.append(quarter(previous.year, (previous.month - 1) // 3 + 1, previous.tzinfo))
    return periods


@dataclass
class OrganizationSummary:
    organization: str
    timezone: str
    period: Period
    generated_at: datetime
    by_severity: dict[int, int]
    time_to_acknowledge: MeanDuration
    time_to_resolve: MeanDuration
    attainment: Attainment
    trend: list[dict]
    categories: list[tuple[str, int]]
    open_actions: list[dict]
    escalations: list[dict] = field(default_factory=list)
    truncated: bool = False

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())

    @property
    def severity_labels(self) -> dict[int, str]:
        return SEVERITY_LABELS


def _month_starts(until: datetime, months: int) -> list[datetime]:
    first = until.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if first == until:
        first = (first - timedelta(days=1)).replace(day=1)
    starts = [first]
    while len(starts) < months:
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return list(reversed(starts))


def organization_summary(organization: Organization, period: Period, *,
                         at: datetime | None = None) -> OrganizationSummary:
    """Everything the organization summary shows for `period`, as of `at` (default now)."""
    at = at or clock_now()
    until = min(period.until, at)
    since = period.since
    zone = ZoneInfo(organization.timezone)
    months = _month_starts(period.until.astimezone(zone), TREND_MONTHS)
    trend_since = months[0]
    columns = (Escalation.id, Escalation.title, Escalation.severity, Escalation.status,
               Escalation.category, Escalation.opened_at, Escalation.acknowledged_at,
               Escalation.resolved_at)
    rows = db.session.execute(
        select(*columns)
        .where(Escalation.organization_id == organization.id, not_a_drill(),
               or_(and_(Escalation.opened_at >= since, Escalation.opened_at < until),
                   and_(Escalation.resolved_at >= trend_since, Escalation.resolved_at < until),
                   and_(Escalation.acknowledged_at >= since, Escalation.acknowledged_at < until)))
        .order_by(Escalation.opened_at, Escalation.id)
    ).all()

    def within(value):
        return value is not None and since <= value < until

    in_period = [r for r in rows if within(r.opened_at) or within(r.resolved_at)]
    by_severity = {int(s): 0 for s in Severity}
    for row in in_period:
        by_severity[row.severity] += 1

    # SLA results of everything resolved in the trend window (which contains the period).
    resolved = [r for r in rows if r.resolved_at is not None and trend_since <= r.resolved_at
                < until]
    met: dict[int, tuple[bool, bool]] = {}
    if resolved:
        calendar, targets = calendar_and_targets(organization.id)
        histories = status_histories(r.id for r in resolved)
        for row in resolved:
            clocks = sla.compute_clocks(
                calendar=calendar, targets=targets[row.severity], opened_at=row.opened_at,
                status_history=histories[row.id], acknowledged_at=row.acknowledged_at,
                resolved_at=row.resolved_at, last_customer_update_at=None,
                next_update_by=None, now=at)
            met[row.id] = (clocks.acknowledge.state == "met", clocks.resolve.state == "met")
    resolved_in_period = [r for r in resolved if within(r.resolved_at)]
    attainment = Attainment(
        counted=len(resolved_in_period),
        met_both=sum(all(met[r.id]) for r in resolved_in_period),
        acknowledge_met=sum(met[r.id][0] for r in resolved_in_period),
        resolve_met=sum(met[r.id][1] for r in resolved_in_period))
    trend = []
    for i, start in enumerate(months):
        end = months[i + 1] if i + 1 < len(months) else period.until.astimezone(zone)
        bucket = [r for r in resolved if start <= r.resolved_at < end]
        both = sum(all(met[r.id]) for r in bucket)
        trend.append({"label": start.strftime("%b %Y"), "counted": len(bucket),
                      "share": both / len(bucket) if bucket else None,
                      "in_period": since <= start < period.until})

    ids = [r.id for r in in_period]
    categories_by_id = dict(db.session.execute(
        select(Review.escalation_id, Review.root_cause_category)
        .where(Review.escalation_id.in_(ids), Review.latest_version > 0)).all()) if ids else {}
    categories = Counter(
        (categories_by_id.get(r.id) or r.category or "Not categorised")
        for r in in_period if r.resolved_at is not None)

    actions = db.session.execute(
        select(ReviewAction.title, ReviewAction.owner, ReviewAction.due_on, ReviewAction.status,
               Escalation.id.label("escalation_id"))
        .join(Review, ReviewAction.review_id == Review.id)
        .join(Escalation, Review.escalation_id == Escalation.id)
        .where(Review.organization_id == organization.id, Review.latest_version > 0,
               ReviewAction.status != StepStatus.DONE)
        .order_by(ReviewAction.due_on.is_(None), ReviewAction.due_on, ReviewAction.id)
        .limit(MAX_ROWS)
    ).all()
    return OrganizationSummary(
        organization=organization.name, timezone=organization.timezone, period=period,
        generated_at=at, by_severity=by_severity,
        time_to_acknowledge=mean_duration([r.acknowledged_at - r.opened_at for r in rows
                                   if within(r.acknowledged_at)]),
        time_to_resolve=mean_duration([r.resolved_at - r.opened_at for r in resolved_in_period]),
        attainment=attainment, trend=trend, categories=categories.most_common(6),
        open_actions=[{"title": a.title, "owner": a.owner, "due_on": a.due_on,
                       "status": a.status, "reference": Escalation.reference_of(a.escalation_id),
                       "late": a.due_on is not None and a.due_on < at.astimezone(zone).date()}
                      for a in actions],
        escalations=[{"reference": Escalation.reference_of(r.id), "title": r.title,
                      "severity": r.severity, "status": r.status, "opened_at": r.opened_at,
                      "resolved_at": r.resolved_at,
                      "sla": (all(met[r.id]) if r.id in met else None)}
                     for r in in_period[:MAX_ROWS]],
        truncated=len(in_period) > MAX_ROWS,
    )
