from __future__ import annotations

from flask import render_template

from portal.auth.access import customer_required
from portal.customer import bp
from portal.customer.loading import escalation_or_404
from portal.escalations.clocks import clocks_for
from portal.escalations.models import ExitCriterion, Milestone, RemediationStep
from portal.escalations.queries import plan_items_for, timeline_for
from portal.extensions import db


@bp.route("/escalations/<reference>")
@customer_required
def escalation(reference: str):
    escalation = escalation_or_404(reference)
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
