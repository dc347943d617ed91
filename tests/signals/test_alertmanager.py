"""A real Alertmanager posting to Clearpath: alerts posted to its API become escalations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.enums import Status, Trigger, Visibility
from portal.escalations.models import Escalation, Update
from portal.signals.models import Outcome, Signal, SignalLink
from tests.deployed.stack import wait_until


def _alert(instance: str, *, ends_at: datetime | None = None) -> dict:
    alert = {
        "labels": {"alertname": "DiskFull", "dedupe_key": "disk-full-db", "instance": instance,
                   "severity": "critical"},
        "annotations": {"summary": "Disk full on the database", "description":
                        f"{instance}: /var/lib/postgresql at 99%"},
        "startsAt": "2026-12-06T10:00:00Z" if instance == "db-07" else "2026-12-06T10:05:00Z",
        "generatorURL": "http://prometheus.example/graph",
    }
    if ends_at is not None:
        alert["endsAt"] = ends_at.isoformat().replace("+00:00", "Z")
    return alert


def _link(live):
    with live.session() as session:
        link = session.scalars(sa.select(SignalLink).where(
            SignalLink.dedupe_key == "disk-full-db")).first()
        if link is None:
            return None
        return {"escalation_id": link.escalation_id, "count": link.fired_count,
                "proposed": link.resolution_proposed_at is not None}


def _signals(live, outcome):
    with live.session() as session:
        return session.scalar(sa.select(sa.func.count(Signal.id)).where(
            Signal.dedupe_key == "disk-full-db", Signal.outcome == outcome))


def test_alertmanager_opens_adds_and_proposes_resolution(live, alertmanager):
    """Firing opens one Sev 1 escalation, a second alert with the same key adds to it, and
    the resolved notifications propose resolution while the escalation stays open."""
    alertmanager.post_alerts([_alert("db-07")])
    opened = wait_until(lambda: _link(live), what="the escalation Alertmanager opens",
                        timeout=30, watch=(alertmanager.process,))
    with live.session() as session:
        escalation = session.get(Escalation, opened["escalation_id"])
        assert escalation.title == "Disk full on the database"
        assert escalation.trigger == Trigger.MONITORING_SIGNAL
        assert escalation.severity == 1  # the `severity: critical` label
        assert escalation.organization_id == live.organization_id

    alertmanager.post_alerts([_alert("db-08")])  # a new fingerprint, the same dedupe key
    wait_until(lambda: (_link(live) or {}).get("count") == 2,
               what="the second alert to add to the escalation", timeout=30,
               watch=(alertmanager.process,))

    past = datetime.now(UTC) - timedelta(seconds=1)
    alertmanager.post_alerts([_alert("db-07", ends_at=past), _alert("db-08", ends_at=past)])
    wait_until(lambda: _signals(live, Outcome.PROPOSED) == 2,
               what="both resolved notifications", timeout=30, watch=(alertmanager.process,))
    link = _link(live)
    assert link["proposed"] and link["escalation_id"] == opened["escalation_id"]
    with live.session() as session:
        escalation = session.get(Escalation, opened["escalation_id"])
        assert escalation.status == Status.NEW  # proposed, never resolved by monitoring
        notes = session.scalars(sa.select(Update.body).where(
            Update.escalation_id == escalation.id,
            Update.visibility == Visibility.INTERNAL)).all()
        # The second alert came within NOTE_EVERY of the opening note: counted, not noted.
        assert link["count"] == 2 and not any("signals so far" in note for note in notes)
        assert any("Monitoring says this is resolved" in note for note in notes)
        escalations = session.scalar(sa.select(sa.func.count(Escalation.id)).where(
            Escalation.trigger == Trigger.MONITORING_SIGNAL,
            Escalation.title == "Disk full on the database"))
        assert escalations == 1
    assert _signals(live, Outcome.OPENED) == 1
