"""Post-incident reviews (read, with links to the published PDFs) and a customer's
subscription to an escalation's updates."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from portal.api.blueprint import Refusal, bp, needs
from portal.api.escalations import actor
from portal.api.timeline_schemas import ReviewSchema, SubscriptionSchema
from portal.escalations.operations import set_subscription
from portal.escalations.operations.customer import is_subscribed
from portal.extensions import db
from portal.loading import escalation_or_404
from portal.reports.queries import published_review_for, review_of


def _pdf_url(escalation, number: int) -> str:
    if current_user.is_staff:
        return url_for("admin.review_version_pdf", escalation_id=escalation.id,
                       version=number, _external=True)
    return url_for("customer.escalation_report_pdf", reference=escalation.reference,
                   version=number, _external=True)


@bp.route("/escalations/<int:escalation_id>/review", methods=["GET"])
@bp.etag
@bp.response(200, ReviewSchema)
@needs("read")
def review(escalation_id: int):
    """The post-incident review: its published versions with their PDFs; staff also read the
    current draft. Customers get 404 until a version is published."""
    escalation = escalation_or_404(escalation_id)
    query = review_of if current_user.is_staff else published_review_for
    found = db.session.scalar(query(escalation.id))
    if found is None:
        raise Refusal(404, "This escalation has no review yet.")
    versions = [{"number": version.number, "published_at": version.published_at,
                 "pdf_url": _pdf_url(escalation, version.number)}
                for version in found.versions]
    return {"published_at": found.published_at, "latest_version": found.latest_version,
            "versions": versions, "state": found.state.value,
            "executive_summary": found.executive_summary, "root_cause": found.root_cause,
            "contributing_factors": found.contributing_factors,
            "preventive_measures": found.preventive_measures,
            "lessons_learned": found.lessons_learned}


@bp.route("/escalations/<int:escalation_id>/subscription", methods=["GET"])
@bp.etag
@bp.response(200, SubscriptionSchema)
@needs("read")
def subscription(escalation_id: int):
    """Whether you hear about this escalation's updates (customers; subscribed by default)."""
    escalation = escalation_or_404(escalation_id)
    if current_user.is_staff:
        raise Refusal(403, "Subscriptions are for customers.")
    return {"subscribed": is_subscribed(escalation, current_user)}


@bp.route("/escalations/<int:escalation_id>/subscription", methods=["PUT"])
@bp.arguments(SubscriptionSchema)
@bp.response(200, SubscriptionSchema)
@needs("comment")
def subscribe(data, escalation_id: int):
    """Choose whether you hear about this escalation's updates (customers)."""
    escalation = escalation_or_404(escalation_id)
    set_subscription(escalation, actor(), data["subscribed"])
    return {"subscribed": data["subscribed"]}
