"""Timeline updates, and the notices they send."""

from __future__ import annotations

from datetime import datetime

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.enums import UpdateKind, Visibility
from portal.escalations.models import Escalation, Update
from portal.escalations.operations.common import (
    OperationError,
    add_timeline_entry,
)
from portal.extensions import db


def post_update(escalation: Escalation, *, author: User, body: str, visibility: Visibility,
                next_update_by: datetime | None = None, kind: UpdateKind = UpdateKind.NOTE,
                at: datetime | None = None) -> Update:
    """Add an entry to the timeline.

    Customers may only post customer-visible comments on their own escalations. Raises
    OperationError for an empty body or a "next update by" commitment in the past.
    """
    if not body.strip():
        raise OperationError("Write something before posting.", "body")
    if not author.is_staff:
        own = author.organization_id == escalation.organization_id
        if visibility != Visibility.CUSTOMER or not own:
            raise PermissionError("customers comment customer-visibly on their own escalations")
        kind = UpdateKind.CUSTOMER_COMMENT
    if next_update_by is not None:
        if visibility != Visibility.CUSTOMER:
            raise OperationError("Only customer-visible updates promise a next update.",
                                 "next_update_by")
        if next_update_by <= (at or now()):
            raise OperationError("The next update must be promised for a time in the future.",
                                 "next_update_by")
    update = add_timeline_entry(escalation, author=author, kind=kind, visibility=visibility,
                       body=body.strip(), at=at, next_update_by=next_update_by)
    db.session.flush()
    audit.record("update.posted", actor=author, obj=update, escalation_id=escalation.id,
                 visibility=visibility.value)
    return update
