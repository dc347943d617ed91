"""The append-only audit log: who did what to which object, when, from where."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now
from portal.extensions import db
from portal.sqltypes import UTCDateTime
from portal.tenancy import refuse_direct_write


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    # The staff analytics read one action's events by time (tier changes: portal.analytics).
    __table_args__ = (sa.Index("ix_audit_events_action_at", "action", "at"),)

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
    entry = AuditEvent(**_row(
        action, actor=actor, organization_id=organization_id,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None), detail=detail))
    db.session.add(entry)
    return entry


# A non-user actor (a monitoring integration) on whose behalf the operations inside
# `acting_as` run: they record `actor=None` as every automatic action does, and the event
# names who acted in its detail, so no operation needs a second kind of actor parameter.
_acting_as: ContextVar[dict | None] = ContextVar("audit_acting_as", default=None)


@contextmanager
def acting_as(kind: str, id: int, name: str) -> Iterator[None]:
    """Attribute the events recorded inside without a user actor to `kind` `id` (`name`),
    as detail["acting_as"]; the audit log shows that name where it would say "System"."""
    token = _acting_as.set({"kind": kind, "id": id, "name": name})
    try:
        yield
    finally:
        _acting_as.reset(token)


_INSERT = AuditEvent.__table__.insert()


def append(action: str, *, actor=None, organization_id: int | None = None,
           object_type: str = "", object_id: int | None = None, **detail) -> None:
    """`record()` for a request that changes nothing else (a report download): one INSERT
    at once, without the unit of work (its flush was a quarter of a cached download's
    time), the object named by type and id rather than loaded. The caller commits.
    Refused in a read-only (preview) session, as a flush would be."""
    session = db.session()
    refuse_direct_write(session)
    # On the session's connection (its transaction), not through the ORM: an INSERT of an
    # unowned row loads no entity, so the tenancy criteria have nothing to add.
    session.connection().execute(_INSERT, _row(
        action, actor=actor, organization_id=organization_id, object_type=object_type,
        object_id=object_id, detail=detail) | {"at": now()})


def _row(action: str, *, actor, organization_id, object_type, object_id, detail) -> dict:
    acting = _acting_as.get() if actor is None else None
    if acting is not None:
        detail = {**detail, "acting_as": acting}
    return {
        "action": action,
        "actor_id": getattr(actor, "id", None),
        "organization_id": organization_id,
        "object_type": object_type,
        "object_id": object_id,
        "ip_address": (request.remote_addr or "") if has_request_context() else "",
        "detail": _without_secrets({k: v for k, v in detail.items() if v is not None}
                                   | _request_detail()),
    }


def _request_detail() -> dict:
    """What the request adds to each of its events: the API token a write was made with
    (`g.audit_detail`, set by portal.api.authentication)."""
    return dict(g.get("audit_detail") or {}) if has_request_context() else {}


# Keys whose values never enter the log, at any depth (a before/after included).
SECRET_KEYS = frozenset({"password", "password_hash", "new_password", "token", "secret",
                         "api_key", "csrf_token", "session_version"})
REDACTED = "[redacted]"


def _without_secrets(value):
    """The detail with every secret-named value replaced: a safety net under the rule."""
    if isinstance(value, dict):
        return {key: REDACTED if str(key).lower() in SECRET_KEYS else _without_secrets(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


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


# ------------------------------------------------------------------ reading the log

@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str = ""  # a prefix: "user." or "escalation.status"
    object_type: str = ""
    object_id: int | None = None
    organization_id: int | None = None
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC


def audit_events(filters: AuditFilter = AuditFilter()):
    """Audit events matching the filters, newest first (a `select()` to paginate)."""
    query = sa.select(AuditEvent)
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        escaped = (filters.action.replace("\\", "\\\\").replace("%", "\\%")
                   .replace("_", "\\_"))
        query = query.where(AuditEvent.action.like(f"{escaped}%", escape="\\"))
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.organization_id is not None:
        query = query.where(AuditEvent.organization_id == filters.organization_id)
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at < filters.until)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def object_types():
    """The object types the log mentions, for the filter's choices (a `select()`)."""
    return (sa.select(AuditEvent.object_type).where(AuditEvent.object_type != "")
            .distinct().order_by(AuditEvent.object_type))


def changes_in(detail: dict | None) -> tuple[list[tuple[str, object, object, bool]], dict]:
    """What an event changed, as (field, before, after, had_before) rows, and its other details.

    Reads the before/after dicts `record_change` writes, and the from_<field>/to_<field> pairs
    older operations record, so the log shows every change the same way.
    """
    detail = dict(detail or {})
    rows: list[tuple[str, object, object, bool]] = []
    before, after = detail.pop("before", None), detail.pop("after", None)
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before or {}, after or {}
        for name in [*after, *(key for key in before if key not in after)]:
            rows.append((name, before.get(name), after.get(name), name in before))
    elif before is not None or after is not None:  # a single value (settings)
        rows.append(("value", before, after, before is not None))
    for key in [key for key in detail if key.startswith("to_")]:
        name = key[3:]
        if f"from_{name}" in detail:
            rows.append((name, detail.pop(f"from_{name}"), detail.pop(key), True))
    return rows, detail
