"""Forms of the console's account pages (organizations, SLA policies, people, audit log), and
the one helper that puts an operation's refusal beside its field."""

from __future__ import annotations

from datetime import date

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.accounts.operations import MIN_PASSWORD_LENGTH
from portal.administration.people import CUSTOMER_ROLE_ORDER, STAFF_ROLE_ORDER
from portal.administration.policies import MAX_TARGET_MINUTES, WEEKDAYS
from portal.enums import Segment, Severity
from portal.forms import PortalForm
from portal.inputs import MAX_ID, bounded_int


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    number = bounded_int(value, low=1)
    if number is None:
        raise ValueError(value)  # the SelectField says "not a valid choice"
    return number


# ------------------------------------------------------------------ organizations

class OrganizationForm(PortalForm):
    name = StringField("Name", validators=[DataRequired("Give the organization's name."),
                                           Length(max=200)])
    slug = StringField("Slug", description="Lowercase letters, digits and hyphens; used in "
                       "links and email keys.",
                       validators=[DataRequired("Give a slug, for example acme-logistics."),
                                   Length(max=80)])
    segment = SelectField("Segment",
                          choices=[SelectChoice(s.value, s.value.capitalize()) for s in Segment],
                          validators=[InputRequired("Choose a segment.")])
    annual_revenue = IntegerField(
        "Annual revenue (US dollars)", description="Whole dollars; feeds the priority score.",
        validators=[InputRequired("Give the annual revenue in whole dollars."),
                    NumberRange(min=0, message="The revenue cannot be negative.")])
    timezone = StringField("Timezone", description="An IANA name such as Europe/Berlin: "
                           "business hours count in this zone.",
                           validators=[DataRequired("Choose a timezone.")])
    sla_policy_id = SelectField("Support plan (SLA policy)", coerce=_optional_int,
                                validate_choice=False,
                                validators=[InputRequired("Choose the support plan.")])
    account_manager_id = SelectField("Account manager", coerce=_optional_int,
                                     validate_choice=False, validators=[Optional()])


