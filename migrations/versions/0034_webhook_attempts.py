"""notice_attempts: every try at delivering a webhook (when, how long, the answer or error),
so a delivery log shows each retry and not only the last

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 20:30:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"],
                                name=op.f("fk_notice_attempts_notice_id_notices"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_attempts")),
    )
    op.create_index(op.f("ix_notice_attempts_notice_id"), "notice_attempts", ["notice_id"],
                    unique=False)


def downgrade():
    op.drop_index(op.f("ix_notice_attempts_notice_id"), table_name="notice_attempts")
    op.drop_table("notice_attempts")
