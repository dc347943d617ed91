"""Severity history: every change is stored with its time, and migration 0016 recovered it for
escalations that existed before (from the timeline's severity-change entries)."""

from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.clock import frozen_at
from portal.config import TestConfig, settings_of
from portal.enums import Role
from portal.escalations import operations as ops
from portal.escalations.clocks import severity_at
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.pgschema import own_schema

OPENED = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def _history(connection) -> list[tuple]:
    return [(row.severity, row.changed_at if isinstance(row.changed_at, str)
             else row.changed_at.astimezone(UTC).isoformat(" ", "seconds"))
            for row in connection.execute(sa.text(
                "SELECT severity, changed_at FROM severity_changes ORDER BY changed_at, id"))]


def test_every_severity_change_is_stored_with_its_time(staff_session):
    agent = factories.make_staff(Role.AGENT)
    with frozen_at(OPENED):
        escalation = factories.make_escalation(factories.make_organization(), actor=agent,
                                               severity=3)
    with frozen_at(OPENED + timedelta(hours=3)):
        ops.change_severity(escalation, 1, actor=agent, reason="Every payment fails.")
    staff_session.flush()
    assert [(c.severity, c.changed_at, c.actor_id) for c in escalation.severity_history] == [
        (3, OPENED, agent.id), (1, OPENED + timedelta(hours=3), agent.id)]
    assert severity_at(escalation, OPENED + timedelta(minutes=30)) == 3
    assert severity_at(escalation, OPENED + timedelta(hours=3)) == 1


def test_the_migration_recovers_history_from_the_timeline(database_url, tmp_path):
    """Rows from before the table: the opening severity and each change come back from the
    severity-change entries; an escalation never changed keeps its severity from opening."""
    with ExitStack() as stack:
        url = (stack.enter_context(own_schema(database_url, "severity_backfill"))
               if database_url.startswith("postgresql")
               else f"sqlite:///{tmp_path / 'backfill.sqlite3'}")
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context():
            upgrade()
            set_scope(db.session(), Scope.unscoped("test setup"))
            agent = factories.make_staff(Role.AGENT)
            org = factories.make_organization()
            with frozen_at(OPENED):
                changed = factories.make_escalation(org, actor=agent, severity=3)
                factories.make_escalation(org, actor=agent, severity=2)
            for hours, severity in ((2, 1), (5, 2)):
                with frozen_at(OPENED + timedelta(hours=hours)):
                    ops.change_severity(changed, severity, actor=agent, reason="Impact moved.")
            db.session.commit()
            with db.engine.connect() as connection:
                written = _history(connection)
            downgrade(revision="0015")
            upgrade()
            with db.engine.connect() as connection:
                assert _history(connection) == written
                assert len(written) == 4
            db.session.remove()
            db.engine.dispose()
