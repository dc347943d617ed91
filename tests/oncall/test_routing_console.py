"""Routing rules in the console: escalation managers add, edit, reorder and delete them (a
refusal shows beside its field, every change is audited); anyone in the console tests them
with an example escalation; the team form sets the minutes to acknowledge and the manager;
the escalation page says how triage routed it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.clock import frozen_at
from portal.enums import Role, Trigger
from portal.escalations import operations as ops
from portal.escalations.models import Handoff
from portal.oncall.models import Team, TeamMember
from portal.oncall.triage import triage_escalations
from portal.oncall.triage_models import RoutingRule
from tests import factories
from tests.conftest import csrf_token_from

NIGHT = datetime(2026, 11, 30, 2, 10, tzinfo=UTC)


def _post(client, path, data, page):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def desk(world, as_staff) -> dict:
    """Two teams (plain ids and names): "Night desk" with the agent on call, "Mobile"."""
    with as_staff() as session:
        night = Team(name="Night desk", product_area="", timezone="Europe/London",
                     starts_on=date(2026, 11, 2),
                     members=[TeamMember(user_id=world.staff[Role.AGENT].id, position=0)])
        mobile = Team(name="Mobile", product_area="Mobile app", timezone="UTC",
                      starts_on=date(2026, 11, 2))
        session.add_all([night, mobile])
        session.flush()
        return {"night": night.id, "mobile": mobile.id}


def _rules(as_staff) -> list[tuple]:
    with as_staff() as session:
        return [(r.position, r.team_id, r.product_area, r.max_severity, r.trigger)
                for r in session.scalars(select(RoutingRule).order_by(RoutingRule.position))]


def test_an_escalation_manager_adds_reorders_edits_and_deletes_rules(
        client, auth, world, as_staff, desk):
    """Rules are added at the end, move up and down, change, and go; each change is audited."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    page = "/admin/on-call/routing/new"
    assert _post(client, page, {"max_severity": "2", "team_id": str(desk["night"])},
                 page).status_code == 302
    assert _post(client, page, {"product_area": "Mobile app", "trigger": "monitoring_signal",
                                "team_id": str(desk["mobile"])}, page).status_code == 302
    assert _rules(as_staff) == [(1, desk["night"], "", 2, None),
                                (2, desk["mobile"], "Mobile app", None,
                                 Trigger.MONITORING_SIGNAL)]
    listing = client.get("/admin/on-call/routing").get_data(as_text=True)
    assert "Sev 2 or worse" in listing
    assert listing.index("Night desk</a>") < listing.index("Mobile</a>")
    with as_staff() as session:
        mobile_rule = session.scalar(select(RoutingRule.id).where(
            RoutingRule.team_id == desk["mobile"]))
    moved = _post(client, f"/admin/on-call/routing/{mobile_rule}/move", {"direction": "up"},
                  "/admin/on-call/routing")
    assert moved.status_code == 302
    assert [row[1] for row in _rules(as_staff)] == [desk["mobile"], desk["night"]]
    again = _post(client, f"/admin/on-call/routing/{mobile_rule}/move", {"direction": "up"},
                  "/admin/on-call/routing")
    assert "This rule is first already." in client.get(again.location).get_data(as_text=True)
    assert [row[1] for row in _rules(as_staff)] == [desk["mobile"], desk["night"]]
    edit = f"/admin/on-call/routing/{mobile_rule}/edit"
    assert 'value="Mobile app"' in client.get(edit).get_data(as_text=True)
    assert _post(client, edit, {"product_area": "Mobile app", "category": "Login",
                                "team_id": str(desk["mobile"])}, edit).status_code == 302
    assert _rules(as_staff)[0][4] is None  # the trigger is any again
    assert _post(client, f"/admin/on-call/routing/{mobile_rule}/delete", {},
                 "/admin/on-call/routing").status_code == 302
    assert [row[1] for row in _rules(as_staff)] == [desk["night"]]
    with as_staff() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "RoutingRule").order_by(AuditEvent.id)).all()
    assert actions == ["oncall.rule_created", "oncall.rule_created", "oncall.rule_moved",
                       "oncall.rule_edited", "oncall.rule_deleted"]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({}, "team_id", "Choose the team these escalations go to."),
    ({"team_id": "999999"}, "team_id", "Choose the team these escalations go to."),
    ({"team_id": "NIGHT", "max_severity": "7"}, "max_severity",
     "Choose a severity between Sev 1 and Sev 4"),
    ({"team_id": "NIGHT", "organization_id": "999999"}, "organization_id",
     "Choose an organization, or any."),
    ({"team_id": "NIGHT", "category": "x" * 81}, "category", "Field cannot be longer"),
])
def test_a_rule_that_cannot_route_is_refused_beside_its_field(
        client, auth, world, as_staff, desk, data, field, message):
    """422 with the message by the field; nothing is saved."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    data = {k: str(desk["night"]) if v == "NIGHT" else v for k, v in data.items()}
    page = "/admin/on-call/routing/new"
    answer = _post(client, page, data, page)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    assert _rules(as_staff) == []


def test_test_these_rules_names_the_rule_the_team_and_who_is_on_call(
        client, auth, world, as_staff, desk):
    """An agent describes an example: the page names rule 1, its team and the agent on call
    now; an example no rule covers says so."""
    with as_staff() as session:
        session.add(RoutingRule(position=1, max_severity=2, organization_id=world.org_a.id,
                                team_id=desk["night"]))
    auth.login(world.staff[Role.AGENT].email)
    with frozen_at(NIGHT):
        hit = client.get("/admin/on-call/routing", query_string={
            "organization_id": world.org_a.id, "severity": "1", "trigger": "severity"})
        miss = client.get("/admin/on-call/routing", query_string={
            "organization_id": world.org_b.id, "severity": "1", "trigger": "severity"})
    html = hit.get_data(as_text=True)
    assert hit.status_code == 200
    assert "Rule 1 (Acme Logistics · Sev 2 or worse)" in html
    assert "<strong>Night desk</strong>" in html
    assert f"On call now: <strong>{world.staff[Role.AGENT].name}</strong>" in html
    assert "No rule matches:" in miss.get_data(as_text=True)
    assert "Add a rule" not in html  # agents read and test, they do not edit


@pytest.mark.parametrize("role", [Role.AGENT, Role.ACCOUNT_MANAGER])
def test_plain_staff_cannot_change_rules(client, auth, world, as_staff, desk, role):
    """Adding, editing, moving and deleting answer 403 to staff without the roster right."""
    with as_staff() as session:
        rule = RoutingRule(position=1, team_id=desk["night"])
        session.add(rule)
        session.flush()
        rule_id = rule.id
    auth.login(world.staff[role].email)
    token = csrf_token_from(client.get("/admin/on-call/routing").get_data(as_text=True))
    assert client.get("/admin/on-call/routing/new").status_code == 403
    for path in ("new", f"{rule_id}/edit", f"{rule_id}/delete", f"{rule_id}/move"):
        answer = client.post(f"/admin/on-call/routing/{path}",
                             data={"csrf_token": token, "team_id": str(desk["mobile"])})
        assert answer.status_code == 403, path
    assert _rules(as_staff) == [(1, desk["night"], "", None, None)]


def test_customers_cannot_see_or_change_rules(client, auth, world, as_staff, desk):
    """The routing page is the console's: a customer gets 403."""
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    assert client.get("/admin/on-call/routing").status_code == 403
    assert client.post("/admin/on-call/routing/new", data={}).status_code in (400, 403)
    assert _rules(as_staff) == []


