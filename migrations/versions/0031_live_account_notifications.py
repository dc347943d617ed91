"""change notifications for the signed-in account (PostgreSQL only)

Every worker process keeps the signed-in user, with their organization, in its live memo
(portal.live), so a request does not read them again. Whatever a page may show or decide from
them must then drop them: `user:<id>` is now sent on ANY change of a user row (before: only
the session version, active flag, role, organization and timezone), and `organization:<id>`
on any change, insertion or deletion of an organization row (compared as jsonb: json columns
have no "=" operator); a new user sends `user:<id>` too (the staff queue's filter choices list
people and accounts). NOTIFY is transactional: sent at commit.
SQLite has no listeners; nothing to do there.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 20:20:00

"""
from alembic import op


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


UPGRADE = """
DROP TRIGGER IF EXISTS clearpath_live_user_changed ON users;
CREATE TRIGGER clearpath_live_user_changed
    AFTER UPDATE ON users
    FOR EACH ROW
    WHEN (to_jsonb(OLD) IS DISTINCT FROM to_jsonb(NEW))
    EXECUTE FUNCTION clearpath_live_user();

CREATE FUNCTION clearpath_live_organization() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clearpath_live', 'organization:' || COALESCE(NEW.id, OLD.id));
    RETURN NULL;
END $$;

CREATE TRIGGER clearpath_live_organization_changed
    AFTER UPDATE ON organizations
    FOR EACH ROW
    WHEN (to_jsonb(OLD) IS DISTINCT FROM to_jsonb(NEW))
    EXECUTE FUNCTION clearpath_live_organization();

CREATE TRIGGER clearpath_live_organization_deleted
    AFTER INSERT OR DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION clearpath_live_organization();

CREATE TRIGGER clearpath_live_user_added
    AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION clearpath_live_user();
"""

DOWNGRADE = """
DROP TRIGGER IF EXISTS clearpath_live_user_added ON users;
DROP TRIGGER IF EXISTS clearpath_live_organization_deleted ON organizations;
DROP TRIGGER IF EXISTS clearpath_live_organization_changed ON organizations;
DROP FUNCTION IF EXISTS clearpath_live_organization();
DROP TRIGGER IF EXISTS clearpath_live_user_changed ON users;
CREATE TRIGGER clearpath_live_user_changed
    AFTER UPDATE ON users
    FOR EACH ROW
    WHEN (OLD.session_version IS DISTINCT FROM NEW.session_version
          OR OLD.active IS DISTINCT FROM NEW.active
          OR OLD.role IS DISTINCT FROM NEW.role
          OR OLD.organization_id IS DISTINCT FROM NEW.organization_id
          OR OLD.timezone IS DISTINCT FROM NEW.timezone)
    EXECUTE FUNCTION clearpath_live_user();
"""


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(UPGRADE)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(DOWNGRADE)
