"""change notifications per escalation, and for the staff queue (PostgreSQL only)

The escalation page and the staff queue are answered from memory too (portal.live), so
listeners need to know which escalation changed, not only which organization: an escalation's
trigger now also sends `escalation:<id>`, and so does a change to what a viewer chose on it
(their subscription, survey answer or escalation request), which the page shows them and which
no customer-visible stamp records. `queue:0` is sent whenever what the queue's own change stamp
reads moves (`portal.escalations.queue.changed_stamp`: any escalation's `updated_at`, any
handoff's acknowledgement), internal changes included: staff see those; and when a handoff or
an update waiting for approval comes or goes (the console's navigation counts them). SQLite
has no listeners; nothing to do there.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 00:40:00

"""
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

CHOICE_TABLES = ("subscriptions", "survey_responses", "escalation_requests")

UPGRADE = """
CREATE OR REPLACE FUNCTION clearpath_live_escalation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clearpath_live', 'org:' || NEW.organization_id);
    PERFORM pg_notify('clearpath_live', 'escalation:' || NEW.id);
    IF TG_OP = 'UPDATE' AND OLD.organization_id IS DISTINCT FROM NEW.organization_id THEN
        PERFORM pg_notify('clearpath_live', 'org:' || OLD.organization_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION clearpath_live_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clearpath_live', 'queue:0');
    RETURN NULL;
END $$;

CREATE TRIGGER clearpath_live_queue_escalations
    AFTER INSERT OR DELETE ON escalations
    FOR EACH ROW EXECUTE FUNCTION clearpath_live_queue();

CREATE TRIGGER clearpath_live_queue_escalation_changed
    AFTER UPDATE ON escalations
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION clearpath_live_queue();

CREATE TRIGGER clearpath_live_queue_handoff_acknowledged
    AFTER UPDATE ON handoffs
    FOR EACH ROW WHEN (OLD.acknowledged_at IS DISTINCT FROM NEW.acknowledged_at)
    EXECUTE FUNCTION clearpath_live_queue();

CREATE TRIGGER clearpath_live_queue_handoffs
    AFTER INSERT OR DELETE ON handoffs
    FOR EACH ROW EXECUTE FUNCTION clearpath_live_queue();

CREATE TRIGGER clearpath_live_queue_approvals
    AFTER INSERT OR UPDATE OR DELETE ON update_approvals
    FOR EACH ROW EXECUTE FUNCTION clearpath_live_queue();

CREATE FUNCTION clearpath_live_escalation_choice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clearpath_live',
                      'escalation:' || COALESCE(NEW.escalation_id, OLD.escalation_id));
    RETURN NULL;
END $$;
""" + "".join(f"""
CREATE TRIGGER clearpath_live_{table}_changed
    AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION clearpath_live_escalation_choice();
""" for table in CHOICE_TABLES)

DOWNGRADE = "".join(f"""
DROP TRIGGER IF EXISTS clearpath_live_{table}_changed ON {table};
""" for table in CHOICE_TABLES) + """
DROP FUNCTION IF EXISTS clearpath_live_escalation_choice();
DROP TRIGGER IF EXISTS clearpath_live_queue_approvals ON update_approvals;
DROP TRIGGER IF EXISTS clearpath_live_queue_handoffs ON handoffs;
DROP TRIGGER IF EXISTS clearpath_live_queue_handoff_acknowledged ON handoffs;
DROP TRIGGER IF EXISTS clearpath_live_queue_escalation_changed ON escalations;
DROP TRIGGER IF EXISTS clearpath_live_queue_escalations ON escalations;
DROP FUNCTION IF EXISTS clearpath_live_queue();

CREATE OR REPLACE FUNCTION clearpath_live_escalation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clearpath_live', 'org:' || NEW.organization_id);
    IF TG_OP = 'UPDATE' AND OLD.organization_id IS DISTINCT FROM NEW.organization_id THEN
        PERFORM pg_notify('clearpath_live', 'org:' || OLD.organization_id);
    END IF;
    RETURN NULL;
END $$;
"""


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(UPGRADE)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(DOWNGRADE)
