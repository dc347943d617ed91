"""Migration 0030 (drills): it upgrades, downgrades and upgrades again on this database, in
place: escalations and every row hanging from them survive both ways."""

from contextlib import ExitStack

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.config import TestConfig, settings_of
from portal.enums import Role
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.pgschema import own_schema

TABLES = {"drill_scenarios", "drills", "drill_participants", "drill_injections"}


def _tables() -> set[str]:
    with db.engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names())


def _escalation_columns() -> set[str]:
    with db.engine.connect() as connection:
        return {c["name"] for c in sa.inspect(connection).get_columns("escalations")}


def _counts() -> list[int]:
    with db.engine.connect() as connection:
        return [connection.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar()
                for name in ("escalations", "status_changes", "severity_changes", "handoffs")]


def test_drills_migrate_up_and_down_keeping_every_escalation(database_url, tmp_path):
    """Downgrading to 0027 drops the drill tables and escalations.is_drill, and keeps every
    escalation with its history; upgrading makes them again, existing rows not drills."""
    with ExitStack() as stack:
        url = (stack.enter_context(own_schema(database_url, "drills"))
               if database_url.startswith("postgresql")
               else f"sqlite:///{tmp_path / 'drills.sqlite3'}")
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context():
            upgrade(revision="0030")
            set_scope(db.session(), Scope.unscoped("test setup"))
            agent = factories.make_staff(Role.AGENT)
            factories.make_escalation(factories.make_organization(), actor=agent, owner=agent)
            db.session.commit()
            assert _tables() >= TABLES and "is_drill" in _escalation_columns()
            before = _counts()
            assert before[0] == 1 and all(before)
            downgrade(revision="0027")
            assert not TABLES & _tables() and "is_drill" not in _escalation_columns()
            assert _counts() == before
            upgrade(revision="0030")
            assert _tables() >= TABLES and _counts() == before
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql(
                    "SELECT count(*) FROM escalations WHERE is_drill").scalar() == 0
            db.session.remove()
            db.engine.dispose()
