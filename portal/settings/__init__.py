"""Settings administrators change at runtime from the console: priority weights, thresholds,
delivery rules. Deploy-time configuration (database, SMTP, secrets) lives in `portal.config`.

A setting is one JSON value under a dotted key (`priority.weights`). Each domain declares its
keys and defaults next to the code that reads them; changes are audited with before/after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import audit
from portal.clock import now
from portal.extensions import db
from portal.sqltypes import UTCDateTime


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


def get_setting(key: str, default: Any = None) -> Any:
    """The stored value, or `default` when nobody has changed it."""
    row = db.session.get(Setting, key)
    return default if row is None else row.value


def set_setting(key: str, value: Any, *, actor) -> None:
    """Store a value in the caller's transaction and audit the change (the caller commits)."""
    row = db.session.get(Setting, key)
    before = None if row is None else row.value
    if row is None:
        row = Setting(key=key)
        db.session.add(row)
    row.value = value
    row.updated_by_id = getattr(actor, "id", None)
    audit.record("setting.changed", actor=actor, key=key, before=before, after=value)


# Keys read by more than one domain, with their defaults.
HANDOFF_ACKNOWLEDGE_MINUTES = ("handoffs.acknowledge_within_minutes", 30)
