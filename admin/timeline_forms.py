"""Forms of the Timeline tab: the composer, corrections and retractions."""

from __future__ import annotations

import re
from datetime import datetime

from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.enums import Visibility
from portal.escalations.operations.updates import (
    BODY_MAX,
    REASON_MAX,
)
from portal.forms import PortalForm

LOCAL_FORMAT = "%Y-%m-%d %H:%M"
LOCAL_EXAMPLE = "2026-12-07 14:30"
YEARS = (1970, 9998)  # beyond these, converting to UTC could pass the calendar's end
_LOCAL_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


class WallClockField(StringField):
    """A date and time typed as `2026-12-07 14:30` in the viewer's timezone; `data` is the
    naive wall-clock datetime. Not `datetime-local`: its display follows the browser's locale
    (12/07/2026, 02:30 PM in a US browser), which staff elsewhere misread."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime(LOCAL_FORMAT) if self.data else ""

    def process_formdata(self, valuelist) -> None:
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not text:
            return
        try:
            if not _LOCAL_SHAPE.fullmatch(text):
                raise ValueError(text)
            typed = datetime.strptime(text, LOCAL_FORMAT)
        except ValueError:
            raise ValueError(f"Write the date and time as {LOCAL_EXAMPLE} "
                             "(year-month-day, then hours:minutes, 24-hour).") from None
        if not YEARS[0] <= typed.year <= YEARS[1]:  # 9999-12-31 in any zone west of UTC
            raise ValueError(f"Give a date between {YEARS[0]} and {YEARS[1]}.")
        self.data = typed


class ComposerForm(PortalForm):
    visibility = RadioField("Who sees it", default=Visibility.INTERNAL.value, choices=[
        SelectChoice(Visibility.INTERNAL.value, "Internal note — staff only"),
        SelectChoice(Visibility.CUSTOMER.value, "Customer update — published to the customer"),
    ])
    body = TextAreaField("Update", description="Markdown: **bold**, lists, links, `code`.",
                         validators=[DataRequired("Write something before posting."),
                                     Length(max=BODY_MAX)])
    next_update_by = WallClockField(
        "Next update by", validators=[Optional()],
        description=f"Customer updates only: when the customer will hear from us next, "
                    f"as {LOCAL_EXAMPLE}. Pre-filled from the SLA cadence.")
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
