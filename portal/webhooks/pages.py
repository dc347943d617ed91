"""What the webhook pages render, for the portal and the console alike (each area's views
call these and add their own frame). Reads only."""

from __future__ import annotations

from flask import abort

from portal.extensions import db
from portal.inputs import page_arg
from portal.loading import row_or_404
from portal.notices import events
from portal.notices.models import WebhookEndpoint
from portal.permissions import can_manage_webhooks
from portal.webhooks.forms import EndpointForm, RotateForm
from portal.webhooks.queries import deliveries_of, last_delivery_by_endpoint

PER_PAGE = 25


def endpoint_or_404(endpoint_id: int, user) -> WebhookEndpoint:
    """The endpoint (the session's scope already hides other organizations': 404), or 403
    for someone who may see it but not manage it."""
    endpoint = row_or_404(WebhookEndpoint, endpoint_id)
    if not can_manage_webhooks(user, endpoint.organization_id):
        abort(403)
    return endpoint


def list_context(endpoints: list[WebhookEndpoint], form: EndpointForm | None = None, *,
                 created: WebhookEndpoint | None = None, secret: str | None = None) -> dict:
    return dict(endpoints=endpoints,
                last_deliveries=last_delivery_by_endpoint([e.id for e in endpoints]),
                form=form or EndpointForm(formdata=None), created=created, secret=secret,
                event_labels=events.labels)


def endpoint_context(endpoint: WebhookEndpoint, form: EndpointForm | None = None, *,
                     secret: str | None = None, rotate_form: RotateForm | None = None) -> dict:
    page = page_arg()
    found = db.paginate(deliveries_of(endpoint), page=page, per_page=PER_PAGE, error_out=False)
    return dict(endpoint=endpoint, form=form or EndpointForm.of(endpoint),
                rotate_form=rotate_form or RotateForm(formdata=None), secret=secret,
                deliveries=found.items, page=page, pages=max(found.pages, 1),
                total=found.total, event_labels=events.labels)
