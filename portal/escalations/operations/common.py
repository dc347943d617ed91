"""What every escalation operation shares: the handoff template, timeline entries, the
priority settings, and the stamp that tells customers' dashboards something they can see has
changed. (Refusals are `portal.operations.OperationError`, shared by every domain.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context

from portal.accounts.models import User
from portal.clock import now
from portal.enums import Trigger, UpdateKind, Visibility
from portal.escalations.audiences import subscribers_of, vendor_contacts
from portal.escalations.due import refresh_due_instants
from portal.escalations.models import Escalation, Handoff, Update
from portal.escalations.priority import (
    THRESHOLD_SETTING,
    WEIGHTS_SETTING,
    usable_weights,
)
from portal.escalations.promises import counts_as_update
from portal.extensions import db
from portal.notices.events import topic_of
from portal.notices.operations import enqueue_emails, enqueue_webhooks
from portal.operations import OperationError
from portal.settings import get_setting


@dataclass(frozen=True)
class HandoffTemplate:
    """What the receiver needs to pick the escalation up without asking."""

    summary: str
    customer_impact: str
    steps_taken: str
    environment: str
    reason: Trigger
    reason_detail: str = ""

    def check(self) -> None:
        for name in ("summary", "customer_impact", "steps_taken", "environment"):
            if not getattr(self, name).strip():
                raise OperationError("This part of the handoff template is required.", name)


def require_staff(actor: User | None) -> None:
    if actor is not None and not actor.is_staff:
        raise PermissionError("only staff may do this")


def priority_weights() -> dict[str, int]:
    """The weights administrators set (Priority page), else the deployment's, else defaults."""
    key, default = WEIGHTS_SETTING
    configured = current_app.config.get("PRIORITY_WEIGHTS") if has_app_context() else None
    return usable_weights(get_setting(key, configured or default))


def senior_threshold() -> int:
    """The score from which an escalation needs senior involvement (Priority page)."""
    key, default = THRESHOLD_SETTING
    return int(get_setting(key, default))


def new_handoff(escalation, from_user, to_user, template: HandoffTemplate, *, at) -> Handoff:
    # Taking an escalation yourself needs no acknowledgement.
    self_assigned = from_user is not None and from_user.id == to_user.id
    return Handoff(
        organization_id=escalation.organization_id,
        escalation=escalation,
        from_user=from_user,
        to_user=to_user,
        summary=template.summary.strip(),
        customer_impact=template.customer_impact.strip(),
        steps_taken=template.steps_taken.strip(),
        environment=template.environment.strip(),
        reason=template.reason,
        reason_detail=template.reason_detail.strip(),
        created_at=at,
        acknowledged_at=at if self_assigned else None,
    )


def add_timeline_entry(escalation: Escalation, *, author: User | None, kind: UpdateKind,
                       visibility: Visibility, body: str, at: datetime | None = None,
                       next_update_by: datetime | None = None) -> Update:
    """Add a timeline entry. A customer-visible one changes what customers see and tells
    them: subscribers get the vendor's entries (now or in their digest), the owner and the
    communicator get the customer's comments."""
    update = Update(
        organization_id=escalation.organization_id,
        escalation_id=escalation.id,
        author=author,
        kind=kind,
        visibility=visibility,
        body=body,
        created_at=at or now(),
        next_update_by=next_update_by,
    )
    db.session.add(update)
    if visibility == Visibility.CUSTOMER:
        db.session.flush()
        customer_saw_change(escalation, update.created_at)
        if counts_as_update(update):  # the queue's "since the last update"
            escalation.last_customer_update_at = update.created_at
        _announce(escalation, update)
    if visibility == Visibility.CUSTOMER or kind != UpdateKind.NOTE:
        refresh_due_instants(escalation)  # an internal note is no input of any SLA clock
    return update


def _announce(escalation: Escalation, update: Update) -> None:
    context = {"escalation_id": escalation.id, "reference": escalation.reference,
               "title": escalation.title, "update_id": update.id, "kind": update.kind.value}
    if update.kind == UpdateKind.CUSTOMER_COMMENT:
        enqueue_emails(f"customer_comment:{update.id}", vendor_contacts(escalation),
                       template="customer_comment", context=context,
                       escalation_id=escalation.id)
        return
    enqueue_emails(f"update:{update.id}", subscribers_of(escalation),
                   template="escalation_update", context=context, escalation_id=escalation.id,
                   respect_digest=True)
    author = update.author.name if update.author else "Clearpath"
    enqueue_webhooks(
        f"update:{update.id}", organization_id=escalation.organization_id,
        escalation_id=escalation.id, topic=topic_of(update.kind.value),
        text=f"[{escalation.reference}] {escalation.title}: {author} posted an update.",
        payload={
            "escalation": {"reference": escalation.reference, "title": escalation.title,
                           "severity": escalation.severity, "status": escalation.status.value,
                           "tier": escalation.tier.value},
            "update": {"kind": update.kind.value, "author": author, "body": update.body,
                       "created_at": update.created_at.isoformat(),
                       "next_update_by": update.next_update_by.isoformat()
                       if update.next_update_by else None},
        },
    )


def customer_saw_change(escalation: Escalation, at: datetime | None = None) -> None:
    """Record that something customers can see changed (drives their ETag and highlight)."""
    escalation.customer_changed_at = at or now()
