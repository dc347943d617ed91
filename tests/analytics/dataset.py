"""A seeded half-year of escalation work for the analytics tests: two organizations, owners,
severities and product areas; acknowledgements, resolutions, reopens, tier moves up and down,
customer updates with "next update by" promises (kept and broken), survey answers, recorded SLA
breaches and ticket volumes — made through the real operations at frozen instants."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from portal.analytics.operations import record_ticket_volume
from portal.clock import frozen_at
from portal.enums import Role, Status, Tier, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Handoff
from portal.escalations.workflow import TIER_ORDER
from portal.extensions import db
from portal.rules.models import SlaBreach
from tests import factories

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
SINCE, UNTIL = "2026-01", "2026-06"
MONTHS = [f"2026-{month:02d}" for month in range(1, 7)]
START = datetime(2026, 1, 1, tzinfo=UTC)
MIN, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
AREAS = ("Payments", "Identity", "")


@dataclass
class Seeded:
    escalation_ids: list[int]


def _at(instant: datetime, action):
    with frozen_at(instant):
        done = action()
        db.session.flush()  # rows whose time is a column default take this instant
        return done


def seed_half_year(world, *, count: int = 36, seed: int = 18) -> Seeded:
    """`count` escalations opened from 3 January 2026, one every ~4.5 days (inside an unscoped
    session; the caller commits)."""
    rng = random.Random(seed)
    agent = db.session.get(type(world.staff[Role.AGENT]), world.staff[Role.AGENT].id)
    manager = db.session.get(type(agent), world.staff[Role.ESCALATION_MANAGER].id)
    orgs = [
        db.session.get(type(world.org_a), world.org_a.id),
        db.session.get(type(world.org_b), world.org_b.id),
    ]
    viewers = {
        orgs[0].id: db.session.get(type(agent), world.customers_a[Role.VIEWER].id),
        orgs[1].id: db.session.get(type(agent), world.customers_b[Role.VIEWER].id),
    }
    ids = []
    for i in range(count):
        org = orgs[i % 2 if rng.random() < 0.8 else 0]
        opened = (
            START
            + timedelta(days=2, hours=9)
            + i * timedelta(hours=108)
            + rng.randrange(0, 600) * MIN
        )
        owner = agent if rng.random() < 0.6 else manager
        escalation = _at(
            opened,
            lambda org=org, owner=owner: factories.make_escalation(
                org,
                actor=agent,
                owner=owner,
                severity=rng.randint(1, 4),
                product_area=rng.choice(AREAS),
            ),
        )
        ids.append(escalation.id)
        t = opened
        # A promise at opening: kept (an update follows in time) or not.
        promise = t + rng.randrange(1, 8) * HOUR
        _at(
            t + 2 * MIN,
            lambda e=escalation, p=promise: ops.post_update(
                e,
                author=agent,
                visibility=Visibility.CUSTOMER,
                body="We are on it.",
                next_update_by=p,
            ),
        )
        if owner is manager:  # given to the manager: assigned when they acknowledge
            handoff = db.session.scalars(select(Handoff).where(
                Handoff.escalation_id == escalation.id)).one()
            _at(
                opened + ((i % 7) + 1) * 9 * MIN,
                lambda h=handoff: ops.acknowledge_handoff(h, actor=manager),
            )
        if rng.random() < 0.15:
            continue  # never acknowledged
        t += rng.randrange(5, 400) * MIN
        _at(t, lambda e=escalation: ops.change_status(e, Status.ACKNOWLEDGED, actor=agent))
        t += 10 * MIN
        _at(t, lambda e=escalation: ops.change_status(e, Status.INVESTIGATING, actor=agent))
        if rng.random() < 0.6:
            follow = promise + (rng.choice((-1, 1)) * rng.randrange(10, 120)) * MIN
            follow = max(follow, t + MIN)
            t = follow
            _at(
                t,
                lambda e=escalation, t=t: ops.post_update(
                    e,
                    author=agent,
                    visibility=Visibility.CUSTOMER,
                    body="Still on it.",
                    next_update_by=t + rng.randrange(2, 30) * HOUR,
                ),
            )
        if rng.random() < 0.45:
            t += rng.randrange(1, 20) * HOUR
            _at(
                t,
                lambda e=escalation: ops.change_tier(
                    e, Tier.L2, actor=agent, reason="Needs engineering."
                ),
            )
            if rng.random() < 0.5:
                t += rng.randrange(1, 30) * HOUR
                _at(
                    t,
                    lambda e=escalation: ops.change_tier(
                        e, Tier.L3, actor=agent, reason="Needs the core team."
                    ),
                )
                if rng.random() < 0.4:
                    t += rng.randrange(1, 30) * HOUR
                    _at(
                        t,
                        lambda e=escalation: ops.change_tier(
                            e, Tier.MANAGEMENT, actor=agent, reason="Customer's CIO called."
                        ),
                    )
            if rng.random() < 0.5:
                t += rng.randrange(1, 30) * HOUR
                _at(
                    t,
                    lambda e=escalation: ops.change_tier(
                        e,
                        TIER_ORDER[TIER_ORDER.index(e.tier) - 1],
                        actor=agent,
                        reason="Workaround in place.",
                    ),
                )
        if rng.random() < 0.25:
            t += rng.randrange(1, 5) * HOUR
            _at(
                t,
                lambda e=escalation: ops.post_update(
                    e, author=agent, visibility=Visibility.INTERNAL, body="internal only"
                ),
            )
        if rng.random() < 0.3 or t > NOW - 3 * DAY:
            continue  # still open
        t += rng.randrange(2, 240) * HOUR
        if t >= NOW:
            continue
        _at(
            t,
            lambda e=escalation: ops.change_status(
                e, Status.RESOLVED, actor=agent, resolution_summary="Fixed."
            ),
        )
        if rng.random() < 0.3:
            kind = "acknowledge" if rng.random() < 0.5 else "resolve"
            db.session.add(
                SlaBreach(
                    organization_id=org.id,
                    escalation_id=escalation.id,
                    clock=kind,
                    due_at=opened + HOUR,
                    recorded_at=opened + HOUR,
                    outcome="none",
                )
            )
            if rng.random() < 0.3:
                db.session.add(
                    SlaBreach(
                        organization_id=org.id,
                        escalation_id=escalation.id,
                        clock="resolve",
                        due_at=opened + 2 * HOUR,
                        recorded_at=opened + 2 * HOUR,
                        outcome="none",
                    )
                )
        if rng.random() < 0.7 and t + DAY < NOW:
            _at(
                t + DAY,
                lambda e=escalation, org=org: ops.answer_survey(
                    e, user=viewers[org.id], score=rng.randint(1, 5)
                ),
            )
        if rng.random() < 0.25 and t + 2 * DAY < NOW:
            t += 2 * DAY
            _at(
                t,
                lambda e=escalation: ops.change_status(
                    e, Status.INVESTIGATING, actor=agent, reason="It came back."
                ),
            )
            t += rng.randrange(2, 48) * HOUR
            if t < NOW:
                _at(
                    t,
                    lambda e=escalation: ops.change_status(
                        e, Status.RESOLVED, actor=agent, resolution_summary="Fixed again."
                    ),
                )
    with frozen_at(NOW):
        for org, month, tickets in (
            (orgs[0], date(2026, 2, 1), 120),
            (orgs[0], date(2026, 3, 1), 95),
            (orgs[0], date(2026, 4, 1), 140),
            (orgs[1], date(2026, 3, 1), 60),
        ):
            record_ticket_volume(org, month, tickets, actor=manager)
    db.session.flush()
    return Seeded(ids)
