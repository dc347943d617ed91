"""Organization-wide figures and history: the executive view and the resolved/closed list.

Every function takes the organization's id and, where time matters, `now` (the one clock by
default), so a report can be replayed for any instant. The SQL count is constant whatever the
number of escalations: rows are loaded in batches (one IN query for status histories, one for
remediation steps) and SLA clocks come from the one pure function, `sla.compute_clocks`.
Customer-facing reads of remediation steps go through `customer_visible`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization, SlaPolicy, SlaTarget
from portal.clock import now as clock_now
from portal.enums import OPEN_STATUSES, Severity, Status, StepStatus
from portal.escalations import sla
from portal.escalations.clocks import status_histories
from portal.escalations.models import Escalation, RemediationStep
from portal.escalations.queries import customer_visible, not_a_drill
from portal.extensions import db

WINDOW = timedelta(days=90)
HISTORY_STATUSES = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True)
class MeanDuration:
    """A mean over `count` escalations; None when there were none."""

    mean: timedelta | None
    count: int


@dataclass(frozen=True)
class Attainment:
    """How many escalations resolved in the window met their SLA clocks."""

    counted: int
    met_both: int
    acknowledge_met: int
    resolve_met: int

    @property
    def share(self) -> float | None:
        return self.met_both / self.counted if self.counted else None


@dataclass(frozen=True)
class ExecutiveSummary:
    open_by_severity: dict[int, int]
    time_to_acknowledge: MeanDuration
    time_to_resolve: MeanDuration
    attainment: Attainment
    window: timedelta
    since: datetime
    now: datetime

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity.values())


def open_by_severity(organization_id: int) -> dict[int, int]:
    """Open escalations per severity, every severity present (zero when none): one query."""
    rows = db.session.execute(
        select(Escalation.severity, func.count())
        .where(Escalation.organization_id == organization_id, not_a_drill(),
               Escalation.status.in_(OPEN_STATUSES))
        .group_by(Escalation.severity)
    ).all()
    counts = {int(severity): 0 for severity in Severity}
    counts.update({int(severity): count for severity, count in rows})
    return counts


def mean_duration(deltas: Sequence[timedelta]) -> MeanDuration:
    if not deltas:
        return MeanDuration(None, 0)
    return MeanDuration(sum(deltas, timedelta(0)) / len(deltas), len(deltas))


def _in_window(value: datetime | None, since: datetime, at: datetime) -> bool:
    return value is not None and since < value <= at


def _window_rows(organization_id: int, since: datetime, at: datetime) -> Sequence[Row]:
    """Escalations acknowledged or resolved in (since, at]: the inputs of every figure, in one
    query of plain columns."""
    return db.session.execute(
        select(Escalation.id, Escalation.severity, Escalation.opened_at,
               Escalation.acknowledged_at, Escalation.resolved_at)
        .where(Escalation.organization_id == organization_id, not_a_drill(),
               or_(and_(Escalation.acknowledged_at > since, Escalation.acknowledged_at <= at),
                   and_(Escalation.resolved_at > since, Escalation.resolved_at <= at)))
    ).all()


def _time_to_acknowledge(rows: Sequence[Row], since: datetime, at: datetime) -> MeanDuration:
    return mean_duration([r.acknowledged_at - r.opened_at for r in rows
                  if _in_window(r.acknowledged_at, since, at)])


def _time_to_resolve(rows: Sequence[Row], since: datetime, at: datetime) -> MeanDuration:
    return mean_duration([r.resolved_at - r.opened_at for r in rows
                  if _in_window(r.resolved_at, since, at)])


def mean_time_to_acknowledge(organization_id: int, *, now: datetime | None = None,
                             window: timedelta = WINDOW) -> MeanDuration:
    """Mean of acknowledged − opened (elapsed time) over escalations acknowledged in the
    window ending at `now`."""
    at = now or clock_now()
    return _time_to_acknowledge(_window_rows(organization_id, at - window, at), at - window, at)


def mean_time_to_resolve(organization_id: int, *, now: datetime | None = None,
                         window: timedelta = WINDOW) -> MeanDuration:
    """Mean of resolved − opened (elapsed time) over escalations resolved in the window."""
    at = now or clock_now()
    return _time_to_resolve(_window_rows(organization_id, at - window, at), at - window, at)


def calendar_and_targets(organization_id: int) -> tuple[sla.Calendar, dict[int, sla.Targets]]:
    """The organization's SLA calendar and per-severity targets, in one query."""
    rows = db.session.execute(
        select(Organization.timezone, SlaPolicy.business_hours, SlaPolicy.holidays,
               SlaTarget.severity, SlaTarget.acknowledge_minutes, SlaTarget.update_minutes,
               SlaTarget.resolve_minutes)
        .join(SlaPolicy, Organization.sla_policy_id == SlaPolicy.id)
        .join(SlaTarget, SlaTarget.policy_id == SlaPolicy.id)
        .where(Organization.id == organization_id)
    ).all()
    if not rows:
        raise LookupError(f"organization {organization_id} has no SLA policy in this scope")
    first = rows[0]
    calendar = sla.Calendar.from_policy(first.timezone, first.business_hours,
                                        first.holidays or ())
    targets = {
        r.severity: sla.Targets(acknowledge_minutes=r.acknowledge_minutes,
                                update_minutes=r.update_minutes,
                                resolve_minutes=r.resolve_minutes)
        for r in rows
    }
    return calendar, targets


