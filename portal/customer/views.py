from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.access import customer_required, home_url_for
from portal.customer import bp
from portal.escalations.clocks import clocks_for
from portal.escalations.models import Escalation, ExitCriterion, Milestone, RemediationStep
from portal.escalations.queries import (
    escalations_for_organization,
    plan_items_for,
    timeline_for,
)
from portal.extensions import db


def _escalation_or_404(reference: str) -> Escalation:
    # The session is scoped to the viewer's organization: a foreign id is simply not found.
    escalation_id = Escalation.id_from_reference(reference)
    escalation = db.session.get(Escalation, escalation_id) if escalation_id else None
    if escalation is None:
        abort(404)
    return escalation


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/escalations")
@customer_required
def home():
    escalations = db.session.scalars(
        escalations_for_organization(current_user.organization_id)
    ).all()
    rows = [(escalation, clocks_for(escalation)) for escalation in escalations]
    return render_template("customer/home.html", rows=rows)


@bp.route("/escalations/<reference>")
@customer_required
def escalation(reference: str):
    escalation = _escalation_or_404(reference)
    updates = db.session.scalars(timeline_for(escalation.id, customer_view=True)).all()
    milestones, steps, criteria = (
        db.session.scalars(plan_items_for(model, escalation.id, customer_view=True)).all()
        for model in (Milestone, RemediationStep, ExitCriterion)
    )
    return render_template(
        "customer/escalation.html",
        escalation=escalation,
        clocks=clocks_for(escalation),
        updates=updates,
        milestones=milestones,
        steps=steps,
        criteria=criteria,
    )
