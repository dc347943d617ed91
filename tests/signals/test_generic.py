"""The generic signal endpoint: authentication, validation field by field, open and dedupe."""

from __future__ import annotations

from portal.enums import Trigger
from portal.escalations.models import Escalation
from tests.signals.conftest import alert


def test_a_firing_alert_opens_an_escalation(client, sender, as_staff, world):
    """A firing alert opens one escalation for the mapped organization, marked monitoring."""
    response = client.post("/api/v1/signals/generic", json=alert(), headers=sender.headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    [result] = response.json["signals"]
    assert result["outcome"] == "opened"
    with as_staff() as session:
        escalation = session.get(Escalation, result["escalation_id"])
        assert escalation.trigger == Trigger.MONITORING_SIGNAL
        assert escalation.organization_id == world.org_a.id
        assert escalation.severity == 2
        assert escalation.title == "db-down is failing"
