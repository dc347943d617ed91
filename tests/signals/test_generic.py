"""The generic signal endpoint: authentication, validation field by field, open and dedupe."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.clock import frozen_at, now
from portal.enums import Role, Status, Trigger, Visibility
from portal.escalations.models import Escalation, Update
from portal.escalations.operations import change_status
from portal.signals import operations
from portal.signals.access import signature
from portal.signals.models import AuthMethod, Integration, SignalLink
from tests.signals.conftest import alert, make_sender


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


def _post(client, sender, body, **kwargs):
    response = client.post("/api/v1/signals/generic", json=body, headers=sender.headers,
                           **kwargs)
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.json["signals"][0]


def _notes(session, escalation_id):
    return session.scalars(select(Update).where(Update.escalation_id == escalation_id)
                           .order_by(Update.id)).all()


def test_the_same_key_adds_to_the_open_escalation_with_a_count(client, sender, as_staff):
    """Repeat firings of one key count on its escalation and are noted on the timeline at most
    once per NOTE_EVERY, summing what fired since; firing after 'resolved' is always noted."""
    start = now()
    with frozen_at(start):
        first = _post(client, sender, alert())
    with frozen_at(start + timedelta(minutes=1)):
        second = _post(client, sender, alert())
    with frozen_at(start + operations.NOTE_EVERY + timedelta(minutes=1)):
        third = _post(client, sender, alert(description="still failing"))
    assert [second["outcome"], third["outcome"]] == ["added", "added"]
    assert first["escalation_id"] == second["escalation_id"] == third["escalation_id"]
    with as_staff() as session:
        internal = [note.body for note in _notes(session, first["escalation_id"])
                    if note.visibility == Visibility.INTERNAL]
        signal_notes = [body for body in internal if "Monitoring fired" in body]
        assert len(signal_notes) == 1, signal_notes  # the second firing was only counted
        assert "3 signals so far" in signal_notes[0]
        assert "(2 since the last note)" in signal_notes[0]
        assert "still failing" in signal_notes[0]
        link = session.scalars(select(SignalLink).where(
            SignalLink.escalation_id == first["escalation_id"])).one()
        assert link.fired_count == 3
        count = session.scalar(select(func.count(Escalation.id)).where(
            Escalation.trigger == Trigger.MONITORING_SIGNAL))
        assert count == 1


def test_firing_again_after_resolved_is_always_noted(client, sender, as_staff):
    first = _post(client, sender, alert())
    _post(client, sender, alert(status="resolved"))
    _post(client, sender, alert())
    with as_staff() as session:
        notes = [note.body for note in _notes(session, first["escalation_id"])]
    assert "Monitoring fired again after it said resolved: 2 signals so far" in notes[-1]


def test_a_resolved_alert_proposes_resolution_and_never_resolves(client, sender, as_staff):
    """Resolved: an internal note and a proposal on the link; the escalation stays open."""
    opened = _post(client, sender, alert())
    resolved = _post(client, sender, alert(status="resolved"))
    assert resolved["outcome"] == "proposed"
    with as_staff() as session:
        escalation = session.get(Escalation, opened["escalation_id"])
        assert escalation.status == Status.NEW
        link = session.scalars(select(SignalLink)).one()
        assert link.resolution_proposed_at is not None
        assert "Monitoring says this is resolved" in _notes(session, escalation.id)[-1].body


def test_every_automatic_action_is_audited_as_the_integration(client, sender, as_staff):
    """The audit log names the integration for the opening, the addition and the proposal."""
    with as_staff() as session:
        before = session.scalar(select(func.max(AuditEvent.id)))
    _post(client, sender, alert())
    _post(client, sender, alert())
    _post(client, sender, alert(status="resolved"))
    with as_staff() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.id > before,
            AuditEvent.action.in_(("escalation.opened", "signal.opened", "signal.added",
                                   "signal.resolution_proposed")))).all()
        assert {event.action for event in events} >= {
            "escalation.opened", "signal.opened", "signal.added", "signal.resolution_proposed"}
        for event in events:
            assert event.actor_id is None
            assert event.detail["acting_as"]["kind"] == "integration"
            assert event.detail["acting_as"]["id"] == sender.integration_id


def test_a_muted_integration_records_signals_and_does_nothing(client, sender, as_staff,
                                                             world):
    """Muted: the signal is listed as muted and no escalation opens."""
    with as_staff() as session:
        integration = session.get(Integration, sender.integration_id)
        operations.set_muted(integration, True,
                             actor=session.merge(world.staff[Role.ADMINISTRATOR]))
    result = _post(client, sender, alert())
    assert result == {"dedupe_key": "db-down", "status": "firing", "outcome": "muted",
                      "escalation_id": None}
    with as_staff() as session:
        assert session.scalar(select(func.count(SignalLink.id))) == 0


def test_a_detached_escalation_lets_the_next_firing_open_a_new_one(client, sender, as_staff,
                                                                   world):
    """After staff detach the escalation, the same key opens a second escalation."""
    first = _post(client, sender, alert())
    with as_staff() as session:
        link = session.scalars(select(SignalLink)).one()
        operations.detach_link(link, actor=session.merge(world.staff[Role.AGENT]))
    second = _post(client, sender, alert())
    assert second["outcome"] == "opened"
    assert second["escalation_id"] != first["escalation_id"]


def test_a_key_whose_escalation_was_resolved_opens_a_new_one(client, sender, as_staff, world):
    """Once staff resolve the escalation, the next firing opens a fresh one."""
    first = _post(client, sender, alert())
    with as_staff() as session:
        escalation = session.get(Escalation, first["escalation_id"])
        agent = session.merge(world.staff[Role.AGENT])
        for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.RESOLVED):
            change_status(escalation, status, actor=agent, resolution_summary="Disk replaced")
    second = _post(client, sender, alert())
    assert second["outcome"] == "opened" and second["escalation_id"] != first["escalation_id"]


def test_rules_map_labels_to_organization_area_and_severity(client, world, as_staff):
    """The first matching rule picks the organization, product area and severity."""
    with as_staff():
        mapped = make_sender(world, rules=(
            f"team=shop -> organization={world.org_b.slug} severity=1 "
            'product_area="Web shop"\n'
            f"team=shop env=prod -> organization={world.org_a.slug}"))
    result = _post(client, mapped, alert(labels={"team": "shop", "env": "prod"},
                                         severity="low"))
    with as_staff() as session:
        escalation = session.get(Escalation, result["escalation_id"])
        assert (escalation.organization_id, escalation.severity, escalation.product_area) == (
            world.org_b.id, 1, "Web shop")


def test_invalid_alerts_answer_422_field_by_field(client, sender):
    """Each bad field is named with its message, as problem+json."""
    response = client.post("/api/v1/signals/generic", headers=sender.headers, json={
        "source": "", "dedupe_key": 7, "status": "exploded", "severity": "apocalyptic",
        "labels": {"a": 1}, "colour": "red"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    fields = {error["field"] for error in response.json["errors"]}
    assert fields == {"source", "dedupe_key", "status", "severity", "labels", "colour"}


def test_a_firing_alert_needs_a_title(client, sender):
    """Firing without a title is refused beside `title`."""
    body = alert()
    del body["title"]
    response = client.post("/api/v1/signals/generic", headers=sender.headers, json=body)
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "title", "detail": "This field is required."}]


def test_an_unknown_or_missing_credential_answers_401(client, sender):
    """No token, a wrong token: 401 problem+json with a Bearer challenge; nothing opens."""
    for headers in ({}, {"Authorization": "Bearer cps_wrong"}):
        response = client.post("/api/v1/signals/generic", json=alert(), headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_of_the_other_kind_answers_403(client, sender):
    """A generic integration's token cannot post Alertmanager payloads."""
    response = client.post("/api/v1/signals/alertmanager", json={"alerts": []},
                           headers=sender.headers)
    assert response.status_code == 403


