"""Reads for the webhook pages. Each returns a `select()` so the caller can paginate; the
tenancy scope (portal.tenancy) already limits a customer's session to its own endpoints."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.notices.models import Notice, WebhookEndpoint


def endpoints_for_organization(organization_id: int | None) -> Select:
    """An organization's endpoints (None: the staff teams'), oldest first."""
    owner = WebhookEndpoint.organization_id
    return select(WebhookEndpoint).where(
        owner.is_(None) if organization_id is None else owner == organization_id
    ).order_by(WebhookEndpoint.id)


def all_endpoints() -> Select:
    """Every endpoint, the staff teams' first, then by organization (the console)."""
    return select(WebhookEndpoint).order_by(
        WebhookEndpoint.organization_id.is_not(None), WebhookEndpoint.organization_id,
        WebhookEndpoint.id)


def deliveries_of(endpoint: WebhookEndpoint) -> Select:
    """The endpoint's delivery log, newest first. Notices are not tenant-scoped rows, so the
    organization is matched too: a customer reads only its own organization's deliveries."""
    owner = Notice.organization_id
    return select(Notice).options(selectinload(Notice.attempt_log)).where(
        Notice.webhook_endpoint_id == endpoint.id,
        owner.is_(None) if endpoint.organization_id is None
        else owner == endpoint.organization_id,
    ).order_by(Notice.created_at.desc(), Notice.id.desc())


def last_delivery_by_endpoint(endpoint_ids: list[int]) -> dict[int, Notice]:
    """Each endpoint's most recent notice (for the list's "last delivery" column), one query."""
    if not endpoint_ids:
        return {}
    newest = (select(func.max(Notice.id)).where(Notice.webhook_endpoint_id.in_(endpoint_ids))
              .group_by(Notice.webhook_endpoint_id))
    rows = db.session.scalars(select(Notice).where(Notice.id.in_(newest)))
    return {notice.webhook_endpoint_id: notice for notice in rows}
