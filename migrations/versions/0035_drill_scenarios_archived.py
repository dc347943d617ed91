"""drill_scenarios.archived_at: a scenario no longer rehearsed is archived (kept, with the
drills run from it and their scorecards), and can be restored

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 23:45:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("drill_scenarios") as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("drill_scenarios") as batch_op:
        batch_op.drop_column("archived_at")
