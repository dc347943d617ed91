"""What the console can do and the API now can too: milestones reached and reopened, step
status, the communicator, and held updates approved or sent back — each through the console's
own operation, with its refusals."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from portal.accounts.models import User
from portal.enums import Role
from portal.escalations.models import Escalation, UpdateApproval
from portal.escalations.operations.updates import set_approval_severities
from tests import factories
from tests.api.conftest import Api
from tests.api.test_timeline import BASE, later


def test_a_milestone_is_reached_and_reopened(staff_api, customer_a, world):
    path = f"{BASE}/{world.escalation_a.id}"
    made = staff_api.post(f"{path}/milestones", json={"title": "Fix rolled out",
                                                     "due_at": later(5)}).get_json()
    done = staff_api.post(f"/api/v1/milestones/{made['id']}/complete")
    assert done.status_code == 200 and done.get_json()["completed_at"]
    again = staff_api.post(f"/api/v1/milestones/{made['id']}/complete")
    assert again.status_code == 422
    assert again.get_json()["detail"] == "This milestone is already done."
    timeline = customer_a.get(f"{path}/timeline").get_json()
    assert any("Milestone reached: Fix rolled out" in entry["body"] for entry in timeline)
    assert customer_a.post(f"/api/v1/milestones/{made['id']}/reopen").status_code == 403
    reopened = staff_api.post(f"/api/v1/milestones/{made['id']}/reopen")
    assert reopened.status_code == 200 and reopened.get_json()["completed_at"] is None


def test_a_step_moves_through_its_statuses(staff_api, customer_a, world):
    path = f"{BASE}/{world.escalation_a.id}"
    step = staff_api.post(f"{path}/steps", json={"title": "Rotate keys"}).get_json()
    moved = staff_api.post(f"/api/v1/steps/{step['id']}/status", json={"status": "done"})
    assert moved.status_code == 200 and moved.get_json()["status"] == "done"
    assert moved.get_json()["completed_at"]
    bad = staff_api.post(f"/api/v1/steps/{step['id']}/status", json={"status": "finished"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "status"
    assert customer_a.post(f"/api/v1/steps/{step['id']}/status",
                           json={"status": "planned"}).status_code == 403
    assert staff_api.post("/api/v1/steps/999999/status",
                          json={"status": "done"}).status_code == 404


def test_the_communicator_is_named(staff_api, world, as_staff):
    path = f"{BASE}/{world.escalation_a.id}/communicator"
    manager = world.staff[Role.ESCALATION_MANAGER]
    named = staff_api.post(path, json={"communicator_id": manager.id})
    assert named.status_code == 200
    assert named.get_json()["communicator"]["id"] == manager.id
    customer = world.customers_a[Role.VIEWER]
    refused = staff_api.post(path, json={"communicator_id": customer.id})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "communicator_id"
    with as_staff() as session:
        assert session.get(Escalation, world.escalation_a.id).communicator_id == manager.id


def _second_administrator(client, issue, as_staff) -> Api:
    """Staff tokens are issued by administrators: the author is a second one."""
    with as_staff() as session:
        author = factories.make_staff(Role.ADMINISTRATOR, name="Second Administrator")
        session.flush()
        author_id = author.id
    return Api(client, issue(SimpleNamespace(id=author_id)))


def test_a_held_update_is_approved_by_a_second_person_never_its_author(
        client, world, issue, staff_api, customer_a, as_staff):
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        set_approval_severities([escalation.severity],
                                actor=session.get(User, world.staff[Role.ADMINISTRATOR].id))
    author = _second_administrator(client, issue, as_staff)
    held = author.post(f"{BASE}/{world.escalation_a.id}/timeline", json={
        "body": "A fix is rolling out region by region.", "visibility": "customer",
        "next_update_by": later()})
    assert held.status_code == 202
    approval_id = held.get_json()["id"]
    listed = staff_api.get("/api/v1/approvals").get_json()
    assert [item["id"] for item in listed] == [approval_id]
    assert listed[0]["escalation_id"] == world.escalation_a.id
    assert customer_a.get("/api/v1/approvals").status_code == 403

    own = author.post(f"/api/v1/approvals/{approval_id}/approve", json={})
    assert own.status_code == 403
    published = staff_api.post(f"/api/v1/approvals/{approval_id}/approve", json={})
    assert published.status_code == 201
    assert published.get_json()["visibility"] == "customer"
    bodies = [entry["body"] for entry in
              customer_a.get(f"{BASE}/{world.escalation_a.id}/timeline").get_json()]
    assert "A fix is rolling out region by region." in bodies
    decided = staff_api.get(f"/api/v1/approvals/{approval_id}").get_json()
    assert decided["state"] == "approved" and decided["update_id"] == published.get_json()["id"]
    assert staff_api.post(f"/api/v1/approvals/{approval_id}/approve",
                          json={}).status_code == 422


def test_a_held_update_sent_back_needs_a_reason_and_never_reaches_the_customer(
        client, world, issue, staff_api, customer_a, as_staff):
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        set_approval_severities([escalation.severity],
                                actor=session.get(User, world.staff[Role.ADMINISTRATOR].id))
    author = _second_administrator(client, issue, as_staff)
    approval_id = author.post(f"{BASE}/{world.escalation_a.id}/timeline", json={
        "body": "Draft wording to send back.", "visibility": "customer",
        "next_update_by": later()}).get_json()["id"]
    empty = staff_api.post(f"/api/v1/approvals/{approval_id}/reject", json={"reason": " "})
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["field"] == "reason"
    sent_back = staff_api.post(f"/api/v1/approvals/{approval_id}/reject",
                               json={"reason": "Say which regions."})
    assert sent_back.status_code == 200 and sent_back.get_json()["state"] == "rejected"
    bodies = [entry["body"] for entry in
              customer_a.get(f"{BASE}/{world.escalation_a.id}/timeline").get_json()]
    assert "Draft wording to send back." not in bodies
    with as_staff() as session:
        assert session.scalar(select(UpdateApproval.reason).where(
            UpdateApproval.id == approval_id)) == "Say which regions."
