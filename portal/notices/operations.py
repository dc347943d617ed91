"""Queueing notices. Callers are operations; they commit, so the notice and its cause land
together (DESIGN.md invariant 5). Delivery lives elsewhere."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.enums import NotificationPreference
from portal.extensions import db
from portal.notices.audience import circle_of
from portal.notices.models import Channel, Notice, NoticeStatus, WebhookEndpoint, WebhookKind
from portal.operations import OperationError


def notice_key(event: str, recipient: str, channel: Channel) -> str:
    return f"{event}:{channel.value}:{recipient.lower()}"


def enqueue_email(event: str, user: User, *, template: str, context: dict,
                  escalation_id: int | None = None, respect_digest: bool = False) -> Notice | None:
    """Queue one email for `user` about `event` (a stable string such as "update:42").

    Returns None for an inactive user or when this (event, recipient, channel) is already
    queued — the same event never queues twice. `respect_digest` holds the notice for the
    daily digest of users who asked for one.
    """
    if not user.active:
        return None
    circle = circle_of(escalation_id)
    if circle is not None and user.id not in circle:
        return None  # a closed circle (a drill's participants) hears alone
    key = notice_key(event, user.email, Channel.EMAIL)
    if _already_queued(key):
        return None
    notice = Notice(
        key=key,
        event=event.split(":", 1)[0],
        channel=Channel.EMAIL,
        recipient=user.email,
        recipient_user_id=user.id,
        organization_id=user.organization_id,
        escalation_id=escalation_id,
        template=template,
        context=context,
        digest=respect_digest and user.notification_preference == NotificationPreference.DIGEST,
    )
    db.session.add(notice)
    return notice


def enqueue_emails(event: str, users: Iterable[User | None], **kwargs) -> list[Notice]:
    """Queue the same event for several people, once each (None and duplicates skipped)."""
    queued, seen = [], set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        notice = enqueue_email(event, user, **kwargs)
        if notice is not None:
            queued.append(notice)
    return queued


def _already_queued(key: str) -> bool:
    pending = any(isinstance(o, Notice) and o.key == key for o in db.session.new)
    return pending or db.session.scalar(select(Notice.id).where(Notice.key == key)) is not None


def enqueue_webhooks(event: str, *, organization_id: int | None, payload: dict,
                     text: str, escalation_id: int | None = None,
                     topic: str | None = None) -> list[Notice]:
    """Queue `event` for every active (not paused) webhook endpoint that chose its `topic`
    (an event name of `portal.notices.events`; default: the event's prefix): the
    organization's endpoints and the staff teams' (which take every organization's events).
    Slack-compatible endpoints get `text`; generic ones the payload."""
    if circle_of(escalation_id) is not None:
        return []  # a closed circle (a drill) never leaves the building: no endpoint is in it
    topic = topic or event.split(":", 1)[0]
    owners = WebhookEndpoint.organization_id.is_(None)
    if organization_id is not None:
        owners = or_(owners, WebhookEndpoint.organization_id == organization_id)
    endpoints = db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True), owners)
        .order_by(WebhookEndpoint.id))
    queued = []
    for endpoint in endpoints:
        if not endpoint.receives(topic):
            continue
        key = notice_key(event, f"webhook-{endpoint.id}", Channel.WEBHOOK)
        if _already_queued(key):
            continue
        body = {"text": text} if endpoint.kind == WebhookKind.SLACK else {
            "event": event.split(":", 1)[0], "type": topic, "id": key, **payload}
        notice = Notice(key=key, event=event.split(":", 1)[0], channel=Channel.WEBHOOK,
                        recipient=endpoint.url, organization_id=endpoint.organization_id,
                        escalation_id=escalation_id, template="webhook",
                        webhook_endpoint_id=endpoint.id,
                        context={"endpoint_id": endpoint.id, "type": topic, "payload": body})
        db.session.add(notice)
        queued.append(notice)
    return queued


def retry_notice(notice: Notice, *, actor: User) -> Notice:
    """Send a dead (or failing) notice again: pending now, attempts from zero, same key — so
    the same Message-ID / Idempotency-Key, and a receiver that got it can drop it. Audited.
    Raises OperationError for a notice that is not dead or failed."""
    if notice.status not in (NoticeStatus.DEAD, NoticeStatus.FAILED):
        raise OperationError("Only a dead or failing notice can be retried.")
    audit.record("notice.retried", actor=actor, obj=notice, key=notice.key,
                 previous_status=notice.status.value, attempts=notice.attempts,
                 last_error=notice.last_error[:500])
    notice.status, notice.attempts, notice.next_attempt_at = NoticeStatus.PENDING, 0, now()
    notice.lease_until, notice.claimed_by = None, ""
    return notice
