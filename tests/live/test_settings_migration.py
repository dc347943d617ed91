"""Migration 0038 (change notifications for a person's subscriptions and feed tokens): it
upgrades, downgrades and upgrades again (tests/live/test_live_postgres.py shows what its
triggers tell)."""

from contextlib import ExitStack

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.config import TestConfig, settings_of
from portal.extensions import db
from tests.pgschema import own_schema


def _person_triggers() -> set[str]:
    if db.engine.dialect.name != "postgresql":
        return set()
    with db.engine.connect() as connection:
        return set(connection.scalars(sa.text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid IN ('subscriptions'::regclass, "
            "'feed_tokens'::regclass) AND NOT tgisinternal AND tgname LIKE '%live_user%'")))


def test_settings_notifications_migrate_up_and_down(database_url, tmp_path):
    """0038 adds the subscription and feed token triggers; 0037 is as it was."""
    with ExitStack() as stack:
        postgres = database_url.startswith("postgresql")
        url = (stack.enter_context(own_schema(database_url, "settings_notify")) if postgres
               else f"sqlite:///{tmp_path / 'settings_notify.sqlite3'}")
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context():
            upgrade(revision="0038")
            expected = {"clearpath_live_user_subscriptions", "clearpath_live_user_feed_tokens",
                        "clearpath_live_user_feed_token_changed"} if postgres else set()
            assert _person_triggers() == expected
            downgrade(revision="0037")
            assert _person_triggers() == set()
            upgrade(revision="0038")
            assert _person_triggers() == expected
            db.engine.dispose()
