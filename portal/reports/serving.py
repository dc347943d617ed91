"""Answering a download: find or render the cached PDF, audit the download, send the file.

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

from flask import abort, current_app, send_file
from flask_login import current_user
from sqlalchemy import select

from portal.escalations.models import Escalation
from portal.extensions import db
from portal.reports import operations
from portal.reports.content import build_content
from portal.reports.models import Review, ReviewVersion
from portal.reports.queries import version_to_serve
from portal.reports.rendering import RenderError, cached_pdf, pdf_for_html, review_html

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


def send_version(version: VersionFile):
    """A published version's PDF (rendered once, then served from the cache), audited."""
    try:
        path = cached_pdf(("version", version.id), lambda: review_html(_content_of(version.id)))
    except RenderError as exc:
        current_app.logger.warning("report %s v%s not rendered: %s", version.review_id,
                                   version.number, exc)
        abort(503)
    return _send(path, version.filename, lambda **how: operations.record_download(
        actor=current_user, kind="review", organization_id=version.organization_id,
        review_id=version.review_id, version=version.number, reference=version.reference,
        **how))


def send_preview(review: Review):
    """The current draft as it would be published next (staff only; never cached by id)."""
    # Dated by the last edit, so an unchanged draft hits the cache.
    content = build_content(review, version=review.latest_version + 1,
                            published_at=review.updated_at)
    try:
        path = pdf_for_html(review_html(content))
    except RenderError:
        abort(503)
    return _send(path, _filename(content["reference"], f"{review.latest_version + 1}-draft"),
                 lambda **how: operations.record_download(
                     actor=current_user, kind="review_preview",
                     organization_id=review.organization_id, review_id=review.id,
                     reference=content["reference"], **how))


def send_summary(organization, summary, html: str):
    try:
        path = pdf_for_html(html)
    except RenderError:
        abort(503)
    return _send(path, f"{organization.slug}-escalations-{summary.period.key}.pdf",
                 lambda **how: operations.record_download(
                     actor=current_user, kind="summary", organization_id=organization.id,
                     period=summary.period.key, **how))


def warm(version: ReviewVersion) -> None:
    """Render a just-published version now, so its readers' first download is a cached one.
    A failure here is logged, never raised: the download path renders (bounded) again."""
    try:
        cached_pdf(("version", version.id), lambda: review_html(version.content))
    except RenderError as exc:
        current_app.logger.warning("report %s v%s not pre-rendered: %s", version.review_id,
                                   version.number, exc)
