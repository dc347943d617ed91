"""The known-issue broadcast form: subject, message, organizations and audience."""

from __future__ import annotations

import hashlib

from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired

from portal.accounts.models import Organization
from portal.forms import MultiCheckboxField, PortalForm
from portal.notices.models import Audience


class BroadcastForm(PortalForm):
    subject = StringField("Subject", validators=[InputRequired("Write a subject.")])
    body = TextAreaField(
        "Message", validators=[InputRequired("Write the message.")],
        description="Markdown. {customer_name} and {recipient_name} are filled for each reader.")
    organizations = MultiCheckboxField("Organizations", coerce=int,
                                       validators=[InputRequired(
                                           "Choose at least one organization.")])
    audience = RadioField("Who receives it", default=Audience.EXECUTIVES.value, choices=[
        SelectChoice(Audience.EXECUTIVES.value, "Executives"),
        SelectChoice(Audience.CUSTOMER_ADMINS.value, "Customer admins"),
        SelectChoice(Audience.EVERYONE.value, "Everyone in each organization"),
    ])
    previewed = HiddenField()

    def __init__(self, *args, organizations: list[Organization], **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations.choices = [SelectChoice(o.id, o.name) for o in organizations]

    def fingerprint(self) -> str:
        text = "\x1f".join(str(v) for v in (self.subject.data, self.body.data,
                                            sorted(self.organizations.data or []),
                                            self.audience.data))
        return hashlib.sha256(text.encode()).hexdigest()[:24]
