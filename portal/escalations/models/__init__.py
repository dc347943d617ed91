"""The escalation domain's tables, one module per concept."""

from portal.escalations.models.escalation import Escalation, StatusChange
from portal.escalations.models.handoff import Handoff
from portal.escalations.models.plan import ExitCriterion, Milestone, RemediationStep
from portal.escalations.models.update import Update

__all__ = [
    "Escalation",
    "ExitCriterion",
    "Handoff",
    "Milestone",
    "RemediationStep",
    "StatusChange",
    "Update",
]
