"""SLA clocks and the live-status line are drawn in Python now (portal/sla_markup.py): each
reads exactly as the macros of macros/sla.html and macros/live.html drew it, in every state."""

from datetime import timedelta

import pytest

from portal.clock import now
from portal.escalations.sla import Clock, NextUpdate
from portal.sla_markup import live_status, sla_clock, sla_due, sla_next_update

AT = now()
H = timedelta(hours=1)
CLOCKS = [
    Clock(target=4 * H, elapsed=H, due_at=AT + 3 * H, stopped_at=None, paused_since=None,
          state="on_track"),
    Clock(target=4 * H, elapsed=3.5 * H, due_at=AT + H / 2, stopped_at=None, paused_since=None,
          state="at_risk"),
    Clock(target=4 * H, elapsed=7 * H, due_at=AT - 3 * H, stopped_at=None, paused_since=None,
          state="breached"),
    Clock(target=4 * H, elapsed=2 * H, due_at=AT - H, stopped_at=AT - H, paused_since=None,
          state="met"),
    Clock(target=4 * H, elapsed=5 * H, due_at=AT - H, stopped_at=AT - H, paused_since=None,
          state="missed"),
    Clock(target=4 * H, elapsed=2 * H, due_at=None, stopped_at=None, paused_since=AT - H,
          state="paused"),
    Clock(target=4 * H, elapsed=2 * H, due_at=None, stopped_at=None,
          paused_since=AT - 50 * H, state="paused"),
]


@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("paused_reason", [None, "waiting on you", "<b>odd</b>"])
@pytest.mark.parametrize("name", ["Acknowledge", "Resolve & <fix>"])
def test_a_clock_reads_as_the_macro_drew_it(app, clock, paused_reason, name):
    with app.test_request_context("/"):
        before = app.jinja_env.from_string(
            '{%- import "macros/sla.html" as sla -%}{{ sla.clock(name, c, paused_reason=r) }}'
        ).render(name=name, c=clock, r=paused_reason)
        assert str(sla_clock(name, clock, paused_reason=paused_reason)) == before


@pytest.mark.parametrize("next_update", [
    None, NextUpdate(AT + 2 * H, "cadence", False), NextUpdate(AT - 2 * H, "commitment", True)])
def test_the_next_update_reads_as_the_macro_drew_it(app, next_update):
    with app.test_request_context("/"):
        before = app.jinja_env.from_string(
            '{%- import "macros/sla.html" as sla -%}{{ sla.next_update(n) }}'
        ).render(n=next_update)
        assert str(sla_next_update(next_update)) == before


@pytest.mark.parametrize("refreshing", [True, False])
def test_the_live_status_reads_as_the_macro_drew_it(app, refreshing):
    with app.test_request_context("/"):
        before = app.jinja_env.from_string(
            '{%- import "macros/live.html" as live -%}{{ live.status(at, 15, refreshing=r) }}'
        ).render(at=AT, r=refreshing)
        assert str(live_status(AT, 15, refreshing=refreshing)) == before


# The `due` macro `customer/_sla_panel.html` had, before `sla_due` drew it.
DUE_MACRO = """{%- macro due(c) -%}
{%- if c.is_running and c.due_at %} · due {{ c.due_at|localtime('%a %d %b, %H:%M') }}{% endif -%}
{%- endmacro -%}
{{ due(c) }}"""


@pytest.mark.parametrize("clock", CLOCKS)
def test_the_due_instant_reads_as_the_panel_macro_drew_it(app, clock):
    with app.test_request_context("/"):
        before = app.jinja_env.from_string(DUE_MACRO).render(c=clock)
        assert str(sla_due(clock)) == before
