"""The composite priority's settings: the five weights and the senior-involvement threshold.

Everyone in the console may read them (the score is shown everywhere with its breakdown);
changing them needs SET_THRESHOLDS. New weights rescore every open escalation at once.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.priority_forms import PriorityForm
from portal.escalations.operations.common import (
    priority_weights,
    senior_threshold,
)
from portal.escalations.operations.priority import (
    count_needing_senior_involvement,
    set_priority_settings,
)
from portal.escalations.priority import DEFAULT_WEIGHTS, FACTOR_LABELS, THRESHOLD_SETTING
from portal.extensions import db
from portal.operations import OperationError
from portal.permissions import Capability, can

navigation.main_entry("Priority", "admin.priority", order=60)


def _render(form: PriorityForm, status: int = 200):
    weights = priority_weights()
    return render_template(
        "admin/priority/settings.html", form=form, status=status, weights=weights,
        factors=[(name, FACTOR_LABELS[name]) for name in DEFAULT_WEIGHTS],
        threshold=senior_threshold(), default_threshold=THRESHOLD_SETTING[1],
        default_weights=DEFAULT_WEIGHTS, editable=can(current_user, Capability.SET_THRESHOLDS),
        needing=count_needing_senior_involvement(senior_threshold()),
    ), status


@bp.route("/priority", methods=["GET", "POST"])
def priority():
    if request.method == "GET":
        form = PriorityForm(data={**priority_weights(), "threshold": senior_threshold()})
        return _render(form)
    if not can(current_user, Capability.SET_THRESHOLDS):
        abort(403)
    form = PriorityForm()
    valid = form.validate()
    weights = form.weights()
    if all(not getattr(form, name).errors for name in weights) and sum(weights.values()) != 100:
        form.weights_error(f"The weights must add up to 100; they add up to "
                           f"{sum(weights.values())}.")
        valid = False
    if not valid:
        return _render(form, 422)
    try:
        result = set_priority_settings(weights, form.threshold.data, actor=current_user)
    except OperationError as error:
        db.session.rollback()
        field = getattr(form, error.field or "", None)
        if field is not None and hasattr(field, "errors") and error.field != "weights":
            field.errors = [*field.errors, str(error)]
        else:
            form.weights_error(str(error))
        return _render(form, 422)
    db.session.commit()
    if result is None:
        flash("Priority settings saved. The weights did not change, so no score moved.",
              "success")
    else:
        routed = (f" {result.routed} crossed the threshold and went to the Management tier."
                  if result.routed else "")
        flash(f"Priority weights saved: {result.changed} open "
              f"{'escalation' if result.changed == 1 else 'escalations'} rescored.{routed}",
              "success")
    return redirect(url_for("admin.priority"))
