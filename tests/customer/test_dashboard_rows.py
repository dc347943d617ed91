"""The dashboard's rows are drawn in Python now (portal/customer/dashboard_rows.py): every row
reads exactly as the Jinja loop and `macros/sla.html` drew it (their source kept in
tests/fixtures/dashboard_rows_before.html), whatever the clocks, people and updates."""

import cProfile
import pstats
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask import g

from portal.clock import frozen_at
from portal.customer import dashboard_rows
from portal.enums import Status, Tier
from portal.escalations import sla
from portal.escalations.dashboard import LatestUpdate, Row
from portal.escalations.dashboard_page import DashboardEscalation, Person
from portal.escalations.listing import NextMilestone

BEFORE = Path(__file__).parent.parent / "fixtures" / "dashboard_rows_before.html"
NOW = datetime(2026, 3, 29, 0, 30, 17, tzinfo=UTC)  # a spring-forward night in Europe
AT = NOW - timedelta(milliseconds=3)
H = timedelta(hours=1)

PEOPLE = [None, Person("Sam <W>", "sam.w@ex.com", "+1 (555) 12-34"),
          Person("Ana & Co", "a@b.c", None)]


def _clock(state, *, elapsed=H, due_at=NOW + 3 * H, stopped_at=None, paused_since=None):
    return sla.Clock(target=4 * H, elapsed=elapsed, due_at=due_at, stopped_at=stopped_at,
                     paused_since=paused_since, state=state)


CLOCKS = [
    _clock("on_track"),
    _clock("at_risk", due_at=NOW + timedelta(seconds=30)),
    _clock("breached", elapsed=6 * H + timedelta(minutes=7), due_at=NOW - 2 * H),
    _clock("met", stopped_at=NOW - H),
    _clock("missed", elapsed=timedelta(days=3, hours=2), stopped_at=NOW - 5 * H),
    _clock("on_track", due_at=None, paused_since=NOW - 20 * timedelta(minutes=1)),
    _clock("at_risk", due_at=None, paused_since=NOW - timedelta(days=2, hours=3)),
    _clock("odd_<state>"),
]
NEXT_UPDATES = [None, sla.NextUpdate(NOW + 2 * H, "cadence", False),
                sla.NextUpdate(NOW - timedelta(minutes=95), "commitment", True),
                sla.NextUpdate(NOW + timedelta(seconds=20), "cadence", False)]
MILESTONES = [None, NextMilestone("Patch <rolled> out", NOW + timedelta(days=1, minutes=5)),
              NextMilestone("Root cause & fix", AT), NextMilestone("Late one", NOW - 3 * H)]
UPDATES = [None, LatestUpdate("We <b>restarted</b> the \"edge\" nodes…", NOW - 4 * H, "Jo"),
           LatestUpdate("", NOW - timedelta(seconds=5), "Clearpath & <Co>")]


def _rows():
    combos = product(range(len(CLOCKS)), PEOPLE, NEXT_UPDATES, MILESTONES, UPDATES)
    rows = []
    for n, (clock, person, next_update, milestone, update) in enumerate(combos):
        escalation = DashboardEscalation(
            id=n + 1, title=["Checkout <down> & \"slow\"", "Login"][n % 2],
            severity=n % 4 + 1, status=list(Status)[n % len(Status)], tier=list(Tier)[n % 4],
            product_area=[None, "", "Payments & <API>"][n % 3],
            opened_at=NOW - timedelta(days=n % 5, minutes=n), acknowledged_at=None,
            resolved_at=None, customer_changed_at=NOW - timedelta(seconds=n),
            owner=person, communicator=PEOPLE[n % 3])
        clocks = sla.SlaClocks(acknowledge=CLOCKS[clock], resolve=CLOCKS[-1 - clock],
                               next_update=next_update)
        rows.append(Row(escalation=escalation, clocks=clocks, next_milestone=milestone,
                        latest_update=update, open_for=AT - escalation.opened_at))
    return rows


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kolkata"])
def test_every_row_reads_as_the_template_drew_it(app, zone):
    """Clocks running, at risk, breached, stopped, paused today or days ago; people missing or
    with odd characters; updates and milestones present, late or missing: the same markup."""
    before = app.jinja_env.from_string(BEFORE.read_text()).module
    rows = _rows()
    with app.test_request_context("/escalations"), frozen_at(NOW):
        g.render_zone = ZoneInfo(zone)
        drawn = str(dashboard_rows.rows(rows, AT))
        expected = str(before.rows(SimpleNamespace(rows=rows), AT))
    assert drawn.count("<li ") == len(rows) > 100
    assert drawn == expected


def test_no_rows_draw_nothing(app):
    """An empty page has no row markup at all (the template shows its empty state instead)."""
    with app.test_request_context("/escalations"):
        assert str(dashboard_rows.rows([], AT)) == ""


def test_a_changed_escalation_is_drawn_anew(app):
    """A row's unchanging markup is remembered per escalation record: a new record of the same
    escalation (its title changed) shows the new title, never the remembered one."""
    row = _rows()[1]
    renamed = row._replace(escalation=row.escalation._replace(title="Renamed & <new>"))
    with app.test_request_context("/escalations"), frozen_at(NOW):
        g.render_zone = ZoneInfo("UTC")
        first = str(dashboard_rows.rows([row], AT))
        second = str(dashboard_rows.rows([renamed], AT))
        again = str(dashboard_rows.rows([row], AT))
    assert "Renamed &amp; &lt;new&gt;" in second and "Renamed" not in first
    assert first == again


def test_calls_per_row_do_not_grow_with_rows(app):
    """Drawing remembered rows makes no Python call per row (the clocks but a paused one
    included): ten times the rows, the same calls (a page draws 25 on every request)."""
    rows = [r for r in _rows() if not r.clocks.acknowledge.paused_since
            and not r.clocks.resolve.paused_since]
    with app.test_request_context("/escalations"), frozen_at(NOW):
        g.render_zone = ZoneInfo("UTC")
        dashboard_rows.rows(rows, AT)  # remembered

        def calls(some):
            profiler = cProfile.Profile()
            profiler.enable()
            dashboard_rows.rows(some, AT)
            profiler.disable()
            return pstats.Stats(profiler).total_calls

        assert calls(rows[:10]) == calls(rows[:100])


def test_remembered_rows_move_with_the_time(app):
    """A row drawn again seconds or minutes later (remembered rows in between) reads as the
    template draws it then: every "how long ago" and "in how long" moves on its own minute,
    a milestone turns late at its due instant, an update overdue at its own."""
    before = app.jinja_env.from_string(BEFORE.read_text()).module
    rows = _rows()[::7]
    with app.test_request_context("/escalations"):
        g.render_zone = ZoneInfo("Europe/Paris")
        for step in range(0, 200, 13):  # across three minute turns, at odd seconds
            instant = NOW + timedelta(seconds=step)
            at = instant - timedelta(milliseconds=3)
            moved = [r._replace(open_for=at - r.escalation.opened_at) for r in rows]
            with frozen_at(instant):
                drawn = str(dashboard_rows.rows(moved, at))
                expected = str(before.rows(SimpleNamespace(rows=moved), at))
            assert drawn == expected, step
