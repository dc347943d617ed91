"""Post-incident reports in the portal: the published review with its live remediation
actions, PDF downloads of every version, and the organization summary for a quarter.

Everyone in the organization may read the review page; only executives and customer admins
may download PDFs. Every download is audited (portal.reports.serving).
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from portal.accounts.models import Organization
from portal.auth.access import customer_required
from portal.auth.preview import is_previewing, refusal
from portal.clock import now
from portal.customer import bp
from portal.enums import Role
from portal.escalations.models import Escalation
from portal.exports import send_csv, time_heading
from portal.extensions import db
from portal.loading import escalation_by_reference_or_404, row_or_404
from portal.reports import serving
from portal.reports.models import RenderJob, RenderKind, Review
from portal.reports.queries import (
    actions_of,
    published_review_for,
    published_reviews_for_organization,
)
from portal.reports.summary import BadPeriod, organization_summary, period_for, recent_periods

DOWNLOAD_ROLES = frozenset({Role.EXECUTIVE, Role.CUSTOMER_ADMIN})
# Every download is audited in the downloader's name; a preview writes nothing.
PREVIEW_DOWNLOAD = ("Downloading the PDF would record a download in their name, so it is off "
                    "in the preview. Staff download any report from the console's Review tab.")


def may_download(user) -> bool:
    return user.role in DOWNLOAD_ROLES


@bp.app_template_global()
def published_report(escalation) -> Review | None:
    """The escalation's published review, if any (one query; resolved escalations only)."""
    return db.session.scalar(published_review_for(escalation.id))


def _published_review_or_404(escalation) -> Review:
    review = db.session.scalar(published_review_for(escalation.id))
    if review is None:
        abort(404)
    return review


@bp.route("/reports")
@customer_required
def reports():
    reviews = db.session.scalars(
        published_reviews_for_organization(current_user.organization_id).limit(200)).all()
    return render_template("customer/reports.html", reviews=reviews,
                           may_download=may_download(current_user))


@bp.route("/escalations/<reference>/report")
@customer_required
def escalation_report(reference: str):
    escalation = escalation_by_reference_or_404(reference)
    review = _published_review_or_404(escalation)
    latest = review.versions[0]
    return render_template("customer/report.html", escalation=escalation, review=review,
                           latest=latest, versions=review.versions, actions=review.actions,
                           today=now().astimezone(escalation.organization.zone).date(),
                           may_download=may_download(current_user))


@bp.route("/escalations/<reference>/report/actions.csv")
@customer_required
def report_actions_csv(reference: str):
    """The review's remediation actions as they stand now, as CSV (anyone who reads them)."""
    escalation = escalation_by_reference_or_404(reference)
    review = _published_review_or_404(escalation)
    if is_previewing():
        return refusal("An export is audited as the person who makes it: export as yourself.")
    zone, review_id = escalation.organization.zone, review.id
    today = now().astimezone(zone).date()

    def rows():
        for action in db.session.scalars(actions_of(review_id)):
            late = ("done late" if action.done_late(zone)
                    else "late" if action.is_late(today) else "")
            yield (action.title, action.owner, action.due_on, action.status,
                   action.completed_at, late)

    return send_csv(f"{escalation.reference}-remediation-actions",
                    ("Action", "Owner", "Due", "Status", time_heading("Completed"), "Late"),
                    rows(), organization_id=escalation.organization_id,
                    reference=escalation.reference)


@bp.route("/escalations/<reference>/report/v<int:version>.pdf")
@customer_required
def escalation_report_pdf(reference: str, version: int):
    # The hot path of a cached download: one query (the escalation's scope is the review's).
    target = serving.find_version(Escalation.id_from_reference(reference), version)
    if target is None:
        abort(404)
    if not may_download(current_user):
        abort(403)
    if is_previewing():
        return refusal(PREVIEW_DOWNLOAD)
    return serving.send_version(target, prepared=request.args.get("prepared", type=int))


def _summary_period(organization):
    try:
        return period_for(request.args.get("period"), organization.timezone)
    except BadPeriod:
        abort(404)


@bp.route("/reports/summary")
@customer_required
def organization_report():
    if not may_download(current_user):
        abort(403)
    organization = db.session.get(Organization, current_user.organization_id)
    period = _summary_period(organization)
    return render_template(
        "customer/organization_report.html", organization=organization, period=period,
        periods=recent_periods(organization.timezone),
        summary=organization_summary(organization, period))


@bp.route("/reports/summary.pdf")
@customer_required
def organization_report_pdf():
    if not may_download(current_user):
        abort(403)
    if is_previewing():
        return refusal(PREVIEW_DOWNLOAD)
    organization = db.session.get(Organization, current_user.organization_id)
    return serving.send_summary(organization, _summary_period(organization),
                                prepared=request.args.get("prepared", type=int))


@bp.route("/reports/preparing/<int:job_id>")
@customer_required
def render_status(job_id: int):
    """A PDF being prepared: its progress page, or JSON for the page's script. Scoped like the
    downloads: another organization's job, or a staff-only one, is not found."""
    job = row_or_404(RenderJob, job_id)
    if job.kind not in (RenderKind.REVIEW, RenderKind.SUMMARY):
        abort(404)
    if not may_download(current_user):
        abort(403)
    if is_previewing():
        return refusal(PREVIEW_DOWNLOAD)
    return serving.answer_status(job)
