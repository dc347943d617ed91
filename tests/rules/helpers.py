"""Shared helpers for the rules tests: a fixed Monday morning, and reading the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import select

from portal.clock import frozen_at
from portal.extensions import db
from portal.notices.models import Notice
from portal.rules.jobs import evaluate_rules
from tests.querycount import counted_queries

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


counted_statements = partial(counted_queries, kinds=None)  # every statement
