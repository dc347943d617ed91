"""Until when the sweeps have looked: the next sweep reads only what passed or changed since
(with an overlap), so a sweep every minute stays cheap however many instants lie in the past.

Machine state, not an administrator's setting: stored in the settings table under its own key,
never audited and not shown on the rules page. Without it (a first run, or after it is
deleted) a sweep reads everything, which the outbox keys make harmless.
"""

from __future__ import annotations

from datetime import datetime

from portal.extensions import db
from portal.settings import Setting

SWEPT_UNTIL = "rules.swept_until"


def swept_until() -> datetime | None:
    row = db.session.get(Setting, SWEPT_UNTIL)
    return None if row is None else datetime.fromisoformat(row.value)


def mark_swept(at: datetime) -> None:
    row = db.session.get(Setting, SWEPT_UNTIL)
    if row is None:
        row = Setting(key=SWEPT_UNTIL)
        db.session.add(row)
    row.value = at.isoformat()
