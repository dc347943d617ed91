"""The timeline over the API: reading it, staff notes and customer updates (the console's
internal-text check, confirmation and approval semantics), customers' comments and requests
for the next level."""

from __future__ import annotations

from flask import jsonify, url_for
from flask_login import current_user

from portal.api.blueprint import Refusal, bp, needs
from portal.api.escalations import actor
from portal.api.timeline_schemas import (
    CommentSchema,
    EscalationRequestInputSchema,
    EscalationRequestSchema,
    HeldUpdateSchema,
    PostUpdateSchema,
    UpdateSchema,
)
from portal.enums import Visibility
from portal.escalations.internal_text import find_internal_text
from portal.escalations.models import UpdateApproval
from portal.escalations.operations import comment_on_escalation, request_escalation
from portal.escalations.operations.updates import (
    post_update,
    publish_customer_update,
    recent_duplicate,
)
from portal.escalations.queries import timeline_for
from portal.extensions import db
from portal.loading import escalation_or_404
from portal.operations import OperationError
from portal.permissions import Capability, can, can_publish_on

CHECK_FIRST = ("Edit the update, or tick this once you have checked that each highlighted "
               "item is fine for the customer.")


@bp.route("/escalations/<int:escalation_id>/timeline", methods=["GET"])
@bp.etag
@bp.response(200, UpdateSchema(many=True))
@needs("read")
def timeline(escalation_id: int):
    """The escalation's timeline, newest first. Customers get customer-visible entries only."""
    escalation = escalation_or_404(escalation_id)
    return db.session.scalars(timeline_for(escalation.id,
                                           customer_view=not current_user.is_staff)).all()


@bp.route("/escalations/<int:escalation_id>/timeline", methods=["POST"])
@bp.arguments(PostUpdateSchema)
@bp.response(201, UpdateSchema)
@bp.alt_response(202, schema=HeldUpdateSchema, description="held for approval")
@needs("updates:write")
def post_to_timeline(data, escalation_id: int):
    """Post an internal note, or a customer update. A customer update whose text the
    internal-text check flags is refused (field `checked`) until sent again with
    `checked: true`; at severities that need approval it is held (202) for a second person."""
    escalation = escalation_or_404(escalation_id)
    if data["visibility"] == Visibility.INTERNAL:
        if not can(current_user, Capability.WORK_ESCALATIONS):
            raise Refusal(403, "Your role does not allow internal notes.")
        return recent_duplicate(escalation, author=actor(), body=data["body"],
                                visibility=Visibility.INTERNAL) or post_update(
            escalation, author=actor(), body=data["body"], visibility=Visibility.INTERNAL)
    if not can_publish_on(current_user, escalation):
        raise Refusal(403, "You may not publish to this customer.")
    findings = find_internal_text(data["body"], escalation, author=current_user)
    if findings and not data["checked"]:
        raise OperationError(CHECK_FIRST, "checked")
    result = publish_customer_update(escalation, author=actor(), body=data["body"],
                                     next_update_by=data["next_update_by"])
    if isinstance(result, UpdateApproval):
        db.session.flush()
        held = jsonify(HeldUpdateSchema().dump(result))
        held.status_code = 202
        return held
    return result


@bp.route("/escalations/<int:escalation_id>/comments", methods=["POST"])
@bp.arguments(CommentSchema)
@bp.response(201, UpdateSchema)
@needs("comment")
def comment(data, escalation_id: int):
    """A customer's comment or question on their escalation (the owner and communicator are
    told)."""
    escalation = escalation_or_404(escalation_id)
    update = comment_on_escalation(escalation, author=actor(), body=data["body"])
    db.session.flush()
    return update, {"Location": url_for("api.timeline", escalation_id=escalation.id,
                                        _external=True)}


@bp.route("/escalations/<int:escalation_id>/escalation-requests", methods=["POST"])
@bp.arguments(EscalationRequestInputSchema)
@bp.response(201, EscalationRequestSchema)
@needs("escalations:request")
def ask_for_next_level(data, escalation_id: int):
    """A customer asks for the escalation to go to the next level, with the reason."""
    escalation = escalation_or_404(escalation_id)
    request_row = request_escalation(escalation, requested_by=actor(), reason=data["reason"])
    db.session.flush()
    return request_row
