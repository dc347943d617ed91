"""Hostile input never gets a 5xx: every route of the URL map, every form it renders."""

from __future__ import annotations

import os

import pytest

from portal.enums import Role
from portal.extensions import limiter
from tests import factories
from tests.hostile.walk import Tally, Visitor, Walk
from tests.reports.conftest import publish, resolve

#: Examples per (visitor, route, method); about 150 rules × 2 visitors × this ≈ cases per run.
PER_ROUTE = int(os.environ.get("HOSTILE_PER_ROUTE", "21"))
MIN_CASES = 5_000
#: The walk runs in parts, each one test in its own rolled-back transaction: on PostgreSQL
#: every request that writes (an audit event, a sign-in) holds a subtransaction's lock until
#: the test's transaction ends, and one transaction for the whole map outgrew the lock table
#: ("out of shared memory", max_locks_per_transaction 64 × 100 connections).
PARTS = 4


def _with_a_published_review(world, as_staff) -> None:
    """Escalation B resolved with a published review (the editor, actions, PDFs have a page);
    escalation A stays open (the lifecycle forms have one)."""
    with as_staff() as session:
        manager = session.merge(world.staff[Role.ESCALATION_MANAGER])
        escalation = session.merge(world.escalation_b)
        resolve(escalation, manager)
        publish(escalation, manager)


@pytest.mark.parametrize("part", range(PARTS), ids=lambda part: f"part {part + 1} of {PARTS}")
def test_hostile_values_on_every_route_and_form_get_no_5xx(app, world, as_staff, capsys, part):
    """An administrator and a customer admin send hostile values everywhere (a quarter of the
    URL map per part): 0 answers ≥ 500, and every error page carries the security headers."""
    _with_a_published_review(world, as_staff)
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    tally = Tally(database)
    staff = world.staff[Role.ADMINISTRATOR]
    customer = world.customers_a[Role.CUSTOMER_ADMIN]
    propagate, limits = app.config.get("PROPAGATE_EXCEPTIONS"), limiter.enabled
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as deployed: the 500 handler answers
    limiter.enabled = False  # the walk signs in again often; 429 pages have their own test
    try:
        visitors = [Visitor(app, staff.email, factories.PASSWORD, {staff.id}),
                    Visitor(app, customer.email, factories.PASSWORD, {customer.id})]
        walk = Walk(app, visitors, tally, per_route=PER_ROUTE)
        walk.harvest()
        walk.run(part=part, parts=PARTS)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = propagate
        limiter.enabled = limits
    with capsys.disabled():
        print(f"\nhostile walk on {database}, part {part + 1} of {PARTS}: {tally.cases} cases, "
              f"{tally.server_errors} answers >= 500, "
              f"statuses {dict(sorted(tally.by_status.items()))}")
        for line in tally.failures[:40]:
            print("  ", line)
        for line in tally.header_misses[:10]:
            print("   headers missing:", line)
    assert tally.server_errors == 0
    assert not tally.header_misses
    assert tally.cases >= MIN_CASES // PARTS
