"""The only place escalations change state (DESIGN.md invariant 3).

Views, CLI commands, the API and jobs call these named operations. Each validates the change,
writes its audit event, and leaves everything in the caller's transaction: the caller commits
once. They raise `IllegalTransition` (workflow) or `OperationError` (bad input) and never
leave a half-written change behind, because nothing is committed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context

from portal import audit
from portal.accounts.models import Organization, User
from portal.clock import now
from portal.enums import (
    Party,
    ReputationalRisk,
    Status,
    StepStatus,
    Tier,
    Trigger,
    UpdateKind,
    Visibility,
)
from portal.escalations import workflow
from portal.escalations.models import (
    Escalation,
    ExitCriterion,
    Handoff,
    Milestone,
    RemediationStep,
    StatusChange,
    Update,
)
from portal.escalations.priority import PriorityInputs, compute_priority
from portal.extensions import db


class OperationError(ValueError):
    """Input an operation refuses; `field` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class HandoffTemplate:
    """What the receiver needs to pick the escalation up without asking."""

    summary: str
    customer_impact: str
    steps_taken: str
    environment: str
    reason: Trigger
    reason_detail: str = ""

    def check(self) -> None:
        for name in ("summary", "customer_impact", "steps_taken", "environment"):
            if not getattr(self, name).strip():
                raise OperationError("This part of the handoff template is required.", name)


def _require_staff(actor: User | None) -> None:
    if actor is not None and not actor.is_staff:
        raise PermissionError("only staff may do this")


def recompute_priority(escalation: Escalation) -> None:
    """Refresh the composite score and its breakdown from the current inputs."""
    org = escalation.organization or db.session.get(Organization, escalation.organization_id)
    weights = current_app.config.get("PRIORITY_WEIGHTS") if has_app_context() else None
    escalation.priority_score, escalation.priority_breakdown = compute_priority(
        PriorityInputs(
            severity=escalation.severity,
            users_affected=escalation.users_affected or 0,
            core_operations_blocked=bool(escalation.core_operations_blocked),
            segment=org.segment,
            annual_revenue=org.annual_revenue,
            reputational_risk=escalation.reputational_risk or ReputationalRisk.LOW,
        ),
        weights,
    )


def open_escalation(
    organization: Organization,
    *,
    actor: User | None,
    title: str,
    severity: int,
    trigger: Trigger,
    handoff: HandoffTemplate,
    owner: User | None = None,
    communicator: User | None = None,
    product_area: str = "",
    category: str = "",
    source_ticket: str = "",
    users_affected: int = 0,
    core_operations_blocked: bool = False,
    reputational_risk: ReputationalRisk = ReputationalRisk.LOW,
) -> Escalation:
    """Lift a customer issue into an escalation, with the handoff template as its first record.

    Raises OperationError for a missing title, a severity outside 1–4 or an incomplete
    handoff template.
    """
    _require_staff(actor)
    if not title.strip():
        raise OperationError("Give the escalation a title.", "title")
    if severity not in (1, 2, 3, 4):
        raise OperationError("Severity must be between 1 and 4.", "severity")
    handoff.check()
    opened = now()
    escalation = Escalation(
        organization=organization,
        organization_id=organization.id,
        title=title.strip(),
        summary=handoff.summary.strip(),
        customer_impact=handoff.customer_impact.strip(),
        severity=severity,
        trigger=trigger,
        status=Status.NEW,
        tier=Tier.L1,
        owner=owner,
        communicator=communicator,
        product_area=product_area,
        category=category,
        source_ticket=source_ticket,
        users_affected=users_affected,
        core_operations_blocked=core_operations_blocked,
        reputational_risk=reputational_risk,
        opened_at=opened,
        status_changed_at=opened,
    )
    recompute_priority(escalation)
    db.session.add(escalation)
    escalation.status_history.append(
        StatusChange(organization_id=organization.id, to_status=Status.NEW, at=opened,
                     actor=actor, reason="opened")
    )
    if owner is not None:
        db.session.add(_handoff(escalation, actor, owner, handoff, at=opened))
    db.session.flush()
    audit.record("escalation.opened", actor=actor, obj=escalation, severity=severity,
                 trigger=trigger.value, source_ticket=source_ticket or None)
    return escalation


