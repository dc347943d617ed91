"""integrations: the HMAC secret is kept sealed (Fernet under a key derived from SECRET_KEY,
portal.signals.secrets) instead of in plain text

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 20:20:00

"""

import sqlalchemy as sa
from alembic import op

from portal.signals import secrets

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

integrations = sa.table("integrations", sa.column("id", sa.Integer),
                        sa.column("hmac_secret", sa.String),
                        sa.column("hmac_secret_sealed", sa.Text))


def upgrade():
    with op.batch_alter_table("integrations", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("hmac_secret_sealed", sa.Text(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(integrations.c.id, integrations.c.hmac_secret)
                                  .where(integrations.c.hmac_secret.is_not(None))).all():
        connection.execute(integrations.update().where(integrations.c.id == row.id).values(
            hmac_secret_sealed=secrets.seal(row.hmac_secret)))
    with op.batch_alter_table("integrations", recreate="never") as batch_op:
        batch_op.drop_column("hmac_secret")


def downgrade():
    with op.batch_alter_table("integrations", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("hmac_secret", sa.String(length=128), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(integrations.c.id,
                                            integrations.c.hmac_secret_sealed)
                                  .where(integrations.c.hmac_secret_sealed.is_not(None))).all():
        connection.execute(integrations.update().where(integrations.c.id == row.id).values(
            hmac_secret=secrets.unseal(row.hmac_secret_sealed)))
    with op.batch_alter_table("integrations", recreate="never") as batch_op:
        batch_op.drop_column("hmac_secret_sealed")
