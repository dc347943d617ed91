"""The timeline, plan and handoffs over the API: the console's semantics, the customer's view."""

from __future__ import annotations

from datetime import timedelta

from portal.clock import now
from portal.enums import Role
from tests.factories import CANARY

BASE = "/api/v1/escalations"


def later(hours: int = 2) -> str:
    return (now() + timedelta(hours=hours)).isoformat()


def test_staff_read_internal_notes_customers_never(staff_api, customer_a, world):
    """The canary note is on the staff timeline and absent from the customer's."""
    path = f"{BASE}/{world.escalation_a.id}/timeline"
    assert CANARY in staff_api.get(path).get_data(as_text=True)
    customer = customer_a.get(path)
    assert customer.status_code == 200 and customer.get_json()
    assert all(entry["visibility"] == "customer" for entry in customer.get_json())
    assert CANARY not in customer.get_data(as_text=True)


def test_customer_update_flagged_by_the_internal_text_check_needs_checking(staff_api, world):
    """A customer update mentioning an internal host is refused until confirmed as checked."""
    path = f"{BASE}/{world.escalation_a.id}/timeline"
    body = {"body": "We restarted db-07.internal at 10.0.3.7.", "visibility": "customer",
            "next_update_by": later()}
    refused = staff_api.post(path, json=body)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "checked"
    published = staff_api.post(path, json=body | {"checked": True})
    assert published.status_code == 201
    assert published.get_json()["visibility"] == "customer"


def test_customer_update_without_a_next_update_time_is_refused(staff_api, world):
    """The form's message for a missing commitment, by its field."""
    response = staff_api.post(f"{BASE}/{world.escalation_a.id}/timeline",
                              json={"body": "Patch deployed.", "visibility": "customer"})
    assert response.get_json()["errors"] == [
        {"field": "next_update_by", "detail": "Say when the customer will hear from us next."}]


def test_internal_note_is_posted_once_and_audited_with_the_token_name(
        app, client, world, issue):
    """A note written with a token appears once and the audit log names the token."""
    from tests.api.conftest import Api
    api = Api(client, issue(world.staff[Role.ADMINISTRATOR], name="helpdesk-sync"))
    path = f"{BASE}/{world.escalation_a.id}/timeline"
    first = api.post(path, json={"body": "Synced from HD-1"})
    again = api.post(path, json={"body": "Synced from HD-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    from sqlalchemy import select

    from portal.audit import AuditEvent
    from portal.extensions import db
    from portal.tenancy import Scope, set_scope
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("test check"))
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "update.posted").order_by(AuditEvent.id.desc())).first()
        assert event.detail["api_token_name"] == "helpdesk-sync"


def test_customers_comment_and_ask_for_the_next_level(customer_a, customer_b, world):
    """A customer comments and asks for escalation on their own escalation only."""
    own, foreign = world.escalation_a.id, world.escalation_b.id
    commented = customer_a.post(f"{BASE}/{own}/comments", json={"body": "Any news?"})
    assert commented.status_code == 201 and commented.get_json()["kind"] == "customer_comment"
    assert customer_a.post(f"{BASE}/{foreign}/comments",
                           json={"body": "Any news?"}).status_code == 404
    empty = customer_a.post(f"{BASE}/{own}/comments", json={"body": " "})
    assert empty.get_json()["errors"] == [{"field": "body",
                                           "detail": "Write your comment or question first."}]
    asked = customer_a.post(f"{BASE}/{own}/escalation-requests",
                            json={"reason": "Our shop is down"})
    assert asked.status_code == 201
    assert customer_a.post(f"{BASE}/{own}/timeline",
                           json={"body": "x"}).status_code == 403


def test_plan_and_handoffs(staff_api, customer_a, world):
    """Staff add milestones and steps; customers read only customer-visible ones; staff hand
    off with the template and the receiver acknowledges."""
    path = f"{BASE}/{world.escalation_a.id}"
    made = staff_api.post(f"{path}/milestones", json={"title": "Patch in staging",
                                                     "due_at": later(5)})
    assert made.status_code == 201
    assert staff_api.post(f"{path}/milestones", json={"title": " ", "due_at": later()}
                          ).get_json()["errors"] == [{"field": "title",
                                                      "detail": "Name the milestone."}]
    titles = [m["title"] for m in customer_a.get(f"{path}/milestones").get_json()]
    assert "Patch in staging" in titles and not any(CANARY in t for t in titles)
    assert staff_api.post(f"{path}/steps", json={"title": "Roll back 4.2"}).status_code == 201
    steps = customer_a.get(f"{path}/steps").get_json()
    assert "Roll back 4.2" in [s["title"] for s in steps]
    assert customer_a.get(f"{path}/handoffs").status_code == 403
    handed = staff_api.post(f"{path}/handoffs", json={
        "to_user_id": world.staff[Role.ESCALATION_MANAGER].id, "summary": "s",
        "customer_impact": "c", "steps_taken": "t", "environment": "e"})
    assert handed.status_code == 201
    assert staff_api.get(f"{path}/handoffs").get_json()[0]["id"] == handed.get_json()["id"]


def test_subscription_and_review(customer_a, staff_api, world):
    """A customer turns updates off for one escalation; a review is 404 until published."""
    path = f"{BASE}/{world.escalation_a.id}"
    assert customer_a.get(f"{path}/subscription").get_json() == {"subscribed": True}
    assert customer_a.client.put(f"{path}/subscription", json={"subscribed": False}, headers={
        "Authorization": f"Bearer {customer_a.secret}"}).get_json() == {"subscribed": False}
    assert customer_a.get(f"{path}/subscription").get_json() == {"subscribed": False}
    assert customer_a.get(f"{path}/review").status_code == 404