def test_an_hmac_integration_accepts_only_a_valid_signature(client, world, as_staff):
    """HMAC-SHA256 over the raw body, in X-Clearpath-Signature, with ?integration=<id>."""
    with as_staff():
        signed = make_sender(world, auth=AuthMethod.HMAC)
    body = json.dumps(alert()).encode()
    url = f"/api/v1/signals/generic?integration={signed.integration_id}"
    good = {"X-Clearpath-Signature": signature(signed.secret, body),
            "Content-Type": "application/json"}
    bad = {**good, "X-Clearpath-Signature": signature("not-the-secret", body)}
    assert client.post(url, data=body, headers=bad).status_code == 401
    response = client.post(url, data=body, headers=good)
    assert response.status_code == 202
    assert response.json["signals"][0]["outcome"] == "opened"


def test_an_unmapped_alert_is_recorded_and_opens_nothing(client, sender):
    """An organization slug nobody has: recorded as unmapped."""
    result = _post(client, sender, alert(organization="nobody-here"))
    assert result["outcome"] == "unmapped" and result["escalation_id"] is None


def test_a_sender_past_its_rate_limit_gets_429_and_others_do_not(app, client, world, sender,
                                                                  as_staff, monkeypatch):
    """Per sender: the noisy integration is told to slow down (problem+json); another
    integration posting at the same time is unaffected."""
    monkeypatch.setitem(app.config, "SIGNALS_RATE_LIMIT", "3 per minute")
    with as_staff():
        other = make_sender(world, name="Second monitor")
    answers = [client.post("/api/v1/signals/generic", json=alert(key=f"k{n}"),
                           headers=sender.headers).status_code for n in range(4)]
    assert answers == [202, 202, 202, 429]
    limited = client.post("/api/v1/signals/generic", json=alert(), headers=sender.headers)
    assert limited.content_type == "application/problem+json"
    assert client.post("/api/v1/signals/generic", json=alert(key="other"),
                       headers=other.headers).status_code == 202


def test_the_hmac_secret_is_stored_sealed(world, as_staff):
    """The database holds no HMAC secret in the clear: a dump does not let anyone sign."""
    with as_staff() as session:
        signed = make_sender(world, auth=AuthMethod.HMAC)
        session.flush()
        stored = session.get(Integration, signed.integration_id).hmac_secret_sealed
    assert stored and signed.secret not in stored
