"""Answering a download: send the cached PDF (audited), or the page that shows it being prepared.

A PDF that is not cached is never rendered in the request: `portal.reports.preparing` finds or
queues its render job, and the request answers 202 with a progress page that polls the job's
status route and starts the download when it is ready (without JavaScript the page refreshes
itself). A render already known to fail answers 503 at once, with its reason in plain words.

Views call these after their own access checks (404 before 403, as everywhere).

A cached download of a published version is the hot path, and it costs what a static file
costs plus the access check and the audit: one query for the version's ids (`find_version`,
never its content), the in-process memo for its PDF's content hash, one audit INSERT and its
commit, then `send_file` of the cached file. The content is read and templated only when this
process has not served the version yet (portal.reports.rendering.cached_pdf). The statement
count is pinned by tests/reports/test_downloads.py; bench/reports.py measures the rest.

Conditional requests: the ETag is the PDF's content hash and `Cache-Control: private,
no-cache` makes the browser revalidate, so an unchanged re-download answers 304. A 304 is
still an audited download (marked `not_modified`): the reader asked for the report and read it,
from the copy we sent them before; a log that skipped revalidations would under-count who
read what.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from portal.clock import now
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.reports import jobs, operations
from portal.reports.content import build_content
from portal.reports.models import RenderJob, RenderKind, RenderState, Review, ReviewVersion
from portal.reports.preparing import Prepared, Subject, job_for_file, prepare
from portal.reports.queries import version_to_serve
from portal.reports.rendering import memo_store, review_html, summary_html
from portal.reports.summary import organization_summary

PDF = "application/pdf"


@dataclass(frozen=True)
class VersionFile:
    """A published version as serving its PDF needs it: ids, not the loaded rows."""

    id: int
    number: int
    review_id: int
    organization_id: int
    reference: str

    @property
    def filename(self) -> str:
        return _filename(self.reference, self.number)


def find_version(escalation_id: int | None, number: int) -> VersionFile | None:
    """Version `number` of the escalation's published review, or None when there is none —
    or it is another organization's (the session's tenancy). One query, no content."""
    if escalation_id is None:
        return None
    row = db.session.execute(version_to_serve(),
                             {"escalation_id": escalation_id, "number": number}).first()
    if row is None:
        return None
    return VersionFile(*row, reference=Escalation.reference_of(escalation_id))


def _send(path: Path, filename: str, audit_download: Callable[..., None]):
    """The cached file, once its download's audit event is durably committed.

    The response is built first only so that the event can say whether it is a 304; no byte
    leaves before the commit (the server iterates the body after the view returns). Reports
    are small (~40–100 kB): read at once, so no open file outlives the response — sending the
    path instead measured no faster at this size."""
    response = send_file(io.BytesIO(path.read_bytes()), mimetype=PDF, as_attachment=True,
                         download_name=filename, conditional=True, etag=path.stem, max_age=0)
    try:
        audit_download(not_modified=True if response.status_code == 304 else None)
        db.session.commit()
    except BaseException:
        response.close()
        raise
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _filename(reference: str, version: int | str) -> str:
    return f"{reference}-post-incident-report-v{version}.pdf"


def _content_of(version_id: int) -> dict:
    return db.session.scalar(select(ReviewVersion.content).where(ReviewVersion.id == version_id))


def send_version(version: VersionFile, *, prepared: int | None = None):
    """A published version's PDF (rendered once, then served from the cache), audited."""
    subject = Subject(RenderKind.REVIEW, version.organization_id,
                      f"{version.reference} post-incident report, version {version.number}",
                      review_id=version.review_id, version=version.number)
    path = prepared and job_for_file(prepared, lambda job: job.kind == RenderKind.REVIEW and (
        job.review_id, job.version) == (version.review_id, version.number))
    if path:
        memo_store(("version", version.id), path.stem)  # the next download skips templating
    answer = Prepared(path=path) if path else prepare(
        subject, lambda: review_html(_content_of(version.id)), requested_by=current_user,
        memo_key=("version", version.id))
    if answer.path is None:
        return waiting(answer.job)
    return _send(answer.path, version.filename, lambda **how: operations.record_download(
        actor=current_user, kind="review", organization_id=version.organization_id,
        review_id=version.review_id, version=version.number, reference=version.reference,
        **how))


def send_preview(review: Review, *, prepared: int | None = None):
    """The current draft as it would be published next (staff only; never cached by id)."""
    # Dated by the last edit, so an unchanged draft hits the cache.
    number = review.latest_version + 1
    reference = review.escalation.reference
    path = prepared and job_for_file(prepared, lambda job: job.kind == RenderKind.PREVIEW and (
        job.review_id == review.id))
    answer = Prepared(path=path) if path else prepare(
        Subject(RenderKind.PREVIEW, review.organization_id,
                f"{reference} post-incident report, preview of version {number}",
                review_id=review.id, version=number),
        lambda: review_html(build_content(review, version=number,
                                          published_at=review.updated_at)),
        requested_by=current_user)
    if answer.path is None:
        return waiting(answer.job)
    return _send(answer.path, _filename(reference, f"{number}-draft"),
                 lambda **how: operations.record_download(
                     actor=current_user, kind="review_preview",
                     organization_id=review.organization_id, review_id=review.id,
                     reference=reference, **how))


