"""The append-only audit log: who did what to which object, when, from where."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now
from portal.extensions import db
from portal.sqltypes import UTCDateTime


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(80))
    object_type: Mapped[str] = mapped_column(sa.String(40), default="")
    object_id: Mapped[int | None]
    ip_address: Mapped[str] = mapped_column(sa.String(64), default="")
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise PermissionError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise PermissionError("audit events are append-only")


def record(action: str, *, actor=None, obj=None, organization_id: int | None = None,
           **detail) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits with its change)."""
    if organization_id is None and obj is not None:
        organization_id = getattr(obj, "organization_id", None)
    if obj is not None and obj in db.session.new:
        db.session.flush()  # the event needs the new object's id
    entry = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        organization_id=organization_id,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        ip_address=(request.remote_addr or "") if has_request_context() else "",
        detail={k: v for k, v in detail.items() if v is not None},
    )
    db.session.add(entry)
    return entry


def _plain(value):
    """A JSON-safe rendering of a field value for before/after records."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "value") and isinstance(value.value, (int, str)):  # enums
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def snapshot(obj, fields) -> dict:
    """The named fields of an object, JSON-safe: take one before a change, one after."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record_change(action: str, *, actor, obj, before: dict, after: dict,
                  **detail) -> AuditEvent | None:
    """Audit an edit with the before and after values of the fields that changed (only those).
    Nothing is written when nothing changed. Never pass secrets (password hashes, tokens)."""
    changed = [name for name in after if before.get(name) != after[name]]
    if not changed:
        return None
    return record(action, actor=actor, obj=obj,
                  before={name: before.get(name) for name in changed},
                  after={name: after[name] for name in changed}, **detail)
