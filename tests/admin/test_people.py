"""Staff accounts in the console: create, change role, deactivate (which ends sessions at
once) and reactivate; the console always keeps an administrator; nothing secret is audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.enums import Role
from tests import factories


def _token(client, path="/admin/people") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _new_person(client, **overrides) -> dict:
    data = {"csrf_token": _token(client), "name": "Nia Brooks",
            "email": "nia.brooks@vendor.example.com", "role": "agent",
            "password": "a long initial password"}
    data.update(overrides)
    return data


def test_the_list_shows_every_staff_member_and_no_customer(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    html = client.get("/admin/people").get_data(as_text=True).replace("<wbr>", "")
    for person in world.staff.values():
        assert person.email in html
    assert world.customers_a[Role.VIEWER].email not in html
    assert "Add a staff member" not in html and "Deactivate" not in html


def test_an_administrator_adds_a_staff_member_who_can_sign_in(app, client, auth, world,
                                                              as_staff):
    """The new person signs in with the initial password; the audit log never holds it."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    answer = client.post("/admin/people", data=_new_person(client, role="escalation_manager"))
    assert answer.status_code == 302
    with as_staff() as session:
        user = session.scalar(select(User).where(User.email == "nia.brooks@vendor.example.com"))
        assert user.role == Role.ESCALATION_MANAGER and user.active
        details = [str(e.detail) for e in session.scalars(select(AuditEvent))]
        assert not any("a long initial password" in d or "argon2" in d for d in details)
    other = app.test_client()
    from tests.conftest import AuthActions

    assert AuthActions(other).login("nia.brooks@vendor.example.com",
                                    "a long initial password").status_code == 302
    assert other.get("/admin/").status_code == 200


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"name": ""}, "name", "Give the person"),
    ({"email": "nobody"}, "email", "email address"),
    ({"email": "EXISTING"}, "email", "already exists"),
    ({"role": "viewer"}, "role", "Not a valid choice"),
    ({"password": "short"}, "password", "at least 12"),
])
def test_bad_staff_input_is_explained_and_saves_nothing(client, auth, world, as_staff,
                                                        overrides, field, message):
    """422 with the message beside the field; the typed password is not sent back."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    if overrides.get("email") == "EXISTING":
        overrides["email"] = world.staff[Role.AGENT].email.upper()
    answer = client.post("/admin/people", data=_new_person(client, **overrides))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert "a long initial password" not in html
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(User).where(
            User.name == "Nia Brooks")) == 0


def test_changing_a_role_is_audited_with_before_and_after(client, auth, world, as_staff):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    agent = world.staff[Role.AGENT]
    answer = client.post(f"/admin/people/{agent.id}/role",
                         data={"csrf_token": _token(client), "role": "account_manager"})
    assert answer.status_code == 302
    with as_staff() as session:
        assert session.get(User, agent.id).role == Role.ACCOUNT_MANAGER
        entry = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
        assert entry.detail == {"before": {"role": "agent"}, "after": {"role": "account_manager"}}


def test_a_staff_member_cannot_be_given_a_customer_role(client, auth, world, as_staff):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    agent = world.staff[Role.AGENT]
    answer = client.post(f"/admin/people/{agent.id}/role",
                         data={"csrf_token": _token(client), "role": "viewer"})
    assert answer.status_code == 422
    assert f'id="person-{agent.id}-error"' in answer.get_data(as_text=True)
    with as_staff() as session:
        assert session.get(User, agent.id).role == Role.AGENT


def test_the_last_administrator_cannot_step_down(client, auth, world, as_staff):
    """Demoting yourself as the only administrator is refused: the console needs one."""
    admin = world.staff[Role.ADMINISTRATOR]
    auth.login(admin.email)
    answer = client.post(f"/admin/people/{admin.id}/role",
                         data={"csrf_token": _token(client), "role": "agent"})
    assert answer.status_code == 422
    assert "last administrator" in answer.get_data(as_text=True)
    with as_staff() as session:
        assert session.get(User, admin.id).role == Role.ADMINISTRATOR


def test_an_administrator_may_step_down_when_another_remains(client, auth, world, as_staff):
    admin = world.staff[Role.ADMINISTRATOR]
    with as_staff():
        factories.make_staff(Role.ADMINISTRATOR)
    auth.login(admin.email)
    answer = client.post(f"/admin/people/{admin.id}/role",
                         data={"csrf_token": _token(client), "role": "agent"})
    assert answer.status_code == 302
    assert client.get("/admin/people").status_code == 200  # still staff
    assert client.post(f"/admin/people/{admin.id}/role",
                       data={"csrf_token": _token(client), "role": "administrator"}
                       ).status_code == 403  # and no longer manages accounts


def test_administrators_cannot_deactivate_themselves(client, auth, world, as_staff):
    admin = world.staff[Role.ADMINISTRATOR]
    auth.login(admin.email)
    answer = client.post(f"/admin/people/{admin.id}/deactivate",
                         data={"csrf_token": _token(client)})
    assert answer.status_code == 422
    assert "cannot deactivate yourself" in answer.get_data(as_text=True)
    with as_staff() as session:
        assert session.get(User, admin.id).active


def test_deactivation_ends_an_existing_session_at_once(app, client, auth, world, as_staff):
    """The agent is signed in elsewhere; the moment an administrator deactivates them, their
    next request is sent to sign in."""
    from tests.conftest import AuthActions

    agent = world.staff[Role.AGENT]
    agents_browser = app.test_client()
    AuthActions(agents_browser).login(agent.email)
    assert agents_browser.get("/admin/").status_code == 200

    auth.login(world.staff[Role.ADMINISTRATOR].email)
    answer = client.post(f"/admin/people/{agent.id}/deactivate",
                         data={"csrf_token": _token(client)})
    assert answer.status_code == 302

    after = agents_browser.get("/admin/")
    assert after.status_code == 302 and "/login" in after.location
    assert AuthActions(app.test_client()).login(agent.email).status_code != 302
    with as_staff() as session:
        entry = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "auth.user_deactivated", AuditEvent.object_id == agent.id))
        assert entry.detail == {"before": {"active": True}, "after": {"active": False}}


def test_reactivation_lets_them_sign_in_again(app, client, auth, world, as_staff):
    from tests.conftest import AuthActions

    agent = world.staff[Role.AGENT]
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    client.post(f"/admin/people/{agent.id}/deactivate", data={"csrf_token": _token(client)})
    assert "Reactivate" in client.get("/admin/people").get_data(as_text=True)
    client.post(f"/admin/people/{agent.id}/reactivate", data={"csrf_token": _token(client)})
    assert AuthActions(app.test_client()).login(agent.email).status_code == 302
    with as_staff() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user.reactivated"))


def test_a_post_without_csrf_token_changes_nothing(client, auth, world, as_staff):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    agent = world.staff[Role.AGENT]
    client.post(f"/admin/people/{agent.id}/deactivate", data={})
    with as_staff() as session:
        assert session.get(User, agent.id).active


def test_an_unknown_person_is_a_404(client, auth, world):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    assert client.post("/admin/people/999999/deactivate",
                       data={"csrf_token": _token(client)}).status_code == 404