def send_summary(organization, period, *, prepared: int | None = None):
    """The organization's summary for `period` (a summary.Period). It is built and templated
    only when no finished job of the caller's answers (a few queries and a template)."""
    path = prepared and job_for_file(prepared, lambda job: job.kind == RenderKind.SUMMARY and (
        job.organization_id, job.period) == (organization.id, period.key))
    answer = Prepared(path=path) if path else prepare(
        Subject(RenderKind.SUMMARY, organization.id,
                f"{organization.name}: escalation summary, {period.label}", period=period.key),
        lambda: summary_html(organization_summary(organization, period)),
        requested_by=current_user)
    if answer.path is None:
        return waiting(answer.job)
    return _send(answer.path, f"{organization.slug}-escalations-{period.key}.pdf",
                 lambda **how: operations.record_download(
                     actor=current_user, kind="summary", organization_id=organization.id,
                     period=period.key, **how))


# ------------------------------------------------------------------ the progress page

def status_url(job: RenderJob) -> str:
    endpoint = "admin.render_status" if current_user.is_staff else "customer.render_status"
    return url_for(endpoint, job_id=job.id)


def ready_url(job: RenderJob) -> str:
    """Where the browser goes once the job is done: the download (which now sends the file
    the job made), or for a publication the review it published."""
    escalation_id = (db.session.scalar(select(Review.escalation_id)
                                       .where(Review.id == job.review_id))
                     if job.review_id else None)
    if not current_user.is_staff:
        if job.kind == RenderKind.SUMMARY:
            return url_for("customer.organization_report_pdf", period=job.period,
                           prepared=job.id)
        return url_for("customer.escalation_report_pdf", version=job.version, prepared=job.id,
                       reference=Escalation.reference_of(escalation_id))
    if job.kind == RenderKind.SUMMARY:
        return url_for("admin.organization_summary_pdf", organization_id=job.organization_id,
                       period=job.period, prepared=job.id)
    if job.kind == RenderKind.PREVIEW:
        return url_for("admin.review_preview_pdf", escalation_id=escalation_id,
                       prepared=job.id)
    if job.kind == RenderKind.PUBLICATION:
        return url_for("admin.escalation_review", escalation_id=escalation_id)
    return url_for("admin.review_version_pdf", escalation_id=escalation_id,
                   version=job.version, prepared=job.id)


def status_of(job: RenderJob) -> dict:
    """The job as the progress page's script reads it."""
    elapsed = None
    if job.started_at is not None and job.state == RenderState.RUNNING:
        elapsed = max(0, int((now() - job.started_at).total_seconds()))
    return {"state": job.state.value, "title": job.title, "reason": job.reason,
            "elapsed_seconds": elapsed, "publication": job.kind == RenderKind.PUBLICATION,
            # A publication's page goes back to the review through the status route, which
            # says "published" on the way; a download goes straight to the file.
            "ready_url": None if job.state != RenderState.DONE else (
                status_url(job) if job.kind == RenderKind.PUBLICATION else ready_url(job))}


def waiting(job: RenderJob, *, status: int = 202):
    """The progress page for `job` (202), or its failure (503, the reason in plain words).
    Commits the request's new job and hands it to this process's render threads."""
    db.session.commit()
    if job.state == RenderState.FAILED:
        return failed(job)
    jobs.start(job)
    response = current_app.make_response((render_template(
        "downloads/preparing.html", job=job, status=status_of(job), status_url=status_url(job),
        timeout=jobs.render_timeout()), status))
    response.headers["Cache-Control"] = "no-store"
    return response


def failed(job: RenderJob):
    response = current_app.make_response((render_template(
        "downloads/failed.html", job=job), 503))
    response.headers["Cache-Control"] = "no-store"
    return response


def answer_status(job: RenderJob):
    """The status route, after the view's access checks: JSON for the progress page's script;
    for a browser without it, the download (or the published review) once the job is done,
    its failure, or the progress page again (which refreshes itself)."""
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(status_of(job))
    elif job.state == RenderState.DONE:
        if job.kind == RenderKind.PUBLICATION:
            flash(f"Version {job.version} published; the customer's executives and "
                  "subscribers are being told.", "success")
        response = redirect(ready_url(job), 303)
    elif job.state == RenderState.FAILED:
        return failed(job)
    else:
        return waiting(job, status=200)
    response.headers["Cache-Control"] = "no-store"
    return response
