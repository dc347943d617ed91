"""A drill's SLA alerts page the person on call only when they take part in the drill, and a
drill's pages never count in the on-call load figures."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.analytics.oncall_load import oncall_load
from portal.clock import frozen_at
from portal.drills import operations as drills
from portal.enums import Role
from portal.extensions import db
from portal.oncall.pages import OncallPage
from tests import factories
from tests.drills.conftest import START, scenario_settings
from tests.oncall.paging import holiday, london_team, page_emails, sweep


def test_a_drill_pages_only_its_participants_and_never_counts_in_on_call_load(staff_session,
                                                                              world):
    manager = db.session.get(type(world.staff[Role.AGENT]), world.staff[Role.ESCALATION_MANAGER].id)
    agent = db.session.get(type(manager), world.staff[Role.AGENT].id)
    outsider = factories.make_staff(name="Not In The Drill")
    team = london_team([outsider], starts_on=date(2026, 11, 2))
    scenario = drills.create_scenario(
        scenario_settings(world, severity=1, product_area=""), actor=manager)
    with frozen_at(START):
        drill = drills.start_drill(scenario, participants=[agent], owner=agent, actor=manager)
    db.session.flush()
    escalation_id = drill.escalation_id

    sweep(START + timedelta(minutes=20))  # breached: the outsider is on call
    assert page_emails(escalation_id) == []
    assert db.session.scalars(select(OncallPage).where(
        OncallPage.escalation_id == escalation_id)).all() == []

    holiday(team, agent, START + timedelta(minutes=21), START + timedelta(hours=2), by=manager)
    sweep(START + timedelta(minutes=25))  # the participant covers now: they practise it
    assert [who for _, who in page_emails(escalation_id)] == [agent.email]
    assert [load for load in oncall_load(date(2026, 11, 1), date(2026, 11, 30))
            if load.pages] == []
