"""The escalation page in the console: a header shared by every tab, and the overview tab."""

from __future__ import annotations

from flask import render_template

from admin import bp, navigation
from admin.loading import escalation_or_404
from portal.escalations.clocks import clocks_for

navigation.escalation_tab("Overview", "admin.escalation", order=10)


@bp.route("/escalations/<int:escalation_id>")
def escalation(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    return render_template("admin/escalation/overview.html", escalation=escalation,
                           clocks=clocks_for(escalation))
