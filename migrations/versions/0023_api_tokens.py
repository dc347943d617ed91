"""api: tokens (shown once, stored hashed) and the Idempotency-Key ledger of their writes

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 16:15:00

"""

from alembic import op
import sqlalchemy as sa



revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=24), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_api_tokens_organization_id_organizations")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_api_tokens_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_tokens_secret_hash")),
    )
    op.create_index(op.f("ix_api_tokens_organization_id"), "api_tokens", ["organization_id"])
    op.create_index(op.f("ix_api_tokens_created_by_id"), "api_tokens", ["created_by_id"])
    op.create_table(
        "api_idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], ondelete="CASCADE",
                                name=op.f("fk_api_idempotency_keys_token_id_api_tokens")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency_keys")),
        sa.UniqueConstraint("token_id", "key", name="uq_api_idempotency_token_key"),
    )


def downgrade():
    op.drop_table("api_idempotency_keys")
    op.drop_index(op.f("ix_api_tokens_created_by_id"), table_name="api_tokens")
    op.drop_index(op.f("ix_api_tokens_organization_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
