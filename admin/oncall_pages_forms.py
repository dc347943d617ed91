"""Forms of the My pages page: the Acknowledge button, and how often pages repeat."""

from __future__ import annotations

from wtforms import IntegerField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange

from portal.forms import PortalForm
from portal.oncall.page_operations import MAX_REPEAT_MINUTES


class AcknowledgePageForm(PortalForm):
    """Just the CSRF token; the page is in the URL."""


class RepeatForm(PortalForm):
    team = SelectField("For", choices=[SelectChoice("", "Every team (the default)")], default="")
    minutes = IntegerField("Repeat every (minutes)", validators=[
        InputRequired("Say how many minutes."), NumberRange(1, MAX_REPEAT_MINUTES)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="repeat", **kwargs)

    def offer_teams(self, teams) -> None:
        self.team.choices = [SelectChoice("", "Every team (the default)"),
                             *(SelectChoice(str(team.id), team.name) for team in teams)]
