"""The console's endpoint form: the portal's, plus whose endpoint it is (an organization's or
a staff team's)."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField

from portal.webhooks.forms import EndpointForm

STAFF_TEAM = ""


class ConsoleEndpointForm(EndpointForm):
    organization = SelectField(
        "Owner", description="A customer organization's endpoint gets that organization's "
                             "events; a staff team's gets every organization's.")

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, staff=True, **kwargs)
        self.organization.choices = [
            SelectChoice(STAFF_TEAM, "Staff team (every organization)"),
            *(SelectChoice(str(o.id), o.name) for o in organizations)]

    @property
    def organization_id(self) -> int | None:
        return int(self.organization.data) if self.organization.data else None
