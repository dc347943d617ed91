"""Partial indexes over the open escalations for the staff queue: its default order
(priority first) and its counts per product area and quick view

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 02:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

OPEN = ("status IN ('new', 'acknowledged', 'investigating', 'waiting_on_customer', "
        "'contained')")


def upgrade():
    op.create_index('ix_escalations_open_priority', 'escalations',
                    [sa.text('priority_score DESC'), 'opened_at', 'id'], unique=False,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_index('ix_escalations_open_views', 'escalations',
                    ['product_area', 'owner_id', 'communicator_id', 'next_update_due_at', 'id'],
                    unique=False, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade():
    op.drop_index('ix_escalations_open_views', table_name='escalations')
    op.drop_index('ix_escalations_open_priority', table_name='escalations')
