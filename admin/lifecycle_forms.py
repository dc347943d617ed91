"""Forms of the escalation lifecycle in the console. Every form on the overview page has its own
prefix so field ids stay unique when several forms share the page.

Choices that depend on the database (organizations, staff) are filled by the view."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.enums import SEVERITY_LABELS, ReputationalRisk, Tier, Trigger
from portal.escalations.operations.common import HandoffTemplate
from portal.escalations.operations.lifecycle import LABEL_MAX, TITLE_MAX
from portal.forms import PortalForm
from portal.inputs import MAX_ID

TEXT_MAX = 10_000

SEVERITY_CHOICES = [SelectChoice(n, f"Sev {n} · {label}") for n, label in SEVERITY_LABELS.items()]
RISK_CHOICES = [SelectChoice(r.value, r.value.capitalize()) for r in ReputationalRisk]
TRIGGER_CHOICES = [SelectChoice(t.value, t.label) for t in Trigger]


def pick(label: str = "Choose…") -> SelectChoice:
    """The empty first option of a required choice."""
    return SelectChoice("", label)


_PICK = pick()


def _int_or_none(value):
    return int(value) if value not in (None, "") else None


# Made before the handoff template's fields: WTForms orders a form's fields (and so its error
# summary) by when each field was made, and the transfer form shows the new owner first.
_NEW_OWNER = SelectField("New owner", coerce=_int_or_none,
                         validators=[InputRequired("Choose who takes the escalation over.")])


class HandoffFields:
    """The handoff template, shared by the new-escalation and transfer forms."""

    summary = TextAreaField(
        "Summary", description="What is wrong, in a few sentences the receiver can act on.",
        validators=[DataRequired("Summarize the problem."), Length(max=TEXT_MAX)])
    customer_impact = TextAreaField(
        "Customer impact", description="Who is affected and how: users, operations, money.",
        validators=[DataRequired("Describe the customer impact."), Length(max=TEXT_MAX)])
    steps_taken = TextAreaField(
        "Steps already taken and their results",
        description="What was tried, and what happened each time.",
        validators=[DataRequired("List the steps already taken and their results."),
                    Length(max=TEXT_MAX)])
    environment = TextAreaField(
        "Environment", description="Product version, region, hosts, configuration.",
        validators=[DataRequired("Describe the environment."), Length(max=TEXT_MAX)])
    reason = SelectField(
        "Reason for escalation", choices=[_PICK, *TRIGGER_CHOICES],
        description="The documented trigger that applies.",
        validators=[DataRequired("Choose the trigger that applies.")])
    reason_detail = TextAreaField("Reason in detail (optional)",
                                  validators=[Optional(), Length(max=TEXT_MAX)])

    def handoff_template(self) -> HandoffTemplate:
        return HandoffTemplate(
            summary=self.summary.data or "", customer_impact=self.customer_impact.data or "",
            steps_taken=self.steps_taken.data or "", environment=self.environment.data or "",
            reason=Trigger(self.reason.data), reason_detail=self.reason_detail.data or "")


class ImpactFields:
    users_affected = IntegerField(
        "Users affected", default=0,
        validators=[InputRequired("Enter a number (0 if unknown)."),
                    NumberRange(min=0, max=MAX_ID,
                                message="Users affected: a whole number from 0 to 2,147,483,647.")])
    core_operations_blocked = BooleanField("Core business operations are blocked")
    reputational_risk = SelectField("Reputational risk", choices=RISK_CHOICES,
                                    default=ReputationalRisk.LOW.value)


class NewEscalationForm(HandoffFields, ImpactFields, PortalForm):
    organization = SelectField("Customer organization", coerce=_int_or_none,
                               validators=[InputRequired("Choose the customer organization.")])
    source_ticket = StringField(
        "Helpdesk ticket", description="The ticket this escalation comes from, like HD-12345.",
        validators=[DataRequired("Enter the helpdesk ticket reference."), Length(max=80)])
    title = StringField("Title", validators=[DataRequired("Give the escalation a title."),
                                             Length(max=TITLE_MAX)])
    severity = SelectField("Severity", choices=[_PICK, *SEVERITY_CHOICES],
                           coerce=_int_or_none,
                           validators=[InputRequired("Choose a severity.")])
    product_area = StringField("Product area (optional)",
                               validators=[Optional(), Length(max=LABEL_MAX)])
    category = StringField("Category (optional)", validators=[Optional(), Length(max=LABEL_MAX)])
    owner = SelectField("Owner", coerce=_int_or_none,
                        description="The accountable engineer. Anyone but you must acknowledge "
                                    "the handoff.",
                        validators=[InputRequired("Choose who owns the escalation.")])
    communicator = SelectField("Communicator (optional)", coerce=_int_or_none,
                               description="Who speaks to the customer.",
                               validators=[Optional()])

    # The order of the page, for the error summary (mixin fields were declared first).
    ORDER = ("organization", "source_ticket", "title", "severity", "reputational_risk",
             "product_area", "category", "users_affected", "core_operations_blocked", "owner",
             "communicator", "summary", "customer_impact", "steps_taken", "environment",
             "reason", "reason_detail")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="new", **kwargs)
        self._fields = dict(sorted(self._fields.items(), key=lambda item: self.ORDER.index(
            item[0]) if item[0] in self.ORDER else -1))


class EditForm(ImpactFields, PortalForm):
    title = StringField("Title", validators=[DataRequired("Give the escalation a title."),
                                             Length(max=TITLE_MAX)])
    summary = TextAreaField("Summary", description="Customers read this.",
                            validators=[DataRequired("Summarize the problem."),
                                        Length(max=TEXT_MAX)])
    customer_impact = TextAreaField("Customer impact", description="Customers read this.",
                                    validators=[DataRequired("Describe the customer impact."),
                                                Length(max=TEXT_MAX)])
    product_area = StringField("Product area", validators=[Optional(), Length(max=LABEL_MAX)])
    category = StringField("Category", validators=[Optional(), Length(max=LABEL_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="edit", **kwargs)


class SeverityForm(PortalForm):
    severity = SelectField("New severity", choices=SEVERITY_CHOICES, coerce=int)
    reason = TextAreaField("Why does the severity change?",
                           description="Shown to the customer on the timeline.",
                           validators=[DataRequired("Say why the severity changes."),
                                       Length(max=TEXT_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="severity", **kwargs)


STATUS_ACTIONS = {"acknowledged": "Acknowledge", "investigating": "Investigate",
                  "waiting_on_customer": "Wait on the customer", "contained": "Mark contained",
                  "resolved": "Resolve", "closed": "Close"}


class StatusForm(PortalForm):
    """One per allowed next status; resolving needs a summary, reopening a reason."""

    reason = TextAreaField("Note for the customer (optional)",
                           validators=[Optional(), Length(max=TEXT_MAX)])
    resolution_summary = TextAreaField(
        "Resolution summary", description="How the problem was resolved; customers read this.",
        validators=[Optional(), Length(max=TEXT_MAX)])

    def __init__(self, target: str, *args, **kwargs):
        super().__init__(*args, prefix=f"status-{target}", **kwargs)


class TierForm(PortalForm):
    target = SelectField("Move to", choices=[SelectChoice(t.value, t.value) for t in Tier])
    trigger = SelectField("Trigger", choices=[_PICK, *TRIGGER_CHOICES],
                          validators=[DataRequired("Choose the trigger for this change.")])
    reason = TextAreaField("Reason", description="Shown to the customer on the timeline.",
                           validators=[DataRequired("Say why the tier changes."),
                                       Length(max=TEXT_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="tier", **kwargs)


class CommunicatorForm(PortalForm):
    communicator = SelectField("Communicator", coerce=_int_or_none,
                               validators=[InputRequired("Choose who speaks to the customer.")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="communicator", **kwargs)


class TransferForm(HandoffFields, PortalForm):
    to_user = _NEW_OWNER

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="transfer", **kwargs)


class AcknowledgeForm(PortalForm):
    """Just the CSRF token; the handoff is in the URL."""


class RequestAnswerForm(PortalForm):
    """The answer to customers' request for the next level: accept (the tier goes up) or
    decline; either way the reason goes on their timeline."""

    LABELS = {"accept": "Why you accept", "decline": "Why it stays at this level"}

    reason = TextAreaField("Your answer",
                           description="Shown to the customer on the timeline.",
                           validators=[DataRequired("Say why, for the customer."),
                                       Length(max=2000)])

    def __init__(self, answer: str, *args, **kwargs):
        super().__init__(*args, prefix=f"request-{answer}", **kwargs)
        self.reason.label.text = self.LABELS[answer]
