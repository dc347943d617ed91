"""The escalation domain's tables, one module per concept."""

from portal.escalations.models.customer import EscalationRequest, Subscription, SurveyResponse
from portal.escalations.models.escalation import (
    Escalation,
    SeverityChange,
    StatusChange,
)
from portal.escalations.models.handoff import Handoff
from portal.escalations.models.plan import ExitCriterion, Milestone, RemediationStep
from portal.escalations.models.update import (
    Update,
    UpdateApproval,
    UpdateRevision,
    UpdateTemplate,
)

__all__ = [
    "Escalation",
    "EscalationRequest",
    "ExitCriterion",
    "Handoff",
    "Milestone",
    "RemediationStep",
    "SeverityChange",
    "StatusChange",
    "Subscription",
    "SurveyResponse",
    "Update",
    "UpdateApproval",
    "UpdateRevision",
    "UpdateTemplate",
]
