"""Second approval of customer updates for the severities that ask for it."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.clock import now
from portal.enums import Role, Visibility
from portal.escalations.models import Escalation, Update, UpdateApproval
from portal.escalations.operations.updates import APPROVAL_REQUIRED_SEVERITIES
from portal.notices.models import Notice
from portal.settings import set_setting
from tests import factories
from tests.conftest import csrf_token_from

LATER = (now() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
BODY = "Root cause found; the fix ships tonight."


def _require_approval(as_staff, world):
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        set_setting(APPROVAL_REQUIRED_SEVERITIES[0], [escalation.severity], actor=None)


def _count(as_staff, model, *criteria):
    with as_staff() as session:
        return session.scalar(select(func.count()).select_from(model).where(*criteria))


def _submit(client, world, body=BODY):
    url = f"/admin/escalations/{world.escalation_a.id}/timeline"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "visibility": "customer", "body": body,
            "next_update_by": LATER}
    first = client.post(url, data={**data, "step": "compose"})
    assert "Send for approval" in first.get_data(as_text=True)
    return client.post(url, data={**data, "step": "confirm"})


def _pending_id(as_staff):
    with as_staff() as session:
        return session.scalars(select(UpdateApproval.id).where(
            UpdateApproval.state == "pending")).one()


def _decide(client, approval_id, action, **data):
    token = csrf_token_from(client.get(f"/admin/approvals/{approval_id}").get_data(
        as_text=True))
    return client.post(f"/admin/approvals/{approval_id}/{action}",
                       data={"csrf_token": token, **data})


def test_a_held_update_is_invisible_until_another_staff_member_approves(
        client, auth, world, as_staff):
    """Nothing reaches customers or the outbox before approval; then notices go out once."""
    _require_approval(as_staff, world)
    notices = _count(as_staff, Notice)
    auth.login(world.staff[Role.AGENT].email)
    assert _submit(client, world).status_code == 302
    assert _count(as_staff, Update, Update.body == BODY) == 0
    assert _count(as_staff, Notice) == notices
    approval_id = _pending_id(as_staff)
    assert "Awaiting approval" in client.get(
        f"/admin/escalations/{world.escalation_a.id}/timeline").get_data(as_text=True)
    assert ">1<span class=\"visually-hidden\"> waiting" in client.get("/admin/").get_data(
        as_text=True)

    # The author cannot approve their own update.
    assert "Approve and publish" not in client.get(f"/admin/approvals/{approval_id}").get_data(
        as_text=True)
    assert _decide(client, approval_id, "approve").status_code == 403
    auth.logout("/admin/")
    auth.login(world.customers_a[Role.VIEWER].email)
    page = client.get(f"/escalations/{world.escalation_a.reference}").get_data(as_text=True)
    assert BODY not in page
    auth.logout("/escalations")

    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    assert _decide(client, approval_id, "approve",
                   **{"approve-next_update_by": LATER}).status_code == 302
    with as_staff() as session:
        update = session.scalars(select(Update).where(Update.body == BODY)).one()
        assert update.visibility == Visibility.CUSTOMER
        assert update.author_id == world.staff[Role.AGENT].id
        assert update.next_update_by is not None
        keys = session.scalars(select(Notice.key).where(
            Notice.key.like(f"update:{update.id}:%"))).all()
        assert session.get(UpdateApproval, approval_id).state == "approved"
        assert session.get(Escalation, world.escalation_a.id).customer_changed_at >= (
            update.created_at)
    assert keys and _count(as_staff, Notice) - notices == len(keys)
    assert _count(as_staff, AuditEvent, AuditEvent.action == "update.approved") == 1
    # A second approval publishes nothing more.
    assert _decide(client, approval_id, "approve",
                   **{"approve-next_update_by": LATER}).status_code == 422
    assert _count(as_staff, Update, Update.body == BODY) == 1


def test_a_rejection_needs_a_reason_and_publishes_nothing(client, auth, world, as_staff):
    _require_approval(as_staff, world)
    auth.login(world.staff[Role.AGENT].email)
    _submit(client, world)
    approval_id = _pending_id(as_staff)
    auth.logout("/admin/")
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    response = _decide(client, approval_id, "reject", **{"reject-reason": ""})
    assert response.status_code == 422 and "Tell the author why" in response.get_data(
        as_text=True)
    assert _decide(client, approval_id, "reject",
                   **{"reject-reason": "Too early to promise tonight"}).status_code == 302
    assert _count(as_staff, Update, Update.body == BODY) == 0
    timeline = client.get(f"/admin/escalations/{world.escalation_a.id}/timeline").get_data(
        as_text=True)
    assert "Too early to promise tonight" in timeline


def test_an_account_manager_approves_only_for_their_accounts(client, auth, world, as_staff):
    _require_approval(as_staff, world)
    with as_staff() as session:
        factories.detach_account_manager(session, world)
    auth.login(world.staff[Role.AGENT].email)
    _submit(client, world)
    approval_id = _pending_id(as_staff)
    auth.logout("/admin/")
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    assert _decide(client, approval_id, "approve",
                   **{"approve-next_update_by": LATER}).status_code == 403


def test_internal_notes_need_no_approval(client, auth, world, as_staff):
    _require_approval(as_staff, world)
    auth.login(world.staff[Role.AGENT].email)
    url = f"/admin/escalations/{world.escalation_a.id}/timeline"
    token = auth.csrf_token(url)
    assert client.post(url, data={"csrf_token": token, "visibility": "internal",
                                  "body": "quick note"}).status_code == 302
    assert _count(as_staff, UpdateApproval) == 0


def test_the_approvals_page_lists_what_waits(client, auth, world, as_staff):
    _require_approval(as_staff, world)
    auth.login(world.staff[Role.AGENT].email)
    _submit(client, world)
    html = client.get("/admin/approvals").get_data(as_text=True)
    assert world.escalation_a.reference in html and "Waiting (1)" in html


def test_only_those_who_set_thresholds_change_the_approval_setting(client, auth, world,
                                                                    as_staff):
    auth.login(world.staff[Role.AGENT].email)
    token = auth.csrf_token("/admin/update-templates")
    assert client.post("/admin/update-templates/approval-settings", data={
        "csrf_token": token, "approval-severities": "1"}).status_code == 403
    auth.logout("/admin/")
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    token = auth.csrf_token("/admin/update-templates")
    assert client.post("/admin/update-templates/approval-settings", data={
        "csrf_token": token, "approval-severities": ["1", "2"]}).status_code == 302
    assert _count(as_staff, AuditEvent, AuditEvent.action == "setting.changed") == 1
    html = client.get("/admin/update-templates").get_data(as_text=True)
    assert len(re.findall(r'<input checked id="approval-severities-\d"', html)) == 2


def test_an_approvers_time_in_another_shape_is_refused_beside_the_field(
        client, auth, world, as_staff):
    """"12/07/2026 02:30 PM" answers 422 with the expected shape by the field, zone named;
    nothing is published."""
    _require_approval(as_staff, world)
    auth.login(world.staff[Role.AGENT].email)
    assert _submit(client, world).status_code == 302
    approval_id = _pending_id(as_staff)
    auth.logout("/admin/")
    approver = world.staff[Role.ESCALATION_MANAGER]
    with as_staff() as session:
        zone = session.get(type(approver), approver.id).zone.key
    auth.login(approver.email)
    response = _decide(client, approval_id, "approve",
                       **{"approve-next_update_by": "12/07/2026 02:30 PM"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="approve-next_update_by-error"[^>]*>.*Write the date and time as '
                     r"2026-12-07 14:30", html, re.S)
    assert f'id="approve-next_update_by-suffix">{zone}<' in html
    assert _count(as_staff, Update, Update.body == BODY) == 0
