"""The executive view: the organization's open escalations by severity, how fast we respond,
and how often we kept the SLA, over the last 90 days."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from portal.auth.access import customer_required
from portal.clock import now
from portal.customer import bp
from portal.enums import Role
from portal.escalations.queue import sla_state
from portal.escalations.reporting import executive_summary, open_severe_for_organization
from portal.extensions import db

EXECUTIVE_ROLES = frozenset({Role.EXECUTIVE, Role.CUSTOMER_ADMIN})


@bp.route("/executive")
@customer_required
def executive():
    if current_user.role not in EXECUTIVE_ROLES:
        abort(403)
    organization_id = current_user.organization_id
    severe = db.session.scalars(open_severe_for_organization(organization_id)).all()
    at = now()
    return render_template(
        "customer/executive.html",
        summary=executive_summary(organization_id),
        severe=severe,
        sla={escalation.id: sla_state(escalation, at) for escalation in severe},
    )
