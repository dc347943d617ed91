"""Migration 0024 (signals): it goes up and down cleanly, and the open-key constraint it
makes refuses a second open link for one key while closed links stay many."""

from contextlib import ExitStack

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.config import TestConfig, settings_of
from portal.enums import Role
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.pgschema import own_schema

TABLES = {"integrations", "signal_links", "signals"}
INSERT = ("INSERT INTO signal_links (integration_id, dedupe_key, open_key, escalation_id, "
          "fired_count, first_fired_at, last_fired_at, close_reason) VALUES "
          "(1, 'k', {open}, {escalation}, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '')")


def test_signals_tables_come_and_go_with_their_migration(database_url, tmp_path):
    """Upgrade makes the three tables, downgrade to 0022 removes them, upgrade again works."""
    with ExitStack() as stack:
        url = (stack.enter_context(own_schema(database_url, "signals_migration"))
               if database_url.startswith("postgresql")
               else f"sqlite:///{tmp_path / 'signals-migration.sqlite3'}")
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context(), app.test_request_context():
            upgrade()
            assert set(sa.inspect(db.engine).get_table_names()) >= TABLES
            set_scope(db.session(), Scope.unscoped("test setup"))
            agent = factories.make_staff(Role.AGENT)
            organization = factories.make_organization()
            escalations = [factories.make_escalation(organization, actor=agent).id
                           for _ in range(4)]
            db.session.commit()
            db.session.remove()
            with db.engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO integrations (id, name, kind, auth_method, token_prefix, rules,"
                    " default_severity, default_product_area, muted, created_at) VALUES "
                    "(1, 'm', 'generic', 'token', '', '[]', 3, '', false, CURRENT_TIMESTAMP)")
                for escalation, open_key in zip(escalations[:3], ("NULL", "NULL", "'k'"),
                                                strict=True):
                    conn.exec_driver_sql(INSERT.format(open=open_key, escalation=escalation))
            with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
                conn.exec_driver_sql(INSERT.format(open="'k'", escalation=escalations[3]))
            downgrade(revision="0022")
            assert not TABLES & set(sa.inspect(db.engine).get_table_names())
            upgrade()
            assert set(sa.inspect(db.engine).get_table_names()) >= TABLES
            db.engine.dispose()


def test_a_plain_hmac_secret_from_before_is_sealed_and_comes_back_on_downgrade(database_url,
                                                                              tmp_path):
    """0033 seals each HMAC secret stored in the clear (it still verifies), and going back
    down gives the same secret back in the clear."""
    from portal.signals import secrets

    with ExitStack() as stack:
        url = (stack.enter_context(own_schema(database_url, "signal_secrets_migration"))
               if database_url.startswith("postgresql")
               else f"sqlite:///{tmp_path / 'signal-secrets-migration.sqlite3'}")
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context(), app.test_request_context():
            upgrade(revision="0032")
            with db.engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO integrations (id, name, kind, auth_method, token_prefix, rules,"
                    " default_severity, default_product_area, muted, created_at, hmac_secret)"
                    " VALUES (1, 'm', 'generic', 'hmac', '', '[]', 3, '', false,"
                    " CURRENT_TIMESTAMP, 'plain-shared-secret')")
            upgrade()
            with db.engine.connect() as conn:
                sealed = conn.exec_driver_sql(
                    "SELECT hmac_secret_sealed FROM integrations WHERE id = 1").scalar_one()
            assert "plain-shared-secret" not in sealed
            assert secrets.unseal(sealed) == "plain-shared-secret"
            downgrade(revision="0032")
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql(
                    "SELECT hmac_secret FROM integrations WHERE id = 1").scalar_one() == \
                    "plain-shared-secret"
            db.engine.dispose()
