"""The shapes of the API's escalations: one schema per representation validates what comes in
and shapes what goes out, and the OpenAPI document is generated from the same classes.

What a customer may not read is marked staff-only and dropped from every customer's answer
(`_CustomerSafe`), so the ETag of a customer's answer is made of customer data only.
"""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, post_dump, validate

from portal.enums import ReputationalRisk, Status, Tier, Trigger
from portal.inputs import MAX_ID


def id_field(**kwargs) -> fields.Integer:
    """An id: what an INTEGER key column can hold (a larger number is refused, never queried)."""
    return fields.Integer(validate=validate.Range(1, MAX_ID), **kwargs)


def count_field(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(0, MAX_ID), **kwargs)


SEVERITY = fields.Integer(validate=validate.Range(1, 4), metadata={
    "description": "1 critical … 4 low"})


class ProblemSchema(Schema):
    """RFC 9457 problem details; `errors` carries the form's message per field."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))


class _CustomerSafe(Schema):
    STAFF_ONLY: tuple[str, ...] = ()

    @post_dump
    def _drop_staff_only(self, data, **kwargs):
        if not current_user.is_staff:
            for name in self.STAFF_ONLY:
                data.pop(name, None)
        return data


class PersonSchema(Schema):
    id = fields.Integer(metadata={"description": "staff only"})
    name = fields.String()

    @post_dump
    def _no_ids_for_customers(self, data, **kwargs):
        if not current_user.is_staff:
            data.pop("id", None)
        return data


class OrganizationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()


class EscalationSchema(_CustomerSafe):
    STAFF_ONLY = ("trigger", "category", "source_ticket", "priority_score",
                  "priority_breakdown", "users_affected", "core_operations_blocked",
                  "reputational_risk", "updated_at", "is_drill")

    id = fields.Integer(dump_only=True)
    reference = fields.String(dump_only=True, metadata={"example": "ESC-1042"})
    organization = fields.Nested(OrganizationSchema, dump_only=True)
    title = fields.String()
    summary = fields.String()
    customer_impact = fields.String()
    severity = SEVERITY
    status = fields.Enum(Status, by_value=True, dump_only=True)
    tier = fields.Enum(Tier, by_value=True, dump_only=True)
    product_area = fields.String()
    owner = fields.Nested(PersonSchema, dump_only=True, allow_none=True)
    communicator = fields.Nested(PersonSchema, dump_only=True, allow_none=True)
    opened_at = fields.AwareDateTime(dump_only=True)
    acknowledged_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    contained_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    resolved_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    closed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    resolution_summary = fields.String(dump_only=True)
    next_update_due_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    # Staff only
    trigger = fields.Enum(Trigger, by_value=True, dump_only=True,
                          metadata={"description": "staff only"})
    category = fields.String(metadata={"description": "staff only"})
    source_ticket = fields.String(dump_only=True, metadata={"description": "staff only"})
    priority_score = fields.Integer(dump_only=True, metadata={"description": "staff only"})
    priority_breakdown = fields.Dict(dump_only=True, metadata={"description": "staff only"})
    users_affected = count_field(metadata={"description": "staff only"})
    core_operations_blocked = fields.Boolean(metadata={"description": "staff only"})
    reputational_risk = fields.Enum(ReputationalRisk, by_value=True,
                                    metadata={"description": "staff only"})
    updated_at = fields.AwareDateTime(dump_only=True, metadata={"description": "staff only"})
    is_drill = fields.Boolean(dump_only=True, metadata={
        "description": "staff only: a rehearsal opened by a drill (customers never see one)"})


class EscalationPageSchema(Schema):
    items = fields.List(fields.Nested(EscalationSchema))
    next_cursor = fields.String(allow_none=True)


class EscalationFilterSchema(Schema):
    """The dashboard's and the queue's filters."""

    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "a reference (ESC-1042) or words of the title"})
    status = fields.Enum(Status, by_value=True)
    severity = SEVERITY
    tier = fields.Enum(Tier, by_value=True)
    product_area = fields.String(validate=validate.Length(max=80))
    organization_id = id_field(metadata={"description": "staff only"})
    owner_id = id_field(metadata={"description": "staff only"})
    open = fields.Boolean(load_default=True, metadata={
        "description": "only open escalations (the default); false for every one"})
    cursor = fields.String(validate=validate.Length(max=40))
    limit = fields.Integer(load_default=25, validate=validate.Range(1, 100))


class HandoffInputSchema(Schema):
    summary = fields.String(required=True)
    customer_impact = fields.String(required=True)
    steps_taken = fields.String(required=True)
    environment = fields.String(required=True)
    reason = fields.Enum(Trigger, by_value=True, load_default=Trigger.SEVERITY)


class EscalationCreateSchema(Schema):
    organization_id = id_field(required=True)
    title = fields.String(required=True, validate=validate.Length(max=200))
    severity = fields.Integer(required=True, validate=validate.Range(1, 4))
    trigger = fields.Enum(Trigger, by_value=True, load_default=Trigger.SEVERITY)
    handoff = fields.Nested(HandoffInputSchema, required=True)
    owner_id = id_field(allow_none=True)
    communicator_id = id_field(allow_none=True)
    product_area = fields.String(load_default="", validate=validate.Length(max=80))
    category = fields.String(load_default="", validate=validate.Length(max=80))
    source_ticket = fields.String(load_default="", validate=validate.Length(max=80))
    users_affected = count_field(load_default=0)
    core_operations_blocked = fields.Boolean(load_default=False)
    reputational_risk = fields.Enum(ReputationalRisk, by_value=True,
                                    load_default=ReputationalRisk.LOW)


class EscalationPatchSchema(Schema):
    """The fields the console's edit form corrects; those not sent stay as they are."""

    title = fields.String()
    summary = fields.String()
    customer_impact = fields.String()
    product_area = fields.String()
    category = fields.String()
    users_affected = count_field()
    core_operations_blocked = fields.Boolean()
    reputational_risk = fields.Enum(ReputationalRisk, by_value=True)


class CommunicatorSchema(Schema):
    communicator_id = id_field(required=True)


class StatusChangeSchema(Schema):
    status = fields.Enum(Status, by_value=True, required=True)
    reason = fields.String(load_default="")
    resolution_summary = fields.String(load_default="")


class SeverityChangeSchema(Schema):
    severity = fields.Integer(required=True, validate=validate.Range(-MAX_ID, MAX_ID))
    reason = fields.String(load_default="")


class TierChangeSchema(Schema):
    tier = fields.Enum(Tier, by_value=True, required=True)
    reason = fields.String(load_default="")
    trigger = fields.Enum(Trigger, by_value=True, allow_none=True, load_default=None)


class MeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    organization = fields.Nested(OrganizationSchema, allow_none=True)
    token_name = fields.String()
    token_prefix = fields.String()
    scopes = fields.List(fields.String())
    token_expires_at = fields.AwareDateTime(allow_none=True)
