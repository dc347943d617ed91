"""Held customer updates over the API: the approver's list, approve and send back — through
the console's operations, so the author never approves their own and the publishing rights
to the customer are checked the same way (staff with POST_CUSTOMER_UPDATES)."""

from __future__ import annotations

from portal.api.blueprint import bp, needs
from portal.api.escalations import actor
from portal.api.timeline_schemas import ApprovalSchema, ApproveSchema, RejectSchema, UpdateSchema
from portal.escalations.models import UpdateApproval
from portal.escalations.operations.updates import approve_update, reject_update
from portal.escalations.queries import pending_approvals
from portal.extensions import db
from portal.loading import row_or_404
from portal.permissions import Capability

DECIDE = Capability.POST_CUSTOMER_UPDATES


@bp.route("/approvals", methods=["GET"])
@bp.etag
@bp.response(200, ApprovalSchema(many=True))
@needs("read", DECIDE)
def approvals():
    """Customer updates waiting for a second person, oldest first."""
    return db.session.scalars(pending_approvals()).all()


@bp.route("/approvals/<int:approval_id>", methods=["GET"])
@bp.etag
@bp.response(200, ApprovalSchema)
@needs("read", DECIDE)
def approval(approval_id: int):
    """One held update and, once decided, how."""
    return row_or_404(UpdateApproval, approval_id)


@bp.route("/approvals/<int:approval_id>/approve", methods=["POST"])
@bp.arguments(ApproveSchema)
@bp.response(201, UpdateSchema)
@needs("updates:write", DECIDE)
def approve(data, approval_id: int):
    """Publish the held update as its author wrote it (never by its author). The next-update
    time may be moved if the one promised has passed meanwhile."""
    pending = row_or_404(UpdateApproval, approval_id)
    update = approve_update(pending, approver=actor(), next_update_by=data["next_update_by"])
    db.session.flush()
    return update


@bp.route("/approvals/<int:approval_id>/reject", methods=["POST"])
@bp.arguments(RejectSchema)
@bp.response(200, ApprovalSchema)
@needs("updates:write", DECIDE)
def reject(data, approval_id: int):
    """Send the held update back to its author with the reason; the customer sees nothing."""
    pending = row_or_404(UpdateApproval, approval_id)
    reject_update(pending, approver=actor(), reason=data["reason"])
    return pending
