"""Two triage runs at once, for real (PostgreSQL, committed data, two connections): even
without the advisory lock that normally makes the second one skip, each escalation is
routed once — one triage row, one handoff, one email — because an assignment takes an
escalation only while it is still unowned."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import func, select

from portal import create_app
from portal.clock import frozen_at
from portal.config import TestConfig, settings_of
from portal.enums import Role, Trigger
from portal.escalations import operations as ops
from portal.escalations.models import Handoff
from portal.extensions import db
from portal.notices.models import Notice
from portal.oncall import triage
from portal.oncall.models import Team, TeamMember
from portal.oncall.triage_models import RoutingRule, TriageAssignment
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.pgschema import own_schema

NIGHT = datetime(2026, 11, 30, 2, 10, tzinfo=UTC)
ESCALATIONS = 8


@pytest.fixture
def postgres_url(database_url) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks across connections are PostgreSQL's; the PostgreSQL pass of "
                    "the suite runs this")
    return database_url


def test_two_runs_at_once_route_each_escalation_once(postgres_url, monkeypatch):
    """Both runs read the same new escalations before either writes; each is routed once."""
    monkeypatch.setattr(triage, "_TRY_LOCK", sa.text("SELECT true"))  # no lock: the race
    read_both = threading.Barrier(2, timeout=30)
    real_route = triage.route
    waited = threading.local()

    def route_after_both_read(rules, facts):
        if not getattr(waited, "done", False):
            waited.done = True
            read_both.wait()
        return real_route(rules, facts)

    monkeypatch.setattr(triage, "route", route_after_both_read)
    with own_schema(postgres_url, "triage_race") as url:
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context():
            upgrade()
            session = db.session()
            set_scope(session, Scope.unscoped("race setup"))
            world = factories.build_world()
            team = Team(name="Night desk", product_area="", timezone="UTC",
                        starts_on=date(2026, 11, 2),
                        members=[TeamMember(user_id=world.staff[Role.AGENT].id, position=0)])
            session.add(team)
            session.flush()
            session.add(RoutingRule(position=1, team_id=team.id))
            with frozen_at(NIGHT):
                for n in range(ESCALATIONS):
                    ops.open_escalation(world.org_a, actor=None, title=f"Race {n}",
                                        severity=2, trigger=Trigger.MONITORING_SIGNAL,
                                        handoff=factories.handoff_template())
            session.commit()
        errors: list[BaseException] = []

        def run():
            try:
                with app.app_context():
                    set_scope(db.session(), Scope.unscoped("race run"))
                    triage.triage_escalations(NIGHT + timedelta(minutes=1))
                    db.session.commit()
            except BaseException as error:  # the assertion below shows it
                errors.append(error)

        runs = [threading.Thread(target=run) for _ in range(2)]
        with frozen_at(NIGHT + timedelta(minutes=1)):
            for thread in runs:
                thread.start()
            for thread in runs:
                thread.join(timeout=60)
        assert errors == []
        with app.app_context():
            session = db.session()
            set_scope(session, Scope.unscoped("race check"))
            rows = session.scalar(select(func.count()).select_from(TriageAssignment))
            handoffs = session.scalar(select(func.count()).select_from(Handoff).where(
                Handoff.from_user_id.is_(None), Handoff.acknowledged_at.is_(None)))
            emails = session.scalar(select(func.count()).select_from(Notice).where(
                Notice.template == "oncall_triage"))
            session.close()
            db.engine.dispose()
    assert (rows, handoffs, emails) == (ESCALATIONS, ESCALATIONS, ESCALATIONS)
