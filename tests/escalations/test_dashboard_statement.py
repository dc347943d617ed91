"""The dashboard's latest-update criteria with their enumerated values written as constants
(portal.escalations.dashboard_page, for migration 0040's partial index) are the same rule as
`customer_visible(Update) & counting_update()`, and the partial index holds every update the
rule can pick. Its status history is read only for an escalation that ever entered a status
the clocks do not count (migration 0041's partial index): any other history is the same to the
clocks as none."""

import importlib
import itertools
import re
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from portal.clock import frozen_at
from portal.enums import Role, Status, UpdateKind, Visibility
from portal.escalations import dashboard_page, sla
from portal.escalations import operations as ops
from portal.escalations.models import Update
from portal.escalations.models.escalation import NOT_COUNTING_PREDICATE
from portal.escalations.models.update import COUNTING_UPDATE
from portal.escalations.promises import counting_update
from portal.escalations.queries import customer_visible
from tests import factories


def _literal(criteria, dialect) -> str:
    return str(criteria.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def test_written_criteria_are_the_same_rule():
    rule = customer_visible(Update) & counting_update()
    written = dashboard_page._enumerations_written(rule)
    for dialect in (postgresql.dialect(), sqlite.dialect()):
        assert _literal(written, dialect) == _literal(rule, dialect)
    text = str(written.compile(dialect=postgresql.dialect()))
    assert "updates.visibility = 'customer'" in text
    assert "updates.kind = 'note'" in text and "updates.kind = 'status_change'" in text
    assert "%(body_1)s" in text  # only the enumerations are written: the note separator stays


def test_the_partial_index_holds_every_update_the_rule_picks():
    """Every combination the rule accepts passes the index's predicate (SQLite evaluates both
    on a one-row table of the combination)."""
    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE updates (id INTEGER, visibility TEXT, kind TEXT, author_id INTEGER,"
            " retracted_at TEXT, body TEXT)")
        rule = _literal(customer_visible(Update) & counting_update(), sqlite.dialect())
        picks = 0
        for visibility, kind, author_id, retracted_at, body in itertools.product(
                [v.value for v in Visibility], [k.value for k in UpdateKind], [None, 1],
                [None, "2026-01-01"], ["plain", "status\n\nwith a note"]):
            connection.exec_driver_sql("DELETE FROM updates")
            connection.exec_driver_sql(
                "INSERT INTO updates VALUES (1, ?, ?, ?, ?, ?)",
                (visibility, kind, author_id, retracted_at, body))
            picked = connection.exec_driver_sql(f"SELECT count(*) FROM updates WHERE {rule}")
            indexed = connection.exec_driver_sql(
                f"SELECT count(*) FROM updates WHERE {COUNTING_UPDATE}")
            if picked.scalar():
                picks += 1
                assert indexed.scalar() == 1, (visibility, kind, author_id, retracted_at)
    assert picks == 3  # a note, and a status change with a note, by a person: either body


COUNTING = sorted(status.value for status in Status if status.value not in sla.NOT_COUNTING)
START = datetime(2026, 3, 27, 6, tzinfo=UTC)  # a Friday, two days before Berlin's DST change
CALENDARS = [
    sla.Calendar("UTC"),
    sla.Calendar("Europe/Berlin", {d: [(time(9), time(18))] for d in range(5)}),
    sla.Calendar("America/New_York", {0: [(time(0), time(0))], 4: [(time(8), time(12))]}),
]


def test_the_statuses_the_clocks_do_not_count_are_statuses():
    """`sla.NOT_COUNTING` names statuses, and every other status counts (the split below)."""
    assert sla.NOT_COUNTING.issubset(status.value for status in Status)
    assert COUNTING and set(COUNTING).isdisjoint(sla.NOT_COUNTING)


@settings(max_examples=300, deadline=None)
@given(calendar=st.sampled_from(CALENDARS),
       opened=st.integers(0, 4 * 1440),
       changes=st.lists(st.tuples(st.integers(-600, 6 * 1440), st.sampled_from(COUNTING)),
                        max_size=6),
       minutes=st.tuples(*[st.integers(1, 3000)] * 3),
       acknowledged=st.none() | st.integers(0, 6 * 1440),
       resolved=st.none() | st.integers(0, 6 * 1440),
       now=st.integers(0, 7 * 1440))
def test_a_history_that_never_pauses_is_the_same_to_the_clocks_as_none(
        calendar, opened, changes, minutes, acknowledged, resolved, now):
    """What lets the dashboard skip a row's history unless it ever paused (dashboard_page.
    _status_history): changes only between counting statuses, in any order and at any instant
    (before the opening, after now), give exactly the clocks of no history at all."""
    def instant(minute):
        return None if minute is None else START + timedelta(minutes=minute)

    def clocks(history):
        return sla.compute_clocks(
            calendar=calendar, targets=sla.Targets(*minutes), opened_at=instant(opened),
            status_history=history, acknowledged_at=instant(acknowledged),
            resolved_at=instant(resolved), last_customer_update_at=None, next_update_by=None,
            now=instant(now))

    history = [sla.StatusChange(at=instant(at), status=status) for at, status in changes]
    assert clocks(history) == clocks(sla.OrderedHistory())


def _written(criteria) -> str:
    return str(criteria.compile(dialect=postgresql.dialect(),
                                compile_kwargs={"literal_binds": True}))


def test_the_paused_history_index_holds_exactly_the_statuses_the_clocks_do_not_count():
    """Migration 0041's predicate (the model's and the migration's) names `sla.NOT_COUNTING`,
    and the statement's probe asks for the same statuses, written as the predicate writes them
    (a generic plan can then prove the probe is in the index)."""
    named = re.findall(r"'(\w+)'", NOT_COUNTING_PREDICATE)
    assert named == sorted(sla.NOT_COUNTING)
    migration = importlib.import_module("migrations.versions.0041_dashboard_paused_history")
    assert migration.NOT_COUNTING == NOT_COUNTING_PREDICATE
    probe = _written(dashboard_page._status_history())
    assert "pause." + NOT_COUNTING_PREDICATE in probe
    assert "CASE WHEN (EXISTS" in probe


@pytest.fixture
def agent(staff_session):
    return factories.make_staff(Role.AGENT)


def test_only_an_escalation_that_ever_paused_brings_its_history(staff_session, agent):
    """Rows read their history only once it holds a pause (waiting on the customer, or
    resolved and reopened): one that only moved between counting statuses reads none."""
    org = factories.make_organization()
    at = START.replace(hour=10)
    with frozen_at(at):
        quiet, waited, reopened = (factories.make_escalation(org, actor=agent, severity=s)
                                   for s in (1, 2, 3))
    with frozen_at(at + timedelta(hours=1)):
        for escalation in (quiet, waited, reopened):
            ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
        for escalation in (quiet, reopened):
            ops.change_status(escalation, Status.INVESTIGATING, actor=agent)
        ops.change_status(waited, Status.WAITING_ON_CUSTOMER, actor=agent, reason="Logs?")
        ops.change_status(reopened, Status.RESOLVED, actor=agent, resolution_summary="Fixed.")
    with frozen_at(at + timedelta(hours=2)):
        ops.change_status(waited, Status.INVESTIGATING, actor=agent)
        ops.change_status(reopened, Status.INVESTIGATING, actor=agent, reason="It is back.")
    staff_session.flush()
    rows = dashboard_page.read(dashboard_page.Shape("oldest"),
                               {"organization_id": org.id, "limit": 25, "offset": 0})
    histories = {row.escalation.id: [change.status for change in row.history] for row in rows}
    assert histories == {
        quiet.id: [],
        waited.id: ["new", "acknowledged", "waiting_on_customer", "investigating"],
        reopened.id: ["new", "acknowledged", "investigating", "resolved", "investigating"],
    }
