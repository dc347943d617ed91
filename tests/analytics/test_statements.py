"""The analytics page and its CSV run the same number of SQL statements for a few escalations
as for many: every figure is one set-based query, never one per escalation."""

from __future__ import annotations

import pytest

from portal.clock import frozen_at
from portal.enums import Role
from tests.analytics.dataset import NOW, SINCE, UNTIL, seed_half_year
from tests.querycount import counted_queries

STATEMENT_BUDGET = 20  # the session and user, 3 for the form choices, one per figure


@pytest.mark.parametrize(
    "query",
    [
        f"since={SINCE}&until={UNTIL}",
        f"since={SINCE}&until={UNTIL}&group_by=owner",
        f"since={SINCE}&until={UNTIL}&group_by=organization&severity=2",
    ],
)
def test_the_statement_count_does_not_grow_with_the_escalations(
    app, client, auth, world, as_staff, query
):
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    counts = []
    for count in (4, 30):
        with as_staff():
            seed_half_year(world, count=count, seed=count)
        for url in (f"/admin/analytics?{query}", f"/admin/analytics.csv?{query}"):
            with frozen_at(NOW), counted_queries(app) as statements:
                response = client.get(url)
                response.get_data()
            assert response.status_code == 200
            counts.append(len(statements))
    assert counts[:2] == counts[2:], counts
    assert max(counts) <= STATEMENT_BUDGET, counts
