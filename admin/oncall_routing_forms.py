"""Forms of the routing page: a rule (its conditions and its team), and the "Test these rules"
example escalation (a GET form: it changes nothing)."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from portal.enums import Trigger
from portal.forms import PortalForm
from portal.inputs import choice_id

SEVERITY_WORDS = {1: "Sev 1 only", 2: "Sev 2 or worse", 3: "Sev 3 or worse",
                  4: "Sev 4 or worse (every severity)"}


def _trigger_or_none(value):
    if value in (None, "", "None") or isinstance(value, Trigger):
        return value or None
    try:
        return Trigger(value)
    except ValueError:
        return None


TRIGGER_CHOICES = [SelectChoice(t.value, t.label) for t in Trigger]


class _Choices:
    def offer(self, teams=None, organizations=()) -> None:
        self.organization_id.choices = [SelectChoice("", "Any organization")] + [
            SelectChoice(str(o.id), o.name) for o in organizations]
        if teams is not None:
            self.team_id.choices = [SelectChoice("", "Choose a team")] + [
                SelectChoice(str(t.id), t.name) for t in teams]


class RuleForm(_Choices, PortalForm):
    organization_id = SelectField("Organization", coerce=choice_id, validate_choice=False)
    product_area = StringField("Product area", validators=[Optional(), Length(max=80)],
                               description="Leave empty for any area.")
    category = StringField("Category", validators=[Optional(), Length(max=80)],
                           description="Leave empty for any category.")
    max_severity = SelectField(
        "Severity", coerce=choice_id, validate_choice=False,
        choices=[SelectChoice("", "Any severity")] + [
            SelectChoice(str(n), words) for n, words in SEVERITY_WORDS.items()])
    trigger = SelectField("Trigger", coerce=_trigger_or_none, validate_choice=False,
                          choices=[SelectChoice("", "Any trigger"), *TRIGGER_CHOICES])
    team_id = SelectField("Goes to team", coerce=choice_id, validate_choice=False,
                          validators=[InputRequired("Choose the team these escalations go to.")])


class RuleTestForm(_Choices, PortalForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    organization_id = SelectField("Organization", coerce=choice_id, validate_choice=False)
    product_area = StringField("Product area", validators=[Optional(), Length(max=80)])
    category = StringField("Category", validators=[Optional(), Length(max=80)])
    severity = SelectField("Severity", coerce=int, default=2,
                           choices=[SelectChoice(str(n), f"Sev {n}") for n in (1, 2, 3, 4)])
    trigger = SelectField("Trigger", coerce=_trigger_or_none, validate_choice=False,
                          default=Trigger.SEVERITY.value,
                          choices=TRIGGER_CHOICES)
