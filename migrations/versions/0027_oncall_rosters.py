"""on-call rosters: teams with a rotation (oncall_teams), its people in order
(oncall_team_members) and overrides for a date range (oncall_overrides)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 16:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oncall_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('product_area', sa.String(length=80), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('rotation_length', sa.Enum('daily', 'weekly', name='rotation_length', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('handoff_time', sa.Time(), nullable=False),
    sa.Column('handoff_weekday', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_oncall_teams_name'))
    )
    op.create_table('oncall_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_oncall_overrides_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_oncall_overrides_created_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['oncall_teams.id'], name=op.f('fk_oncall_overrides_team_id_oncall_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oncall_overrides_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_overrides'))
    )
    with op.batch_alter_table('oncall_overrides', schema=None) as batch_op:
        batch_op.create_index('ix_oncall_overrides_team_ends', ['team_id', 'ends_at'], unique=False)

    op.create_table('oncall_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['oncall_teams.id'], name=op.f('fk_oncall_team_members_team_id_oncall_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oncall_team_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_team_members')),
    sa.UniqueConstraint('team_id', 'user_id', name=op.f('uq_oncall_team_members_team_id'))
    )
    with op.batch_alter_table('oncall_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_team_members_team_id'), ['team_id'], unique=False)



def downgrade():
    with op.batch_alter_table('oncall_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oncall_team_members_team_id'))

    op.drop_table('oncall_team_members')
    with op.batch_alter_table('oncall_overrides', schema=None) as batch_op:
        batch_op.drop_index('ix_oncall_overrides_team_ends')

    op.drop_table('oncall_overrides')
    op.drop_table('oncall_teams')
