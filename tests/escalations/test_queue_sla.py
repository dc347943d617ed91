"""The staff queue's SLA state per row (portal.escalations.queue._sla_state, written out for
speed) says exactly what sla_state says, for every combination of running clocks."""

from datetime import UTC, datetime, timedelta
from itertools import product

from portal.enums import Status
from portal.escalations.queue import _sla_state, sla_state
from tests.admin.test_queue_table import _escalation

AT = datetime(2026, 3, 29, 1, 30, 15, tzinfo=UTC)
_INSTANTS = [None, AT - timedelta(hours=1), AT, AT + timedelta(minutes=5),
             AT + timedelta(hours=3)]


def test_a_rows_sla_state_is_the_one_sla_state_gives():
    """Every row shows the same clock, state and due time as the escalation's SLA state."""
    checked = 0
    for ack, ack_risk, resolve, resolve_risk, status in product(
            _INSTANTS, _INSTANTS, _INSTANTS, _INSTANTS,
            [Status.WAITING_ON_CUSTOMER, Status.INVESTIGATING]):
        escalation = _escalation(1, ack_due_at=ack, ack_at_risk_at=ack_risk,
                                 resolve_due_at=resolve, resolve_at_risk_at=resolve_risk,
                                 status=status)
        assert _sla_state(escalation, AT) == sla_state(escalation, AT)
        checked += 1
    assert checked == 5 ** 4 * 2
