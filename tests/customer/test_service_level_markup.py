"""The escalation page's service level panel is drawn in Python now
(portal/customer/service_level_markup.py): it reads byte for byte as `customer/_sla_panel.html`
drew it (kept in tests/fixtures), open and resolved, around the clock and in business hours,
with each clock running, paused, met or breached, the next update on cadence or promised, and
hostile text."""

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal.clock import frozen_at, now
from portal.customer.escalation import PARTS
from portal.escalations.sla import Clock, NextUpdate, SlaClocks

BEFORE = (Path(__file__).parent.parent / "fixtures" / "customer_sla_panel_before.html").read_text()
AT = now()
H = timedelta(hours=1)
RUNNING = Clock(target=4 * H, elapsed=H, due_at=AT + 3 * H, stopped_at=None, paused_since=None,
                state="on_track")
BREACHED = Clock(target=4 * H, elapsed=7 * H, due_at=AT - 3 * H, stopped_at=None,
                 paused_since=None, state="breached")
MET = Clock(target=4 * H, elapsed=2 * H, due_at=AT - H, stopped_at=AT - H, paused_since=None,
            state="met")
PAUSED = Clock(target=4 * H, elapsed=2 * H, due_at=None, stopped_at=None, paused_since=AT - H,
               state="paused")
NEXT_UPDATES = [None, NextUpdate(AT + 2 * H, "cadence", False),
                NextUpdate(AT - 2 * H, "commitment", True)]
HOSTILE = '<script>alert("x")</script> & "quotes"'
LEVELS = [
    {"policy": "Premier", "acknowledge": "15 min", "cadence": "1 h", "resolve": "1 d",
     "calendar": "24×7", "timezone": "UTC", "is_24x7": True},
    {"policy": HOSTILE, "acknowledge": "2 business hours", "cadence": "4 business hours",
     "resolve": "24 business hours", "calendar": "Mon–Fri 09:00–18:00, public holidays off",
     "timezone": "Europe/Berlin", "is_24x7": False},
]


@pytest.mark.parametrize("is_open", [True, False])
@pytest.mark.parametrize("acknowledge", [RUNNING, MET, BREACHED])
@pytest.mark.parametrize("resolve", [RUNNING, PAUSED, MET, BREACHED])
@pytest.mark.parametrize("next_update", NEXT_UPDATES)
@pytest.mark.parametrize("service_level", LEVELS, ids=["24x7", "business-hours"])
def test_the_panel_reads_as_its_template_drew_it(app, is_open, acknowledge, resolve,
                                                  next_update, service_level):
    with app.test_request_context("/"), frozen_at(AT):
        context = {
            "escalation": SimpleNamespace(severity=2, is_open=is_open),
            "clocks": SlaClocks(acknowledge=acknowledge, resolve=resolve,
                                next_update=next_update),
            "service_level": service_level,
        }
        # The template as it was called the page's parts by their own names.
        before = app.jinja_env.from_string(BEFORE).render({**vars(PARTS), **context})
        after = app.jinja_env.get_template("customer/_sla_panel.html").render(context)
    assert after == before
