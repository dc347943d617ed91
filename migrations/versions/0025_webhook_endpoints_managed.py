"""webhook endpoints people manage: sealed secrets with rotation, chosen events, delivery log

webhook_endpoints: the plain `secret` becomes `secret_sealed` (Fernet under a key derived from
SECRET_KEY, portal.notices.signing) with `secret_hint`; `previous_secret_sealed` and
`previous_secret_until` for a rotation's overlap window; `events` (NULL: every event);
`updated_at`. notices: `webhook_endpoint_id` (the endpoint's delivery log; SET NULL when the
endpoint is deleted) and `response_status` (the receiver's last HTTP answer).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 16:20:00

"""

from alembic import op
import sqlalchemy as sa

from portal.notices import signing


revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

endpoints = sa.table("webhook_endpoints", sa.column("id", sa.Integer),
                     sa.column("secret", sa.String), sa.column("secret_sealed", sa.Text),
                     sa.column("secret_hint", sa.String))


def upgrade():
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.add_column(sa.Column("secret_sealed", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("secret_hint", sa.String(length=8), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("previous_secret_sealed", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("previous_secret_until", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("events", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(endpoints.c.id, endpoints.c.secret)).all():
        connection.execute(endpoints.update().where(endpoints.c.id == row.id).values(
            secret_sealed=signing.seal(row.secret), secret_hint=signing.hint(row.secret)))
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.alter_column("secret_sealed", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("secret")
    with op.batch_alter_table("notices") as batch_op:
        batch_op.add_column(sa.Column("webhook_endpoint_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("response_status", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notices_webhook_endpoint_id"),
                              ["webhook_endpoint_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notices_webhook_endpoint_id_webhook_endpoints"), "webhook_endpoints",
            ["webhook_endpoint_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("notices") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notices_webhook_endpoint_id_webhook_endpoints"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notices_webhook_endpoint_id"))
        batch_op.drop_column("response_status")
        batch_op.drop_column("webhook_endpoint_id")
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.add_column(sa.Column("secret", sa.String(length=128), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(endpoints.c.id, endpoints.c.secret_sealed)).all():
        connection.execute(endpoints.update().where(endpoints.c.id == row.id).values(
            secret=signing.unseal(row.secret_sealed)))
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.alter_column("secret", existing_type=sa.String(length=128), nullable=False)
        batch_op.drop_column("updated_at")
        batch_op.drop_column("events")
        batch_op.drop_column("previous_secret_until")
        batch_op.drop_column("previous_secret_sealed")
        batch_op.drop_column("secret_hint")
        batch_op.drop_column("secret_sealed")
