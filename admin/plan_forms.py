"""Forms of the Plan tab: milestones, remediation steps, exit criteria.

Due dates come from `datetime-local` inputs, read in the viewer's own timezone and stored in
UTC; each form has its own prefix so the three add forms share the page with unique ids.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_login import current_user
from wtforms import (
    DateTimeLocalField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.enums import Party, StepStatus, Visibility
from portal.escalations.operations.plan import TEXT_MAX, TITLE_MAX
from portal.forms import PortalForm

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
VISIBILITY_CHOICES = [
    SelectChoice(Visibility.CUSTOMER.value, "Customer-visible: shown in the customer portal"),
    SelectChoice(Visibility.INTERNAL.value, "Internal: staff only"),
]
STEP_STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in StepStatus]


def to_utc(local: datetime | None) -> datetime | None:
    """A wall-clock time typed by the viewer, as a UTC instant."""
    if local is None:
        return None
    return local.replace(tzinfo=current_user.zone).astimezone(UTC)


def to_local(instant: datetime | None) -> datetime | None:
    """An instant as the naive wall-clock time a datetime-local input shows the viewer."""
    if instant is None:
        return None
    return instant.astimezone(current_user.zone).replace(tzinfo=None)


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def _visibility_field():
    return RadioField("Who sees it", choices=VISIBILITY_CHOICES,
                      default=Visibility.CUSTOMER.value,
                      validators=[InputRequired("Choose who sees it.")])


class MilestoneForm(PortalForm):
    title = StringField("Milestone", validators=[DataRequired("Name the milestone."),
                                                 Length(max=TITLE_MAX)],
                        description="A dated promise, e.g. “Patch in staging”.")
    due_at = DateTimeLocalField("Due", format=DATETIME_LOCAL,
                                validators=[InputRequired("Give the milestone a due date.")])
    visibility = _visibility_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="milestone", **kwargs)


class StepForm(PortalForm):
    title = StringField("Step", validators=[DataRequired("Describe the step."),
                                            Length(max=TITLE_MAX)])
    owner_party = RadioField("Owned by", default=Party.VENDOR.value, choices=[
        SelectChoice(Party.VENDOR.value, "Our side (vendor)"),
        SelectChoice(Party.CUSTOMER.value, "The customer: shows as theirs in the portal"),
    ], validators=[InputRequired("Choose which side owns the step.")])
    owner = SelectField("Owner", coerce=_int_or_none, validators=[Optional()],
                        description="Optional: the person accountable for the step.")
    due_at = DateTimeLocalField("Due", format=DATETIME_LOCAL, validators=[Optional()])
    status = SelectField("Status", choices=STEP_STATUS_CHOICES,
                         default=StepStatus.PLANNED.value)
    validation_test = TextAreaField("Validation test", validators=[Length(max=TEXT_MAX)],
                                    description="How we check the step worked.")
    success_metric = TextAreaField("Success metric", validators=[Length(max=TEXT_MAX)],
                                   description="The number that says it worked.")
    visibility = _visibility_field()

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, prefix="step", **kwargs)
        staff = [SelectChoice(p.id, p.name) for p in people if p.is_staff]
        customers = [SelectChoice(p.id, f"{p.name} ({p.role.label})")
                     for p in people if not p.is_staff]
        self.owner.choices = {"": [SelectChoice("", "Nobody in particular")],
                              "Our staff": staff, "The customer's people": customers}


class CriterionForm(PortalForm):
    description = TextAreaField("Exit criterion", validators=[
        DataRequired("Describe the exit criterion."), Length(max=TEXT_MAX)],
        description="One condition of “back to normal”, e.g. “Error rate below 0.1 % "
                    "for 24 h”.")
    visibility = _visibility_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="criterion", **kwargs)
