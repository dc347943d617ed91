"""One-click opt-out of mail that is not about one escalation: each digest and broadcast
carries a signed List-Unsubscribe link that works without signing in and cannot be forged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.clock import frozen_at, now
from portal.enums import Role
from portal.notices.models import Audience, Notice
from portal.outreach import dispatch
from portal.outreach.broadcast import send_broadcast
from portal.outreach.digest import queue_daily_digests
from tests.factories import make_customer


def _morning(days: int) -> datetime:
    day = (now() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC)  # 08:30 in Berlin


def _link(message) -> str:
    header = message["List-Unsubscribe"]
    assert header and "/opt-out/" in header
    return header.strip("<>").split("127.0.0.1:5000", 1)[-1]


def test_an_executive_stops_digests_with_the_emailed_link(app, client, as_staff, world,
                                                          smtp_server):
    executive = world.customers_a[Role.EXECUTIVE]
    with frozen_at(_morning(1)), as_staff():
        assert queue_daily_digests() == 1
        dispatch.dispatch_all()
    [digest] = [m for m in smtp_server.mailbox.messages if m["To"] == executive.email]
    link = _link(digest)
    assert "Stop daily digest emails" in digest.get_body(("plain",)).get_content()

    assert client.get(link).status_code == 200  # a page that asks; nothing changed yet
    with as_staff() as session:
        assert session.get(User, executive.id).email_opt_outs == []
    assert client.post(link).status_code == 200  # RFC 8058 one-click: no sign-in, no CSRF
    with as_staff() as session:
        assert session.get(User, executive.id).email_opt_outs == ["digests"]
    with frozen_at(_morning(2)), as_staff():
        assert queue_daily_digests() == 0  # the next morning: nobody else was due at 08:30


def test_a_forged_or_altered_link_is_refused(app, client, world):
    from portal.notices.optout import opt_out_token

    with app.test_request_context():
        token = opt_out_token(world.customers_a[Role.EXECUTIVE].id, "digests")
    assert client.post(f"/opt-out/{token[:-2]}xx").status_code == 404
    assert client.post("/opt-out/not-a-token").status_code == 404
    from portal.outreach.rendering import unsubscribe_token  # another kind of signed token

    with app.test_request_context():
        other = unsubscribe_token(world.customers_a[Role.EXECUTIVE].id, world.escalation_a.id)
    assert client.post(f"/opt-out/{other}").status_code == 404


def test_broadcasts_carry_the_link_and_leave_out_who_opted_out(as_staff, client, world,
                                                                smtp_server):
    executive = world.customers_a[Role.EXECUTIVE]
    with as_staff() as session:
        org = session.get(Organization, world.org_a.id)
        admin = session.merge(world.staff[Role.ADMINISTRATOR])
        send_broadcast(actor=admin, subject="Known issue", body="Hello {recipient_name}",
                       organizations=[org], audience=Audience.EXECUTIVES)
    with as_staff():
        dispatch.dispatch_all()
    [message] = [m for m in smtp_server.mailbox.messages if m["To"] == executive.email]
    assert client.post(_link(message)).status_code == 200
    with as_staff() as session:
        org = session.get(Organization, world.org_a.id)
        admin = session.merge(world.staff[Role.ADMINISTRATOR])
        colleague = make_customer(org, Role.EXECUTIVE)
        broadcast = send_broadcast(actor=admin, subject="Again", body="Hi",
                                   organizations=[org], audience=Audience.EXECUTIVES)
        session.flush()
        recipients = session.scalars(select(Notice.recipient).where(
            Notice.broadcast_id == broadcast.id)).all()
        assert recipients == [colleague.email]  # not the executive who opted out
