"""The only writes to webhook endpoints. Each operation checks who may do it (PermissionError:
`portal.permissions.can_manage_webhooks`), validates (OperationError naming the field), audits,
and leaves the commit to its caller. Secrets never enter the audit log.

Deleting an endpoint deletes its undelivered outbox rows (pending, failing, sending: nothing
is sent after the delete), and keeps its delivered and dead rows for the staff delivery log,
detached (`webhook_endpoint_id` NULL, the URL still in `recipient`).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from flask import current_app
from sqlalchemy import delete, update

from portal import audit
from portal.clock import now
from portal.extensions import db
from portal.notices import destinations, events, signing
from portal.notices.models import Channel, Notice, NoticeStatus, WebhookEndpoint, WebhookKind
from portal.operations import OperationError
from portal.permissions import can_manage_webhooks

NAME_MAX = 120
URL_MAX = 500
UNDELIVERED = (NoticeStatus.PENDING, NoticeStatus.FAILED, NoticeStatus.SENDING)


def _guard(actor, organization_id: int | None) -> None:
    if not can_manage_webhooks(actor, organization_id):
        raise PermissionError("not allowed to manage this organization's webhook endpoints")


def _checked(name: str, url: str, kind: str, chosen: list[str],
             organization_id: int | None) -> dict:
    name, url = (name or "").strip(), (url or "").strip()
    if not name:
        raise OperationError("Give the endpoint a name.", field="name")
    if len(name) > NAME_MAX:
        raise OperationError(f"Keep the name under {NAME_MAX} characters.", field="name")
    if not url:
        raise OperationError("Enter the URL that receives the events.", field="url")
    if len(url) > URL_MAX:
        raise OperationError(f"Keep the URL under {URL_MAX} characters.", field="url")
    try:
        destinations.check_url(url)
    except destinations.UnsafeDestination as exc:
        raise OperationError(str(exc), field="url") from exc
    if kind not in WebhookKind._value2member_map_:
        raise OperationError("Choose what the endpoint understands.", field="kind")
    offered = events.catalogue_for(organization_id)
    staff_only = [name for name in chosen if name in events.STAFF_ONLY and name not in offered]
    if staff_only:
        raise OperationError("Only a staff team's endpoint receives on-call pages.",
                             field="events")
    unknown = [name for name in chosen if name not in offered]
    if unknown:
        raise OperationError(f"Unknown event: {unknown[0]}.", field="events")
    if not chosen:
        raise OperationError("Choose at least one event to send.", field="events")
    selection = None if set(chosen) == set(offered) else \
        [name for name in offered if name in chosen]
    return dict(name=name, url=url, kind=WebhookKind(kind), events=selection)


def _described(endpoint: WebhookEndpoint) -> dict:
    return {"name": endpoint.name, "url": endpoint.url, "kind": endpoint.kind.value,
            "events": endpoint.events}


def create_endpoint(organization_id: int | None, *, actor, name: str, url: str, kind: str,
                    chosen: list[str]) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of the organization (None: a staff team's) and its signing secret,
    returned this once and stored only sealed. Raises OperationError (name, url, kind,
    events) and PermissionError."""
    _guard(actor, organization_id)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(organization_id=organization_id,
                               **_checked(name, url, kind, chosen, organization_id))
    signing.store_secret(endpoint, secret)
    db.session.add(endpoint)
    audit.record("webhook_endpoint.created", actor=actor, obj=endpoint,
                 organization_id=organization_id, **_described(endpoint))
    return endpoint, secret


def edit_endpoint(endpoint: WebhookEndpoint, *, actor, name: str, url: str, kind: str,
                  chosen: list[str]) -> WebhookEndpoint:
    """Change name, URL, style and events. Raises OperationError and PermissionError."""
    _guard(actor, endpoint.organization_id)
    before = _described(endpoint)
    for field, value in _checked(name, url, kind, chosen, endpoint.organization_id).items():
        setattr(endpoint, field, value)
    audit.record_change("webhook_endpoint.edited", actor=actor, obj=endpoint, before=before,
                        after=_described(endpoint))
    return endpoint


def set_paused(endpoint: WebhookEndpoint, paused: bool, *, actor) -> WebhookEndpoint:
    """Pause (nothing is queued for it, and what was queued is not sent) or resume."""
    _guard(actor, endpoint.organization_id)
    if endpoint.paused != paused:
        endpoint.active = not paused
        audit.record("webhook_endpoint.paused" if paused else "webhook_endpoint.resumed",
                     actor=actor, obj=endpoint)
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint, *, actor, overlap_hours: float | None = None) -> str:
    """A new signing secret, returned this once. The one it replaces keeps signing beside it
    for the overlap window (setting WEBHOOK_ROTATION_OVERLAP_HOURS; 0 ends it at once); a
    secret older than that stops signing now. Raises OperationError and PermissionError."""
    _guard(actor, endpoint.organization_id)
    hours = current_app.config["WEBHOOK_ROTATION_OVERLAP_HOURS"] if overlap_hours is None \
        else overlap_hours
    if not 0 <= hours <= 24 * 7:
        raise OperationError("Choose an overlap between 0 and 168 hours.", field="overlap")
    secret = signing.new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed if hours else None
    endpoint.previous_secret_until = now() + timedelta(hours=hours) if hours else None
    signing.store_secret(endpoint, secret)
    audit.record("webhook_endpoint.secret_rotated", actor=actor, obj=endpoint,
                 overlap_hours=hours)
    return secret


def send_test_event(endpoint: WebhookEndpoint, *, actor) -> Notice:
    """Queue a signed `ping` for the endpoint, whatever its event selection (the next
    dispatch sends it; the delivery log shows the answer). Raises OperationError for a paused
    endpoint, and PermissionError."""
    _guard(actor, endpoint.organization_id)
    if endpoint.paused:
        raise OperationError("The endpoint is paused: resume it to send a test event.")
    key = f"{events.PING}:{uuid4().hex}:webhook:webhook-{endpoint.id}"
    text = f"Test event from Clearpath for “{endpoint.name}”: your endpoint works."
    body = {"text": text} if endpoint.kind == WebhookKind.SLACK else {
        "event": events.PING, "type": events.PING, "id": key,
        "endpoint": {"name": endpoint.name}, "sent_by": actor.name}
    notice = Notice(key=key, event=events.PING, channel=Channel.WEBHOOK, recipient=endpoint.url,
                    organization_id=endpoint.organization_id, template="webhook",
                    webhook_endpoint_id=endpoint.id,
                    context={"endpoint_id": endpoint.id, "type": events.PING, "payload": body})
    db.session.add(notice)
    audit.record("webhook_endpoint.tested", actor=actor, obj=endpoint)
    return notice


def delete_endpoint(endpoint: WebhookEndpoint, *, actor) -> None:
    """Delete the endpoint and its undelivered notices; its delivered and dead notices stay
    in the staff delivery log, detached. Raises PermissionError."""
    _guard(actor, endpoint.organization_id)
    dropped = db.session.execute(
        delete(Notice).where(Notice.webhook_endpoint_id == endpoint.id,
                             Notice.status.in_(UNDELIVERED))
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(
        update(Notice).where(Notice.webhook_endpoint_id == endpoint.id)
        .values(webhook_endpoint_id=None).execution_options(synchronize_session=False))
    audit.record("webhook_endpoint.deleted", actor=actor, obj=endpoint,
                 undelivered_dropped=dropped, **_described(endpoint))
    db.session.delete(endpoint)
