"""Forms of the customer portal. Each form on the escalation page has its own prefix, so field
ids stay unique when several forms share the page (and the CSRF field is found by suffix)."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from portal.enums import NotificationPreference
from portal.escalations.operations.customer import (
    COMMENT_MAX,
    NOTE_MAX,
    REASON_MAX,
    SURVEY_COMMENT_MAX,
)
from portal.forms import PortalForm


class CommentForm(PortalForm):
    body = TextAreaField(
        "Comment or question",
        description="The owner and your contact are told straight away. Markdown works: "
                    "**bold**, lists, links.",
        validators=[DataRequired("Write your comment or question first."),
                    Length(max=COMMENT_MAX)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="comment", **kwargs)


class EscalationRequestForm(PortalForm):
    reason = TextAreaField(
        "Why does this need the next level?",
        description="The escalation managers and the owner are told straight away.",
        validators=[DataRequired("Say why this needs the next level."), Length(max=REASON_MAX)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="escalate", **kwargs)


class SubscriptionForm(PortalForm):
    subscribed = HiddenField(validators=[AnyOf(["yes", "no"])])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="subscription", **kwargs)


class StepCompletionForm(PortalForm):
    """One per customer-owned step; the prefix carries the step id."""

    note = TextAreaField(
        "What did you do?",
        validators=[DataRequired("Say what you did, so the team can check it."),
                    Length(max=NOTE_MAX)],
    )

    def __init__(self, step_id: int, *args, **kwargs):
        super().__init__(*args, prefix=f"step-{step_id}", **kwargs)


class SurveyForm(PortalForm):
    score = RadioField(
        "How satisfied are you with how we handled this escalation?",
        choices=[SelectChoice(score, label) for score, label in (
            (5, "5 — Very satisfied"), (4, "4 — Satisfied"), (3, "3 — Neutral"),
            (2, "2 — Dissatisfied"), (1, "1 — Very dissatisfied"))],
        coerce=int,
        validators=[InputRequired("Choose a score from 1 to 5.")],
    )
    comment = TextAreaField("Anything you would like to add? (optional)",
                            validators=[Optional(), Length(max=SURVEY_COMMENT_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="survey", **kwargs)


class NotificationPreferenceForm(PortalForm):
    preference = RadioField(
        "Email me about escalation updates",
        choices=[
            SelectChoice(NotificationPreference.IMMEDIATE.value,
                         "Immediately: one email for each update"),
            SelectChoice(NotificationPreference.DIGEST.value,
                         "Daily digest: one email a day with every update"),
        ],
        validators=[InputRequired("Choose immediately or a daily digest.")],
    )
