"""The composite priority: a transparent 0–100 score with its breakdown, weights and a
senior-involvement threshold set at runtime, routing to Management when it is crossed."""

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from portal.accounts.models import Organization, User
from portal.audit import AuditEvent
from portal.enums import ReputationalRisk, Role, Segment, Status, Tier, UpdateKind, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, Update
from portal.escalations.operations import priority as priority_ops
from portal.escalations.priority import (
    DEFAULT_WEIGHTS,
    THRESHOLD_SETTING,
    WEIGHTS_SETTING,
    PriorityInputs,
    compute_priority,
)
from portal.extensions import db
from portal.notices.models import Notice
from portal.operations import OperationError
from portal.outreach.rendering import render_email
from portal.settings import get_setting, set_setting
from tests import factories
from tests.conftest import csrf_token_from


def _inputs(**overrides):
    values = dict(severity=1, users_affected=1000, core_operations_blocked=True,
                  segment=Segment.STRATEGIC, annual_revenue=500_000_000,
                  reputational_risk=ReputationalRisk.HIGH)
    values.update(overrides)
    return PriorityInputs(**values)


def test_worst_case_scores_100_and_breakdown_adds_up():
    """Everything at its worst is 100, and the parts shown sum to the score."""
    score, breakdown = compute_priority(_inputs())
    assert score == 100
    assert round(sum(breakdown.values())) == score
    assert set(breakdown) == set(DEFAULT_WEIGHTS)


def test_lower_severity_and_smaller_customer_score_lower():
    """A Sev 4 for a small growth customer ranks well below a Sev 1 for a strategic one."""
    high, _ = compute_priority(_inputs())
    low, _ = compute_priority(_inputs(severity=4, segment=Segment.GROWTH, users_affected=3,
                                      core_operations_blocked=False, annual_revenue=500_000,
                                      reputational_risk=ReputationalRisk.LOW))
    assert 0 <= low < 30 < high


def test_weights_change_the_score():
    """Administrators' weights are honoured."""
    inputs = _inputs(severity=4, segment=Segment.STRATEGIC)
    default, _ = compute_priority(inputs)
    segment_heavy, breakdown = compute_priority(
        inputs, {**DEFAULT_WEIGHTS, "segment": 80, "severity": 5})
    assert segment_heavy > default
    assert breakdown["segment"] > breakdown["severity"]


# ------------------------------------------------------- runtime weights, threshold, routing




def _staff(session, world, role=Role.AGENT) -> User:
    return session.get(User, world.staff[role].id)


def _threshold_notices(session, escalation_id):
    return session.scalars(select(Notice).where(Notice.event == "priority_threshold",
                                                Notice.escalation_id == escalation_id)).all()


def test_recompute_reads_the_weights_administrators_set(as_staff, world):
    """A severity-only weighting makes the score the severity share alone."""
    with as_staff() as session:
        manager = _staff(session, world, Role.ESCALATION_MANAGER)
        set_setting(WEIGHTS_SETTING[0], {**{k: 0 for k in DEFAULT_WEIGHTS}, "severity": 100},
                    actor=manager)
        escalation = session.get(Escalation, world.escalation_a.id)
        ops.recompute_priority(escalation)
        assert escalation.priority_score == 70  # Sev 2 counts 70 %
        assert escalation.priority_breakdown["segment"] == 0


def test_crossing_the_threshold_routes_to_management_and_tells_managers_once(as_staff, world):
    """A severity raise takes the score over the threshold: the escalation goes straight to
    the Management tier with the reason on its timeline, the escalation managers get one
    email, and recomputing again changes nothing."""
    with as_staff() as session:
        manager = _staff(session, world, Role.ESCALATION_MANAGER)
        set_setting(THRESHOLD_SETTING[0], 50, actor=manager)
        escalation = session.get(Escalation, world.escalation_a.id)
        assert escalation.priority_score == 47 and escalation.tier == Tier.L1
        ops.change_severity(escalation, 1, actor=_staff(session, world), reason="Worse")
        assert escalation.priority_score == 58
        assert escalation.tier == Tier.MANAGEMENT
        entry = session.scalars(select(Update).where(
            Update.escalation_id == escalation.id, Update.kind == UpdateKind.TIER_CHANGE,
            Update.visibility == Visibility.INTERNAL)).one()
        assert "Escalated from L1 to Management" in entry.body
        assert "Composite priority 58 ≥ threshold 50: senior involvement required" in entry.body
        # The customer reads what it means for them, never the score or the threshold.
        shown = session.scalars(select(Update.body).where(
            Update.escalation_id == escalation.id, Update.kind == UpdateKind.TIER_CHANGE,
            Update.visibility == Visibility.CUSTOMER)).one()
        assert shown == "Our senior escalation team is now involved."
        notices = _threshold_notices(session, escalation.id)
        assert [n.recipient for n in notices] == [manager.email]
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "escalation.tier_changed")).all()
        assert audit and audit[-1].detail["routed_by"] == "priority_threshold"
        ops.recompute_priority(escalation)
        ops.recompute_priority(escalation)
        assert len(_threshold_notices(session, escalation.id)) == 1
        email = render_email(notices[0])
        assert "Priority 58" in email.subject and "routed from L1" in email.text


