"""Migration 0025: an endpoint stored before it (its secret in plain text) keeps signing with
the same secret after the upgrade, sealed now; a downgrade gives the plain secret back."""

from contextlib import ExitStack

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.config import TestConfig, settings_of
from portal.extensions import db
from portal.notices import signing
from portal.notices.models import WebhookEndpoint
from portal.tenancy import Scope, set_scope
from tests.pgschema import own_schema


def _columns(connection, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(connection).get_columns(table)}


def test_an_endpoint_from_before_keeps_its_secret_sealed(database_url, tmp_path):
    """Down to 0022, an endpoint with a plain secret; up: sealed, same secret; down: plain."""
    with ExitStack() as stack:
        url = (stack.enter_context(own_schema(database_url, "webhook_secrets"))
               if database_url.startswith("postgresql")
               else f"sqlite:///{tmp_path / 'webhooks.sqlite3'}")
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context():
            upgrade()
            downgrade(revision="0022")
            with db.engine.begin() as connection:
                assert "secret" in _columns(connection, "webhook_endpoints")
                assert "response_status" not in _columns(connection, "notices")
                connection.execute(sa.text(
                    "INSERT INTO webhook_endpoints (name, url, kind, secret, active, created_at)"
                    " VALUES ('Old', 'https://93.184.215.14/h', 'generic', 'plain-old-secret',"
                    " true, CURRENT_TIMESTAMP)"))
            upgrade()
            set_scope(db.session(), Scope.unscoped("test check"))
            endpoint = db.session.scalar(sa.select(WebhookEndpoint))
            assert signing.current_secret(endpoint) == "plain-old-secret"
            assert "plain-old-secret" not in endpoint.secret_sealed
            assert endpoint.events is None and endpoint.secret_hint == "cret"
            db.session.remove()
            downgrade(revision="0022")
            with db.engine.begin() as connection:
                assert connection.execute(sa.text(
                    "SELECT secret FROM webhook_endpoints")).scalar_one() == "plain-old-secret"
            upgrade()
            db.engine.dispose()
