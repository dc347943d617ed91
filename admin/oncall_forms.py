"""Forms of the on-call pages: a team and its rotation, and an override. Override times are
typed in the team's time zone (the label says which) and stored as UTC instants."""

from __future__ import annotations

from datetime import time

from wtforms import (
    DateField,
    FieldList,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm
from portal.oncall.models import RotationLength

ROTATION_SLOTS = 8
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _int_or_none(value):
    return None if value in (None, "", "None") else int(value)


class TeamForm(PortalForm):
    name = StringField("Team name", validators=[DataRequired("Give the team a name."),
                                                Length(max=120)])
    product_area = StringField(
        "Product area (optional)", validators=[Optional(), Length(max=80)],
        description="Escalations of this product area go to this team. Leave it blank for "
                    "the team that takes every area no other team names.")
    timezone = StringField("Time zone", default="UTC",
                           description="An IANA name such as Europe/Berlin: handoffs happen "
                                       "at this zone's wall-clock time, DST included.",
                           validators=[DataRequired("Give the team's time zone.")])
    rotation_length = SelectField(
        "Rotation", choices=[SelectChoice(r.value, r.label) for r in RotationLength],
        default=RotationLength.WEEKLY.value, validators=[InputRequired("Choose a rotation.")])
    handoff_weekday = SelectField(
        "Handoff day (weekly rotations)", coerce=int, default=0,
        choices=[SelectChoice(str(n), day) for n, day in enumerate(WEEKDAYS)])
    handoff_time = TimeField("Handoff time", default=time(9, 0),
                             validators=[InputRequired("Give the handoff time, e.g. 09:00.")])
    starts_on = DateField("First shift on", validators=[InputRequired(
        "Give the day the first person's shift starts.")],
        description="The first person in the order is on call from the first handoff on or "
                    "after this day.")
    members = FieldList(SelectField("Person", coerce=_int_or_none, validate_choice=False),
                        min_entries=ROTATION_SLOTS, max_entries=ROTATION_SLOTS)
    acknowledge_minutes = IntegerField(
        "Minutes to acknowledge", default=15,
        description="Triage: when the person assigned has not acknowledged in this time, the "
                    "next person in the rotation is asked, then the manager.",
        validators=[Optional(), NumberRange(1, 24 * 60, "Between 1 and 1440 minutes.")])
    manager_id = SelectField("Escalation manager (optional)", coerce=_int_or_none,
                             validate_choice=False,
                             description="The last person triage asks when nobody in the "
                                         "rotation acknowledges.")

    def offer_people(self, people) -> None:
        choices = [SelectChoice("", "—")] + [SelectChoice(str(p.id), p.name) for p in people]
        self.manager_id.choices = [SelectChoice("", "Nobody")] + choices[1:]
        for slot, entry in enumerate(self.members, start=1):
            entry.choices = choices
            entry.label.text = f"On call {_ordinal(slot)}"


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


class OverrideForm(PortalForm):
    user_id = SelectField("Who covers", coerce=_int_or_none, validate_choice=False,
                          validators=[InputRequired("Choose who covers.")])
    starts_at = DateTimeLocalField("From", format=DATETIME_LOCAL,
                                   validators=[InputRequired("Give when the cover starts.")])
    ends_at = DateTimeLocalField("Until", format=DATETIME_LOCAL,
                                 validators=[InputRequired("Give when the cover ends.")])
    reason = StringField("Reason", description="A holiday, a swap: the calendar shows it.",
                         validators=[DataRequired("Say why (a holiday, a swap)."),
                                     Length(max=200)])

    def __init__(self, *args, zone_name: str = "UTC", **kwargs):
        super().__init__(*args, prefix="override", **kwargs)
        self.starts_at.label.text = f"From ({zone_name})"
        self.ends_at.label.text = f"Until ({zone_name})"

    def offer_people(self, people) -> None:
        self.user_id.choices = [SelectChoice("", "Choose a person")] + [
            SelectChoice(str(p.id), p.name) for p in people]
