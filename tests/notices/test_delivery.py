"""Notices leave through real SMTP and HTTP peers: at least once, never twice by mistake."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.clock import frozen_at, now
from portal.enums import Role, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from portal.notices import channels, signing
from portal.notices.models import Notice, NoticeStatus, WebhookEndpoint, WebhookKind
from portal.outreach import dispatch
from tests.factories import CANARY


def _post_customer_update(session, world, body="Patch 4.2.1 is rolling out now.") -> int:
    escalation = session.get(Escalation, world.escalation_a.id)
    agent = session.merge(world.staff[Role.AGENT])
    update = ops.post_update(escalation, author=agent, body=body,
                             visibility=Visibility.CUSTOMER,
                             next_update_by=now() + timedelta(hours=2))
    return update.id


def _notices(session, **criteria):
    return session.scalars(select(Notice).filter_by(**criteria).order_by(Notice.id)).all()


def test_customer_update_emails_each_subscriber_once(as_staff, world, smtp_server):
    """Every customer of the organization gets one email, personalised, with no internal text."""
    with as_staff() as session:
        update_id = _post_customer_update(session, world)
        ops.post_update(session.get(Escalation, world.escalation_a.id),
                        author=session.merge(world.staff[Role.AGENT]),
                        body=f"{CANARY} internal only", visibility=Visibility.INTERNAL)
    with as_staff():
        report = dispatch.dispatch_all()
        again = dispatch.dispatch_all()
    customers = sorted(user.email for user in world.customers_a.values())
    assert report.sent == 3 and again.claimed == 0
    received = smtp_server.mailbox.messages
    assert sorted(message["To"] for message in received) == customers
    for message in received:
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "Patch 4.2.1 is rolling out now." in text and "Patch 4.2.1" in html
        assert CANARY not in message.as_string()
        assert message["Subject"].startswith(f"[{world.escalation_a.reference}]")
        assert message["List-Unsubscribe"].startswith("<http")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "CET" in text or "CEST" in text  # the organization's timezone (Berlin)
    with as_staff() as session:
        keys = [n.key for n in _notices(session, event="update")
                if n.key.startswith(f"update:{update_id}:")]
        expected_ids = {dispatch.channels.message_id(key) for key in keys}
    assert len(expected_ids) == 3
    assert {str(message["Message-ID"]) for message in received} == expected_ids


def test_smtp_outage_loses_nothing_and_duplicates_nothing(app, as_staff, world, smtp_server):
    """With the mail server down, notices wait and retry; after recovery each arrives once."""
    smtp_server.stop()
    with as_staff() as session:
        for n in range(5):
            _post_customer_update(session, world, body=f"Update number {n}")
    with as_staff():
        report = dispatch.dispatch_all()
    assert report.retried == 15 and report.sent == 0
    with as_staff() as session:
        failed = _notices(session, status=NoticeStatus.FAILED)
        assert len(failed) == 15
        assert all(n.attempts == 1 and n.next_attempt_at > now() and "SMTP" in n.last_error
                   for n in failed)
    smtp_server.start()
    with as_staff():
        assert dispatch.dispatch_all().claimed == 0  # not due yet: backoff is honoured
    with frozen_at(now() + timedelta(minutes=10)), as_staff():
        report = dispatch.dispatch_all()
    assert report.sent == 15
    ids = [str(message["Message-ID"]) for message in smtp_server.mailbox.messages]
    assert len(ids) == 15 and len(set(ids)) == 15


@pytest.mark.parametrize("reply, status", [("451 4.3.0 Try again later", NoticeStatus.FAILED),
                                           ("550 5.1.1 No such user", NoticeStatus.DEAD)])
def test_smtp_4xx_retries_and_5xx_dead_letters(as_staff, world, smtp_server, reply, status):
    """A temporary refusal is retried; a permanent one goes straight to the dead letters."""
    smtp_server.mailbox.refuse_with = reply
    with as_staff() as session:
        _post_customer_update(session, world)
    with as_staff() as session:
        dispatch.dispatch_all()
        notices = _notices(session, event="update")
        assert {n.status for n in notices} == {status}
        assert all(reply.split()[0] in n.last_error for n in notices)


def test_last_attempt_goes_to_the_dead_letters(app, as_staff, world, smtp_server, monkeypatch):
    """After the configured number of attempts a notice stops retrying and waits for a person."""
    monkeypatch.setitem(app.config, "NOTICE_MAX_ATTEMPTS", 3)
    smtp_server.stop()
    with as_staff() as session:
        _post_customer_update(session, world)
    later = now()
    for _ in range(4):
        later += timedelta(hours=2)
        with frozen_at(later), as_staff():
            dispatch.dispatch_all()
    with as_staff() as session:
        notices = _notices(session, event="update")
        assert {n.status for n in notices} == {NoticeStatus.DEAD}
        assert {n.attempts for n in notices} == {3}
        assert all("gave up after 3 attempts" in n.last_error for n in notices)


def test_backoff_grows_exponentially_with_jitter_and_a_cap(app):
    """Retries spread out: each step doubles, jitter stays in the upper half, the cap holds."""
    import random

    with app.app_context():
        rng = random.Random(1)
        base = app.config["NOTICE_BACKOFF_BASE_SECONDS"]
        cap = app.config["NOTICE_BACKOFF_CAP_SECONDS"]
        for attempts in range(1, 12):
            step = min(cap, base * 2 ** (attempts - 1))
            delay = dispatch.backoff(attempts, rng=rng).total_seconds()
            assert step / 2 <= delay <= step


def test_webhook_retries_with_the_same_idempotency_key_and_a_valid_signature(
        as_staff, world, webhook_receiver):
    """500, then a timeout, then 200: three tries, one key, each signed, backoff honoured."""
    with as_staff() as session:
        session.add(WebhookEndpoint(organization_id=world.org_a.id, name="Acme ops",
                                    url=webhook_receiver.url, kind=WebhookKind.GENERIC,
                                    secret_sealed=signing.seal("s3cret")))
        session.flush()
        _post_customer_update(session, world)
    webhook_receiver.script.extend([500, ("sleep", 1.0), 200])
    attempts_at = []
    moment = now()
    for _ in range(3):
        with frozen_at(moment), as_staff() as session:
            dispatch.dispatch_all()
            notice = _notices(session, channel="webhook")[0]
            status, retry_at = notice.status, notice.next_attempt_at
            attempts_at.append((moment, status, retry_at))
        if status == NoticeStatus.FAILED:
            with frozen_at(retry_at - timedelta(seconds=1)), as_staff():
                assert dispatch.dispatch_all().claimed == 0  # not a second early
        moment = retry_at
    assert [status for _, status, _ in attempts_at] == [NoticeStatus.FAILED,
                                                         NoticeStatus.FAILED, NoticeStatus.SENT]
    base = timedelta(seconds=30)  # NOTICE_BACKOFF_BASE_SECONDS: 30 s, then 60 s, jittered
    for (tried_at, _, retry_at), step in zip(attempts_at[:2], (base, 2 * base), strict=True):
        assert step / 2 <= retry_at - tried_at <= step
    assert len(webhook_receiver.requests) == 3
    keys = {r.headers["Idempotency-Key"] for r in webhook_receiver.requests}
    assert len(keys) == 1
    for received in webhook_receiver.requests:
        stamp = received.headers["X-Clearpath-Timestamp"]
        expected = hmac.new(b"s3cret", stamp.encode() + b"." + received.body,
                            hashlib.sha256).hexdigest()
        assert received.headers["X-Clearpath-Signature"] == f"v1={expected}"
        payload = json.loads(received.body)
        assert payload["escalation"]["reference"] == world.escalation_a.reference
        assert CANARY not in received.body.decode()


def test_webhook_4xx_is_permanent(as_staff, world, webhook_receiver):
    """A receiver that rejects the request will not accept it later either: dead letter."""
    with as_staff() as session:
        session.add(WebhookEndpoint(organization_id=world.org_a.id, name="Acme chat",
                                    url=webhook_receiver.url, kind=WebhookKind.SLACK,
                                    secret_sealed=signing.seal("k")))
        session.flush()
        _post_customer_update(session, world)
    webhook_receiver.script.append(410)
    with as_staff() as session:
        dispatch.dispatch_all()
        notice = _notices(session, channel="webhook")[0]
        assert notice.status == NoticeStatus.DEAD and "410" in notice.last_error
    assert json.loads(webhook_receiver.requests[0].body) == {
        "id": webhook_receiver.requests[0].headers["Idempotency-Key"],
        "text": f"[{world.escalation_a.reference}] {world.escalation_a.title}: "
                f"{world.staff[Role.AGENT].name} posted an update."}


def test_crashed_dispatchers_rows_are_delivered_after_the_lease(app, as_staff, world,
                                                                smtp_server):
    """A dispatcher that claimed rows and died leaves them to the next one, after its lease."""
    with as_staff() as session:
        _post_customer_update(session, world)
    with as_staff():
        token, ids = dispatch.claim(10)  # ... and then the process is killed
    assert len(ids) == 3
    with as_staff():
        assert dispatch.dispatch_all().claimed == 0  # leased: nobody else touches them
    lease = timedelta(seconds=app.config["NOTICE_LEASE_SECONDS"] + 1)
    with frozen_at(now() + lease), as_staff():
        report = dispatch.dispatch_all()
    assert report.sent == 3 and len(smtp_server.mailbox.messages) == 3


def test_a_dispatcher_past_its_lease_cannot_overwrite_the_new_owner(app, as_staff, world,
                                                                     smtp_server):
    """The stalled dispatcher finds its rows taken over: it sends none of them and records
    nothing; only the current claim records outcomes."""
    with as_staff() as session:
        _post_customer_update(session, world)
    with as_staff():
        stale_token, ids = dispatch.claim(10)
    lease = timedelta(seconds=app.config["NOTICE_LEASE_SECONDS"] + 1)
    with frozen_at(now() + lease), as_staff():
        dispatch.dispatch_all()
        report = dispatch.DispatchReport()
        smtp_server.mailbox.refuse_with = "550 5.0.0 would be wrong"
        dispatch.deliver_claimed(stale_token, ids, report)
    assert report.lost == 3 and report.sent == report.dead == 0  # it sent nothing either
    assert len(smtp_server.mailbox.messages) == 3
    with as_staff() as session:
        assert {n.status for n in _notices(session, event="update")} == {NoticeStatus.SENT}


def test_ten_minutes_of_smtp_outage_while_500_notices_fall_due(as_staff, world, smtp_server):
    """Mail server down for a simulated 10 minutes while 500 scheduled notices fall due, minute
    by minute: after recovery every one arrives, once (0 lost, 0 duplicate Message-IDs)."""
    from portal.accounts.models import User
    from portal.notices.models import Audience
    from portal.outreach.scheduled import queue_due_scheduled_notices, schedule_notice

    start = now()
    with as_staff() as session:
        org_id = world.org_a.id
        session.add_all(User(email=f"reader{n}@acme.example.com", name=f"Reader {n}",
                             role=Role.VIEWER, organization_id=org_id) for n in range(47))
        session.flush()
        escalation = session.get(Escalation, world.escalation_a.id)
        manager = session.merge(world.staff[Role.ACCOUNT_MANAGER])
        for minute in range(10):  # 10 × 50 customers = 500 notices, one batch a minute
            schedule_notice(escalation, actor=manager, subject=f"Checkpoint {minute}",
                            body="Still on it, {recipient_name}.", audience=Audience.EVERYONE,
                            first_send_at=start + timedelta(minutes=minute))
    smtp_server.stop()
    tries = 0
    for second in range(0, 600, 30):  # the scheduler and dispatcher keep running
        with frozen_at(start + timedelta(seconds=second)), as_staff():
            queue_due_scheduled_notices()
            report = dispatch.dispatch_all()
            tries += report.claimed
            assert report.sent == 0
    with as_staff() as session:
        notices = _notices(session, event="scheduled")
        assert len(notices) == 500 and {n.status for n in notices} == {NoticeStatus.FAILED}
        expected = {dispatch.channels.message_id(n.key) for n in notices}
    smtp_server.start()
    with frozen_at(start + timedelta(minutes=10, hours=1)), as_staff() as session:
        report = dispatch.dispatch_all()
        assert report.sent == 500
        assert {n.status for n in _notices(session, event="scheduled")} == {NoticeStatus.SENT}
    received = [str(message["Message-ID"]) for message in smtp_server.mailbox.messages]
    assert len(received) == 500 and set(received) == expected  # 0 lost, 0 duplicates
    assert tries > 500  # retried during the outage, with backoff (not every 20 s)
    assert tries < 500 * 20  # not every sweep: each notice waits out its backoff


def _email(n: int):
    return channels.RenderedEmail(to=f"reader{n}@acme.example.com", subject=f"Note {n}",
                                  text=f"Note {n}", html=f"<p>Note {n}</p>")


def test_a_connection_dropped_while_idle_is_reopened_and_the_message_sent_once(app, smtp_server):
    """The server drops the batch's connection between two messages (a restart, an idle
    timeout): the next message goes on a new connection, once."""
    with app.app_context(), channels.SmtpSession() as session:
        session.send("idle-1", _email(1))
        smtp_server.stop()  # closes the open connection
        smtp_server.start()
        session.send("idle-2", _email(2))
        expected = [channels.message_id("idle-1"), channels.message_id("idle-2")]
    assert [str(message["Message-ID"]) for message in smtp_server.mailbox.messages] == expected


def test_no_reply_after_the_message_is_a_transient_failure_not_a_second_copy(
        app, smtp_server, monkeypatch):
    """The server takes the message but its reply comes after the client's timeout (smtplib
    reports that as a disconnection, like an idle drop): the message may have been accepted,
    so it is not sent again at once; it fails transiently and waits for its backoff."""
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT_SECONDS", 3)
    with app.app_context(), channels.SmtpSession() as session:
        session.send("slow-1", _email(1))  # the connection is now a reused one
        smtp_server.mailbox.reply_after = 60  # far beyond the timeout, however loaded
        with pytest.raises(channels.TransientDeliveryError):
            session.send("slow-2", _email(2))
        expected = [channels.message_id("slow-1"), channels.message_id("slow-2")]
    assert [str(message["Message-ID"]) for message in smtp_server.mailbox.messages] == expected
