"""two-factor sign-in: TOTP columns on users, recovery codes, an organization's requirement

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 03:00:00

"""
from alembic import op
import sqlalchemy as sa



revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # recreate="never": plain ALTER TABLE ADD COLUMN on SQLite too. Recreating `users` or
    # `organizations` means dropping a table that other rows refer to (foreign keys are on).
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('organizations', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('two_factor_required', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    # recreate="never": SQLite (3.35+) drops these plain columns in place.
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('organizations', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('two_factor_required')
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
