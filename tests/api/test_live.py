"""The API on a real threaded server with its own database (SQLite file or a PostgreSQL
schema of its own): concurrent replays of one Idempotency-Key, and migration 0023 both ways."""

from __future__ import annotations

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from werkzeug.serving import make_server

from portal import create_app
from portal.config import TestConfig, settings_of
from portal.enums import Role
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.pgschema import own_schema


def _own_app(stack: ExitStack, database_url: str, tmp_path, name: str):
    url = (stack.enter_context(own_schema(database_url, name))
           if database_url.startswith("postgresql")
           else f"sqlite:///{tmp_path / f'{name}.sqlite3'}")
    return create_app(settings_of(TestConfig, DATABASE_URL=url))


def test_concurrent_replays_of_one_key_open_one_escalation(database_url, tmp_path):
    """Eight clients sending the same POST with the same key at once: one escalation, and
    every client gets the same answer."""
    from portal.api.tokens import issue_token

    with ExitStack() as stack:
        app = _own_app(stack, database_url, tmp_path, "api_idempotency")
        with app.app_context():
            upgrade()
            set_scope(db.session(), Scope.unscoped("test setup"))
            admin = factories.make_staff(Role.ADMINISTRATOR)
            organization = factories.make_organization()
            _, secret = issue_token(actor=admin, name="race", scopes=["escalations:write"])
            organization_id = organization.id
            db.session.commit()
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        stack.callback(lambda: (server.shutdown(), thread.join(10), server.server_close()))
        body = json.dumps({"organization_id": organization_id, "title": "Raced", "severity": 2,
                           "handoff": {"summary": "s", "customer_impact": "c",
                                       "steps_taken": "t", "environment": "e"}}).encode()

        def send(_):
            request = urllib.request.Request(
                f"http://127.0.0.1:{server.port}/api/v1/escalations", data=body, method="POST",
                headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "race-1",
                         "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, range(8)))
        assert {status for status, _ in answers} == {201}
        assert len({answer["id"] for _, answer in answers}) == 1
        with app.app_context():
            count = db.session.execute(sa.text(
                "SELECT count(*) FROM escalations WHERE title = 'Raced'")).scalar()
            db.session.remove()
            db.engine.dispose()
        assert count == 1


def test_migration_0023_downgrades_and_upgrades(database_url, tmp_path):
    """The token tables go away on downgrade to 0022 and come back on upgrade."""
    with ExitStack() as stack:
        app = _own_app(stack, database_url, tmp_path, "api_migration")
        with app.app_context():
            upgrade()
            downgrade(revision="0022")
            with db.engine.connect() as connection:
                tables = set(sa.inspect(connection).get_table_names())
            assert not {"api_tokens", "api_idempotency_keys"} & tables
            upgrade()
            with db.engine.connect() as connection:
                tables = set(sa.inspect(connection).get_table_names())
            assert {"api_tokens", "api_idempotency_keys"} <= tables
            db.engine.dispose()
