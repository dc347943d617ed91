"""Reads of reviews (tenancy is the session's; callers paginate)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import selectinload

from portal.reports.models import Review, ReviewAction, ReviewVersion


def published_reviews_for_organization(organization_id: int) -> Select:
    """Reviews with at least one published version, newest publication first."""
    return (select(Review)
            .where(Review.organization_id == organization_id, Review.latest_version > 0)
            .options(selectinload(Review.escalation))
            .order_by(Review.published_at.desc(), Review.id.desc()))


def actions_of(review_id: int) -> Select:
    """A review's remediation actions in their order (as `Review.actions` lists them)."""
    return (select(ReviewAction).where(ReviewAction.review_id == review_id)
            .order_by(ReviewAction.position, ReviewAction.id))


def published_review_for(escalation_id: int) -> Select:
    return select(Review).where(Review.escalation_id == escalation_id, Review.latest_version > 0)


@cache
def version_to_serve() -> Select:
    """One published version of an escalation's review (parameters `escalation_id` and
    `number`), as the few columns serving its PDF needs — id, number, review id, organization
    — and never its `content` (a large JSON document that a cached download does not read).
    Tenancy applies as to any read: another organization's version is simply not found.
    Built once: it is the hot path of every cached download."""
    return (select(ReviewVersion.id, ReviewVersion.number, ReviewVersion.review_id,
                   ReviewVersion.organization_id)
            .join(Review, Review.id == ReviewVersion.review_id)
            .where(Review.escalation_id == bindparam("escalation_id"),
                   ReviewVersion.number == bindparam("number")))


def review_of(escalation_id: int) -> Select:
    """An escalation's review, published or not (staff)."""
    return select(Review).where(Review.escalation_id == escalation_id)
