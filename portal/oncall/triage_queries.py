"""Reading triage: the routing rules in order, what an example escalation would hit, one
escalation's triage state for its console page, and the analytics' time to assign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from portal.clock import ensure_utc
from portal.escalations.models import Escalation, Handoff
from portal.extensions import db
from portal.oncall.models import Team
from portal.oncall.queries import OnCall, board
from portal.oncall.routing import Facts, describe, route
from portal.oncall.triage_models import RoutingRule, TriageAssignment


def rules() -> Select:
    """Every routing rule in order, with its team and organization (for the list)."""
    return (select(RoutingRule)
            .options(joinedload(RoutingRule.team).selectinload(Team.members),
                     joinedload(RoutingRule.organization))
            .order_by(RoutingRule.position, RoutingRule.id))


@dataclass(frozen=True)
class RuleTest:
    """What an example escalation hits: the rule (and its number), its team and who is on
    call there at the instant asked; `rule` None when no rule matches."""

    rule: RoutingRule | None
    number: int | None
    on_call: OnCall | None


def test_rules(facts: Facts, at: datetime, every_rule: list[RoutingRule]) -> RuleTest:
    """Run `route` over the rules as the job would at `at`."""
    hit = route(every_rule, facts)
    if hit is None:
        return RuleTest(None, None, None)
    return RuleTest(hit, every_rule.index(hit) + 1, board(at, [hit.team])[0][1])


@dataclass(frozen=True)
class TriageState:
    """One escalation's triage for its page. `acknowledged_at` follows the current handoff
    at once (the job copies it onto the row on its next run)."""

    row: TriageAssignment
    acknowledged_at: datetime | None

    @property
    def rule_words(self) -> str | None:
        """The routing rule's conditions in words, while the rule still exists."""
        rule = self.row.rule
        if rule is None:
            return None
        return describe(rule, rule.organization.name if rule.organization else None)

    @property
    def awaiting(self) -> bool:
        return (self.acknowledged_at is None and self.row.ended_at is None
                and self.row.assignee_id is not None)

    @property
    def minutes_to_acknowledge(self) -> int | None:
        if self.acknowledged_at is None or self.row.assigned_at is None:
            return None
        return max(0, round((self.acknowledged_at - self.row.assigned_at).total_seconds() / 60))


def triage_state(escalation_id: int) -> TriageState | None:
    """The escalation's triage row with its team, manager, rule, assignee and handoff (one
    statement), or None when triage never routed it."""
    row = db.session.scalar(
        select(TriageAssignment)
        .options(joinedload(TriageAssignment.team).joinedload(Team.manager),
                 joinedload(TriageAssignment.rule), joinedload(TriageAssignment.assignee),
                 joinedload(TriageAssignment.handoff))
        .where(TriageAssignment.escalation_id == escalation_id))
    if row is None:
        return None
    acknowledged = row.acknowledged_at or (row.handoff.acknowledged_at if row.handoff else None)
    return TriageState(row, acknowledged)


def time_to_assign(since: datetime, until: datetime) -> Select:
    """For escalations opened in [since, until) that triage routed and someone acknowledged:
    (escalation id, opened_at, acknowledged_at, seconds from opening to that acknowledgement)
    — the "time to assign". Rows not yet acknowledged are left out. Seconds are computed in
    Python by `seconds_to_assign` (portable across SQLite and PostgreSQL)."""
    acknowledged = func.coalesce(TriageAssignment.acknowledged_at, Handoff.acknowledged_at)
    return (select(TriageAssignment.escalation_id, Escalation.opened_at,
                   acknowledged.label("acknowledged_at"))
            .join(Escalation, Escalation.id == TriageAssignment.escalation_id)
            .outerjoin(Handoff, Handoff.id == TriageAssignment.handoff_id)
            .where(Escalation.opened_at >= since, Escalation.opened_at < until,
                   acknowledged.is_not(None))
            .order_by(Escalation.opened_at, TriageAssignment.escalation_id))


def seconds_to_assign(rows) -> list[float]:
    """The seconds of each row of `time_to_assign` (opened → acknowledged)."""
    return [max(timedelta(0), ensure_utc(row.acknowledged_at) - ensure_utc(row.opened_at))
            .total_seconds() for row in rows]
