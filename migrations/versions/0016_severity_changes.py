"""severity history: the severity in force at any instant, for clocks "as of T"

Existing escalations are backfilled from what can be recovered: the timeline's severity-change
entries ("Severity changed from Sev 3 to Sev 1.") give the opening severity and every change
with its time and author; an escalation without one kept its current severity from opened_at.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 18:30:00

"""
import re

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

CHANGE_WORDS = re.compile(r"Severity changed from Sev ([1-4]) to Sev ([1-4])\.")


def upgrade():
    op.create_table('severity_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('severity', sa.SmallInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('severity BETWEEN 1 AND 4', name=op.f('ck_severity_changes_severity_change_range')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_severity_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_severity_changes_escalation_id_escalations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_severity_changes_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_severity_changes'))
    )
    with op.batch_alter_table('severity_changes', schema=None) as batch_op:
        batch_op.create_index('ix_severity_changes_escalation_changed', ['escalation_id', 'changed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_severity_changes_organization_id'), ['organization_id'], unique=False)
    _backfill()


def _backfill():
    bind = op.get_bind()
    entries = bind.execute(sa.text(
        "SELECT u.escalation_id, u.body, u.created_at, u.author_id, e.opened_at, "
        "e.organization_id FROM updates u JOIN escalations e ON e.id = u.escalation_id "
        "WHERE u.kind = 'severity_change' ORDER BY u.escalation_id, u.created_at, u.id"
    )).all()
    rows, seen = [], set()
    for escalation_id, body, created_at, author_id, opened_at, organization_id in entries:
        match = CHANGE_WORDS.match(body or "")
        if match is None:
            continue
        if escalation_id not in seen:
            seen.add(escalation_id)
            rows.append({"escalation_id": escalation_id, "severity": int(match.group(1)),
                         "changed_at": opened_at, "actor_id": None,
                         "organization_id": organization_id})
        rows.append({"escalation_id": escalation_id, "severity": int(match.group(2)),
                     "changed_at": created_at, "actor_id": author_id,
                     "organization_id": organization_id})
    if rows:
        bind.execute(sa.text(
            "INSERT INTO severity_changes (escalation_id, severity, changed_at, actor_id, "
            "organization_id) VALUES (:escalation_id, :severity, :changed_at, :actor_id, "
            ":organization_id)"), rows)
    # Everything else kept its severity from the start.
    bind.execute(sa.text(
        "INSERT INTO severity_changes (escalation_id, severity, changed_at, organization_id) "
        "SELECT e.id, e.severity, e.opened_at, e.organization_id FROM escalations e "
        "WHERE NOT EXISTS (SELECT 1 FROM severity_changes s WHERE s.escalation_id = e.id)"))


def downgrade():
    with op.batch_alter_table('severity_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_severity_changes_organization_id'))
        batch_op.drop_index('ix_severity_changes_escalation_changed')

    op.drop_table('severity_changes')