def test_the_team_form_sets_the_minutes_to_acknowledge_and_the_manager(
        client, auth, world, as_staff, desk):
    """Both are saved and audited; zero minutes is refused beside the field."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    edit = f"/admin/on-call/{desk['night']}/edit"
    form = {"name": "Night desk", "product_area": "", "timezone": "Europe/London",
            "rotation_length": "weekly", "handoff_weekday": "0", "handoff_time": "09:00",
            "starts_on": "2026-11-02", "members-0": str(world.staff[Role.AGENT].id),
            "manager_id": str(world.staff[Role.ESCALATION_MANAGER].id)}
    refused = _post(client, edit, {**form, "acknowledge_minutes": "0"}, edit)
    assert refused.status_code == 422
    assert 'id="acknowledge_minutes-error"' in refused.get_data(as_text=True)
    assert _post(client, edit, {**form, "acknowledge_minutes": "10"}, edit).status_code == 302
    with as_staff() as session:
        team = session.get(Team, desk["night"])
        assert (team.acknowledge_minutes, team.manager_id) == (
            10, world.staff[Role.ESCALATION_MANAGER].id)
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "oncall.team_edited"))
        assert event.detail["after"]["acknowledge_minutes"] == 10
    page = client.get(edit).get_data(as_text=True)
    assert 'value="10"' in page
    team_page = client.get(f"/admin/on-call/{desk['night']}").get_data(as_text=True)
    assert (f"acknowledges within 10 min, else the next person in this order has it, then "
            f"{world.staff[Role.ESCALATION_MANAGER].name} (manager)") in team_page


def test_the_escalation_page_shows_the_triage_state(client, auth, world, as_staff, desk):
    """Routed by rule 1 to the team, assigned to the person on call, awaiting their
    acknowledgement; once they acknowledge, "Acknowledged after N min"."""
    with as_staff() as session:
        session.add(RoutingRule(position=1, team_id=desk["night"]))
        with frozen_at(NIGHT):
            escalation = ops.open_escalation(
                session.get(type(world.org_a), world.org_a.id), actor=None,
                title="Night outage", severity=2, trigger=Trigger.MONITORING_SIGNAL,
                handoff=factories.handoff_template())
            triage_escalations(NIGHT)
        escalation_id = escalation.id
    auth.login(world.staff[Role.AGENT].email)
    with frozen_at(NIGHT + timedelta(minutes=3)):
        page = client.get(f"/admin/escalations/{escalation_id}").get_data(as_text=True)
    assert "rule 1</a> (Every escalation) to <a" in page and "Night desk</a>" in page
    assert f"Assigned: <strong>{world.staff[Role.AGENT].name}</strong>" in page
    assert "Awaiting acknowledgement" in page
    with as_staff() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.escalation_id == escalation_id))
        with frozen_at(NIGHT + timedelta(minutes=4)):
            ops.acknowledge_handoff(handoff, actor=session.get(
                type(world.staff[Role.AGENT]), world.staff[Role.AGENT].id))
    page = client.get(f"/admin/escalations/{escalation_id}").get_data(as_text=True)
    assert "Acknowledged</span> after 4 min." in page
