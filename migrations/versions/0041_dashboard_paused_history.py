"""The customer dashboard reads a row's status history only when its escalation ever paused

portal.escalations.dashboard_page read every page row's whole status history (json_agg of one
JSON array per change) for `sla.compute_clocks`, which only a change into a status the clocks
do not count (sla.NOT_COUNTING: waiting on the customer, resolved, closed) can make differ from
no history at all; most open escalations never paused. The statement now probes this partial
index of exactly those changes (escalation_id, with organization_id for the tenancy criteria:
an index-only probe on PostgreSQL) and builds the history only when it has an entry. On the
bench's busiest organization (2 of the first page's 25 rows ever paused), PostgreSQL's CPU per
generic execution of the page's statement ~1.36 -> ~1.19 ms (pgbench, interleaved medians).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07 17:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

NOT_COUNTING = "to_status IN ('closed', 'resolved', 'waiting_on_customer')"


def upgrade():
    op.create_index("ix_status_changes_not_counting_escalation", "status_changes",
                    ["escalation_id"], unique=False, postgresql_include=["organization_id"],
                    sqlite_where=sa.text(NOT_COUNTING), postgresql_where=sa.text(NOT_COUNTING))


def downgrade():
    op.drop_index("ix_status_changes_not_counting_escalation", table_name="status_changes")
