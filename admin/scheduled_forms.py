"""The scheduled proactive notice form."""

from __future__ import annotations

import hashlib

from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.forms import PortalForm
from portal.notices.models import Audience
from portal.outreach import scheduled as ops


class ScheduleForm(PortalForm):
    subject = StringField("Subject", validators=[InputRequired("Write a subject.")],
                          description="Sent as “[ESC-1042] <subject>”. Placeholders work here too.")
    body = TextAreaField("Message", validators=[InputRequired("Write the message.")],
                         description="Markdown. Placeholders are filled for each reader when "
                                     "the notice is sent.")
    audience = RadioField("Who receives it", default=Audience.SUBSCRIBERS.value, choices=[
        SelectChoice(Audience.SUBSCRIBERS.value,
                     "Subscribers: customers following this escalation"),
        SelectChoice(Audience.EXECUTIVES.value, "The organization's executives"),
        SelectChoice(Audience.EVERYONE.value,
                     "Everyone in the organization, including people who stopped following"),
    ])
    first_send_at = DateTimeLocalField(
        "Send at", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired("Choose when to send it.")])
    repeat_hours = IntegerField(
        "Repeat every (hours)", validators=[Optional(), NumberRange(min=1, max=ops.MAX_REPEAT_HOURS,
                                            message="Between 1 and 336 hours.")],
        description="Leave empty to send once. A repeating notice stops when the escalation "
                    "is resolved.")
    previewed = HiddenField()

    def fingerprint(self) -> str:
        text = "\x1f".join(str(value) for value in (
            self.subject.data, self.body.data, self.audience.data, self.first_send_at.data,
            self.repeat_hours.data))
        return hashlib.sha256(text.encode()).hexdigest()[:24]
