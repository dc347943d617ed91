"""Migration 0031 (change notifications for the signed-in account): it upgrades, downgrades
and upgrades again (tests/live/test_live_postgres.py shows what its triggers tell)."""

from contextlib import ExitStack

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.config import TestConfig, settings_of
from portal.extensions import db
from tests.pgschema import own_schema


def _organization_triggers() -> set[str]:
    if db.engine.dialect.name != "postgresql":
        return set()
    with db.engine.connect() as connection:
        return set(connection.scalars(sa.text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'organizations'::regclass "
            "AND NOT tgisinternal")))


def test_account_notifications_migrate_up_and_down(database_url, tmp_path):
    """0031 adds the organization triggers and widens the user one; 0027 is as it was."""
    with ExitStack() as stack:
        postgres = database_url.startswith("postgresql")
        url = (stack.enter_context(own_schema(database_url, "account_notify")) if postgres
               else f"sqlite:///{tmp_path / 'account_notify.sqlite3'}")
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context():
            upgrade(revision="0031")
            if postgres:
                assert _organization_triggers() == {"clearpath_live_organization_changed",
                                                    "clearpath_live_organization_deleted"}
            downgrade(revision="0027")
            assert _organization_triggers() == set()
            upgrade(revision="0031")
            if postgres:
                assert len(_organization_triggers()) == 2
            db.engine.dispose()
