"""Reads of reviews (tenancy is the session's; callers paginate)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from portal.reports.models import Review


def published_reviews_for_organization(organization_id: int) -> Select:
    """Reviews with at least one published version, newest publication first."""
    return (select(Review)
            .where(Review.organization_id == organization_id, Review.latest_version > 0)
            .options(selectinload(Review.escalation))
            .order_by(Review.published_at.desc(), Review.id.desc()))


def published_review_for(escalation_id: int) -> Select:
    return select(Review).where(Review.escalation_id == escalation_id, Review.latest_version > 0)
