"""Forms of the drill pages: a scenario (its script in the line format), and starting one."""

from __future__ import annotations

from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from portal.drills.script import KINDS
from portal.forms import MultiCheckboxField, PortalForm
from portal.inputs import choice_id


class ScenarioForm(PortalForm):
    name = StringField("Scenario name")
    organization_id = SelectField("Organization it plays out for", coerce=choice_id,
                                  validate_choice=False)
    title = StringField("Escalation title")
    severity = IntegerField("Severity (1 critical … 4 low)", default=2,
                            validators=[Optional()])
    product_area = StringField("Product area (optional)")
    summary = TextAreaField("What is wrong (the escalation's summary)")
    customer_impact = TextAreaField("Customer impact")
    script = TextAreaField(
        "Script", render_kw={"rows": 8, "spellcheck": "false"},
        description=f"One event a line: minute | kind | text, e.g. “5 | customer_comment | "
                    f"Any news?”. Kinds: {KINDS}. Lines starting with # are skipped.")

    def offer_organizations(self, organizations) -> None:
        self.organization_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(o.id), o.name) for o in organizations]


class StartDrillForm(PortalForm):
    owner_id = SelectField("Who owns the escalation (acknowledges the handoff)",
                           coerce=choice_id, validate_choice=False,
                           validators=[InputRequired("Choose who owns the escalation.")])
    participants = MultiCheckboxField(
        "Who takes part", coerce=choice_id, validate_choice=False,
        description="Only they hear about the drill (emails marked [Drill]); you and the "
                    "owner always take part.")

    def offer_people(self, people) -> None:
        self.owner_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(p.id), p.name) for p in people]
        self.participants.choices = [SelectChoice(str(p.id), p.name) for p in people]