def test_no_routing_at_management_or_below_the_threshold(as_staff, world):
    with as_staff() as session:
        manager = _staff(session, world, Role.ESCALATION_MANAGER)
        escalation = session.get(Escalation, world.escalation_a.id)
        ops.change_severity(escalation, 1, actor=manager, reason="Worse")  # 58 < 75
        assert escalation.tier == Tier.L1
        assert not _threshold_notices(session, escalation.id)
        other = session.get(Escalation, world.escalation_b.id)
        for tier in (Tier.L2, Tier.L3, Tier.MANAGEMENT):
            ops.change_tier(other, tier, actor=manager, reason="Up")
        set_setting(THRESHOLD_SETTING[0], 20, actor=manager)
        ops.change_severity(other, 1, actor=manager, reason="Worse")
        assert not _threshold_notices(session, other.id)


def test_organization_changes_recompute_its_open_escalations(as_staff, world):
    """A revenue change (an input) recomputes the account's open escalations' scores."""
    with as_staff() as session:
        org = session.get(Organization, world.org_a.id)
        org.annual_revenue = 500_000_000
        changed = priority_ops.recompute_priorities_for_organization(
            org.id, _staff(session, world, Role.ADMINISTRATOR))
        escalation = session.get(Escalation, world.escalation_a.id)
        assert changed == 1 and escalation.priority_score == 54  # 24.5 + 15 + 15
        assert escalation.priority_breakdown["revenue"] == 15


@contextmanager
def _counted(app, kinds=("SELECT", "UPDATE")):
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in kinds:
            seen.append(statement.lstrip().split(None, 1)[0].upper())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_new_weights_rescore_open_escalations_in_batches(app, as_staff, world, monkeypatch):
    """Rescoring runs one read and one bulk UPDATE per batch, whatever the batch holds."""
    monkeypatch.setattr(priority_ops, "RECOMPUTE_BATCH", 3)
    with as_staff() as session:
        agent = _staff(session, world)
        org = session.get(Organization, world.org_b.id)
        for _ in range(5):
            factories.make_escalation(org, actor=agent, severity=3)
    with as_staff() as session:
        manager = _staff(session, world, Role.ESCALATION_MANAGER)
        set_setting(WEIGHTS_SETTING[0], {**DEFAULT_WEIGHTS, "severity": 45, "segment": 5},
                    actor=manager)
        session.flush()
        with _counted(app) as statements:
            result = priority_ops.recompute_open_priorities(manager)
        assert result.changed == 7 and result.routed == 0
        # 7 open escalations in batches of 3: the two settings, 3 reads with rows and a last
        # empty one; one bulk UPDATE per batch.
        assert statements.count("UPDATE") == 3 and statements.count("SELECT") == 6, statements


@pytest.mark.parametrize(("weights", "threshold", "field"), [
    ({**DEFAULT_WEIGHTS, "severity": 36}, 75, "weights"),
    ({**DEFAULT_WEIGHTS, "severity": -5, "business_impact": 65}, 75, "severity"),
    (DEFAULT_WEIGHTS, 0, "threshold"),
    (DEFAULT_WEIGHTS, 101, "threshold"),
])
def test_invalid_priority_settings_are_refused(as_staff, world, weights, threshold, field):
    with as_staff() as session:
        with pytest.raises(OperationError) as refused:
            priority_ops.set_priority_settings(
                dict(weights), threshold, actor=_staff(session, world, Role.ADMINISTRATOR))
        assert refused.value.field == field
        assert get_setting(WEIGHTS_SETTING[0]) is None


