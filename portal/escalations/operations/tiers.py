"""Tier moves and the composite priority's routing: where an escalation goes up (or down) a
tier, and when a score that crossed the senior-involvement threshold sends it to Management.

Lifecycle operations (a status, severity or field change) and the priority operations (new
weights, an organization's new segment) both end here, so it depends on neither.
"""

from __future__ import annotations

from sqlalchemy import select, update

from portal import audit
from portal.accounts.models import Organization, User
from portal.clock import now
from portal.enums import ReputationalRisk, Tier, Trigger, UpdateKind, Visibility
from portal.escalations import system_entries, workflow
from portal.escalations.audiences import escalation_managers
from portal.escalations.models import Escalation, EscalationRequest, Update
from portal.escalations.operations.common import (
    add_timeline_entry,
    priority_weights,
    require_staff,
    senior_threshold,
)
from portal.escalations.priority import PriorityInputs, compute_priority
from portal.extensions import db
from portal.notices.operations import enqueue_emails
from portal.operations import OperationError

DECLINE_REASON_MAX = 2000


def recompute_priority(escalation: Escalation, actor: User | None = None) -> None:
    """Refresh the composite score and its breakdown from the current inputs and weights.

    Call it whenever an input changes (severity, users affected, core operations blocked,
    reputational risk, the organization's segment or revenue). When the score crosses the
    senior-involvement threshold upward on an open escalation below the Management tier, the
    escalation is routed to Management and the escalation managers are told
    (`route_for_senior_involvement`).
    """
    org = escalation.organization or db.session.get(Organization, escalation.organization_id)
    previous = escalation.priority_score
    escalation.priority_score, escalation.priority_breakdown = compute_priority(
        PriorityInputs(
            severity=escalation.severity,
            users_affected=escalation.users_affected or 0,
            core_operations_blocked=bool(escalation.core_operations_blocked),
            segment=org.segment,
            annual_revenue=org.annual_revenue,
            reputational_risk=escalation.reputational_risk or ReputationalRisk.LOW,
        ),
        priority_weights(),
    )
    if escalation.id is None:
        return  # still being opened (no id): routing needs the stored escalation
    threshold = senior_threshold()
    if (previous or 0) < threshold <= escalation.priority_score:
        route_for_senior_involvement(escalation, threshold=threshold, actor=actor)


def move_tier(escalation: Escalation, target: Tier, *, actor: User | None, reason: str,
              trigger: Trigger | None = None, staff_reason: bool | None = None,
              **audit_detail) -> Update:
    """Move to `target` without the one-step rule (callers check what they allow): answer open
    customer requests when going up, tell the timeline, audit it. Returns the internal entry.

    The customer reads what the move means for them (`system_entries`), with the reason only
    when a person wrote it for them (`staff_reason`, default: when there is an actor); the
    tiers, trigger and full reason go on an internal entry beside it.
    """
    previous = escalation.tier
    escalation.tier = target
    going_up = workflow.TIER_ORDER.index(target) > workflow.TIER_ORDER.index(previous)
    if going_up:
        # Going up answers any customer's open request for the next level.
        db.session.execute(
            update(EscalationRequest)
            .where(EscalationRequest.escalation_id == escalation.id,
                   EscalationRequest.handled_at.is_(None))
            .values(handled_at=now())
        )
    shown_reason = reason if (actor is not None if staff_reason is None else staff_reason) else ""
    add_timeline_entry(
        escalation, author=actor, kind=UpdateKind.TIER_CHANGE, visibility=Visibility.CUSTOMER,
        body=system_entries.tier_change_for_customer(target, staff_reason=shown_reason))
    entry = add_timeline_entry(
        escalation, author=actor, kind=UpdateKind.TIER_CHANGE, visibility=Visibility.INTERNAL,
        body=system_entries.tier_change_internal(previous, target, going_up=going_up,
                                                 trigger=trigger, reason=reason))
    audit.record("escalation.tier_changed", actor=actor, obj=escalation,
                 from_tier=previous.value, to_tier=target.value, reason=reason,
                 trigger=trigger.value if trigger is not None else None, **audit_detail)
    return entry


def open_requests(escalation_id: int) -> list[EscalationRequest]:
    """The customers' requests for the next level that staff have not answered, oldest first,
    with who asked."""
    return list(db.session.scalars(
        select(EscalationRequest)
        .where(EscalationRequest.escalation_id == escalation_id,
               EscalationRequest.handled_at.is_(None))
        .order_by(EscalationRequest.created_at, EscalationRequest.id)))


def decline_escalation_requests(escalation: Escalation, *, actor: User,
                                reason: str) -> list[EscalationRequest]:
    """Keep the escalation at its tier and tell the customers who asked why: every open
    request is answered, the reason goes on their timeline, the queue's marker goes.
    (Accepting is a tier change up, which answers them too: `move_tier`.)

    Raises OperationError without a reason, or when no request is waiting.
    """
    require_staff(actor)
    reason = reason.strip()
    if not reason:
        raise OperationError("Say why the escalation stays at this level.", "reason")
    if len(reason) > DECLINE_REASON_MAX:
        raise OperationError(f"Keep the reason under {DECLINE_REASON_MAX:,} characters.",
                             "reason")
    waiting = open_requests(escalation.id)
    if not waiting:
        raise OperationError("No request for the next level is waiting on this escalation.")
    at = now()
    for request in waiting:
        request.handled_at = at
    escalation.updated_at = at  # the queue's change stamp moves: its marker goes at once
    add_timeline_entry(
        escalation, author=actor, kind=UpdateKind.NOTE, visibility=Visibility.CUSTOMER, at=at,
        body=system_entries.escalation_request_declined(escalation.tier, reason))
    audit.record("escalation.escalation_request_declined", actor=actor, obj=escalation,
                 request_ids=[request.id for request in waiting], reason=reason)
    return waiting


def senior_routing_reason(score: int, threshold: int) -> str:
    return f"Composite priority {score} ≥ threshold {threshold}: senior involvement required"


def route_for_senior_involvement(escalation: Escalation, *, threshold: int,
                                 actor: User | None = None) -> bool:
    """Route an open escalation whose score reached the threshold to the Management tier,
    with the reason on its timeline, and tell the escalation managers (once per crossing).

    Senior involvement skips the one-step tier rule (`change_tier`): an L1 escalation goes
    straight to Management. Returns False (and does nothing) for a closed escalation or one
    already at Management.
    """
    require_staff(actor)
    if not escalation.status.is_open or escalation.tier == Tier.MANAGEMENT:
        return False
    previous = escalation.tier
    reason = senior_routing_reason(escalation.priority_score, threshold)
    # The score and threshold are mechanics: only the internal entry carries them.
    entry = move_tier(escalation, Tier.MANAGEMENT, actor=actor, reason=f"{reason}.",
                      staff_reason=False, routed_by="priority_threshold",
                      score=escalation.priority_score, threshold=threshold)
    db.session.flush()
    enqueue_emails(
        f"priority_threshold:{entry.id}",  # one crossing, one timeline entry: once each
        escalation_managers(), template="priority_threshold", escalation_id=escalation.id,
        context={"escalation_id": escalation.id, "reference": escalation.reference,
                 "title": escalation.title, "score": escalation.priority_score,
                 "threshold": threshold, "from_tier": previous.value,
                 "breakdown": dict(escalation.priority_breakdown or {})})
    return True
