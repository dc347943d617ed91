"""Milestones, remediation steps and exit criteria: the plan back to normal."""

from __future__ import annotations

from datetime import datetime

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.enums import Party, StepStatus, Visibility
from portal.escalations.models import Escalation, ExitCriterion, Milestone, RemediationStep
from portal.escalations.operations.common import (
    OperationError,
    customer_saw_change,
    require_staff,
)
from portal.extensions import db


def add_milestone(escalation: Escalation, *, actor: User | None, title: str, due_at: datetime,
                  visibility: Visibility = Visibility.CUSTOMER) -> Milestone:
    """Promise a dated milestone. Raises OperationError without a title."""
    require_staff(actor)
    if not title.strip():
        raise OperationError("Name the milestone.", "title")
    milestone = Milestone(organization_id=escalation.organization_id,
                          escalation_id=escalation.id, title=title.strip(), due_at=due_at,
                          visibility=visibility)
    db.session.add(milestone)
    db.session.flush()
    if visibility == Visibility.CUSTOMER:
        customer_saw_change(escalation)
    audit.record("milestone.added", actor=actor, obj=milestone, escalation_id=escalation.id)
    return milestone


def complete_milestone(milestone: Milestone, *, actor: User | None) -> None:
    """Mark a milestone done. Raises OperationError when it already is."""
    require_staff(actor)
    if milestone.completed_at is not None:
        raise OperationError("This milestone is already done.")
    milestone.completed_at = now()
    if milestone.visibility == Visibility.CUSTOMER:
        customer_saw_change(db.session.get(Escalation, milestone.escalation_id))
    audit.record("milestone.completed", actor=actor, obj=milestone,
                 escalation_id=milestone.escalation_id)


def add_remediation_step(escalation: Escalation, *, actor: User | None, title: str,
                         owner_party: Party = Party.VENDOR, owner: User | None = None,
                         due_at: datetime | None = None, validation_test: str = "",
                         success_metric: str = "",
                         status: StepStatus = StepStatus.PLANNED,
                         visibility: Visibility = Visibility.CUSTOMER) -> RemediationStep:
    """Append a step to the remediation plan. Raises OperationError without a title."""
    require_staff(actor)
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
    if visibility == Visibility.CUSTOMER:
        customer_saw_change(escalation)
    audit.record("remediation_step.added", actor=actor, obj=step, escalation_id=escalation.id)
    return step


def add_exit_criterion(escalation: Escalation, *, actor: User | None, description: str,
                       visibility: Visibility = Visibility.CUSTOMER) -> ExitCriterion:
    """Add one condition of "back to normal". Raises OperationError when empty."""
    require_staff(actor)
    if not description.strip():
        raise OperationError("Describe the exit criterion.", "description")
    position = db.session.query(ExitCriterion).filter_by(escalation_id=escalation.id).count()
    criterion = ExitCriterion(organization_id=escalation.organization_id,
                              escalation_id=escalation.id, position=position,
                              description=description.strip(), visibility=visibility)
    db.session.add(criterion)
    db.session.flush()
    if visibility == Visibility.CUSTOMER:
        customer_saw_change(escalation)
    audit.record("exit_criterion.added", actor=actor, obj=criterion,
                 escalation_id=escalation.id)
    return criterion
