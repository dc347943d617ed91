"""reviews: the timeline entries staff chose for the report (reviews.timeline_choices)

Reviews from before carry their timeline as highlights copied from every customer-visible
entry, so they start with no entry chosen ('[]') and their reports read exactly as before.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 09:30:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reviews") as batch_op:
        batch_op.add_column(
            sa.Column("timeline_choices", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade():
    with op.batch_alter_table("reviews") as batch_op:
        batch_op.drop_column("timeline_choices")
