"""Migration 0028 (on-call triage): it upgrades, downgrades and upgrades again on this
database, keeping the teams made before it."""

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


def _team_columns() -> set[str]:
    with db.engine.connect() as connection:
        return {c["name"] for c in sa.inspect(connection).get_columns("oncall_teams")}


def test_triage_migrates_up_and_down(database_url, tmp_path):
    """Downgrading to 0027 drops the rules, the triage rows and the teams' two columns; a
    team made before keeps its rotation, and takes 15 minutes on the way up again."""
    with ExitStack() as stack:
        url = (stack.enter_context(own_schema(database_url, "oncall_triage"))
               if database_url.startswith("postgresql")
               else f"sqlite:///{tmp_path / 'triage.sqlite3'}")
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context():
            upgrade(revision="0028")
            assert {"oncall_routing_rules", "oncall_triage"} <= _tables()
            assert {"acknowledge_minutes", "manager_id"} <= _team_columns()
            downgrade(revision="0027")
            assert not {"oncall_routing_rules", "oncall_triage"} & _tables()
            assert not {"acknowledge_minutes", "manager_id"} & _team_columns()
            with db.engine.begin() as connection:
                connection.execute(sa.text(
                    "INSERT INTO oncall_teams (name, product_area, timezone, rotation_length,"
                    " handoff_time, handoff_weekday, starts_on, created_at) VALUES ('Old', '',"
                    " 'UTC', 'weekly', '09:00:00', 0, '2026-11-02', '2026-11-02 09:00:00+00')"))
            upgrade(revision="0028")
            with db.engine.connect() as connection:
                assert connection.execute(sa.text(
                    "SELECT acknowledge_minutes FROM oncall_teams")).scalar() == 15
            db.engine.dispose()
