"""The endpoint form, shared by the customer admin's page and the console. Only the shape is
checked here; what a URL may be (https, public addresses) is the operation's to say."""

from __future__ import annotations

from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired

from portal.forms import MultiCheckboxField, PortalForm
from portal.notices import events
from portal.notices.models import WebhookKind

KIND_CHOICES = [SelectChoice(WebhookKind.GENERIC.value, "Generic JSON (signed)"),
                SelectChoice(WebhookKind.SLACK.value, "Slack-compatible ({\"text\": …})")]
OVERLAP_CHOICES = [SelectChoice("24", "24 hours"), SelectChoice("1", "1 hour"),
                   SelectChoice("72", "3 days"), SelectChoice("0", "No overlap: stop now")]


class EndpointForm(PortalForm):
    name = StringField("Name", description="Yours to recognise it by, e.g. “Ops on-call bridge”.")
    url = StringField("URL", description="An https:// address on the public internet.")
    kind = RadioField("Sends", choices=KIND_CHOICES, default=WebhookKind.GENERIC.value,
                      validators=[InputRequired("Choose what the endpoint understands.")])
    events = MultiCheckboxField("Events", choices=events.choices(),
                                default=list(events.CATALOGUE))
    submit = SubmitField("Save endpoint")

    def __init__(self, *args, prefix: str = "endpoint", staff: bool = False, **kwargs):
        # The edit form ("edit") must not share element ids with the add form: htmx settles
        # same-id elements across a boosted navigation by copying their style attributes.
        super().__init__(*args, prefix=prefix, **kwargs)
        if staff:  # a staff team's endpoint may also choose the staff-only events
            self.events.choices = events.choices(staff=True)

    @classmethod
    def of(cls, endpoint) -> EndpointForm:
        """The edit form filled from a stored endpoint (the edit page's first view)."""
        offered = events.catalogue_for(endpoint.organization_id)
        return cls(formdata=None, prefix="edit", name=endpoint.name, url=endpoint.url,
                   kind=endpoint.kind.value, staff=endpoint.organization_id is None,
                   events=endpoint.events if endpoint.events is not None else list(offered))


class RotateForm(PortalForm):
    overlap = SelectField("Keep the old secret signing for", choices=OVERLAP_CHOICES,
                          default="24")
    submit = SubmitField("Rotate the secret")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="rotate", **kwargs)
