"""The only place escalations change state (DESIGN.md invariant 3).

Views, CLI commands, the API and jobs call these named operations. Each validates the change,
writes its audit event, queues its notices, and leaves everything in the caller's transaction:
the caller commits once. They raise `IllegalTransition` (workflow), `OperationError` (bad
input, with the form field it belongs to) or `PermissionError`, and never leave a half-written
change behind, because nothing is committed here.
"""

from portal.escalations.operations.common import HandoffTemplate, customer_saw_change
from portal.escalations.operations.customer import (
    answer_survey,
    comment_on_escalation,
    complete_customer_step,
    request_escalation,
    set_notification_preference,
    set_subscription,
)
from portal.escalations.operations.lifecycle import (
    acknowledge_handoff,
    assign_communicator,
    change_severity,
    change_status,
    change_tier,
    open_escalation,
    transfer_ownership,
)
from portal.escalations.operations.plan import (
    add_exit_criterion,
    add_milestone,
    add_remediation_step,
    complete_milestone,
)
from portal.escalations.operations.tiers import (
    decline_escalation_requests,
    open_requests,
    recompute_priority,
)
from portal.escalations.operations.updates import post_update
from portal.operations import OperationError

__all__ = [
    "HandoffTemplate",
    "OperationError",
    "acknowledge_handoff",
    "add_exit_criterion",
    "add_milestone",
    "add_remediation_step",
    "answer_survey",
    "assign_communicator",
    "change_severity",
    "change_status",
    "change_tier",
    "comment_on_escalation",
    "complete_customer_step",
    "complete_milestone",
    "customer_saw_change",
    "decline_escalation_requests",
    "open_escalation",
    "open_requests",
    "post_update",
    "recompute_priority",
    "request_escalation",
    "set_notification_preference",
    "set_subscription",
    "transfer_ownership",
]
