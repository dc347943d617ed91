"""The delivery log, the escalation's Delivery tab and the dead letters in the console."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.clock import now
from portal.enums import Role, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from portal.notices.channels import message_id
from portal.notices.models import Notice, NoticeStatus
from portal.outreach import dispatch
from tests.conftest import csrf_token_from


def _post(session, world, escalation=None, body="Patch rolling out."):
    escalation = session.get(Escalation, (escalation or world.escalation_a).id)
    ops.post_update(escalation, author=session.merge(world.staff[Role.AGENT]), body=body,
                    visibility=Visibility.CUSTOMER, next_update_by=now() + timedelta(hours=2))


def _dead_letters(as_staff, world, smtp_server):
    smtp_server.mailbox.refuse_with = "550 5.1.1 No such user"
    with as_staff() as session:
        _post(session, world)
    with as_staff():
        dispatch.dispatch_all()
    smtp_server.mailbox.refuse_with = None
    with as_staff() as session:
        return [n.id for n in session.scalars(select(Notice).where(
            Notice.status == NoticeStatus.DEAD).order_by(Notice.id))]


def test_the_delivery_log_filters_and_counts_by_status(client, auth, as_staff, world,
                                                       smtp_server):
    """Counts per status, and each filter narrows the rows."""
    _dead_letters(as_staff, world, smtp_server)
    with as_staff() as session:
        _post(session, world, world.escalation_b, body="Globex news")
    auth.login(world.staff[Role.AGENT].email)
    html = client.get("/admin/delivery").get_data(as_text=True)
    assert 'aria-current="page">Delivery' in html or "Delivery</a>" in html
    assert "3</span> <span class=\"delivery-count-label\">dead" in html
    assert "3</span> <span class=\"delivery-count-label\">pending" in html
    dead = client.get("/admin/delivery?status=dead").get_data(as_text=True)
    assert dead.count("delivery-dead\">Dead") == 3 and "delivery-pending\">Pending" not in dead
    by_org = client.get(f"/admin/delivery?organization={world.org_b.id}").get_data(as_text=True)
    assert "Globex Retail" in by_org and "Acme Logistics</div>" not in by_org
    by_ref = client.get(f"/admin/delivery?escalation={world.escalation_b.reference}")
    assert by_ref.get_data(as_text=True).count("delivery-pending\">Pending") == 3
    bad = client.get("/admin/delivery?escalation=nonsense")
    assert bad.status_code == 422 and "Not a reference" in bad.get_data(as_text=True)


def test_the_escalation_tab_lists_its_notices(client, auth, as_staff, world, smtp_server):
    """The Delivery tab shows this escalation's notices only, with the last error."""
    _dead_letters(as_staff, world, smtp_server)
    auth.login(world.staff[Role.AGENT].email)
    page = client.get(f"/admin/escalations/{world.escalation_a.id}/delivery")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'aria-current="page">Delivery' in html
    assert "550" in html and html.count("delivery-dead\">Dead") == 3
    other = client.get(f"/admin/escalations/{world.escalation_b.id}/delivery")
    assert "delivery-dead" not in other.get_data(as_text=True).split("Delivery log")[1].split(
        "</ul>", 1)[1]


def test_retrying_a_dead_letter_resends_it_with_the_same_message_id(client, auth, as_staff,
                                                                   world, smtp_server):
    """Retry puts the notice back in the queue; it arrives once, with its original id."""
    ids = _dead_letters(as_staff, world, smtp_server)
    auth.login(world.staff[Role.AGENT].email)
    page = client.get("/admin/delivery/dead")
    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post(f"/admin/delivery/{ids[0]}/retry",
                       data={"csrf_token": token}).status_code == 302
    with as_staff() as session:
        notice = session.get(Notice, ids[0])
        assert notice.status == NoticeStatus.PENDING and notice.attempts == 0
        key = notice.key
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "notice.retried")).one()
        assert event.object_id == ids[0] and "550" in event.detail["last_error"]
        assert dispatch.dispatch_all().sent == 1
        assert [str(m["Message-ID"]) for m in smtp_server.mailbox.messages] == [message_id(key)]


def test_account_managers_cannot_retry(client, auth, as_staff, world, smtp_server):
    """Retrying is for people who work escalations; account managers only read the log."""
    ids = _dead_letters(as_staff, world, smtp_server)
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    page = client.get(f"/admin/delivery/{ids[0]}")
    assert page.status_code == 200 and "Retry now" not in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post(f"/admin/delivery/{ids[0]}/retry",
                       data={"csrf_token": token}).status_code == 403


def test_customers_cannot_see_the_delivery_log(client, auth, world):
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    assert client.get("/admin/delivery").status_code == 403


def test_the_log_runs_a_constant_number_of_queries(client, auth, as_staff, world, count_queries):
    """Ten times the notices, the same queries."""
    with as_staff() as session:
        _post(session, world)
    auth.login(world.staff[Role.AGENT].email)
    client.get("/admin/delivery")
    with count_queries() as few:
        client.get("/admin/delivery")
    with as_staff() as session:
        for n in range(10):
            _post(session, world, body=f"More news {n}")
    with count_queries() as many:
        html = client.get("/admin/delivery").get_data(as_text=True)
    assert "33 notices match" in html and len(many) == len(few)
