"""Every figure of the analytics page, for one filter, in a fixed number of statements: the
page, its charts and its CSV read this one result."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.analytics import attainment, cadence, reopens, satisfaction, tiers, timing, volume
from portal.analytics.figures import Key, rollup
from portal.analytics.filters import ALL, PERIOD, AnalyticsFilter
from portal.clock import now as clock_now
from portal.enums import Tier
from portal.escalations.reporting import Attainment


def _share(part: int, whole: int | None) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class TierTime:
    escalations: int
    mean: timedelta | None


@dataclass(frozen=True)
class Figures:
    """The figures of one month (or the period) and one group (or all of them)."""

    escalations: int
    covered: int  # escalations opened where the organization's ticket volume is known
    tickets: int | None
    acknowledge: timing.Duration
    assign: timing.Duration
    resolve: timing.Duration
    attainment: Attainment
    promises: int
    kept: int
    responses: int
    satisfied: int
    score_sum: int
    reopens: int
    deescalations: int
    time_in_tier: dict[str, TierTime] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        """Escalations per ticket, where the ticket volume is known."""
        return _share(self.covered, self.tickets)

    @property
    def adherence(self) -> float | None:
        return _share(self.kept, self.promises)

    @property
    def csat(self) -> float | None:
        return _share(self.satisfied, self.responses)

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.responses if self.responses else None


@dataclass(frozen=True)
class Group:
    key: str
    label: str


@dataclass(frozen=True)
class AnalyticsReport:
    filters: AnalyticsFilter
    at: datetime
    months: list[str]
    by_month: dict[str, Figures]  # every month of the period, all groups
    groups: list[Group]  # when grouped: every group with figures, in label order
    by_group: dict[str, Figures]  # the period, per group
    total: Figures  # the period, all groups


def _figures(counts: Counter, tickets: int | None) -> Figures:
    return Figures(
        escalations=counts["escalations"],
        covered=counts["covered"] if tickets else 0,
        tickets=tickets,
        acknowledge=timing.duration(counts, "acknowledge"),
        assign=timing.duration(counts, "assign"),
        resolve=timing.duration(counts, "resolve"),
        attainment=attainment.attainment(counts),
        promises=counts["promises"],
        kept=counts["kept"],
        responses=counts["responses"],
        satisfied=counts["satisfied"],
        score_sum=counts["score_sum"],
        reopens=counts["reopens"],
        deescalations=counts["deescalations"],
        time_in_tier={tier.value: _tier_time(counts, tier.value) for tier in Tier},
    )


def _tier_time(counts: Counter, tier: str) -> TierTime:
    escalations = counts[f"tier_escalations:{tier}"]
    seconds = counts[f"tier_seconds:{tier}"]
    return TierTime(escalations, timedelta(seconds=seconds / escalations) if escalations else None)


def analytics_report(
    filters: AnalyticsFilter,
    *,
    group_labels: dict[str, str] | None = None,
    now: datetime | None = None,
) -> AnalyticsReport:
    """The figures for `filters` as of `now`: per month, per group over the period, and the
    period's total. `group_labels` names group keys (organization and owner ids); other keys
    are shown as they are."""
    at = now or clock_now()
    counts = Counter()
    merged: dict[Key, Counter] = {}
    for part in (
        volume.opened(filters),
        attainment.resolved(filters),
        cadence.promises(filters, at=at),
        satisfaction.responses(filters),
        reopens.reopened(filters),
        tiers.deescalations(filters),
        tiers.time_in_tiers(filters),
    ):
        for key, counter in part.items():
            merged.setdefault(key, Counter()).update(counter)
    totals = rollup(merged)
    # Durations come per shown bucket already (their percentiles do not add up).
    for clock in timing.CLOCKS:
        for key, counter in timing.durations(filters, clock).items():
            totals.setdefault(key, Counter()).update(counter)
    tickets = volume.TicketTotals(
        volume.tickets(filters), by_organization=filters.group_by == "organization"
    )

    def figures(month: str, group: str) -> Figures:
        return _figures(
            totals.get((month, group), counts),
            tickets.tickets_for(month, group),
        )

    group_keys = sorted({group for (month, group) in totals if month == PERIOD and group != ALL})
    labels = group_labels or {}
    groups = (
        sorted(
            (Group(key, labels.get(key, key)) for key in group_keys),
            key=lambda g: (g.label.lower(), g.key),
        )
        if filters.group_by
        else []
    )
    return AnalyticsReport(
        filters=filters,
        at=at,
        months=filters.months,
        by_month={month: figures(month, ALL) for month in filters.months},
        groups=groups,
        by_group={group.key: figures(PERIOD, group.key) for group in groups},
        total=figures(PERIOD, ALL),
    )
