"""Set-based writes to the outbox, for sweeps that queue many notices at once.

Each row's `key` is unique, so two schedulers racing over the same due work insert every row
once: the loser's duplicates are dropped by the database (`ON CONFLICT (key) DO NOTHING`),
not by a read-then-write check that two processes could both pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from flask import g, has_app_context

from portal.clock import now
from portal.extensions import db
from portal.notices.audience import circles_of
from portal.notices.models import Channel, Notice, NoticeStatus
from portal.upsert import dialect_insert


def email_row(*, key: str, event: str, user_id: int, email: str, organization_id: int | None,
              template: str, context: dict, escalation_id: int | None = None, **extra) -> dict:
    """One email outbox row as a plain dict, every column a bulk INSERT needs."""
    at = now()
    return dict(key=key, event=event, channel=Channel.EMAIL, recipient=email,
                recipient_user_id=user_id, organization_id=organization_id,
                escalation_id=escalation_id, template=template, context=context, digest=False,
                status=NoticeStatus.PENDING, attempts=0, next_attempt_at=at, claimed_by="",
                last_error="", created_at=at, **extra)


def insert_ignoring_duplicates(rows: Sequence[dict]) -> int:
    """INSERT the rows in one statement; rows whose key exists already are skipped.
    Returns how many were inserted."""
    return len(insert_returning_keys(rows))


def insert_returning_keys(rows: Sequence[dict]) -> set[str]:
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING key: the keys of the rows this
    statement inserted, not those another process inserted first (SQLite ≥ 3.35, PostgreSQL)."""
    circles = circles_of(row.get("escalation_id") for row in rows)
    if circles:  # closed circles (a drill's participants) hear alone (portal.notices.audience)
        rows = [row for row in rows if row.get("escalation_id") not in circles
                or row.get("recipient_user_id") in circles[row["escalation_id"]]]
    if not rows:
        return set()
    statement = dialect_insert(Notice).on_conflict_do_nothing(index_elements=["key"]).returning(
        Notice.key)
    inserted: set[str] = set()
    for start in range(0, len(rows), 1000):
        chunk = list(rows[start:start + 1000])
        inserted.update(db.session.scalars(statement.values(chunk)))
    return inserted


@contextmanager
def keeping_viewer_zone() -> Iterator[None]:
    """Render an email inside a request (a preview) without leaving the recipient's timezone
    behind for the rest of the page (rendering sets `g.render_zone`)."""
    saved = g.get("render_zone") if has_app_context() else None
    try:
        yield
    finally:
        if has_app_context():
            if saved is None:
                g.pop("render_zone", None)
            else:
                g.render_zone = saved
