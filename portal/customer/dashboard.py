from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.auth.access import customer_required
from portal.customer import bp
from portal.escalations.clocks import clocks_for
from portal.escalations.queries import escalations_for_organization
from portal.extensions import db


@bp.route("/escalations")
@customer_required
def home():
    escalations = db.session.scalars(
        escalations_for_organization(current_user.organization_id)
    ).all()
    rows = [(escalation, clocks_for(escalation)) for escalation in escalations]
    return render_template("customer/home.html", rows=rows)
