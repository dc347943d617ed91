"""The demo's drill scenario: the shipment-tracking API down at the demo's strategic customer,
with the customer asking for news, a monitoring alert and the customer raising the severity."""

from __future__ import annotations

from portal.drills.models import DrillScenario
from portal.extensions import db

DEMO_SCENARIO = "Tracking API outage at peak"
SCRIPT = [
    {"minute": 0, "kind": "customer_comment",
     "text": "None of our depots can scan parcels since a few minutes. Is anyone looking?"},
    {"minute": 4, "kind": "monitoring_alert",
     "text": "tracking-api: 5xx rate 38 % (threshold 2 %) in eu-west-1"},
    {"minute": 8, "kind": "customer_comment",
     "text": "Any status? Our operations director is asking for a time to fix."},
    {"minute": 12, "kind": "severity_raised",
     "text": "Every depot has stopped; trucks are waiting at the gates."},
    {"minute": 20, "kind": "internal_note",
     "text": "The load balancer's certificate was rotated at 09:02; old chain cached."},
]


def seed_demo_drills(organization) -> None:
    """The demo scenario, for `organization` (the caller commits). No drill runs: starting
    one is the demo's to do, from the Drills page."""
    db.session.add(DrillScenario(
        name=DEMO_SCENARIO, organization_id=organization.id,
        title="Tracking API answers 503 to every depot scanner", severity=2,
        product_area="Public API",
        summary="Scanners get 503 from the tracking API; parcels cannot be booked in or out.",
        customer_impact="Depots cannot move parcels; trucks wait at the gates.",
        script=SCRIPT))
