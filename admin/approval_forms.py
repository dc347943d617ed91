"""Forms of the approvals page: approve (with the next-update promise) or reject a held update."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from admin.timeline_forms import LOCAL_EXAMPLE, WallClockField
from portal.escalations.operations.updates import REASON_MAX
from portal.forms import PortalForm


class ApproveForm(PortalForm):
    next_update_by = WallClockField(
        "Next update by", validators=[Optional()],
        description=f"As the author promised, as {LOCAL_EXAMPLE}; move it if that time has "
                    "passed.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="approve", **kwargs)


class RejectForm(PortalForm):
    reason = TextAreaField("Why send it back", description="The author sees this.",
                           render_kw={"rows": 3},
                           validators=[DataRequired("Tell the author why, so they can fix it."),
                                       Length(max=REASON_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="reject", **kwargs)
