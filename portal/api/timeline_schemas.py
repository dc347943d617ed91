"""Shapes of the timeline, the plan, handoffs, reviews and subscriptions (see schemas.py)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from portal.api.schemas import PersonSchema, _CustomerSafe, id_field
from portal.enums import Party, StepStatus, Trigger, UpdateKind, Visibility


class UpdateSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(UpdateKind, by_value=True)
    visibility = fields.Enum(Visibility, by_value=True)
    body = fields.String(metadata={"description": "Markdown"})
    author = fields.Nested(PersonSchema, allow_none=True)
    next_update_by = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    edited_at = fields.AwareDateTime(allow_none=True)
    retracted_at = fields.AwareDateTime(allow_none=True)


class HeldUpdateSchema(Schema):
    """A customer update held for a second staff member's approval (customers see nothing)."""

    id = fields.Integer()
    state = fields.String()
    body = fields.String()
    next_update_by = fields.AwareDateTime(allow_none=True)
    submitted_at = fields.AwareDateTime()


class ApprovalSchema(HeldUpdateSchema):
    """A held customer update as the approver reads it (staff)."""

    escalation_id = fields.Integer()
    author = fields.Nested(PersonSchema)
    decided_at = fields.AwareDateTime(allow_none=True)
    reason = fields.String()
    update_id = fields.Integer(allow_none=True)


class ApproveSchema(Schema):
    next_update_by = fields.AwareDateTime(allow_none=True, load_default=None)


class RejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=20_000))


class PostUpdateSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(max=20_000))
    visibility = fields.Enum(Visibility, by_value=True, load_default=Visibility.INTERNAL)
    next_update_by = fields.AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "customer updates: when the customer hears next (required)"})
    checked = fields.Boolean(load_default=False, metadata={
        "description": "customer updates: you checked each item the internal-text check "
                       "found (the console's confirmation step)"})


class CommentSchema(Schema):
    body = fields.String(required=True)


class EscalationRequestInputSchema(Schema):
    reason = fields.String(required=True)


class EscalationRequestSchema(Schema):
    id = fields.Integer()
    reason = fields.String()
    created_at = fields.AwareDateTime()
    handled_at = fields.AwareDateTime(allow_none=True)


class MilestoneSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    completed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    visibility = fields.Enum(Visibility, by_value=True, load_default=Visibility.CUSTOMER)


class StepSchema(Schema):
    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    title = fields.String(required=True)
    owner_party = fields.Enum(Party, by_value=True, load_default=Party.VENDOR)
    owner = fields.Nested(PersonSchema, dump_only=True, allow_none=True)
    owner_id = id_field(load_only=True, allow_none=True, load_default=None)
    due_at = fields.AwareDateTime(allow_none=True, load_default=None)
    status = fields.Enum(StepStatus, by_value=True, load_default=StepStatus.PLANNED)
    validation_test = fields.String(load_default="")
    success_metric = fields.String(load_default="")
    visibility = fields.Enum(Visibility, by_value=True, load_default=Visibility.CUSTOMER)
    completed_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class StepStatusSchema(Schema):
    status = fields.Enum(StepStatus, by_value=True, required=True)


class HandoffSchema(Schema):
    id = fields.Integer()
    from_user = fields.Nested(PersonSchema, allow_none=True)
    to_user = fields.Nested(PersonSchema)
    summary = fields.String()
    customer_impact = fields.String()
    steps_taken = fields.String()
    environment = fields.String()
    reason = fields.Enum(Trigger, by_value=True)
    reason_detail = fields.String()
    created_at = fields.AwareDateTime()
    acknowledged_at = fields.AwareDateTime(allow_none=True)


class TransferSchema(Schema):
    to_user_id = id_field(required=True)
    summary = fields.String(required=True)
    customer_impact = fields.String(required=True)
    steps_taken = fields.String(required=True)
    environment = fields.String(required=True)
    reason = fields.Enum(Trigger, by_value=True, load_default=Trigger.SEVERITY)
    reason_detail = fields.String(load_default="")


class ReviewVersionSchema(Schema):
    number = fields.Integer()
    published_at = fields.AwareDateTime()
    pdf_url = fields.String(metadata={"description": "the published PDF, on the web"})


class ReviewSchema(_CustomerSafe):
    STAFF_ONLY = ("state", "root_cause", "contributing_factors", "preventive_measures",
                  "lessons_learned", "executive_summary")

    published_at = fields.AwareDateTime(allow_none=True)
    latest_version = fields.Integer()
    versions = fields.List(fields.Nested(ReviewVersionSchema))
    state = fields.String(metadata={"description": "staff only"})
    executive_summary = fields.String(metadata={"description": "staff only (the draft)"})
    root_cause = fields.String(metadata={"description": "staff only (the draft)"})
    contributing_factors = fields.String(metadata={"description": "staff only (the draft)"})
    preventive_measures = fields.String(metadata={"description": "staff only (the draft)"})
    lessons_learned = fields.String(metadata={"description": "staff only (the draft)"})


class SubscriptionSchema(Schema):
    subscribed = fields.Boolean(required=True)
