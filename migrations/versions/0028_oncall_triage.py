"""on-call triage: routing rules (oncall_routing_rules), one triage row per routed
escalation (oncall_triage), and each team's minutes to acknowledge and manager

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 19:56:07

"""
from alembic import op
import sqlalchemy as sa


revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oncall_routing_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('product_area', sa.String(length=80), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('max_severity', sa.Integer(), nullable=True),
    sa.Column('trigger', sa.Enum('sla_breach', 'severity', 'time_in_status', 'customer_request', 'policy_exception', 'monitoring_signal', name='routing_trigger', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('max_severity BETWEEN 1 AND 4', name=op.f('ck_oncall_routing_rules_max_severity_range')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_oncall_routing_rules_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['oncall_teams.id'], name=op.f('fk_oncall_routing_rules_team_id_oncall_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_routing_rules'))
    )
    with op.batch_alter_table('oncall_routing_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_routing_rules_position'), ['position'], unique=False)

    op.create_table('oncall_triage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('rule_number', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('to_manager', sa.Boolean(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('routed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_because', sa.String(length=40), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_oncall_triage_assignee_id_users')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_oncall_triage_escalation_id_escalations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], name=op.f('fk_oncall_triage_handoff_id_handoffs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_oncall_triage_organization_id_organizations')),
    sa.ForeignKeyConstraint(['rule_id'], ['oncall_routing_rules.id'], name=op.f('fk_oncall_triage_rule_id_oncall_routing_rules'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['oncall_teams.id'], name=op.f('fk_oncall_triage_team_id_oncall_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_triage')),
    sa.UniqueConstraint('escalation_id', name=op.f('uq_oncall_triage_escalation_id'))
    )
    with op.batch_alter_table('oncall_triage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_triage_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_oncall_triage_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('oncall_teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acknowledge_minutes', sa.Integer(), server_default='15', nullable=False))
        batch_op.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_oncall_teams_manager_id_users'), 'users', ['manager_id'], ['id'])



def downgrade():
    with op.batch_alter_table('oncall_teams', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_oncall_teams_manager_id_users'), type_='foreignkey')
        batch_op.drop_column('manager_id')
        batch_op.drop_column('acknowledge_minutes')

    with op.batch_alter_table('oncall_triage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oncall_triage_organization_id'))
        batch_op.drop_index(batch_op.f('ix_oncall_triage_due_at'))

    op.drop_table('oncall_triage')
    with op.batch_alter_table('oncall_routing_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oncall_routing_rules_position'))

    op.drop_table('oncall_routing_rules')
