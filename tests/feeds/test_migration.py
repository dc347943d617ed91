"""Migration 0026 (feed_tokens): it upgrades, downgrades and upgrades again on this database."""

from contextlib import ExitStack

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.config import TestConfig, settings_of
from portal.extensions import db
from tests.pgschema import own_schema


def _tables() -> set[str]:
    with db.engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names())


def test_feed_tokens_migrate_up_and_down(database_url, tmp_path):
    """Downgrading to 0022 drops feed_tokens (and its index); upgrading makes it again."""
    with ExitStack() as stack:
        url = (stack.enter_context(own_schema(database_url, "feed_tokens"))
               if database_url.startswith("postgresql")
               else f"sqlite:///{tmp_path / 'feeds.sqlite3'}")
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context():
            upgrade(revision="0026")
            assert "feed_tokens" in _tables()
            with db.engine.connect() as connection:
                columns = {c["name"] for c in sa.inspect(connection).get_columns("feed_tokens")}
            assert columns == {"id", "user_id", "token_hash", "token_sealed", "prefix",
                               "created_at", "last_used_at", "revoked_at"}
            downgrade(revision="0022")
            assert "feed_tokens" not in _tables()
            upgrade(revision="0026")
            assert "feed_tokens" in _tables()
            db.engine.dispose()
