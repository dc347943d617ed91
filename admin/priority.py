"""The composite priority's settings: the five weights and the senior-involvement threshold.

Everyone in the console may read them (the score is shown everywhere with its breakdown);
changing them needs SET_THRESHOLDS. New weights rescore every open escalation at once.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from admin import bp, navigation
from portal.auth.permissions import Capability, can
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
from portal.forms import PortalForm
from portal.operations import OperationError

navigation.main_entry("Priority", "admin.priority", order=60)

FACTOR_HELP = {
    "severity": "Sev 1 counts fully, Sev 2 70 %, Sev 3 40 %, Sev 4 10 %.",
    "business_impact": "Users affected (up to 1,000) and whether core operations are blocked.",
    "segment": "Strategic counts fully, enterprise 60 %, growth 30 %.",
    "revenue": "The account's annual revenue, in steps from $1 M to $100 M.",
    "reputational_risk": "High counts fully, medium half, low nothing.",
}
_WEIGHT = [InputRequired("Give a weight (0 if it should not count)."),
           NumberRange(min=0, max=100, message="A whole number from 0 to 100.")]


class PriorityForm(PortalForm):
    weights_total_error: str | None = None  # "the weights must add up to 100", beside them

    severity = IntegerField(FACTOR_LABELS["severity"], validators=_WEIGHT,
                            description=FACTOR_HELP["severity"])
    business_impact = IntegerField(FACTOR_LABELS["business_impact"], validators=_WEIGHT,
                                   description=FACTOR_HELP["business_impact"])
    segment = IntegerField(FACTOR_LABELS["segment"], validators=_WEIGHT,
                           description=FACTOR_HELP["segment"])
    revenue = IntegerField(FACTOR_LABELS["revenue"], validators=_WEIGHT,
                           description=FACTOR_HELP["revenue"])
    reputational_risk = IntegerField(FACTOR_LABELS["reputational_risk"], validators=_WEIGHT,
                                     description=FACTOR_HELP["reputational_risk"])
    threshold = IntegerField(
        "Senior involvement from", validators=[
            InputRequired("Give a score from 1 to 100."),
            NumberRange(min=1, max=100, message="A score from 1 to 100.")],
        description="An escalation whose score reaches this is routed to the Management tier "
                    "and the escalation managers are emailed.")
    submit = SubmitField("Save and rescore")

    def weights(self) -> dict[str, int]:
        return {name: getattr(self, name).data for name in DEFAULT_WEIGHTS}

    def weights_error(self, message: str) -> None:
        self.form_errors.append(message)
        self.weights_total_error = message


def _render(form: PriorityForm, status: int = 200):
    weights = priority_weights()
    return render_template(
        "admin/priority.html", form=form, status=status, weights=weights,
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
