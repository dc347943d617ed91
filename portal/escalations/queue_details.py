"""What a staff queue row shows beside its escalation: the next milestone not yet done, the
newest pending handoff and the oldest unanswered request for the next level, for a page of
escalations in one statement (a UNION ALL of the three, built once). Staff read internal
milestones too: the queue is never a customer's view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from portal.accounts.models import User
from portal.escalations.listing import NextMilestone
from portal.escalations.models import EscalationRequest, Handoff, Milestone
from portal.extensions import db


@dataclass(frozen=True)
class PendingHandoff:
    to_name: str
    to_user_id: int
    since: datetime


@dataclass(frozen=True)
class CustomerRequest:
    """The oldest unanswered request for the next level: who asked, and when."""
    requested_by: str
    since: datetime
    waiting: int  # how many people asked


@dataclass
class Details:
    """Per escalation id, what its row shows beside the escalation."""
    milestones: dict[int, NextMilestone]
    handoffs: dict[int, PendingHandoff]
    requests: dict[int, CustomerRequest]


_HANDOFF, _REQUEST, _MILESTONE = "h", "r", "m"


def _of_page(column, dialect: str):
    """`column` is one of the page's escalation ids (the parameter `ids`): on PostgreSQL one
    array parameter (a short statement, which psycopg parses once and prepares; fifty
    expanded parameters in each of three places are neither), elsewhere an expanding IN."""
    if dialect == "postgresql":
        return column == sa.any_(sa.cast(sa.bindparam("ids", type_=sa.String),
                                         postgresql.ARRAY(sa.Integer)))
    return column.in_(sa.bindparam("ids", expanding=True))


def _ids(ids: list[int], dialect: str):
    """The parameter `ids`: on PostgreSQL the array written out ("{1,2,3}", cast in the
    statement), which the driver sends as it is instead of checking each element."""
    return "{" + ",".join(map(str, ids)) + "}" if dialect == "postgresql" else list(ids)


#: The instants as the driver reads them (portal.sqltypes.UTCDateTime's work done in
#: `details_of`, for the rows' one column of them).
_INSTANT = sa.DateTime(timezone=True)


@cache
def _statement(dialect: str):
    """Built once per database kind (a statement is immutable; building it cost more than
    running it); the escalations are the parameter `ids`."""
    handoffs = (
        sa.select(Handoff.escalation_id.label("escalation_id"),
                  sa.literal_column(f"'{_HANDOFF}'").label("kind"),
                  Handoff.to_user_id.label("user_id"),
                  sa.type_coerce(Handoff.created_at, _INSTANT).label("at"),
                  User.name.label("name"))
        .join(User, User.id == Handoff.to_user_id)
        .where(_of_page(Handoff.escalation_id, dialect),
               Handoff.acknowledged_at.is_(None)))
    requests = (
        sa.select(EscalationRequest.escalation_id, sa.literal_column(f"'{_REQUEST}'"),
                  EscalationRequest.requested_by_id, EscalationRequest.created_at, User.name)
        .join(User, User.id == EscalationRequest.requested_by_id)
        .where(_of_page(EscalationRequest.escalation_id, dialect),
               EscalationRequest.handled_at.is_(None)))
    ranked = (
        sa.select(
            Milestone.escalation_id, Milestone.title, Milestone.due_at,
            sa.func.row_number().over(partition_by=Milestone.escalation_id,
                                      order_by=(Milestone.due_at, Milestone.id)).label("nth"))
        .where(_of_page(Milestone.escalation_id, dialect),
               Milestone.completed_at.is_(None))
        .subquery())
    milestones = (
        sa.select(ranked.c.escalation_id, sa.literal_column(f"'{_MILESTONE}'"),
                  sa.null(), ranked.c.due_at, ranked.c.title)
        .where(ranked.c.nth == 1))
    every = sa.union_all(handoffs, requests, milestones).subquery()
    return sa.select(every).order_by(every.c.kind, every.c.escalation_id, every.c.at)


def details_of(ids: list[int], run: Callable[[sa.Select, dict], Sequence[sa.Row]] | None = None
               ) -> Details:
    """The rows' details for escalations `ids` (one statement): per escalation, its next
    milestone (by due time), its newest pending handoff, and its oldest unanswered customer
    request with how many asked. `run` reads the statement's rows (the caller's reader, as
    portal.escalations.queue passes it; the session's execution when None)."""
    details = Details({}, {}, {})
    dialect = db.session.get_bind().dialect.name
    statement, parameters = _statement(dialect), {"ids": _ids(ids, dialect)}
    found = (run(statement, parameters) if run is not None
             else db.session.execute(statement, parameters).all())
    for escalation_id, kind, user_id, at, name in found:
        # UTCDateTime.process_result_value (never None here)
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        if kind == _MILESTONE:
            details.milestones[escalation_id] = NextMilestone(name, at)
        elif kind == _HANDOFF:  # oldest first: the last one kept is the newest
            details.handoffs[escalation_id] = PendingHandoff(name, user_id, at)
        else:  # oldest first: the first one kept, counted once per request
            first = details.requests.get(escalation_id)
            details.requests[escalation_id] = CustomerRequest(
                first.requested_by if first else name,
                first.since if first else at, first.waiting + 1 if first else 1)
    return details