class InvitationForm(PortalForm):
    email = EmailField("Email", validators=[DataRequired("Give the person's email address."),
                                            Length(max=254)])
    name = StringField("Name (optional)", validators=[Optional(), Length(max=200)])
    role = SelectField("Role",
                       choices=[SelectChoice(r.value, r.label) for r in CUSTOMER_ROLE_ORDER],
                       validators=[InputRequired("Choose a role.")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="invite", **kwargs)


# ------------------------------------------------------------------ SLA policies

def _minutes(label):
    return IntegerField(label, validators=[
        InputRequired("Give the minutes."),
        NumberRange(min=1, max=MAX_TARGET_MINUTES,
                    message=f"Use a whole number of minutes from 1 to {MAX_TARGET_MINUTES:,}.")])


class TargetForm(Form):
    acknowledge = _minutes("Acknowledge within")
    update = _minutes("Update every")
    resolve = _minutes("Resolve within")


class DayForm(Form):
    open = BooleanField("Open")
    start = StringField("Opens at", default="09:00")
    end = StringField("Closes at", default="18:00")

    def validate_end(self, field):
        if not self.open.data:
            return
        try:
            start, end = _hhmm(self.start.data, end=False), _hhmm(field.data, end=True)
        except ValueError as exc:
            raise ValidationError("Use 24-hour times such as 09:00 and 18:00.") from exc
        if start >= end:
            raise ValidationError("Closing time must be after the opening time.")


def _hhmm(text: str, *, end: bool) -> int:
    """Minutes after midnight for "HH:MM" ("24:00" only as a closing time)."""
    text = (text or "").strip()
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > (1440 if end else 1439):
        raise ValueError(text)
    return value


class PolicyForm(PortalForm):
    name = StringField("Name", validators=[DataRequired("Give the policy a name."),
                                           Length(max=120)])
    description = TextAreaField("Description (optional)",
                                validators=[Optional(), Length(max=2000)])
    calendar = RadioField("Calendar",
                          choices=[SelectChoice("24x7", "Around the clock (24×7)"),
                                   SelectChoice("business", "Business hours, in each "
                                                "organization's timezone")],
                          default="24x7", validators=[InputRequired("Choose a calendar.")])
    holidays = TextAreaField("Holidays (optional)",
                             description="One date per line, YYYY-MM-DD; no SLA time counts "
                                         "on these days with business hours.",
                             validators=[Optional()])
    sev1 = FormField(TargetForm)
    sev2 = FormField(TargetForm)
    sev3 = FormField(TargetForm)
    sev4 = FormField(TargetForm)
    day0 = FormField(DayForm)
    day1 = FormField(DayForm)
    day2 = FormField(DayForm)
    day3 = FormField(DayForm)
    day4 = FormField(DayForm)
    day5 = FormField(DayForm)
    day6 = FormField(DayForm)

    def targets(self):
        return [(severity, self[f"sev{severity.value}"]) for severity in Severity]

    def days(self):
        return [(WEEKDAYS[day], self[f"day{day}"]) for day in range(7)]

    def error_summary(self) -> list[tuple[str, str]]:
        """(field id, "Sev 2 update every: message") for every field error, sub-forms too."""
        out = []
        for field in self:
            if isinstance(field, FormField):
                name = field.name
                prefix = (f"Sev {name[3:]}" if name.startswith("sev")
                          else WEEKDAYS[int(name[3:])])
                for sub in field.form:
                    out += [(sub.id, f"{prefix}, {sub.label.text.lower()}: {error}")
                            for error in sub.errors]
            elif field.errors and field.type != "CSRFTokenField":
                out += [(field.id, f"{field.label.text}: {error}") for error in field.errors]
        return out

    def holiday_dates(self) -> list[date]:
        return self._holidays

    def validate_holidays(self, field):
        dates, bad = [], []
        for item in (field.data or "").replace(",", "\n").split():
            try:
                dates.append(date.fromisoformat(item))
            except ValueError:
                bad.append(item)
        if bad:
            raise ValidationError(f"Not a date (YYYY-MM-DD): {', '.join(bad[:3])}.")
        self._holidays = dates

    _holidays: list[date] = []


# ------------------------------------------------------------------ people

class StaffUserForm(PortalForm):
    name = StringField("Name", validators=[DataRequired("Give the person's name."),
                                           Length(max=200)])
    email = EmailField("Email", validators=[DataRequired("Give the person's email address."),
                                            Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in STAFF_ROLE_ORDER],
                       validators=[InputRequired("Choose a role.")])
    password = PasswordField(
        "Initial password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Give it to them in person or "
                    "by phone; they should change it after signing in.",
        validators=[DataRequired("Set an initial password."),
                    Length(min=MIN_PASSWORD_LENGTH,
                           message=f"Use at least {MIN_PASSWORD_LENGTH} characters.")])


class RoleForm(PortalForm):
    role = SelectField("Role", validators=[InputRequired("Choose a role.")])


class ConfirmForm(PortalForm):
    """Deactivate, reactivate, revoke: nothing to fill in but the CSRF token."""


# ------------------------------------------------------------------ audit log

class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = StringField("Actor email", validators=[Optional(), Length(max=254)])
    action = StringField("Action starts with", description="For example user. or "
                         "escalation.status", validators=[Optional(), Length(max=80)])
    object_type = SelectField("Object type", validate_choice=False, validators=[Optional()])
    object_id = IntegerField("Object id", validators=[
        Optional(), NumberRange(min=1, max=MAX_ID, message="Give an id from 1 to 2,147,483,647.")])
    organization = SelectField("Organization", coerce=_optional_int, validate_choice=False,
                               validators=[Optional()])
    since = DateField("From (date)", validators=[Optional()])
    until = DateField("To (date, inclusive)", validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date.")
