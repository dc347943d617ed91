"""render jobs: report PDFs prepared in the background

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

KINDS = ('review', 'summary', 'preview', 'publication')
STATES = ('queued', 'running', 'done', 'failed')


def upgrade():
    op.create_table(
        'render_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='render_kind', native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column('state', sa.Enum(*STATES, name='render_state', native_enum=False,
                                   create_constraint=True, length=32), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('period', sa.String(length=10), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('content_key', sa.String(length=64), nullable=False),
        sa.Column('html', sa.Text(), nullable=True),
        sa.Column('content', sa.JSON(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_render_jobs_organization_id_organizations')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_render_jobs_requested_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['review_id'], ['reviews.id'],
                                name=op.f('fk_render_jobs_review_id_reviews'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_render_jobs')),
    )
    for column in ('content_key', 'organization_id', 'review_id', 'state'):
        op.create_index(op.f(f'ix_render_jobs_{column}'), 'render_jobs', [column],
                        unique=False)


def downgrade():
    op.drop_table('render_jobs')
