"""The rules page: the sweeps' thresholds, grace periods and automatic tier changes."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Optional

from portal.forms import PortalForm


class RulesForm(PortalForm):
    next_update_grace_minutes = IntegerField(
        "Grace period before escalation managers hear (minutes)",
        validators=[InputRequired("Give a number of minutes.")],
        description="After a missed customer-update commitment, the owner and the "
                    "communicator hear at once; escalation managers after this grace period.")
    holding_message_enabled = BooleanField(
        "Send the customer a holding message after the grace period",
        description="Once per missed commitment, to the escalation's subscribers. It says "
                    "the update is late; it does not count as the update.")
    holding_message_text = TextAreaField("Holding message", validators=[Optional()],
                                         render_kw={"rows": 4})
    milestone_due_soon_minutes = IntegerField(
        "Remind the owner before a milestone is due (minutes)",
        validators=[InputRequired("Give a number of minutes.")])
    handoff_acknowledge_minutes = IntegerField(
        "A handoff must be acknowledged within (minutes)",
        validators=[InputRequired("Give a number of minutes.")],
        description="Then the receiver and the escalation managers are alerted.")
