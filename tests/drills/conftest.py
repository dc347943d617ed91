"""Drill fixtures: a scenario with a canary in every text, and a drill started from it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.clock import frozen_at
from portal.drills import operations as drills
from portal.drills.models import Drill, DrillScenario
from portal.enums import Role
from tests.api.conftest import issue  # noqa: F401  (fixtures)
from tests.feeds.conftest import feed_token  # noqa: F401
from tests.notices.conftest import smtp_server, webhook_receiver  # noqa: F401

DRILL_CANARY = "DRILLCANARY-7f3e9a"
START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday morning
SCRIPT = [
    {"minute": 2, "kind": "customer_comment", "text": f"Any news? {DRILL_CANARY} comment"},
    {"minute": 5, "kind": "monitoring_alert", "text": f"p99 above 4 s {DRILL_CANARY} alert"},
    {"minute": 9, "kind": "severity_raised", "text": f"Every region now {DRILL_CANARY}"},
]


def scenario_settings(world, **overrides) -> drills.ScenarioSettings:
    values = {"name": "Checkout outage", "organization_id": world.org_a.id,
              "title": f"Checkout failing {DRILL_CANARY}", "severity": 3,
              "product_area": "Checkout", "summary": f"Payments time out {DRILL_CANARY}",
              "customer_impact": f"No orders {DRILL_CANARY}", "script": SCRIPT}
    values.update(overrides)
    return drills.ScenarioSettings(**values)


@pytest.fixture
def scenario_id(world, as_staff) -> int:
    with as_staff() as session:
        manager = session.merge(world.staff[Role.ESCALATION_MANAGER])
        scenario = drills.create_scenario(scenario_settings(world), actor=manager)
        session.flush()
        return scenario.id


@pytest.fixture
def start_drill(world, as_staff, scenario_id):
    """`start_drill(at=START)` → (drill id, escalation id): the manager starts the scenario
    with the agent owning it."""

    def start(at: datetime = START, owner_role: Role = Role.AGENT) -> tuple[int, int]:
        with frozen_at(at), as_staff() as session:
            manager = session.merge(world.staff[Role.ESCALATION_MANAGER])
            owner = session.merge(world.staff[owner_role])
            drill = drills.start_drill(session.get(DrillScenario, scenario_id),
                                       participants=[owner], owner=owner, actor=manager)
            session.flush()
            return drill.id, drill.escalation_id

    return start


def drill_row(session, drill_id: int) -> Drill:
    return session.get(Drill, drill_id)


def work_the_drill(world, as_staff, escalation_id: int, *, at: datetime,
                   body: str = f"We are on it. {DRILL_CANARY} draft") -> None:
    """The owner (the agent) acknowledges the handoff, posts a customer update (drafted: in a
    drill it never leaves the building) and an internal note, and acknowledges the status."""
    from sqlalchemy import select

    from portal.enums import Status, Visibility
    from portal.escalations import operations as ops
    from portal.escalations.models import Escalation, Handoff

    with frozen_at(at), as_staff() as session:
        agent = session.merge(world.staff[Role.AGENT])
        escalation = session.get(Escalation, escalation_id)
        handoff = session.scalar(select(Handoff).where(Handoff.escalation_id == escalation_id,
                                                       Handoff.acknowledged_at.is_(None)))
        ops.acknowledge_handoff(handoff, actor=agent)
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent,
                          reason=f"Looking now {DRILL_CANARY}")
        ops.post_update(escalation, author=agent, body=body, visibility=Visibility.CUSTOMER)
        ops.post_update(escalation, author=agent, body=f"Internal {DRILL_CANARY}",
                        visibility=Visibility.INTERNAL)


def end(world, as_staff, drill_id: int, *, at: datetime) -> None:
    with frozen_at(at), as_staff() as session:
        drills.end_drill(session.get(Drill, drill_id),
                         actor=session.merge(world.staff[Role.ESCALATION_MANAGER]))
