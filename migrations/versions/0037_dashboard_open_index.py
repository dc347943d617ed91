"""A partial index over the open escalations for the customer dashboard's default order
(one organization's, most severe first): its page is read straight from the index, 25 rows,
instead of all the organization's open escalations read and sorted

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 06:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

OPEN = ("status IN ('new', 'acknowledged', 'investigating', 'waiting_on_customer', "
        "'contained')")


def upgrade():
    op.create_index('ix_escalations_open_dashboard', 'escalations',
                    ['organization_id', 'severity', sa.text('priority_score DESC'), 'opened_at',
                     'id'], unique=False,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade():
    op.drop_index('ix_escalations_open_dashboard', table_name='escalations')
