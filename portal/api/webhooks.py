"""Webhook endpoints over the API, through the same operations as the portal's and the
console's pages (`portal.webhooks.operations`): a customer admin's token manages its
organization's endpoints, an administrator's any organization's and the staff teams'. The
signing secret is in the answer to the POST that made it, that once."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, post_dump, validate

from portal.api.blueprint import Refusal, bp, needs
from portal.api.escalations import actor
from portal.api.schemas import id_field
from portal.extensions import db
from portal.loading import row_or_404
from portal.notices import events
from portal.notices.models import WebhookEndpoint, WebhookKind
from portal.permissions import can_manage_webhooks
from portal.webhooks import operations as ops
from portal.webhooks import queries


class WebhookEndpointSchema(Schema):
    id = fields.Integer(dump_only=True)
    organization_id = id_field(allow_none=True, load_default=None, metadata={
        "description": "Staff only: the organization (null: a staff team's endpoint). A "
                       "customer's endpoint is always its own organization's."})
    name = fields.String(required=True, validate=validate.Length(max=ops.NAME_MAX))
    url = fields.String(required=True, validate=validate.Length(max=ops.URL_MAX), metadata={
        "description": "https only; loopback, private and metadata addresses are refused"})
    kind = fields.String(load_default=WebhookKind.GENERIC.value,
                         validate=validate.OneOf([k.value for k in WebhookKind]))
    events = fields.List(fields.String(validate=validate.OneOf(list(events.CATALOGUE))),
                         load_default=lambda: list(events.CATALOGUE),
                         validate=validate.Length(max=len(events.CATALOGUE)))
    paused = fields.Boolean(dump_only=True)
    secret_hint = fields.String(dump_only=True, metadata={
        "description": "The secret's last characters"})
    created_at = fields.DateTime(dump_only=True)

    @post_dump(pass_original=True)
    def _every_event_named(self, data, endpoint, **kwargs):
        """Stored as null ("every event"), answered as the list it means today."""
        if endpoint.events is None:
            data["events"] = list(events.CATALOGUE)
        return data


class CreatedEndpointSchema(WebhookEndpointSchema):
    secret = fields.String(dump_only=True, metadata={
        "description": "The signing secret: shown in this answer only"})


def _readable() -> None:
    """Staff read every endpoint (as the console does); customers, their admins only."""
    if not current_user.is_staff and not can_manage_webhooks(current_user,
                                                              current_user.organization_id):
        raise Refusal(403, "Only your organization's customer admins manage its webhooks.")


@bp.route("/webhook-endpoints", methods=["GET"])
@bp.etag
@bp.response(200, WebhookEndpointSchema(many=True))
@needs("read")
def webhook_endpoints():
    """Your organization's endpoints (staff: every endpoint, the staff teams' first)."""
    _readable()
    query = (queries.all_endpoints() if current_user.is_staff
             else queries.endpoints_for_organization(current_user.organization_id))
    return db.session.scalars(query).all()


@bp.route("/webhook-endpoints/<int:endpoint_id>", methods=["GET"])
@bp.etag
@bp.response(200, WebhookEndpointSchema)
@needs("read")
def webhook_endpoint(endpoint_id: int):
    """One endpoint (another organization's answers 404, as a missing one)."""
    _readable()
    return row_or_404(WebhookEndpoint, endpoint_id)


@bp.route("/webhook-endpoints", methods=["POST"])
@bp.arguments(WebhookEndpointSchema)
@bp.response(201, CreatedEndpointSchema)
@needs("webhooks:manage")
def create_webhook_endpoint(data):
    """Add an endpoint; its signing secret is in this answer and never again."""
    organization_id = data["organization_id"] if current_user.is_staff \
        else current_user.organization_id
    endpoint, secret = ops.create_endpoint(
        organization_id, actor=actor(), name=data["name"], url=data["url"], kind=data["kind"],
        chosen=data["events"])
    db.session.flush()
    endpoint.secret = secret  # for this answer's dump only; stored sealed
    return endpoint


@bp.route("/webhook-endpoints/<int:endpoint_id>/test", methods=["POST"])
@bp.response(202, WebhookEndpointSchema)
@needs("webhooks:manage")
def test_webhook_endpoint(endpoint_id: int):
    """Queue a signed `ping` for the endpoint; the next dispatch sends it."""
    endpoint = row_or_404(WebhookEndpoint, endpoint_id)
    ops.send_test_event(endpoint, actor=actor())
    return endpoint


@bp.route("/webhook-endpoints/<int:endpoint_id>", methods=["DELETE"])
@bp.response(204)
@needs("webhooks:manage")
def delete_webhook_endpoint(endpoint_id: int):
    """Delete the endpoint and what was still to be sent to it."""
    ops.delete_endpoint(row_or_404(WebhookEndpoint, endpoint_id), actor=actor())
