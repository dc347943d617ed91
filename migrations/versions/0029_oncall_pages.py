"""on-call pages: an SLA alert sent to the person on call, repeated until acknowledged
(oncall_pages)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 20:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oncall_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('clock', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_paged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_page_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.String(length=40), server_default='', nullable=False),
    sa.Column('night', sa.Boolean(), nullable=False),
    sa.Column('weekend', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_oncall_pages_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_oncall_pages_escalation_id_escalations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_oncall_pages_organization_id_organizations')),
    sa.ForeignKeyConstraint(['team_id'], ['oncall_teams.id'], name=op.f('fk_oncall_pages_team_id_oncall_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oncall_pages_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_pages')),
    sa.UniqueConstraint('escalation_id', 'clock', 'reason', 'due_at', 'user_id', name='uq_oncall_pages_alert_person')
    )
    with op.batch_alter_table('oncall_pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_pages_escalation_id'), ['escalation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oncall_pages_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_oncall_pages_next_page_at', ['next_page_at'], unique=False)
        batch_op.create_index('ix_oncall_pages_user_paged', ['user_id', 'paged_at'], unique=False)


def downgrade():
    with op.batch_alter_table('oncall_pages', schema=None) as batch_op:
        batch_op.drop_index('ix_oncall_pages_user_paged')
        batch_op.drop_index('ix_oncall_pages_next_page_at')
        batch_op.drop_index(batch_op.f('ix_oncall_pages_organization_id'))
        batch_op.drop_index(batch_op.f('ix_oncall_pages_escalation_id'))

    op.drop_table('oncall_pages')