# ------------------------------------------------------------------- the Priority page


def _post(client, data):
    token = csrf_token_from(client.get("/admin/priority").get_data(as_text=True))
    return client.post("/admin/priority", data={**data, "csrf_token": token})


def _form(**overrides):
    return {**{k: str(v) for k, v in DEFAULT_WEIGHTS.items()}, "threshold": "75", **overrides}


def test_agents_read_the_weights_but_cannot_change_them(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    page = client.get("/admin/priority")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Technical severity" in html
    assert 'action="/admin/priority"' not in html
    assert _post(client, _form(severity="40", business_impact="20")).status_code == 403
    assert 'href="/admin/priority"' in client.get("/admin/").get_data(as_text=True)


def test_bad_weights_answer_422_beside_the_fields(client, auth, as_staff, world):
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    response = _post(client, _form(severity="50"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="weights-error"' in html and "they add up to 115" in html
    both = _post(client, _form(severity="50", threshold="0")).get_data(as_text=True)
    assert "they add up to 115" in both and 'id="threshold-error"' in both
    response = _post(client, _form(threshold="0", revenue="x"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="threshold-error".*A score from 1 to 100', html, re.S)
    assert 'id="revenue-error"' in html
    with as_staff():
        assert get_setting(WEIGHTS_SETTING[0]) is None
        assert get_setting(THRESHOLD_SETTING[0]) is None


def test_saving_weights_rescores_and_says_how_many_changed(client, auth, as_staff, world):
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    response = _post(client, _form(severity="40", business_impact="20", threshold="80"))
    assert response.status_code == 302
    page = client.get("/admin/priority").get_data(as_text=True)
    assert "Priority weights saved: 2 open escalations rescored." in page
    with as_staff() as session:
        assert get_setting(WEIGHTS_SETTING[0])["severity"] == 40
        assert get_setting(THRESHOLD_SETTING[0]) == 80
        escalation = session.get(Escalation, world.escalation_a.id)
        assert escalation.priority_breakdown["severity"] == 28.0
        actions = session.scalars(select(AuditEvent.action)).all()
        assert actions.count("setting.changed") == 2 and "priority.recomputed" in actions
    assert _post(client, _form(severity="40", business_impact="20", threshold="80")
                 ).status_code == 302
    assert "no score moved" in client.get("/admin/priority").get_data(as_text=True)


def test_the_escalation_header_shows_the_breakdown(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    html = client.get(f"/admin/escalations/{world.escalation_a.id}").get_data(as_text=True)
    assert "Priority 47" in html and 'class="priority-breakdown"' in html
    assert re.search(r"Customer segment</dt><dd>15</dd>", html)


def test_resolved_escalations_are_not_rescored(as_staff, world):
    with as_staff() as session:
        agent = _staff(session, world)
        escalation = session.get(Escalation, world.escalation_b.id)
        for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
            ops.change_status(escalation, status, actor=agent)
        ops.change_status(escalation, Status.RESOLVED, actor=agent, resolution_summary="Ok")
        before = escalation.priority_score
        set_setting(WEIGHTS_SETTING[0], {**DEFAULT_WEIGHTS, "severity": 60, "revenue": 0,
                                         "segment": 0}, actor=agent)
        result = priority_ops.recompute_open_priorities(agent)
        assert result.changed == 1
        session.refresh(escalation)
        assert escalation.priority_score == before


def test_an_escalation_opened_above_the_threshold_goes_to_management_at_once(as_staff):
    """Senior involvement from the first minute: opened at or above the threshold."""
    from sqlalchemy import select

    from portal.enums import Segment, Tier
    from tests.factories import make_escalation, make_organization, make_staff

    with as_staff() as session:
        manager = make_staff(Role.ESCALATION_MANAGER)
        org = make_organization(segment=Segment.STRATEGIC, annual_revenue=200_000_000)
        escalation = make_escalation(org, actor=make_staff(), severity=1, users_affected=1000,
                                     core_operations_blocked=True)
        assert escalation.priority_score >= 75 and escalation.tier == Tier.MANAGEMENT
        assert session.scalars(select(Notice.recipient).where(
            Notice.event == "priority_threshold")).all() == [manager.email]
