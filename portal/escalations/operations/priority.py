"""The composite priority's operations: routing for senior involvement, recomputing scores
when an organization or the weights change, and the administrators' weights and threshold.

The score itself is the pure `portal.escalations.priority.compute_priority`; one escalation's
score is refreshed by `tiers.recompute_priority`, which routes it for senior involvement
(`tiers.route_for_senior_involvement`) when the score crosses the threshold upward.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import select, update

from portal import audit
from portal.accounts.models import Organization, User
from portal.clock import now
from portal.enums import OPEN_STATUSES, ReputationalRisk, Tier
from portal.escalations.models import Escalation
from portal.escalations.operations.common import (
    priority_weights,
    require_staff,
    senior_threshold,
)
from portal.escalations.operations.tiers import recompute_priority, route_for_senior_involvement
from portal.escalations.priority import (
    DEFAULT_WEIGHTS,
    FACTOR_LABELS,
    THRESHOLD_SETTING,
    WEIGHTS_SETTING,
    PriorityInputs,
    compute_priority,
)
from portal.extensions import db
from portal.operations import OperationError
from portal.settings import set_setting

RECOMPUTE_BATCH = 1000


def recompute_priorities_for_organization(organization_id: int,
                                          actor: User | None = None) -> int:
    """Recompute the score of the organization's open escalations (after a segment or
    annual revenue change), routing any that cross the threshold. Returns how many changed."""
    escalations = db.session.scalars(
        select(Escalation)
        .where(Escalation.organization_id == organization_id,
               Escalation.status.in_(OPEN_STATUSES))
        .order_by(Escalation.id)
    ).all()
    changed = 0
    for escalation in escalations:
        before = (escalation.priority_score, escalation.priority_breakdown)
        recompute_priority(escalation, actor=actor)
        changed += before != (escalation.priority_score, escalation.priority_breakdown)
    return changed


@dataclass(frozen=True)
class Recomputed:
    changed: int
    routed: int


def recompute_open_priorities(actor: User | None = None) -> Recomputed:
    """Rescore every open escalation with the current weights, in batches of
    RECOMPUTE_BATCH: one read and at most one bulk UPDATE per batch, whatever the batch's
    size. Escalations whose score crossed the threshold upward are then routed one by one."""
    weights = priority_weights()
    threshold = senior_threshold()
    columns = (Escalation.id, Escalation.severity, Escalation.users_affected,
               Escalation.core_operations_blocked, Escalation.reputational_risk,
               Escalation.priority_score, Escalation.priority_breakdown, Escalation.tier,
               Organization.segment, Organization.annual_revenue)
    changed, crossed, after_id, stamp = 0, [], 0, now()  # updated_at: the queue's ETag
    while True:
        batch = db.session.execute(
            select(*columns)
            .join(Organization, Organization.id == Escalation.organization_id)
            .where(Escalation.status.in_(OPEN_STATUSES), Escalation.id > after_id)
            .order_by(Escalation.id)
            .limit(RECOMPUTE_BATCH)
        ).all()
        if not batch:
            break
        after_id = batch[-1].id
        values = []
        for row in batch:
            score, breakdown = compute_priority(PriorityInputs(
                severity=row.severity, users_affected=row.users_affected or 0,
                core_operations_blocked=bool(row.core_operations_blocked),
                segment=row.segment, annual_revenue=row.annual_revenue,
                reputational_risk=row.reputational_risk or ReputationalRisk.LOW), weights)
            if (score, breakdown) == (row.priority_score, row.priority_breakdown):
                continue
            values.append({"id": row.id, "priority_score": score,
                           "priority_breakdown": breakdown, "updated_at": stamp})
            if row.priority_score < threshold <= score and row.tier != Tier.MANAGEMENT:
                crossed.append(row.id)
        if values:
            # ORM bulk UPDATE by primary key: one executemany statement for the batch.
            db.session.execute(update(Escalation), values)
            changed += len(values)
    routed = 0
    if crossed:
        db.session.expire_all()  # the bulk UPDATE bypassed loaded objects
        for escalation in db.session.scalars(
                select(Escalation).where(Escalation.id.in_(crossed)).order_by(Escalation.id)):
            routed += route_for_senior_involvement(escalation, threshold=threshold, actor=actor)
    return Recomputed(changed=changed, routed=routed)


def count_needing_senior_involvement(threshold: int) -> int:
    """Open escalations at or above `threshold` but below the Management tier."""
    return db.session.scalar(
        select(sa.func.count(Escalation.id)).where(
            Escalation.status.in_(OPEN_STATUSES), Escalation.priority_score >= threshold,
            Escalation.tier != Tier.MANAGEMENT)
    ) or 0


def set_priority_settings(weights: dict[str, int], threshold: int, *, actor: User
                          ) -> Recomputed | None:
    """Store the priority weights and the senior-involvement threshold (audited by the
    settings store). New weights rescore every open escalation (recompute_open_priorities);
    returns what that did, or None when the weights did not change.

    Raises OperationError for a weight that is not a non-negative integer, weights that do
    not sum to 100, or a threshold outside 1–100.
    """
    require_staff(actor)
    for name in DEFAULT_WEIGHTS:
        value = weights.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise OperationError(f"{FACTOR_LABELS[name]}: a whole number, 0 or more.", name)
    total = sum(weights[name] for name in DEFAULT_WEIGHTS)
    if total != 100:
        raise OperationError(f"The weights must add up to 100; they add up to {total}.",
                             "weights")
    if not isinstance(threshold, int) or not 1 <= threshold <= 100:
        raise OperationError("The threshold is a score from 1 to 100.", "threshold")
    weights = {name: weights[name] for name in DEFAULT_WEIGHTS}
    if threshold != senior_threshold():
        set_setting(THRESHOLD_SETTING[0], threshold, actor=actor)
    if weights == priority_weights():
        return None
    set_setting(WEIGHTS_SETTING[0], weights, actor=actor)
    result = recompute_open_priorities(actor)
    audit.record("priority.recomputed", actor=actor, changed=result.changed,
                 routed=result.routed)
    return result


__all__ = [
    "Recomputed",
    "count_needing_senior_involvement",
    "recompute_open_priorities",
    "recompute_priorities_for_organization",
    "set_priority_settings",
]
