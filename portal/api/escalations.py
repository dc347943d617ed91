"""Escalations: list, read, open, correct, and move through the workflow.

Every change goes through the operation the console's control calls, with its refusals.
"""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from portal.accounts.models import Organization, User
from portal.api.blueprint import bp, needs
from portal.api.listing import escalations_page
from portal.api.paging import link_header
from portal.api.schemas import (
    CommunicatorSchema,
    EscalationCreateSchema,
    EscalationFilterSchema,
    EscalationPageSchema,
    EscalationPatchSchema,
    EscalationSchema,
    SeverityChangeSchema,
    StatusChangeSchema,
    TierChangeSchema,
)
from portal.escalations.models import Escalation
from portal.escalations.operations import HandoffTemplate
from portal.escalations.operations import lifecycle as ops
from portal.extensions import db
from portal.loading import escalation_or_404, row_or_404
from portal.operations import OperationError
from portal.permissions import Capability

WORK = Capability.WORK_ESCALATIONS


def actor() -> User:
    return current_user._get_current_object()


def _staff_member(user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff or not user.active:
        raise OperationError("Choose an active member of staff.", field)
    return user


def locked(escalation_id: int) -> Escalation:
    """The escalation, locked for this transaction where the database can (PostgreSQL), so
    a version checked with If-Match cannot change before the write commits."""
    escalation = escalation_or_404(escalation_id)
    db.session.refresh(escalation, with_for_update=True)
    return escalation


@bp.route("/escalations", methods=["GET"])
@bp.etag
@bp.arguments(EscalationFilterSchema, location="query", as_kwargs=True)
@bp.response(200, EscalationPageSchema)
@needs("read")
def list_escalations(**filters):
    """The escalations you may see, newest first, with the dashboard's and queue's filters.
    The next page is in the `Link` header (rel="next") and in `next_cursor`."""
    rows, next_cursor = escalations_page(current_user, filters)
    headers = {"Link": link_header(next_cursor)} if next_cursor else {}
    return {"items": rows, "next_cursor": next_cursor}, headers


@bp.route("/escalations", methods=["POST"])
@bp.arguments(EscalationCreateSchema)
@bp.response(201, EscalationSchema)
@needs("escalations:write", WORK)
def create_escalation(data):
    """Open an escalation (staff), with its handoff template, as the console's form does."""
    organization = row_or_404(Organization, data["organization_id"])
    handoff = data["handoff"]
    escalation = ops.open_escalation(
        organization, actor=actor(), title=data["title"], severity=data["severity"],
        trigger=data["trigger"],
        handoff=HandoffTemplate(summary=handoff["summary"],
                                customer_impact=handoff["customer_impact"],
                                steps_taken=handoff["steps_taken"],
                                environment=handoff["environment"], reason=handoff["reason"]),
        owner=_staff_member(data.get("owner_id"), "owner_id") or actor(),
        communicator=_staff_member(data.get("communicator_id"), "communicator_id"),
        product_area=data["product_area"], category=data["category"],
        source_ticket=data["source_ticket"], users_affected=data["users_affected"],
        core_operations_blocked=data["core_operations_blocked"],
        reputational_risk=data["reputational_risk"])
    db.session.flush()
    location = url_for("api.get_escalation", escalation_id=escalation.id, _external=True)
    return escalation, {"Location": location}


@bp.route("/escalations/<int:escalation_id>", methods=["GET"])
@bp.etag
@bp.response(200, EscalationSchema)
@needs("read")
def get_escalation(escalation_id: int):
    """One escalation. Another organization's answers 404, exactly like a missing one."""
    return escalation_or_404(escalation_id)


@bp.route("/escalations/<int:escalation_id>", methods=["PATCH"])
@bp.etag
@bp.arguments(EscalationPatchSchema)
@bp.response(200, EscalationSchema)
@needs("escalations:write", WORK)
def patch_escalation(changes, escalation_id: int):
    """Correct the escalation's details (staff). Send the ETag you read as `If-Match`: 428
    without it, 412 when someone changed the escalation since."""
    escalation = locked(escalation_id)
    bp.check_etag(escalation, EscalationSchema)
    current = {name: getattr(escalation, name) for name in EscalationPatchSchema().fields}
    ops.edit_escalation(escalation, actor=actor(), **(current | changes))
    return escalation


@bp.route("/escalations/<int:escalation_id>/communicator", methods=["POST"])
@bp.arguments(CommunicatorSchema)
@bp.response(200, EscalationSchema)
@needs("escalations:write", WORK)
def assign_communicator(data, escalation_id: int):
    """Name the member of staff who speaks to the customer."""
    escalation = locked(escalation_id)
    communicator = _staff_member(data["communicator_id"], "communicator_id")
    ops.assign_communicator(escalation, communicator, actor=actor())
    return escalation


@bp.route("/escalations/<int:escalation_id>/status", methods=["POST"])
@bp.arguments(StatusChangeSchema)
@bp.response(200, EscalationSchema)
@needs("escalations:write", WORK)
def change_status(data, escalation_id: int):
    """Move the escalation through the workflow (new → acknowledged → investigating → …)."""
    escalation = locked(escalation_id)
    ops.change_status(escalation, data["status"], actor=actor(), reason=data["reason"],
                      resolution_summary=data["resolution_summary"])
    return escalation


@bp.route("/escalations/<int:escalation_id>/severity", methods=["POST"])
@bp.arguments(SeverityChangeSchema)
@bp.response(200, EscalationSchema)
@needs("escalations:write", WORK)
def change_severity(data, escalation_id: int):
    """Set a new severity, with the reason; the SLA targets follow."""
    escalation = locked(escalation_id)
    ops.change_severity(escalation, data["severity"], actor=actor(), reason=data["reason"])
    return escalation


@bp.route("/escalations/<int:escalation_id>/tier", methods=["POST"])
@bp.arguments(TierChangeSchema)
@bp.response(200, EscalationSchema)
@needs("escalations:write", WORK)
def change_tier(data, escalation_id: int):
    """Escalate or de-escalate one tier, with the reason."""
    escalation = locked(escalation_id)
    ops.change_tier(escalation, data["tier"], actor=actor(), reason=data["reason"],
                    trigger=data["trigger"])
    return escalation
