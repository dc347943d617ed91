"""The delivery log's filters."""

from __future__ import annotations

from wtforms import SearchField, SelectChoice, SelectField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

from portal.accounts.models import Organization
from portal.escalations.models import Escalation
from portal.forms import PortalForm
from portal.notices.models import Channel, NoticeStatus


class DeliveryFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    status = SelectField("Status", default="", choices=[SelectChoice("", "Any status")] + [
        SelectChoice(s.value, s.value.capitalize()) for s in NoticeStatus])
    channel = SelectField("Channel", default="", choices=[SelectChoice("", "Any channel")] + [
        SelectChoice(c.value, c.value.capitalize()) for c in Channel])
    event = SelectField("Event", default="")
    organization = SelectField("Organization", default="")
    escalation = SearchField("Escalation", validators=[Optional(), Length(max=20)],
                             description="A reference such as ESC-1042.")
    submit = SubmitField("Apply filters")

    def __init__(self, *args, events: list[str], organizations: list[Organization], **kwargs):
        super().__init__(*args, **kwargs)
        self.event.choices = [SelectChoice("", "Any event")] + [
            SelectChoice(e, e.replace("_", " ").capitalize()) for e in events]
        self.organization.choices = [SelectChoice("", "Any organization")] + [
            SelectChoice(str(o.id), o.name) for o in organizations]

    def validate_escalation(self, field):
        if field.data and Escalation.id_from_reference(field.data.strip()) is None:
            raise ValidationError("Not a reference: write it like ESC-1042.")
