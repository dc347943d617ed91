"""Paging costs the same few statements per sweep whatever the number of open escalations and
teams while nothing new is due; each page or repeat adds its own few (the row, its email, its
webhooks), so the cost follows the pages sent, never the escalations swept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.clock import frozen_at
from portal.oncall.paging import page_on_call
from tests import factories
from tests.oncall.paging import london_team, open_sev1
from tests.querycount import counted_queries

OPENED = datetime(2026, 11, 24, 10, tzinfo=UTC)


def _quiet_sweep_statements(teams: int, escalations: int) -> int:
    people = [factories.make_staff() for _ in range(teams)]
    for n, person in enumerate(people):
        london_team([person], starts_on=date(2026, 11, 2), name=f"Team {teams}-{n}",
                     area=f"Area {teams}-{n}" if n else "")
    org, owner = factories.make_organization(), factories.make_staff()
    for _ in range(escalations):
        open_sev1(org, owner, OPENED)
    at = OPENED + timedelta(minutes=5)  # nothing at risk yet
    with frozen_at(at), counted_queries() as statements:
        assert page_on_call(at) == {"pages": 0, "repeats": 0, "handed_over": 0, "ended": 0}
    return len(statements)


def test_a_quiet_sweep_reads_a_fixed_number_of_statements(staff_session):
    few = _quiet_sweep_statements(1, 3)
    many = _quiet_sweep_statements(6, 40)
    print(f"quiet sweep: {few} statements with 1 team and 3 escalations, {many} with 6 and 40")
    assert few == many <= 6


def test_each_page_costs_its_own_statements_only(staff_session):
    """Ten breaches: the pages' writes grow with the pages; the reads stay the same."""
    counts = []
    for size in (2, 12):
        person = factories.make_staff()
        london_team([person], starts_on=date(2026, 11, 2), name=f"Solo {size}",
                    area=f"Solo area {size}")
        org, owner = factories.make_organization(), factories.make_staff()
        for _ in range(size):
            open_sev1(org, owner, OPENED, product_area=f"Solo area {size}")
        at = OPENED + timedelta(minutes=15)
        with frozen_at(at), counted_queries() as statements:
            page_on_call(at)
        counts.append(len(statements))  # (the first size's pages are not due again yet)
    per_page = (counts[1] - counts[0]) / 10
    print(f"paging: {counts[0]} statements for 2 pages, {counts[1]} for 12: {per_page}/page")
    assert per_page <= 6