def stopped_clocks_for(organization_id: int, rows: Iterable, *,
                       now: datetime | None = None) -> dict[int, sla.SlaClocks]:
    """The SLA clocks of resolved escalations, each met or missed for good, by id. `rows` are
    escalations or rows with their id, severity, opened_at, acknowledged_at and resolved_at;
    those not resolved are left out. Two queries (policy, status histories) for any number."""
    resolved = [row for row in rows if row.resolved_at is not None]
    if not resolved:
        return {}
    at = now or clock_now()
    calendar, targets = calendar_and_targets(organization_id)
    histories = status_histories(row.id for row in resolved)
    return {
        row.id: sla.compute_clocks(
            calendar=calendar, targets=targets[row.severity], opened_at=row.opened_at,
            status_history=histories[row.id], acknowledged_at=row.acknowledged_at,
            resolved_at=row.resolved_at, last_customer_update_at=None, next_update_by=None,
            now=at,
        )
        for row in resolved
    }


def _attainment(organization_id: int, rows: Sequence[Row], since: datetime,
                at: datetime) -> Attainment:
    resolved = [r for r in rows if _in_window(r.resolved_at, since, at)]
    clocks = stopped_clocks_for(organization_id, resolved, now=at)
    acknowledge_met = resolve_met = both = 0
    for row in resolved:
        ack_ok = clocks[row.id].acknowledge.state == "met"
        resolve_ok = clocks[row.id].resolve.state == "met"
        acknowledge_met += ack_ok
        resolve_met += resolve_ok
        both += ack_ok and resolve_ok
    return Attainment(len(resolved), both, acknowledge_met, resolve_met)


def sla_attainment(organization_id: int, *, now: datetime | None = None,
                   window: timedelta = WINDOW) -> Attainment:
    """SLA results of the escalations resolved in the window ending at `now`: both clocks are
    stopped, so each is met or missed for good. Computed by `sla.compute_clocks` with the
    organization's policy, calendar and each escalation's status history."""
    at = now or clock_now()
    return _attainment(organization_id, _window_rows(organization_id, at - window, at),
                       at - window, at)