def _handoff(escalation, from_user, to_user, template: HandoffTemplate, *, at) -> Handoff:
    # Taking an escalation yourself needs no acknowledgement.
    self_assigned = from_user is not None and from_user.id == to_user.id
    return Handoff(
        organization_id=escalation.organization_id,
        escalation=escalation,
        from_user=from_user,
        to_user=to_user,
        summary=template.summary.strip(),
        customer_impact=template.customer_impact.strip(),
        steps_taken=template.steps_taken.strip(),
        environment=template.environment.strip(),
        reason=template.reason,
        reason_detail=template.reason_detail.strip(),
        created_at=at,
        acknowledged_at=at if self_assigned else None,
    )


def _timeline(escalation: Escalation, *, author: User | None, kind: UpdateKind,
              visibility: Visibility, body: str, at: datetime | None = None,
              next_update_by: datetime | None = None) -> Update:
    update = Update(
        organization_id=escalation.organization_id,
        escalation_id=escalation.id,
        author=author,
        kind=kind,
        visibility=visibility,
        body=body,
        created_at=at or now(),
        next_update_by=next_update_by,
    )
    db.session.add(update)
    return update


def change_status(escalation: Escalation, target: Status, *, actor: User | None,
                  reason: str = "", visibility: Visibility = Visibility.CUSTOMER,
                  resolution_summary: str = "") -> StatusChange:
    """Move the escalation through the workflow and stamp the lifecycle timestamps.

    Raises IllegalTransition for a move the workflow refuses, OperationError when resolving
    without a resolution summary or reopening without a reason.
    """
    _require_staff(actor)
    current = escalation.status
    workflow.check_status_transition(current, target)
    reopening = workflow.is_reopen(current, target)
    if target == Status.RESOLVED and not resolution_summary.strip():
        raise OperationError("Say how the problem was resolved.", "resolution_summary")
    if reopening and not reason.strip():
        raise OperationError("Say why the escalation is reopened.", "reason")
    at = now()
    change = StatusChange(organization_id=escalation.organization_id, from_status=current,
                          to_status=target, at=at, actor=actor, reason=reason.strip())
    escalation.status_history.append(change)
    escalation.status = target
    escalation.status_changed_at = at
    if target == Status.ACKNOWLEDGED and escalation.acknowledged_at is None:
        escalation.acknowledged_at = at
    elif target == Status.CONTAINED and escalation.contained_at is None:
        escalation.contained_at = at
    elif target == Status.RESOLVED:
        escalation.resolved_at = at
        escalation.resolution_summary = resolution_summary.strip()
    elif target == Status.CLOSED:
        escalation.closed_at = at
    elif reopening:
        escalation.resolved_at = None
        escalation.closed_at = None
    words = f"Status changed from {current.label.lower()} to {target.label.lower()}."
    if reopening:
        words = "Escalation reopened."
    detail = reason.strip() or (resolution_summary.strip() if target == Status.RESOLVED else "")
    _timeline(escalation, author=actor, kind=UpdateKind.STATUS_CHANGE, visibility=visibility,
              body=f"{words}\n\n{detail}".strip(), at=at)
    audit.record("escalation.reopened" if reopening else "escalation.status_changed",
                 actor=actor, obj=escalation, from_status=current.value, to_status=target.value)
    return change


def change_severity(escalation: Escalation, severity: int, *, actor: User | None,
                    reason: str) -> None:
    """Set a new severity; SLA targets then apply to the whole history (DESIGN.md).

    Raises OperationError for a severity outside 1–4, the same severity, or no reason.
    """
    _require_staff(actor)
    if severity not in (1, 2, 3, 4):
        raise OperationError("Severity must be between 1 and 4.", "severity")
    if severity == escalation.severity:
        raise OperationError(f"The escalation is already Sev {severity}.", "severity")
    if not reason.strip():
        raise OperationError("Say why the severity changes.", "reason")
    previous = escalation.severity
    escalation.severity = severity
    recompute_priority(escalation)
    _timeline(escalation, author=actor, kind=UpdateKind.SEVERITY_CHANGE,
              visibility=Visibility.CUSTOMER,
              body=f"Severity changed from Sev {previous} to Sev {severity}.\n\n{reason.strip()}")
    audit.record("escalation.severity_changed", actor=actor, obj=escalation,
                 from_severity=previous, to_severity=severity)


