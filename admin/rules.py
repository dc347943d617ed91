"""Rules and thresholds: what the scheduler's sweeps alert about, when, and what an SLA breach
does to the tier. Everyone on the console may read them; changing them needs SET_THRESHOLDS."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice, SelectField

from admin import bp, navigation
from admin.rule_forms import RulesForm
from portal.escalations.placeholders import PLACEHOLDERS
from portal.permissions import Capability, can
from portal.rules import messages
from portal.rules.breaches import recent_breaches
from portal.rules.operations import RuleChanges, save_rules
from portal.rules.settings import CLOCKS, TIER_ACTIONS, load_rules
from portal.submissions import submit

navigation.main_entry("Rules", "admin.rules", order=70)
bp.record_once(messages.register)

SEVERITIES = (1, 2, 3, 4)
RECENT_BREACHES = 15


for _severity in SEVERITIES:
    for _clock in CLOCKS:
        setattr(RulesForm, f"tier_{_severity}_{_clock}", SelectField(
            f"Sev {_severity}: {'acknowledgement' if _clock == 'acknowledge' else 'resolution'}"
            " target missed", default="none",
            choices=[SelectChoice(value, label) for value, label in TIER_ACTIONS.items()]))


def _form_from_rules(rules) -> RulesForm:
    data = {
        "next_update_grace_minutes": rules.next_update_grace_minutes,
        "holding_message_enabled": rules.holding_message_enabled,
        "holding_message_text": rules.holding_message_text,
        "milestone_due_soon_minutes": rules.milestone_due_soon_minutes,
        "handoff_acknowledge_minutes": rules.handoff_acknowledge_minutes,
    }
    for severity in SEVERITIES:
        for clock in CLOCKS:
            data[f"tier_{severity}_{clock}"] = rules.tier_action(severity, clock)
    return RulesForm(formdata=None, data=data)


def _page(form: RulesForm, status: int = 200):
    breaches = recent_breaches(RECENT_BREACHES)
    return render_template("admin/rules/settings.html", form=form, rules=load_rules(),
                           severities=SEVERITIES, clocks=CLOCKS, placeholders=PLACEHOLDERS,
                           breaches=breaches, editable=can(current_user, Capability.SET_THRESHOLDS)
                           ), status


@bp.route("/rules", methods=["GET", "POST"])
def rules():
    if request.method == "GET":
        return _page(_form_from_rules(load_rules()))
    if not can(current_user, Capability.SET_THRESHOLDS):
        abort(403)
    form = RulesForm()
    if not form.validate():
        return _page(form, 422)
    changes = RuleChanges(
        next_update_grace_minutes=form.next_update_grace_minutes.data,
        holding_message_enabled=form.holding_message_enabled.data,
        holding_message_text=form.holding_message_text.data or "",
        milestone_due_soon_minutes=form.milestone_due_soon_minutes.data,
        handoff_acknowledge_minutes=form.handoff_acknowledge_minutes.data,
        auto_tier={severity: {clock: form[f"tier_{severity}_{clock}"].data for clock in CLOCKS}
                   for severity in SEVERITIES},
    )
    saved = submit(form, lambda: save_rules(changes, actor=current_user),
                   validate=lambda: True)  # the form was validated above
    if not saved.ok:
        return _page(form, 422)
    flash("Rules saved." if saved.value else "Nothing changed.", "success")
    return redirect(url_for("admin.rules"))
