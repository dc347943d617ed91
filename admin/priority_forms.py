"""The priority weights and the senior-involvement threshold."""

from __future__ import annotations

from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from portal.escalations.priority import DEFAULT_WEIGHTS, FACTOR_LABELS
from portal.forms import PortalForm

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
