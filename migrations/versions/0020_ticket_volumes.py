"""ticket volumes per organization and month; the audit log indexed by action and time

(the staff analytics: the escalation rate, and tier changes read from the audit log)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 09:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ticket_volumes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('tickets', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('tickets >= 0', name=op.f('ck_ticket_volumes_tickets_not_negative')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_ticket_volumes_organization_id_organizations')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_ticket_volumes_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_volumes')),
        sa.UniqueConstraint('organization_id', 'month', name='uq_ticket_volumes_month'),
    )
    with op.batch_alter_table('ticket_volumes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_volumes_organization_id'),
                              ['organization_id'], unique=False)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_action_at', ['action', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_action_at')
    with op.batch_alter_table('ticket_volumes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_volumes_organization_id'))
    op.drop_table('ticket_volumes')
