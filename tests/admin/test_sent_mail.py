"""The demo's sent-mail view: staff read every email exactly as it would be sent."""

from sqlalchemy import select

from portal.enums import Role
from portal.notices.models import Notice


def test_staff_read_a_sent_email_as_rendered(as_staff, client, auth, world):
    """The list shows the outbox's emails; a message shows its subject, text and HTML frame."""
    with as_staff() as session:
        notice = session.scalars(select(Notice).where(Notice.event == "update")).first()
        notice_id, recipient = notice.id, notice.recipient
    auth.login(world.staff[Role.AGENT].email)
    listing = client.get("/admin/sent-mail").get_data(as_text=True).replace("<wbr>", "")
    assert recipient in listing
    page = client.get(f"/admin/sent-mail/{notice_id}").get_data(as_text=True)
    assert world.escalation_a.reference in page or world.escalation_b.reference in page
    assert f'src="/admin/sent-mail/{notice_id}/html"' in page and "sandbox" in page
    frame = client.get(f"/admin/sent-mail/{notice_id}/html")
    assert frame.status_code == 200
    assert "script-src" not in frame.headers["Content-Security-Policy"]
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_customers_cannot_read_the_mailbox(client, auth, world):
    """The sent-mail view is staff-only."""
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    assert client.get("/admin/sent-mail").status_code == 403
