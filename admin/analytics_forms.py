"""The analytics filter (GET) and the monthly ticket volume form."""

from __future__ import annotations

from wtforms import IntegerField, SelectChoice, SelectField, StringField, ValidationError
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.analytics.filters import GROUPINGS, MAX_MONTHS, month_start
from portal.analytics.operations import MAX_TICKETS
from portal.enums import Tier
from portal.forms import PortalForm
from portal.inputs import bounded_int

MONTH_HELP = "As YYYY-MM, for example 2026-07."


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    number = bounded_int(str(value), low=1)
    if number is None:
        raise ValueError(value)  # the SelectField says "not a valid choice"
    return number


def _month(field) -> None:
    try:
        month_start((field.data or "").strip())
    except ValueError:
        raise ValidationError("Give a month as YYYY-MM, for example 2026-07.") from None


class AnalyticsFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    since = StringField("From month", description=MONTH_HELP, validators=[Optional()])
    until = StringField("To month (inclusive)", description=MONTH_HELP, validators=[Optional()])
    organization = SelectField("Organization", coerce=_optional_int, validate_choice=False)
    severity = SelectField(
        "Severity",
        coerce=_optional_int,
        choices=[
            SelectChoice(None, "Any severity"),
            SelectChoice(1, "Sev 1 — critical"),
            SelectChoice(2, "Sev 2 — high"),
            SelectChoice(3, "Sev 3 — medium"),
            SelectChoice(4, "Sev 4 — low"),
        ],
    )
    tier = SelectField(
        "Tier",
        default="",
        choices=[SelectChoice("", "Any tier")] + [SelectChoice(t.value, t.value) for t in Tier],
    )
    product_area = SelectField("Product area", validate_choice=False)
    owner = SelectField("Owner", coerce=_optional_int, validate_choice=False)
    group_by = SelectField(
        "Group by",
        default="",
        choices=[SelectChoice("", "No grouping")]
        + [SelectChoice(key, label) for key, label in GROUPINGS.items()],
    )

    def validate_since(self, field):
        if field.data:
            _month(field)

    def validate_until(self, field):
        if not field.data:
            return
        _month(field)
        if self.since.data and not self.since.errors:
            try:
                first, last = month_start(self.since.data.strip()), month_start(field.data.strip())
            except ValueError:
                return
            if last < first:
                raise ValidationError("The last month is before the first.")
            if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
                raise ValidationError(f"Choose at most {MAX_MONTHS} months.")


class TicketVolumeForm(PortalForm):
    organization = SelectField(
        "Organization",
        coerce=_optional_int,
        validate_choice=False,
        validators=[InputRequired("Choose the organization.")],
    )
    month = StringField(
        "Month", description=MONTH_HELP, validators=[InputRequired("Give the month, as YYYY-MM.")]
    )
    tickets = IntegerField(
        "Support tickets raised that month",
        validators=[
            InputRequired("Give the number of tickets."),
            NumberRange(
                min=0, max=MAX_TICKETS, message=f"Give a whole number from 0 to {MAX_TICKETS:,}."
            ),
        ],
    )

    def validate_organization(self, field):
        if field.data is None or field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Choose the organization.")

    def validate_month(self, field):
        _month(field)
