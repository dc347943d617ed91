from __future__ import annotations

from flask import render_template
from flask_login import current_user

from admin import bp, navigation
from portal.escalations.clocks import clocks_for
from portal.escalations.queries import open_escalations, pending_handoffs_for
from portal.extensions import db

navigation.main_entry("Queue", "admin.home", order=10)


@bp.route("/")
def home():
    escalations = db.session.scalars(open_escalations()).all()
    rows = [(escalation, clocks_for(escalation)) for escalation in escalations]
    handoffs = db.session.scalars(pending_handoffs_for(current_user.id)).all()
    return render_template("admin/home.html", rows=rows, handoffs=handoffs)
