"""change notifications for what a person chose for themselves (PostgreSQL only)

Every worker process may now remember, with the signed-in account, that a person has no
notification settings of their own (no escalation they stopped emails for, no active feed
token; portal.customer.notification_reads), so their notification settings page reads
nothing. `user:<id>` already drops everything remembered of a person; it is now sent also when
one of their subscriptions is made, changed or removed (an escalation's deletion removes its
subscriptions too), and when one of their feed tokens is made, revoked or removed. A feed
token's `last_used_at` alone (written as feed readers poll) sends nothing: only a person with
no active token is remembered, and the change that made the token active was sent.
NOTIFY is transactional: sent at commit. SQLite has no listeners; nothing to do there.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 14:00:00

"""
from alembic import op

revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None

UPGRADE = """
CREATE FUNCTION clearpath_live_user_owned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('clearpath_live', 'user:' || NEW.user_id);
    END IF;
    IF TG_OP = 'DELETE' OR OLD.user_id IS DISTINCT FROM NEW.user_id THEN
        PERFORM pg_notify('clearpath_live', 'user:' || OLD.user_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER clearpath_live_user_subscriptions
    AFTER INSERT OR UPDATE OR DELETE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION clearpath_live_user_owned();

CREATE TRIGGER clearpath_live_user_feed_tokens
    AFTER INSERT OR DELETE ON feed_tokens
    FOR EACH ROW EXECUTE FUNCTION clearpath_live_user_owned();

CREATE TRIGGER clearpath_live_user_feed_token_changed
    AFTER UPDATE ON feed_tokens
    FOR EACH ROW
    WHEN (to_jsonb(OLD) - 'last_used_at' IS DISTINCT FROM to_jsonb(NEW) - 'last_used_at')
    EXECUTE FUNCTION clearpath_live_user_owned();
"""

DOWNGRADE = """
DROP TRIGGER IF EXISTS clearpath_live_user_feed_token_changed ON feed_tokens;
DROP TRIGGER IF EXISTS clearpath_live_user_feed_tokens ON feed_tokens;
DROP TRIGGER IF EXISTS clearpath_live_user_subscriptions ON subscriptions;
DROP FUNCTION IF EXISTS clearpath_live_user_owned();
"""


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(UPGRADE)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(DOWNGRADE)
