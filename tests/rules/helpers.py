"""Shared helpers for the rules tests: a fixed Monday morning, and reading the outbox."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from portal.clock import frozen_at
from portal.escalations.jobs import evaluate_rules
from portal.extensions import db
from portal.notices.models import Notice

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def sweep_at(n: float) -> dict[str, int]:
    """Evaluate every rule n minutes after T0, on the one clock."""
    at = minutes(n)
    with frozen_at(at):
        return evaluate_rules(at)


def outbox(*events: str) -> list[tuple[str, str]]:
    """(event, recipient email) of queued notices, optionally of some events only."""
    query = select(Notice.event, Notice.recipient).order_by(Notice.id)
    if events:
        query = query.where(Notice.event.in_(events))
    return [tuple(row) for row in db.session.execute(query)]


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
