"""What a drill costs the pages that are not about it: the customer dashboard and the staff
queue run the same number of statements with a drill running as without (the DRILL chip reads
a column the queue loads anyway; the customer criteria ride in the same statements)."""

from __future__ import annotations

from portal.enums import Role
from tests.querycount import counted_queries


def _count(app, client, path: str) -> int:
    client.get(path)  # warm: the session's own first-request reads
    with counted_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_a_running_drill_costs_the_customer_dashboard_no_statement(app, client, auth, world,
                                                                   start_drill):
    auth.login(world.customers_a[Role.VIEWER].email)
    before = _count(app, client, "/escalations")
    start_drill()
    assert _count(app, client, "/escalations") == before


def test_a_running_drill_costs_the_staff_queue_no_statement(app, client, auth, world,
                                                            start_drill):
    auth.login(world.staff[Role.AGENT].email)
    before = _count(app, client, "/admin/")
    start_drill()
    after = client.get("/admin/").get_data(as_text=True)
    assert "badge-drill" in after
    assert _count(app, client, "/admin/") == before