def change_tier(escalation: Escalation, target: Tier, *, actor: User | None,
                reason: str) -> None:
    """Escalate or de-escalate one tier, with the reason on the timeline.

    Raises IllegalTransition for a jump of more than one tier, OperationError without a reason.
    """
    _require_staff(actor)
    workflow.check_tier_transition(escalation.tier, target)
    if not reason.strip():
        raise OperationError("Say why the tier changes.", "reason")
    previous = escalation.tier
    escalation.tier = target
    direction = "Escalated" if workflow.TIER_ORDER.index(target) > workflow.TIER_ORDER.index(
        previous) else "De-escalated"
    _timeline(escalation, author=actor, kind=UpdateKind.TIER_CHANGE,
              visibility=Visibility.CUSTOMER,
              body=f"{direction} from {previous.value} to {target.value}.\n\n{reason.strip()}")
    audit.record("escalation.tier_changed", actor=actor, obj=escalation,
                 from_tier=previous.value, to_tier=target.value, reason=reason.strip())


def post_update(escalation: Escalation, *, author: User, body: str, visibility: Visibility,
                next_update_by: datetime | None = None, kind: UpdateKind = UpdateKind.NOTE,
                at: datetime | None = None) -> Update:
    """Add an entry to the timeline.

    Customers may only post customer-visible comments on their own escalations. Raises
    OperationError for an empty body or a "next update by" commitment in the past.
    """
    if not body.strip():
        raise OperationError("Write something before posting.", "body")
    if not author.is_staff:
        own = author.organization_id == escalation.organization_id
        if visibility != Visibility.CUSTOMER or not own:
            raise PermissionError("customers comment customer-visibly on their own escalations")
        kind = UpdateKind.CUSTOMER_COMMENT
    if next_update_by is not None:
        if visibility != Visibility.CUSTOMER:
            raise OperationError("Only customer-visible updates promise a next update.",
                                 "next_update_by")
        if next_update_by <= (at or now()):
            raise OperationError("The next update must be promised for a time in the future.",
                                 "next_update_by")
    update = _timeline(escalation, author=author, kind=kind, visibility=visibility,
                       body=body.strip(), at=at, next_update_by=next_update_by)
    db.session.flush()
    audit.record("update.posted", actor=author, obj=update, escalation_id=escalation.id,
                 visibility=visibility.value)
    return update


def transfer_ownership(escalation: Escalation, to_user: User, *, actor: User,
                       template: HandoffTemplate) -> Handoff:
    """Hand the escalation to another engineer; it stays pending until they acknowledge.

    Raises OperationError for a customer or inactive receiver, the current owner, or an
    incomplete handoff template.
    """
    _require_staff(actor)
    if not to_user.is_staff or not to_user.active:
        raise OperationError("Hand off to an active member of staff.", "to_user")
    if escalation.owner_id == to_user.id:
        raise OperationError(f"{to_user.name} already owns this escalation.", "to_user")
    template.check()
    previous = escalation.owner
    handoff = _handoff(escalation, actor, to_user, template, at=now())
    db.session.add(handoff)
    escalation.owner = to_user
    escalation.owner_id = to_user.id
    _timeline(escalation, author=actor, kind=UpdateKind.OWNERSHIP, visibility=Visibility.CUSTOMER,
              body=f"Ownership moved to {to_user.name}.")
    db.session.flush()
    audit.record("escalation.ownership_transferred", actor=actor, obj=escalation,
                 from_user_id=previous.id if previous else None, to_user_id=to_user.id,
                 handoff_id=handoff.id)
    return handoff


