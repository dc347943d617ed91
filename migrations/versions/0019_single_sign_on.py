"""single sign-on: identity providers (one per organization, one for staff) and their domains

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

ROLES = ('viewer', 'executive', 'customer_admin', 'agent', 'account_manager',
         'escalation_manager', 'administrator')


def upgrade():
    op.create_table(
        'identity_providers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.Column('for_staff', sa.Boolean(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('issuer', sa.String(length=500), nullable=False),
        sa.Column('client_id', sa.String(length=255), nullable=False),
        sa.Column('client_secret_sealed', sa.Text(), nullable=False),
        sa.Column('client_secret_hint', sa.String(length=8), nullable=False),
        sa.Column('default_role', sa.Enum(*ROLES, name='role', native_enum=False,
                                          create_constraint=True, length=32), nullable=False),
        sa.Column('require_sso', sa.Boolean(), nullable=False),
        sa.Column('break_glass_user_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('for_staff = (organization_id IS NULL)',
                           name=op.f('ck_identity_providers_staff_or_one_organization')),
        sa.ForeignKeyConstraint(['break_glass_user_id'], ['users.id'],
                                name=op.f('fk_identity_providers_break_glass_user_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_identity_providers_organization_id_organizations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_providers')),
        sa.UniqueConstraint('organization_id', name='uq_identity_providers_organization_id'),
    )
    op.create_index('uq_identity_providers_staff', 'identity_providers', ['for_staff'],
                    unique=True, sqlite_where=sa.text('for_staff'),
                    postgresql_where=sa.text('for_staff'))
    op.create_table(
        'identity_provider_domains',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('domain', sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(['provider_id'], ['identity_providers.id'],
                                name=op.f('fk_identity_provider_domains_provider_id_identity_providers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_provider_domains')),
        sa.UniqueConstraint('domain', name=op.f('uq_identity_provider_domains_domain')),
    )
    with op.batch_alter_table('identity_provider_domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_provider_domains_provider_id'),
                              ['provider_id'], unique=False)


def downgrade():
    with op.batch_alter_table('identity_provider_domains', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_provider_domains_provider_id'))
    op.drop_table('identity_provider_domains')
    op.drop_index('uq_identity_providers_staff', table_name='identity_providers')
    op.drop_table('identity_providers')
