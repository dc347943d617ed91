"""Asking for a PDF: the cached file at once, or the render job that prepares it.

No web request waits on WeasyPrint. A download whose PDF is cached is sent as before; one
that is not finds (or queues) a `RenderJob` for the same HTML and answers with a page that
shows its progress (portal.reports.serving). The job runs on this process's render threads
or in the scheduler process (portal.reports.jobs), whichever claims it first.

Jobs are found by the content key (the PDF cache key of the HTML): everyone asking for the same
document waits on the same job, and a document whose render failed is answered from that
failure at once — with its reason — instead of being rendered again on every click (for
FAILURE_REMEMBERED; then it is tried once more, in case the machine was only busy). A new
template, stylesheet or WeasyPrint changes every key (rendering.assets_version), so a fixed
renderer tries again by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from portal.clock import now
from portal.extensions import db
from portal.reports.models import RenderJob, RenderKind, RenderState
from portal.reports.rendering import (
    MAX_HTML_BYTES,
    cache_key,
    cached_path,
    memo_lookup,
    memo_store,
)

FAILURE_REMEMBERED = timedelta(minutes=15)
TOO_LARGE = "The report is too large to make into a PDF (its pages would pass the size limit)."


@dataclass(frozen=True)
class Subject:
    """What is being prepared, as the job records it."""

    kind: RenderKind
    organization_id: int
    title: str
    review_id: int | None = None
    version: int | None = None
    period: str | None = None


@dataclass(frozen=True)
class Prepared:
    """Either the cached file (`path`) or the job preparing it, or the job that failed."""

    path: Path | None = None
    job: RenderJob | None = None

    @property
    def failed(self) -> bool:
        return self.job is not None and self.job.state == RenderState.FAILED


def prepare(
    subject: Subject,
    make_html: Callable[[], str],
    *,
    requested_by=None,
    memo_key: tuple | None = None,
) -> Prepared:
    """The PDF of the document `make_html` builds: cached, in preparation, or known to fail.

    `memo_key` names an immutable document (a published version): once this process has
    served it, the answer comes from memory without templating. A new job is flushed, not
    committed: the caller commits, then hands it to `jobs.start`."""
    if memo_key is not None and (path := memo_lookup(memo_key)) is not None:
        return Prepared(path=path)
    html = make_html()
    key = cache_key(html)
    path = cached_path(key)
    if path.exists():
        if memo_key is not None:
            memo_store(memo_key, key)
        return Prepared(path=path)
    job = latest_job_for(key)
    if job is not None and job.state != RenderState.DONE and not _forgotten(job):
        return Prepared(job=job)  # queued, running, or failed: never a second render
    return Prepared(job=queue(subject, html, key, requested_by=requested_by))


def _forgotten(job: RenderJob) -> bool:
    """A failure is answered from memory for FAILURE_REMEMBERED, then tried once more: a render
    that ran out of time on a busy machine (or under a limit since raised) gets another
    chance, at most one render per document in that time."""
    return (
        job.state == RenderState.FAILED
        and job.finished_at is not None
        and job.finished_at < now() - FAILURE_REMEMBERED
    )


def latest_job_for(key: str) -> RenderJob | None:
    """The newest job for this content key (visible to this session's tenancy)."""
    return db.session.scalar(
        select(RenderJob).where(RenderJob.content_key == key).order_by(RenderJob.id.desc()).limit(1)
    )


def queue(
    subject: Subject,
    html: str,
    key: str | None = None,
    *,
    requested_by=None,
    content: dict | None = None,
) -> RenderJob:
    """A new job for `html`. HTML over the size limit is refused here, before any render: the
    job is recorded as failed, so the next request answers from it at once."""
    job = RenderJob(
        kind=subject.kind,
        organization_id=subject.organization_id,
        title=subject.title[:200],
        review_id=subject.review_id,
        version=subject.version,
        period=subject.period,
        content_key=key or cache_key(html),
        html=html,
        content=content,
        requested_by_id=getattr(requested_by, "id", None),
    )
    if len(html.encode()) > MAX_HTML_BYTES:
        job.state, job.reason, job.html = RenderState.FAILED, TOO_LARGE, None
        job.finished_at = now()
    db.session.add(job)
    db.session.flush()
    return job


def job_for_file(job_id: int, subject_matches: Callable[[RenderJob], bool]) -> Path | None:
    """The finished file of job `job_id` when it prepared what the caller serves (a summary
    re-templated a minute later has a new key; the job's file is still the one asked for)."""
    job = db.session.get(RenderJob, job_id)
    if job is None or job.state != RenderState.DONE or not subject_matches(job):
        return None
    path = cached_path(job.content_key)
    return path if path.exists() else None
