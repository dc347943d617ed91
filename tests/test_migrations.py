"""The schema is made only by migrations, and they match the models on this database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def test_migrated_schema_matches_the_models(app):
    """No model change is missing a migration (run on SQLite and PostgreSQL alike)."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_customer_owned_table_carries_organization_id(app):
    """Tenancy starts in the schema: every escalation-domain table has organization_id."""
    tenant_tables = {"escalations", "status_changes", "updates", "milestones",
                     "remediation_steps", "exit_criteria", "handoffs", "severity_changes"}
    for name in tenant_tables:
        assert "organization_id" in db.metadata.tables[name].c, name
