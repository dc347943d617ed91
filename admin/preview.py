"""Preview as customer, from the console: pick one of an organization's people, open the
portal as they see it (read-only), come back. The mechanics are in portal.auth.preview."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp, navigation
from portal.accounts.models import Organization, User
from portal.administration.people import active_people_of
from portal.auth import preview
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.inputs import bounded_int
from portal.loading import escalation_or_404, row_or_404
from portal.permissions import Capability, requires

navigation.escalation_tab("Preview as customer", "admin.escalation_preview", order=90)

PICKER = "admin/preview/picker.html"


def customers_of(organization_id: int) -> list[User]:
    """The organization's active people, the ones a preview can show."""
    return list(db.session.scalars(active_people_of(organization_id)))


@bp.route("/escalations/<int:escalation_id>/preview")
@requires(Capability.VIEW_CONSOLE)
def escalation_preview(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    return render_template("admin/preview/escalation.html", escalation=escalation,
                           people=customers_of(escalation.organization_id))


@bp.route("/organizations/<int:organization_id>/preview")
@requires(Capability.VIEW_CONSOLE)
def organization_preview(organization_id: int):
    organization = row_or_404(Organization, organization_id)
    return render_template("admin/preview/organization.html", organization=organization,
                           people=customers_of(organization.id))


@bp.route("/preview/<int:user_id>", methods=["GET", "POST"])
@requires(Capability.VIEW_CONSOLE)
def preview_start(user_id: int):
    """GET asks to confirm (a link alone never changes whose eyes the browser sees with);
    POST starts the preview and opens the portal: the escalation's page when one is named
    (`escalation`, an id of the person's organization), else their dashboard."""
    customer = db.session.get(User, user_id)
    if customer is None or customer.is_staff:
        abort(404)
    escalation = _escalation_of(customer, request.values.get("escalation", ""))
    if request.method == "GET":
        return render_template("admin/preview/confirm.html", customer=customer,
                               escalation=escalation)
    if not customer.active:
        flash(f"{customer.name} is deactivated: there is nothing to preview.", "error")
        return redirect(url_for("admin.organization_preview",
                                organization_id=customer.organization_id), 303)
    return_to = (url_for("admin.escalation_preview", escalation_id=escalation.id)
                 if escalation else url_for("admin.organization_preview",
                                             organization_id=customer.organization_id))
    preview.start_preview(current_user._get_current_object(), customer, return_to=return_to)
    db.session.commit()
    target = (url_for("customer.escalation", reference=escalation.reference)
              if escalation else url_for("customer.home"))
    return redirect(target, 303)


def _escalation_of(customer: User, value: str) -> Escalation | None:
    escalation_id = bounded_int(value, low=1)
    if escalation_id is None:
        return None
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None or escalation.organization_id != customer.organization_id:
        return None
    return escalation


@bp.route("/preview/exit", methods=["POST"])
@requires(Capability.VIEW_CONSOLE)
def preview_exit():
    ended = preview.end_preview(current_user._get_current_object())
    db.session.commit()
    if ended is None:
        return redirect(url_for("admin.home"), 303)
    flash(f"Preview as {ended.name} ended.", "success")
    return redirect(ended.return_to or url_for("admin.home"), 303)
