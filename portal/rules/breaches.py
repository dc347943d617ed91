"""SLA breaches: recorded once per clock and due instant, audited, and — where an administrator
has set a rule for the severity and clock — escalated one tier or to Management, once.

Recording and auditing are set-based (one statement each). Tier changes go through the one
`change_tier` operation, so they are batched: at most `TIER_BATCH` escalations per run, the
rest on the next run; when no rule applies the statement count stays constant.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import and_, literal, or_, select, update

from portal import audit
from portal.audit import AuditEvent
from portal.enums import Trigger
from portal.escalations.models import Escalation
from portal.escalations.operations.lifecycle import change_tier
from portal.extensions import db
from portal.rules.models import SlaBreach
from portal.rules.settings import Rules, tier_after
from portal.rules.sql import json_of
from portal.rules.sweeps import EVERYTHING
from portal.sqltypes import UTCDateTime
from portal.upsert import dialect_insert

BREACH_ACTION = "sla.breached"
TIER_BATCH = 50
CLOCK_WORDS = {"acknowledge": "acknowledgement", "resolve": "resolution"}

# outcome: "" fresh (not audited yet) → "pending" (a tier rule applies) → what was done.
FRESH, PENDING = "", "pending"


def _instant(at: datetime):
    return literal(at, UTCDateTime)


def record_breaches(at: datetime, since: datetime = EVERYTHING) -> int:
    """One `sla_breaches` row per clock whose due instant passed (never twice): those that
    passed after `since`, or of escalations changed after it."""
    selects = [
        select(Escalation.organization_id, Escalation.id, literal(clock, sa.String), due,
               _instant(at), literal(FRESH, sa.String))
        .where(due <= _instant(at), Escalation.id.in_(sa.union(
            select(Escalation.id).where(due > _instant(since), due <= _instant(at)),
            select(Escalation.id).where(Escalation.updated_at > _instant(since)))))
        for clock, due in (("acknowledge", Escalation.ack_due_at),
                           ("resolve", Escalation.resolve_due_at))
    ]
    statement = (
        dialect_insert(SlaBreach.__table__)
        .from_select(["organization_id", "escalation_id", "clock", "due_at", "recorded_at",
                      "outcome"], sa.union_all(*selects))
        .on_conflict_do_nothing(index_elements=["escalation_id", "clock", "due_at"])
    )
    return db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def audit_new_breaches(at: datetime, rules: Rules) -> int:
    """The audit event of each new breach, then sort them: a tier rule applies, or nothing to
    do. Three statements whatever the number of breaches."""
    fresh = SlaBreach.outcome == FRESH
    db.session.execute(sa.insert(AuditEvent).from_select(
        ["at", "organization_id", "action", "object_type", "object_id", "ip_address", "detail"],
        select(_instant(at), SlaBreach.organization_id, literal(BREACH_ACTION, sa.String),
               literal("Escalation", sa.String), SlaBreach.escalation_id,
               literal("", sa.String), json_of(clock=SlaBreach.clock)).where(fresh),
    ))
    applies = _rule_applies(rules)
    pending = db.session.execute(
        update(SlaBreach).where(fresh, applies).values(outcome=PENDING)
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(
        update(SlaBreach).where(fresh).values(outcome="none", handled_at=at)
        .execution_options(synchronize_session=False))
    return pending


def _rule_applies(rules: Rules):
    conditions = [and_(Escalation.severity == severity, SlaBreach.clock == clock)
                  for severity, clock, _ in rules.tier_rules()]
    if not conditions:
        return sa.false()
    return SlaBreach.escalation_id.in_(
        select(Escalation.id).where(Escalation.id == SlaBreach.escalation_id, or_(*conditions)))


def apply_tier_rules(at: datetime, rules: Rules) -> int:
    """Escalate the tier of up to TIER_BATCH pending breaches, once each. Returns how many
    escalations changed tier."""
    query = (select(SlaBreach, Escalation)
             .join(Escalation, Escalation.id == SlaBreach.escalation_id)
             .where(SlaBreach.outcome == PENDING).order_by(SlaBreach.id).limit(TIER_BATCH))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=SlaBreach)
    changed = 0
    for breach, escalation in db.session.execute(query).all():
        steps = tier_after(escalation.tier, rules.tier_action(escalation.severity, breach.clock))
        if not escalation.is_open or not steps:
            breach.outcome = "none" if escalation.is_open else "closed before the rule ran"
            breach.handled_at = at
            continue
        start = escalation.tier
        reason = (f"Automatic escalation, trigger: SLA breach. The "
                  f"{CLOCK_WORDS[breach.clock]} target of this Sev {escalation.severity} "
                  f"escalation passed at {breach.due_at:%Y-%m-%d %H:%M} UTC.")
        for tier in steps:
            change_tier(escalation, tier, actor=None, reason=reason)
        breach.outcome = f"{start.value}→{escalation.tier.value}"
        breach.handled_at = at
        audit.record("rules.auto_tier", actor=None, obj=escalation,
                     trigger=Trigger.SLA_BREACH.value, clock=breach.clock,
                     from_tier=start.value, to_tier=escalation.tier.value)
        changed += 1
    return changed


def recent_breaches(limit: int) -> list:
    """(breach, escalation) pairs, newest first (one query)."""
    return db.session.execute(
        select(SlaBreach, Escalation).join(Escalation, Escalation.id == SlaBreach.escalation_id)
        .order_by(SlaBreach.recorded_at.desc(), SlaBreach.id.desc()).limit(limit)
    ).all()
