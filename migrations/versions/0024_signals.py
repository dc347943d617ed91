"""signals: monitoring integrations, the link from a dedupe key to its escalation, each signal

integrations: who may send alerts (a hashed bearer token or an HMAC secret), the mapping rules
from labels to organization / product area / severity, muted or live. signal_links: one row per
escalation a dedupe key opened; `open_key` is unique per integration while the link is open
(NULL once closed), so concurrent workers cannot open two escalations for one key. signals:
every alert received and what it did.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 16:00:00

"""

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('integrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.Enum('alertmanager', 'generic', name='integration_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('auth_method', sa.Enum('token', 'hmac', name='integration_auth', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('token_prefix', sa.String(length=16), nullable=False),
    sa.Column('hmac_secret', sa.String(length=128), nullable=True),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('default_organization_id', sa.Integer(), nullable=True),
    sa.Column('default_severity', sa.Integer(), nullable=False),
    sa.Column('default_product_area', sa.String(length=80), nullable=False),
    sa.Column('muted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['default_organization_id'], ['organizations.id'], name=op.f('fk_integrations_default_organization_id_organizations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrations')),
    sa.UniqueConstraint('name', name=op.f('uq_integrations_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_integrations_token_hash'))
    )
    op.create_table('signal_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('open_key', sa.String(length=200), nullable=True),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('fired_count', sa.Integer(), nullable=False),
    sa.Column('first_fired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_fired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolution_proposed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_signal_links_escalation_id_escalations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], name=op.f('fk_signal_links_integration_id_integrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_links')),
    sa.UniqueConstraint('integration_id', 'open_key', name='uq_signal_links_open_key')
    )
    with op.batch_alter_table('signal_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signal_links_escalation_id'), ['escalation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_links_integration_id'), ['integration_id'], unique=False)

    op.create_table('signals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('starts_at', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.Enum('opened', 'added', 'repeat', 'proposed', 'no_open', 'muted', 'unmapped', name='signal_outcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_signals_escalation_id_escalations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], name=op.f('fk_signals_integration_id_integrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signals'))
    )
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.create_index('ix_signals_integration_received', ['integration_id', 'id'], unique=False)
        batch_op.create_index('ix_signals_repeat', ['integration_id', 'fingerprint', 'starts_at'], unique=False)



def downgrade():
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.drop_index('ix_signals_repeat')
        batch_op.drop_index('ix_signals_integration_received')

    op.drop_table('signals')
    with op.batch_alter_table('signal_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_links_integration_id'))
        batch_op.drop_index(batch_op.f('ix_signal_links_escalation_id'))

    op.drop_table('signal_links')
    op.drop_table('integrations')