def executive_summary(organization_id: int, *, now: datetime | None = None,
                      window: timedelta = WINDOW) -> ExecutiveSummary:
    """Everything the executive view's figures need, as of `now`, in four queries."""
    at = now or clock_now()
    since = at - window
    rows = _window_rows(organization_id, since, at)
    return ExecutiveSummary(
        open_by_severity=open_by_severity(organization_id),
        time_to_acknowledge=_time_to_acknowledge(rows, since, at),
        time_to_resolve=_time_to_resolve(rows, since, at),
        attainment=_attainment(organization_id, rows, since, at),
        window=window,
        since=since,
        now=at,
    )


def open_severe_for_organization(organization_id: int, *, worst: int = 2) -> Select:
    """Open escalations of severity 1..`worst`, most severe and highest priority first."""
    return (
        select(Escalation)
        .where(Escalation.organization_id == organization_id, not_a_drill(),
               Escalation.status.in_(OPEN_STATUSES), Escalation.severity <= worst)
        .options(selectinload(Escalation.owner))
        .order_by(Escalation.severity, Escalation.priority_score.desc(), Escalation.opened_at)
    )


# ------------------------------------------------------------------ resolved/closed history

def history_for_organization(organization_id: int, *, severity: int | None = None,
                             product_area: str | None = None, within_days: int | None = None,
                             search: str = "", now: datetime | None = None) -> Select:
    """Resolved and closed escalations, newest resolution first, filtered as given.

    `search` matches a reference ("ESC-1042" or "1042") or part of the title.
    """
    stmt = (
        select(Escalation)
        .where(Escalation.organization_id == organization_id, not_a_drill(),
               Escalation.status.in_(HISTORY_STATUSES))
        .order_by(Escalation.resolved_at.desc(), Escalation.id.desc())
    )
    if severity is not None:
        stmt = stmt.where(Escalation.severity == severity)
    if product_area:
        stmt = stmt.where(Escalation.product_area == product_area)
    if within_days is not None:
        since = (now or clock_now()) - timedelta(days=within_days)
        stmt = stmt.where(Escalation.resolved_at > since)
    search = search.strip()
    if search:
        candidate = search if "-" in search else f"ESC-{search}"
        escalation_id = Escalation.id_from_reference(candidate)
        title_matches = func.lower(Escalation.title).contains(search.lower(), autoescape=True)
        stmt = stmt.where(title_matches | (Escalation.id == escalation_id)
                          if escalation_id else title_matches)
    return stmt


def history_product_areas(organization_id: int) -> list[str]:
    """Product areas that occur in the organization's history, for the filter."""
    return list(db.session.scalars(
        select(Escalation.product_area).distinct()
        .where(Escalation.organization_id == organization_id, not_a_drill(),
               Escalation.status.in_(HISTORY_STATUSES), Escalation.product_area != "")
        .order_by(Escalation.product_area)
    ))


@dataclass(frozen=True)
class RemediationProgress:
    """Customer-visible remediation steps of one escalation: how many are done, what is next."""

    total: int
    done: int
    next_step: RemediationStep | None

    @property
    def outstanding(self) -> bool:
        return self.done < self.total


def remediation_progress_for(escalation_ids: Iterable[int]) -> dict[int, RemediationProgress]:
    """Progress per escalation (customer-visible steps only), in one query."""
    ids = list(escalation_ids)
    if not ids:
        return {}
    steps = db.session.scalars(
        select(RemediationStep)
        .where(RemediationStep.escalation_id.in_(ids), customer_visible(RemediationStep))
        .order_by(RemediationStep.escalation_id, RemediationStep.position, RemediationStep.id)
    ).all()
    grouped: dict[int, list[RemediationStep]] = defaultdict(list)
    for step in steps:
        grouped[step.escalation_id].append(step)
    progress = {}
    for escalation_id, items in grouped.items():
        remaining = [s for s in items if s.status != StepStatus.DONE]
        progress[escalation_id] = RemediationProgress(
            total=len(items), done=len(items) - len(remaining),
            next_step=remaining[0] if remaining else None)
    return progress
