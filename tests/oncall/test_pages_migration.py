"""Migration 0029 (oncall_pages): it upgrades, downgrades and upgrades again on this database."""

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


def test_oncall_pages_migrate_up_and_down(database_url, tmp_path):
    """Downgrading to 0027 drops oncall_pages (and its indexes); upgrading makes it again."""
    with ExitStack() as stack:
        url = (stack.enter_context(own_schema(database_url, "oncall_pages"))
               if database_url.startswith("postgresql")
               else f"sqlite:///{tmp_path / 'pages.sqlite3'}")
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context():
            upgrade(revision="0029")
            assert "oncall_pages" in _tables()
            with db.engine.connect() as connection:
                inspector = sa.inspect(connection)
                columns = {c["name"] for c in inspector.get_columns("oncall_pages")}
                unique = {u["name"] for u in inspector.get_unique_constraints("oncall_pages")}
            assert {"escalation_id", "team_id", "user_id", "reason", "clock", "due_at",
                    "paged_at", "next_page_at", "repeats", "acknowledged_at", "night",
                    "weekend"} <= columns
            assert "uq_oncall_pages_alert_person" in unique
            downgrade(revision="0027")
            assert "oncall_pages" not in _tables()
            assert "oncall_teams" in _tables()
            upgrade(revision="0029")
            assert "oncall_pages" in _tables()
            db.engine.dispose()