def acknowledge_handoff(handoff: Handoff, *, actor: User) -> None:
    """The receiver confirms they have the escalation. Raises PermissionError for anyone else,
    OperationError when it was already acknowledged."""
    if actor.id != handoff.to_user_id:
        raise PermissionError("only the receiver acknowledges a handoff")
    if handoff.acknowledged_at is not None:
        raise OperationError("This handoff was already acknowledged.")
    handoff.acknowledged_at = now()
    audit.record("handoff.acknowledged", actor=actor, obj=handoff,
                 escalation_id=handoff.escalation_id)


def assign_communicator(escalation: Escalation, communicator: User, *, actor: User) -> None:
    """Name who speaks to the customer. Raises OperationError for a non-staff user."""
    _require_staff(actor)
    if not communicator.is_staff or not communicator.active:
        raise OperationError("The communicator must be an active member of staff.",
                             "communicator")
    escalation.communicator = communicator
    audit.record("escalation.communicator_assigned", actor=actor, obj=escalation,
                 communicator_id=communicator.id)


def add_milestone(escalation: Escalation, *, actor: User | None, title: str, due_at: datetime,
                  visibility: Visibility = Visibility.CUSTOMER) -> Milestone:
    """Promise a dated milestone. Raises OperationError without a title."""
    _require_staff(actor)
    if not title.strip():
        raise OperationError("Name the milestone.", "title")
    milestone = Milestone(organization_id=escalation.organization_id,
                          escalation_id=escalation.id, title=title.strip(), due_at=due_at,
                          visibility=visibility)
    db.session.add(milestone)
    db.session.flush()
    audit.record("milestone.added", actor=actor, obj=milestone, escalation_id=escalation.id)
    return milestone


def complete_milestone(milestone: Milestone, *, actor: User | None) -> None:
    """Mark a milestone done. Raises OperationError when it already is."""
    _require_staff(actor)
    if milestone.completed_at is not None:
        raise OperationError("This milestone is already done.")
    milestone.completed_at = now()
    audit.record("milestone.completed", actor=actor, obj=milestone,
                 escalation_id=milestone.escalation_id)


def add_remediation_step(escalation: Escalation, *, actor: User | None, title: str,
                         owner_party: Party = Party.VENDOR, owner: User | None = None,
                         due_at: datetime | None = None, validation_test: str = "",
                         success_metric: str = "",
                         status: StepStatus = StepStatus.PLANNED,
                         visibility: Visibility = Visibility.CUSTOMER) -> RemediationStep:
    """Append a step to the remediation plan. Raises OperationError without a title."""
    _require_staff(actor)
    if not title.strip():
        raise OperationError("Describe the step.", "title")
    position = db.session.query(RemediationStep).filter_by(escalation_id=escalation.id).count()
    step = RemediationStep(organization_id=escalation.organization_id,
                           escalation_id=escalation.id, position=position, title=title.strip(),
                           owner_party=owner_party, owner=owner, due_at=due_at,
                           validation_test=validation_test, success_metric=success_metric,
                           status=status, visibility=visibility,
                           completed_at=now() if status == StepStatus.DONE else None)
    db.session.add(step)
    db.session.flush()
    audit.record("remediation_step.added", actor=actor, obj=step, escalation_id=escalation.id)
    return step


def add_exit_criterion(escalation: Escalation, *, actor: User | None, description: str,
                       visibility: Visibility = Visibility.CUSTOMER) -> ExitCriterion:
    """Add one condition of "back to normal". Raises OperationError when empty."""
    _require_staff(actor)
    if not description.strip():
        raise OperationError("Describe the exit criterion.", "description")
    position = db.session.query(ExitCriterion).filter_by(escalation_id=escalation.id).count()
    criterion = ExitCriterion(organization_id=escalation.organization_id,
                              escalation_id=escalation.id, position=position,
                              description=description.strip(), visibility=visibility)
    db.session.add(criterion)
    db.session.flush()
    audit.record("exit_criterion.added", actor=actor, obj=criterion,
                 escalation_id=escalation.id)
    return criterion
