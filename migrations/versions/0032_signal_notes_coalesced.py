"""signal links remember their last timeline note, so repeat firings are summed into one
note per interval instead of one note each

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 20:10:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signal_links", recreate="never") as batch:
        batch.add_column(sa.Column("noted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("noted_count", sa.Integer(), nullable=False,
                                   server_default="1"))


def downgrade():
    with op.batch_alter_table("signal_links", recreate="never") as batch:
        batch.drop_column("noted_count")
        batch.drop_column("noted_at")
