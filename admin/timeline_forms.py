"""Forms of the Timeline tab: the composer, corrections and retractions."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectChoice,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.enums import Visibility
from portal.escalations.operations.updates import (
    BODY_MAX,
    REASON_MAX,
)
from portal.forms import PortalForm

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class ComposerForm(PortalForm):
    visibility = RadioField("Who sees it", default=Visibility.INTERNAL.value, choices=[
        SelectChoice(Visibility.INTERNAL.value, "Internal note — staff only"),
        SelectChoice(Visibility.CUSTOMER.value, "Customer update — published to the customer"),
    ])
    body = TextAreaField("Update", description="Markdown: **bold**, lists, links, `code`.",
                         validators=[DataRequired("Write something before posting."),
                                     Length(max=BODY_MAX)])
    next_update_by = DateTimeLocalField(
        "Next update by", format=LOCAL_FORMAT, validators=[Optional()],
        description="Customer updates only: when the customer will hear from us next "
                    "(your timezone). Pre-filled from the SLA cadence.")
    step = HiddenField(default="compose")
    checked = BooleanField("I checked: nothing internal is in this update")

    def __init__(self, allowed: list[str], *args, **kwargs):
        """`allowed`: the visibilities this person may post with here (the view asks)."""
        super().__init__(*args, **kwargs)
        self.visibility.choices = [c for c in self.visibility.choices if c.value in allowed]
        if self.visibility.data not in allowed and allowed:
            self.visibility.data = allowed[0]


class EditForm(PortalForm):
    body = TextAreaField("Corrected text", render_kw={"rows": 10}, validators=[
        DataRequired("An update cannot be empty; retract it instead."), Length(max=BODY_MAX)])
    reason = TextAreaField("What was wrong (staff only, optional)", render_kw={"rows": 2},
                           validators=[Length(max=REASON_MAX)])
    checked = BooleanField("I checked: nothing internal is in this update")


class RetractForm(PortalForm):
    reason = TextAreaField("Why retract it (staff only)", render_kw={"rows": 2}, validators=[
        DataRequired("Say why it is retracted."), Length(max=REASON_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="retract", **kwargs)
