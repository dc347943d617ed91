"""What the demo world adds for the staff analytics (called by portal.demo.seed_demo): the
monthly ticket volumes of its organizations, survey answers on resolved escalations, and the
SLA breaches the rules sweep would have recorded while those escalations ran."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.analytics.filters import month_start, next_month
from portal.analytics.operations import record_ticket_volume
from portal.clock import frozen_at
from portal.enums import Role, Status
from portal.escalations.clocks import clocks_for
from portal.escalations.models import Escalation
from portal.escalations.operations.customer import answer_survey
from portal.extensions import db
from portal.rules.models import SlaBreach

SEED = 1809
TICKETS_PER_MONTH = (380, 240, 150)  # by organization, largest account first
SCORES = (5, 5, 5, 4, 4, 4, 4, 3, 2)


def seed_demo_analytics(
    organizations: list[Organization], *, recorder: User, start: datetime
) -> None:
    """Add the analytics' inputs to the demo organizations' history, as of `start`."""
    rng = random.Random(SEED)
    resolved = db.session.scalars(
        select(Escalation)
        .where(
            Escalation.organization_id.in_([org.id for org in organizations]),
            Escalation.status.in_((Status.RESOLVED, Status.CLOSED)),
        )
        .order_by(Escalation.id)
    ).all()
    for escalation in resolved:
        _record_missed_clocks(escalation, start)
        _answer_survey(escalation, rng, start)
    first = db.session.scalar(
        select(Escalation.opened_at)
        .where(Escalation.organization_id.in_([org.id for org in organizations]))
        .order_by(Escalation.opened_at)
        .limit(1)
    )
    if first is not None:
        _ticket_volumes(organizations, recorder, rng, first, start)


def _record_missed_clocks(escalation: Escalation, start: datetime) -> None:
    clocks = clocks_for(escalation, at=start)
    for name, clock in (("acknowledge", clocks.acknowledge), ("resolve", clocks.resolve)):
        if clock.state == "missed" and clock.due_at is not None:
            db.session.add(
                SlaBreach(
                    organization_id=escalation.organization_id,
                    escalation_id=escalation.id,
                    clock=name,
                    due_at=clock.due_at,
                    recorded_at=clock.due_at,
                    handled_at=clock.due_at,
                    outcome="none",
                )
            )


def _answer_survey(escalation: Escalation, rng: random.Random, start: datetime) -> None:
    if rng.random() < 0.2:
        return  # not every customer answers
    customer = db.session.scalar(
        select(User)
        .where(
            User.organization_id == escalation.organization_id,
            User.role.in_((Role.EXECUTIVE, Role.VIEWER)),
        )
        .order_by(User.role, User.id)
    )
    answered = min(
        escalation.resolved_at + timedelta(hours=rng.randint(3, 40)), start - timedelta(minutes=5)
    )
    with frozen_at(answered):
        answer_survey(escalation, user=customer, score=rng.choice(SCORES))
        db.session.flush()


def _ticket_volumes(organizations, recorder, rng, first: datetime, start: datetime) -> None:
    months = []
    month = month_start(first.strftime("%Y-%m"))
    while month <= start.date():
        months.append(month)
        month = next_month(month)
    ordered = sorted(organizations, key=lambda org: -(org.annual_revenue or 0))
    with frozen_at(start):
        for org, base in zip(ordered, TICKETS_PER_MONTH, strict=False):
            for month in months:
                elapsed = 1.0
                if month == months[-1]:
                    elapsed = max(start.day / 30, 0.1)  # the month so far
                tickets = round(base * rng.uniform(0.85, 1.15) * elapsed)
                record_ticket_volume(org, month, tickets, actor=recorder)
        db.session.flush()
