"""Update templates, and which severities need a second person's approval."""

from __future__ import annotations

from wtforms import SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.escalations.operations.updates import (
    BODY_MAX,
)
from portal.forms import MultiCheckboxField, PortalForm

SEVERITIES = [SelectChoice(str(n), label) for n, label in (
    (1, "Sev 1 — critical"), (2, "Sev 2 — high"), (3, "Sev 3 — medium"), (4, "Sev 4 — low"))]


class TemplateForm(PortalForm):
    name = StringField("Name", validators=[DataRequired("Give the template a name."),
                                           Length(max=120)])
    body = TextAreaField("Text", description="Markdown, with placeholders such as "
                         "{customer_name} (listed beside the form).",
                         validators=[DataRequired("Write the template's text."),
                                     Length(max=BODY_MAX)])


class ApprovalSettingsForm(PortalForm):
    severities = MultiCheckboxField("Customer updates need a second staff member's approval for",
                                    choices=SEVERITIES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="approval", **kwargs)
