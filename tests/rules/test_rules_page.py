"""The rules page: everyone on the console reads it; escalation managers and administrators
change it, with errors beside the field and every change audited."""

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.enums import Role
from portal.rules.settings import load_rules
from tests.conftest import csrf_token_from


def _form(**overrides) -> dict:
    data = {
        "next_update_grace_minutes": "45",
        "holding_message_text": "Still on {reference}; the update promised for "
                                "{next_update_time} is late.",
        "milestone_due_soon_minutes": "90",
        "handoff_acknowledge_minutes": "20",
        "tier_1_acknowledge": "next",
        "tier_1_resolve": "management",
    }
    for severity in (2, 3, 4):
        data[f"tier_{severity}_acknowledge"] = data[f"tier_{severity}_resolve"] = "none"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _post(client, **overrides):
    token = csrf_token_from(client.get("/admin/rules").get_data(as_text=True))
    return client.post("/admin/rules", data={**_form(**overrides), "csrf_token": token})


@pytest.mark.parametrize("role, status, editable", [
    (Role.AGENT, 200, False), (Role.ACCOUNT_MANAGER, 200, False),
    (Role.ESCALATION_MANAGER, 200, True), (Role.ADMINISTRATOR, 200, True)])
def test_every_staff_role_reads_the_rules_only_some_change_them(client, auth, world, role,
                                                                 status, editable):
    """The page and its nav entry show to all staff; the save button only to those who may."""
    auth.login(world.staff[role].email)
    response = client.get("/admin/rules")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert 'href="/admin/rules"' in html and "75 %" in html
    assert ("Save rules" in html) is editable
    assert ("<fieldset class=\"rules-fieldset\" disabled>" in html) is not editable


def test_customers_cannot_see_the_rules(client, auth, world):
    """A customer is refused, like every console page."""
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    assert client.get("/admin/rules").status_code == 403


@pytest.mark.parametrize("role", [Role.AGENT, Role.ACCOUNT_MANAGER])
def test_roles_without_set_thresholds_cannot_save(client, auth, world, as_staff, role):
    """Agents and account managers get 403 and nothing changes."""
    auth.login(world.staff[role].email)
    assert _post(client).status_code == 403
    with as_staff():
        assert load_rules().next_update_grace_minutes == 30


def test_an_escalation_manager_saves_the_rules_audited(client, auth, world, as_staff):
    """Saved values apply to the next sweep; each changed setting is one audit event."""
    manager = world.staff[Role.ESCALATION_MANAGER]
    auth.login(manager.email)
    response = _post(client, holding_message_enabled="y")
    assert response.status_code == 302
    page = client.get("/admin/rules").get_data(as_text=True)
    assert "Rules saved." in page
    with as_staff() as session:
        rules = load_rules()
        assert rules.next_update_grace_minutes == 45 and rules.holding_message_enabled
        assert rules.milestone_due_soon_minutes == 90 and rules.handoff_acknowledge_minutes == 20
        assert rules.tier_action(1, "resolve") == "management"
        assert rules.tier_action(2, "resolve") == "none"
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "setting.changed", AuditEvent.actor_id == manager.id)).all()
        assert {e.detail["key"] for e in events} == {
            "rules.next_update_grace_minutes", "rules.holding_message.enabled",
            "rules.holding_message.text", "rules.milestone_due_soon_minutes",
            "handoffs.acknowledge_within_minutes", "rules.auto_tier"}
    assert _post(client, holding_message_enabled="y").status_code == 302
    assert "Nothing changed." in client.get("/admin/rules").get_data(as_text=True)


@pytest.mark.parametrize("overrides, field, message", [
    ({"next_update_grace_minutes": "5000"}, "next_update_grace_minutes", "between 0 and 1440"),
    ({"milestone_due_soon_minutes": "soon"}, "milestone_due_soon_minutes", "integer"),
    ({"handoff_acknowledge_minutes": "1"}, "handoff_acknowledge_minutes", "between 5 and"),
    ({"holding_message_enabled": "y", "holding_message_text": ""}, "holding_message_text",
     "Write the holding message"),
    ({"holding_message_text": "Hi {customer}"}, "holding_message_text", "{customer}"),
    ({"tier_2_resolve": "fire-everyone"}, "tier_2_resolve", "Not a valid choice"),
])
def test_bad_input_answers_422_beside_the_field_and_saves_nothing(client, auth, world, as_staff,
                                                                  overrides, field, message):
    """The message sits next to its field (aria-invalid), and no setting changes."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    response = _post(client, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert 'aria-invalid="true"' in html
    with as_staff() as session:
        assert load_rules().next_update_grace_minutes == 30
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.action == "setting.changed")).all() == []
