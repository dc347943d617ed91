"""The customer dashboard's row reads from indexes: status history and next milestone from the
indexes alone (PostgreSQL INCLUDE; SQLite keeps its indexes), latest update from a partial index
of the updates that count

portal.escalations.dashboard_page reads, for each of a page's 25 rows, the escalation's status
history (every change: at, to_status, id) and its next open customer-visible milestone (title,
due_at). Both indexes already led with escalation_id; each now also carries what the row reads
and what its filters test (visibility, and organization_id for the tenancy criteria), so
PostgreSQL no longer visits the table for every entry. Same names, same key columns: every
other read that used them still can.

The dashboard's latest update per row (the newest update that counts: customer-visible, not
retracted, a person's note or status change with a note) gets a partial index of exactly those
updates in time order, so the first entry is almost always the answer (the statement writes the
enumerated values as constants so that a generic plan can use it). On the bench's busiest
organization: the covering indexes 417 -> ~370 buffers; the partial index ~0.43 -> ~0.40 ms of
PostgreSQL's CPU per generic execution.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-07 14:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

OPEN_MILESTONE = "completed_at IS NULL"
COUNTING_UPDATE = ("visibility = 'customer' AND retracted_at IS NULL AND author_id IS NOT NULL"
                   " AND kind IN ('note', 'status_change')")
HISTORY_INCLUDE = ["at", "to_status", "id", "organization_id"]
MILESTONE_INCLUDE = ["title", "visibility", "organization_id"]


def _history_index(include):
    op.drop_index("ix_status_changes_escalation_id", table_name="status_changes")
    op.create_index("ix_status_changes_escalation_id", "status_changes", ["escalation_id"],
                    unique=False, postgresql_include=include)


def _milestone_index(include):
    op.drop_index("ix_milestones_open_escalation_due", table_name="milestones")
    op.create_index("ix_milestones_open_escalation_due", "milestones",
                    ["escalation_id", "due_at", "id"], unique=False,
                    sqlite_where=sa.text(OPEN_MILESTONE),
                    postgresql_where=sa.text(OPEN_MILESTONE), postgresql_include=include)


def upgrade():
    op.create_index("ix_updates_counting_escalation_created", "updates",
                    ["escalation_id", "created_at", "id"], unique=False,
                    sqlite_where=sa.text(COUNTING_UPDATE),
                    postgresql_where=sa.text(COUNTING_UPDATE))
    if op.get_bind().dialect.name != "postgresql":
        return  # INCLUDE is PostgreSQL's: SQLite's indexes stay as they are
    _history_index(HISTORY_INCLUDE)
    _milestone_index(MILESTONE_INCLUDE)


def downgrade():
    op.drop_index("ix_updates_counting_escalation_created", table_name="updates")
    if op.get_bind().dialect.name != "postgresql":
        return
    _milestone_index([])
    _history_index([])
