from datetime import timedelta

from sqlalchemy import select

from portal.clock import frozen_at
from portal.drills.jobs import run_drills
from portal.escalations.models import Escalation, Update
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests.drills.conftest import DRILL_CANARY, START


def test_smoke(app, world, as_staff, start_drill):
    drill_id, escalation_id = start_drill()
    with frozen_at(START + timedelta(minutes=10)), as_staff():
        assert run_drills() == 3
        assert run_drills() == 0
    with app.app_context():
        set_scope(db.session(), Scope.organization(world.org_a.id))
        assert db.session.get(Escalation, escalation_id) is None
        assert db.session.get(Escalation, world.escalation_a.id) is not None
        bodies = db.session.scalars(select(Update.body)).all()
        assert bodies and not any(DRILL_CANARY in b for b in bodies)
    with as_staff() as session:
        assert len(session.scalars(select(Update).where(
            Update.escalation_id == escalation_id)).all()) >= 3
