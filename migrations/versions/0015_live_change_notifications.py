"""change notifications for live pages (PostgreSQL only)

Triggers that tell every listening worker process (portal.live.feed) which rows changed, so
what it remembers about them is dropped: `org:<id>` when an escalation is opened or its
customer-visible stamp moves, `user:<id>` when what decides a signed-in session changes.
NOTIFY is transactional: sent at commit, never for a rolled-back change. SQLite has no
listeners; nothing to do there.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-04 14:40:00

"""
from alembic import op


revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


UPGRADE = """
CREATE FUNCTION clearpath_live_escalation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clearpath_live', 'org:' || NEW.organization_id);
    IF TG_OP = 'UPDATE' AND OLD.organization_id IS DISTINCT FROM NEW.organization_id THEN
        PERFORM pg_notify('clearpath_live', 'org:' || OLD.organization_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER clearpath_live_escalation_opened
    AFTER INSERT ON escalations
    FOR EACH ROW EXECUTE FUNCTION clearpath_live_escalation();

CREATE TRIGGER clearpath_live_escalation_changed
    AFTER UPDATE ON escalations
    FOR EACH ROW
    WHEN (OLD.customer_changed_at IS DISTINCT FROM NEW.customer_changed_at
          OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
    EXECUTE FUNCTION clearpath_live_escalation();

CREATE FUNCTION clearpath_live_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clearpath_live', 'user:' || COALESCE(NEW.id, OLD.id));
    RETURN NULL;
END $$;

CREATE TRIGGER clearpath_live_user_changed
    AFTER UPDATE ON users
    FOR EACH ROW
    WHEN (OLD.session_version IS DISTINCT FROM NEW.session_version
          OR OLD.active IS DISTINCT FROM NEW.active
          OR OLD.role IS DISTINCT FROM NEW.role
          OR OLD.organization_id IS DISTINCT FROM NEW.organization_id
          OR OLD.timezone IS DISTINCT FROM NEW.timezone)
    EXECUTE FUNCTION clearpath_live_user();

CREATE TRIGGER clearpath_live_user_deleted
    AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION clearpath_live_user();
"""

DOWNGRADE = """
DROP TRIGGER IF EXISTS clearpath_live_user_deleted ON users;
DROP TRIGGER IF EXISTS clearpath_live_user_changed ON users;
DROP FUNCTION IF EXISTS clearpath_live_user();
DROP TRIGGER IF EXISTS clearpath_live_escalation_changed ON escalations;
DROP TRIGGER IF EXISTS clearpath_live_escalation_opened ON escalations;
DROP FUNCTION IF EXISTS clearpath_live_escalation();
"""


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(UPGRADE)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(DOWNGRADE)
