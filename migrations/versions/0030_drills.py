"""drills: escalations.is_drill, scenarios (drill_scenarios), the drills run from them
(drills), their participants (drill_participants) and scripted injections (drill_injections)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 20:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    # In place, never a copy of the table (see downgrade).
    with op.batch_alter_table('escalations', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('is_drill', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_escalations_is_drill'), ['is_drill'], unique=False)

    op.create_table('drill_scenarios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('severity', sa.SmallInteger(), nullable=False),
    sa.Column('product_area', sa.String(length=80), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('customer_impact', sa.Text(), nullable=False),
    sa.Column('script', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_drill_scenarios_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_scenarios')),
    sa.UniqueConstraint('name', name=op.f('uq_drill_scenarios_name'))
    )
    op.create_table('drills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=True),
    sa.Column('scenario_name', sa.String(length=120), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=False),
    sa.Column('ack_seconds', sa.Integer(), nullable=True),
    sa.Column('assign_seconds', sa.Integer(), nullable=True),
    sa.Column('first_update_seconds', sa.Integer(), nullable=True),
    sa.Column('handoff_fields_filled', sa.Integer(), nullable=True),
    sa.Column('handoff_fields_total', sa.Integer(), nullable=True),
    sa.Column('promises_due', sa.Integer(), nullable=True),
    sa.Column('promises_kept', sa.Integer(), nullable=True),
    sa.Column('injections_total', sa.Integer(), nullable=True),
    sa.Column('injections_handled', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_drills_ended_by_id_users')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_drills_escalation_id_escalations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scenario_id'], ['drill_scenarios.id'], name=op.f('fk_drills_scenario_id_drill_scenarios'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_drills_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drills')),
    sa.UniqueConstraint('escalation_id', name=op.f('uq_drills_escalation_id'))
    )
    with op.batch_alter_table('drills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drills_scenario_id'), ['scenario_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drills_started_at'), ['started_at'], unique=False)

    op.create_table('drill_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['drill_id'], ['drills.id'], name=op.f('fk_drill_participants_drill_id_drills'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_drill_participants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_participants')),
    sa.UniqueConstraint('drill_id', 'user_id', name=op.f('uq_drill_participants_drill_id'))
    )
    with op.batch_alter_table('drill_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_participants_drill_id'), ['drill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_participants_user_id'), ['user_id'], unique=False)

    op.create_table('drill_injections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('minute', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('customer_comment', 'monitoring_alert', 'severity_raised', 'internal_note', name='injection_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('injected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('update_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['drill_id'], ['drills.id'], name=op.f('fk_drill_injections_drill_id_drills'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['update_id'], ['updates.id'], name=op.f('fk_drill_injections_update_id_updates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_injections')),
    sa.UniqueConstraint('drill_id', 'position', name=op.f('uq_drill_injections_drill_id'))
    )
    with op.batch_alter_table('drill_injections', schema=None) as batch_op:
        batch_op.create_index('ix_drill_injections_pending', ['injected_at', 'due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('drill_injections', schema=None) as batch_op:
        batch_op.drop_index('ix_drill_injections_pending')
    op.drop_table('drill_injections')
    with op.batch_alter_table('drill_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_participants_user_id'))
        batch_op.drop_index(batch_op.f('ix_drill_participants_drill_id'))
    op.drop_table('drill_participants')
    with op.batch_alter_table('drills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drills_started_at'))
        batch_op.drop_index(batch_op.f('ix_drills_scenario_id'))
    op.drop_table('drills')
    op.drop_table('drill_scenarios')
    # In place (no copy of the table): on SQLite a copy would drop the old escalations table,
    # and with it, through ON DELETE CASCADE, every row that hangs from an escalation.
    with op.batch_alter_table('escalations', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalations_is_drill'))
        batch_op.drop_column('is_drill')
