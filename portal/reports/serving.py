"""Answering a download: find or render the cached PDF, audit the download, send the file.

Views call these after their own access checks (404 before 403, as everywhere).
"""

from __future__ import annotations

import io

from flask import abort, current_app, send_file
from flask_login import current_user

from portal.extensions import db
from portal.reports import operations
from portal.reports.content import build_content
from portal.reports.models import Review, ReviewVersion
from portal.reports.rendering import RenderError, cached_pdf, pdf_for_html, review_html

PDF = "application/pdf"


def _send(path, filename: str):
    # Reports are small (~100 kB): read once, so no open file outlives the response.
    response = send_file(io.BytesIO(path.read_bytes()), mimetype=PDF, as_attachment=True,
                         download_name=filename, conditional=True, etag=path.stem, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _filename(reference: str, version: int | str) -> str:
    return f"{reference}-post-incident-report-v{version}.pdf"


def send_version(version: ReviewVersion):
    """A published version's PDF (rendered once, then served from the cache), audited."""
    review = version.review
    try:
        path = cached_pdf(("version", version.id), lambda: review_html(version.content))
    except RenderError as exc:
        current_app.logger.warning("report %s v%s not rendered: %s", review.id,
                                   version.number, exc)
        abort(503)
    operations.record_download(actor=current_user, review=review, version=version.number,
                               kind="review", reference=version.content.get("reference"))
    db.session.commit()
    return _send(path, _filename(version.content.get("reference", "report"), version.number))


def send_preview(review: Review):
    """The current draft as it would be published next (staff only; never cached by id)."""
    # Dated by the last edit, so an unchanged draft hits the cache.
    content = build_content(review, version=review.latest_version + 1,
                            published_at=review.updated_at)
    try:
        path = pdf_for_html(review_html(content))
    except RenderError:
        abort(503)
    operations.record_download(actor=current_user, review=review, version=None,
                               kind="review_preview", reference=content["reference"])
    db.session.commit()
    return _send(path, _filename(content["reference"], f"{review.latest_version + 1}-draft"))


def send_summary(organization, summary, html: str):
    try:
        path = pdf_for_html(html)
    except RenderError:
        abort(503)
    operations.record_download(actor=current_user, review=None, version=None, kind="summary",
                               organization_id=organization.id, period=summary.period.key)
    db.session.commit()
    return _send(path, f"{organization.slug}-escalations-{summary.period.key}.pdf")


def warm(version: ReviewVersion) -> None:
    """Render a just-published version now, so its readers' first download is a cached one.
    A failure here is logged, never raised: the download path renders (bounded) again."""
    try:
        cached_pdf(("version", version.id), lambda: review_html(version.content))
    except RenderError as exc:
        current_app.logger.warning("report %s v%s not pre-rendered: %s", version.review_id,
                                   version.number, exc)
