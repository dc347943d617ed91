"""Publishing from the console: the PDF is made first, and only a report that renders is
published and announced.

`request_publication` checks the publisher may publish, freezes the content of the next version
and queues a publication job for its PDF. When the job has made the PDF it publishes that very
content (`operations.publish_review`: the version, the audit event, the emails) in the job's
transaction. When the render fails or passes its limit, the review stays in review, nobody is
told, and the refusal is audited with its reason, which the publisher reads on the progress
page and the Review tab.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from portal.accounts.models import User
from portal.clock import now
from portal.extensions import db
from portal.operations import OperationError
from portal.reports import operations
from portal.reports.content import build_content
from portal.reports.models import RenderJob, RenderKind, RenderState, Review, ReviewState
from portal.reports.preparing import Subject, queue
from portal.reports.rendering import cached_path, memo_store, review_html

log = logging.getLogger(__name__)

CHANGED = (
    "The review changed while its PDF was being made, so it was not published. Read it "
    "again and publish once more."
)


def publication_in_progress(review_id: int) -> RenderJob | None:
    return db.session.scalar(
        select(RenderJob)
        .where(
            RenderJob.review_id == review_id,
            RenderJob.kind == RenderKind.PUBLICATION,
            RenderJob.state.in_((RenderState.QUEUED, RenderState.RUNNING)),
        )
        .order_by(RenderJob.id.desc())
        .limit(1)
    )


def last_refusal(review: Review) -> RenderJob | None:
    """The latest publication that failed, unless the review was published since."""
    job = db.session.scalar(
        select(RenderJob)
        .where(RenderJob.review_id == review.id, RenderJob.kind == RenderKind.PUBLICATION)
        .order_by(RenderJob.id.desc())
        .limit(1)
    )
    if job is None or job.state != RenderState.FAILED:
        return None
    return job


def request_publication(review: Review, *, actor: User, confirmed: bool) -> RenderJob:
    """Queue the PDF of the review's next version; it is published once that PDF is made.
    A publication already under way is returned as it is (a second click starts nothing).

    Raises as `operations.check_publication` does. The caller commits, then `jobs.start`s it.
    """
    operations.check_publication(review, actor=actor, confirmed=confirmed)
    running = publication_in_progress(review.id)
    if running is not None:
        return running
    at = now()
    number = review.latest_version + 1
    content = build_content(review, version=number, published_at=at)
    subject = Subject(
        RenderKind.PUBLICATION,
        review.organization_id,
        f"{content['reference']} post-incident report, version {number}",
        review_id=review.id,
        version=number,
    )
    job = queue(subject, review_html(content), requested_by=actor, content=content)
    if job.state == RenderState.FAILED:  # refused before any render (too large)
        refuse_publication(job, job.reason)
    return job


def complete_publication(job: RenderJob) -> None:
    """Publish what job `job` rendered (in the job's transaction). Refuses (recorded on the job)
    when the review moved on meanwhile: edited, returned to draft, or published by someone
    else."""
    review = db.session.get(Review, job.review_id)
    actor = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    if (
        review is None
        or actor is None
        or review.state != ReviewState.IN_REVIEW
        or review.latest_version + 1 != job.version
        or (review.updated_at and review.updated_at > job.created_at)
    ):
        _mark_failed(job, CHANGED)
        if review is not None:
            refuse_publication(job, CHANGED)
        return
    content = db.session.scalar(select(RenderJob.content).where(RenderJob.id == job.id))
    try:
        version = operations.publish_review(
            review,
            actor=actor,
            confirmed=True,
            content=content,
            at=datetime.fromisoformat(content["published_at"]),
        )
    except (OperationError, PermissionError) as exc:
        reason = f"Not published: {exc}"
        _mark_failed(job, reason)
        refuse_publication(job, reason)
        return
    db.session.flush()
    path = cached_path(job.content_key)
    if path.exists():
        memo_store(("version", version.id), job.content_key)


def refuse_publication(job: RenderJob, reason: str) -> None:
    review = db.session.get(Review, job.review_id)
    actor = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    if review is not None:
        operations.refuse_publication(review, actor=actor, version=job.version or 0, reason=reason)
    log.warning("review %s v%s not published: %s", job.review_id, job.version, reason)


def _mark_failed(job: RenderJob, reason: str) -> None:
    db.session.execute(
        RenderJob.__table__.update()
        .where(RenderJob.__table__.c.id == job.id)
        .values(state=RenderState.FAILED.value, reason=reason[:500])
    )
