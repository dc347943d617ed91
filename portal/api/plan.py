"""Milestones, remediation steps and handoffs over the API, through the console's operations.
Customers read the customer-visible milestones and steps; handoffs are staff-only."""

from __future__ import annotations

from flask_login import current_user

from portal.accounts.models import User
from portal.api.blueprint import bp, needs
from portal.api.escalations import WORK, actor, locked
from portal.api.timeline_schemas import (
    HandoffSchema,
    MilestoneSchema,
    StepSchema,
    StepStatusSchema,
    TransferSchema,
)
from portal.escalations.models import Handoff, Milestone, RemediationStep
from portal.escalations.operations import HandoffTemplate
from portal.escalations.operations import lifecycle as ops
from portal.escalations.operations.plan import (
    add_milestone,
    add_remediation_step,
    complete_milestone,
    reopen_milestone,
    set_step_status,
)
from portal.escalations.queries import handoffs_of_escalation, plan_items_for
from portal.extensions import db
from portal.loading import escalation_or_404, row_or_404
from portal.operations import OperationError
from portal.permissions import Capability


def _items(model, escalation_id: int) -> list:
    escalation = escalation_or_404(escalation_id)
    return db.session.scalars(plan_items_for(model, escalation.id,
                                             customer_view=not current_user.is_staff)).all()


@bp.route("/escalations/<int:escalation_id>/milestones", methods=["GET"])
@bp.etag
@bp.response(200, MilestoneSchema(many=True))
@needs("read")
def milestones(escalation_id: int):
    """Dated promises, by due time (customers: the customer-visible ones)."""
    return _items(Milestone, escalation_id)


@bp.route("/escalations/<int:escalation_id>/milestones", methods=["POST"])
@bp.arguments(MilestoneSchema)
@bp.response(201, MilestoneSchema)
@needs("escalations:write", WORK)
def create_milestone(data, escalation_id: int):
    """Promise a dated milestone (staff)."""
    return add_milestone(escalation_or_404(escalation_id), actor=actor(), title=data["title"],
                         due_at=data["due_at"], visibility=data["visibility"])


@bp.route("/milestones/<int:milestone_id>/complete", methods=["POST"])
@bp.response(200, MilestoneSchema)
@needs("escalations:write", WORK)
def complete(milestone_id: int):
    """Mark a milestone reached (a customer-visible one goes on the customer's timeline)."""
    milestone = row_or_404(Milestone, milestone_id)
    complete_milestone(milestone, actor=actor())
    return milestone


@bp.route("/milestones/<int:milestone_id>/reopen", methods=["POST"])
@bp.response(200, MilestoneSchema)
@needs("escalations:write", WORK)
def reopen(milestone_id: int):
    """Undo a milestone marked reached by mistake."""
    milestone = row_or_404(Milestone, milestone_id)
    reopen_milestone(milestone, actor=actor())
    return milestone


@bp.route("/escalations/<int:escalation_id>/steps", methods=["GET"])
@bp.etag
@bp.response(200, StepSchema(many=True))
@needs("read")
def steps(escalation_id: int):
    """The remediation plan's steps, in order (customers: the customer-visible ones)."""
    return _items(RemediationStep, escalation_id)


@bp.route("/escalations/<int:escalation_id>/steps", methods=["POST"])
@bp.arguments(StepSchema)
@bp.response(201, StepSchema)
@needs("escalations:write", WORK)
def create_step(data, escalation_id: int):
    """Append a step to the remediation plan (staff)."""
    owner = db.session.get(User, data["owner_id"]) if data["owner_id"] else None
    if data["owner_id"] and owner is None:
        raise OperationError("Choose the step's owner from the list.", "owner_id")
    step = add_remediation_step(
        escalation_or_404(escalation_id), actor=actor(), title=data["title"],
        owner_party=data["owner_party"], owner=owner, due_at=data["due_at"],
        validation_test=data["validation_test"], success_metric=data["success_metric"],
        status=data["status"], visibility=data["visibility"])
    db.session.flush()
    return step


@bp.route("/steps/<int:step_id>/status", methods=["POST"])
@bp.arguments(StepStatusSchema)
@bp.response(200, StepSchema)
@needs("escalations:write", WORK)
def step_status(data, step_id: int):
    """Move a remediation step to planned, in progress, done or blocked (staff)."""
    return set_step_status(row_or_404(RemediationStep, step_id), actor=actor(),
                           status=data["status"])


@bp.route("/escalations/<int:escalation_id>/handoffs", methods=["GET"])
@bp.etag
@bp.response(200, HandoffSchema(many=True))
@needs("read", Capability.VIEW_CONSOLE)
def handoffs(escalation_id: int):
    """Ownership transfers with their handoff template, newest first (staff)."""
    escalation = escalation_or_404(escalation_id)
    return db.session.scalars(handoffs_of_escalation(escalation.id)).all()


@bp.route("/escalations/<int:escalation_id>/handoffs", methods=["POST"])
@bp.arguments(TransferSchema)
@bp.response(201, HandoffSchema)
@needs("escalations:write", WORK)
def transfer(data, escalation_id: int):
    """Hand the escalation to another engineer with the handoff template; it stays pending
    until they acknowledge it."""
    escalation = locked(escalation_id)
    to_user = db.session.get(User, data["to_user_id"])
    if to_user is None:
        raise OperationError("Hand off to an active member of staff.", "to_user")
    return ops.transfer_ownership(escalation, to_user, actor=actor(), template=HandoffTemplate(
        summary=data["summary"], customer_impact=data["customer_impact"],
        steps_taken=data["steps_taken"], environment=data["environment"],
        reason=data["reason"], reason_detail=data["reason_detail"]))


@bp.route("/handoffs/<int:handoff_id>/acknowledge", methods=["POST"])
@bp.response(200, HandoffSchema)
@needs("escalations:write", WORK)
def acknowledge(handoff_id: int):
    """The receiver confirms they have the escalation."""
    handoff = row_or_404(Handoff, handoff_id)
    ops.acknowledge_handoff(handoff, actor=actor())
    return handoff
