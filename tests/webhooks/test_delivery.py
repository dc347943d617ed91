"""What a receiver on 127.0.0.1 gets from endpoints people manage: a verified test event, two
signatures during a rotation's overlap, nothing while paused, only the chosen events, a log
with the status code and the retries, and never an internal note."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from portal.clock import frozen_at, now
from portal.enums import Role, UpdateKind, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from portal.notices.models import Notice, NoticeStatus, WebhookEndpoint
from portal.outreach import dispatch
from portal.webhooks import operations as endpoint_ops
from tests.factories import CANARY
from tests.webhooks.conftest import secret_on, signatures_of, verifies


def _add(portal_as, world, receiver, **kw) -> tuple[int, str]:
    portal = portal_as(world.customers_a[Role.CUSTOMER_ADMIN])
    html = portal.add(url=receiver.url, **kw).get_data(as_text=True)
    endpoint_id = int(html.split('href="/webhooks/', 1)[1].split('"', 1)[0])
    return endpoint_id, secret_on(html)


def _dispatch(as_staff):
    with as_staff():
        return dispatch.dispatch_all()


def _update(as_staff, world, body="Patch rolling out.", kind=UpdateKind.NOTE,
            visibility=Visibility.CUSTOMER):
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        ops.post_update(escalation, author=session.merge(world.staff[Role.AGENT]), body=body,
                        visibility=visibility, kind=kind)


def test_send_a_test_event_reaches_the_receiver_signed_with_the_shown_secret(
        portal_as, world, as_staff, webhook_receiver):
    """"Send a test event" delivers a ping whose signature verifies with the secret shown."""
    endpoint_id, secret = _add(portal_as, world, webhook_receiver)
    portal = portal_as(world.customers_a[Role.CUSTOMER_ADMIN])
    page = f"/webhooks/{endpoint_id}"
    assert portal.post(f"{page}/test", page=page).status_code == 302
    _dispatch(as_staff)
    [request] = webhook_receiver.requests
    assert verifies(secret, request.headers, request.body)
    assert len(signatures_of(request.headers["X-Clearpath-Signature"])) == 1
    body = json.loads(request.body)
    assert body["event"] == "ping" and body["id"] == request.headers["Idempotency-Key"]
    log = portal.client.get(page).get_data(as_text=True)
    assert ">ping<" in log and ">200<" in log and "Delivered" in log


def test_during_a_rotation_both_secrets_sign_and_after_it_only_the_new(
        portal_as, world, as_staff, webhook_receiver):
    """Rotating with a 24-hour overlap: deliveries verify with old and new; a day later only new."""
    endpoint_id, old = _add(portal_as, world, webhook_receiver)
    portal = portal_as(world.customers_a[Role.CUSTOMER_ADMIN])
    page = f"/webhooks/{endpoint_id}"
    from tests.conftest import csrf_token_from
    token = csrf_token_from(portal.client.get(page).get_data(as_text=True))
    rotated = portal.client.post(f"{page}/rotate", data={"rotate-csrf_token": token,
                                                          "rotate-overlap": "24"})
    new = secret_on(rotated.get_data(as_text=True))
    assert rotated.status_code == 200 and new and new != old
    portal.post(f"{page}/test", page=page)
    _dispatch(as_staff)
    during = webhook_receiver.requests[-1]
    assert len(signatures_of(during.headers["X-Clearpath-Signature"])) == 2
    assert verifies(new, during.headers, during.body) and verifies(old, during.headers,
                                                                   during.body)
    with frozen_at(now() + timedelta(hours=25)):  # (the web session has expired by then)
        with as_staff() as session:
            endpoint_ops.send_test_event(session.get(WebhookEndpoint, endpoint_id),
                                         actor=session.merge(world.staff[Role.ADMINISTRATOR]))
        _dispatch(as_staff)
    after = webhook_receiver.requests[-1]
    assert len(webhook_receiver.requests) == 2
    assert verifies(new, after.headers, after.body)
    assert not verifies(old, after.headers, after.body)


def test_a_paused_endpoint_receives_nothing(portal_as, world, as_staff, webhook_receiver):
    """Queued before the pause or posted during it, no update reaches a paused endpoint."""
    endpoint_id, _ = _add(portal_as, world, webhook_receiver)
    _update(as_staff, world, body="Queued before the pause.")
    portal = portal_as(world.customers_a[Role.CUSTOMER_ADMIN])
    page = f"/webhooks/{endpoint_id}"
    portal.post(f"{page}/pause", page=page)
    _update(as_staff, world, body="Posted while paused.")
    _dispatch(as_staff)
    assert webhook_receiver.requests == []
    with as_staff() as session:
        [held] = session.scalars(select(Notice).where(Notice.webhook_endpoint_id == endpoint_id))
        assert held.status == NoticeStatus.DEAD and "paused" in held.last_error


def test_only_the_chosen_events_are_delivered(portal_as, world, as_staff, webhook_receiver):
    """An endpoint that chose milestones only gets the milestone, not the plain update."""
    _add(portal_as, world, webhook_receiver, events=("update.milestone",))
    _update(as_staff, world, body="A plain update.")
    _update(as_staff, world, body="Root cause confirmed.", kind=UpdateKind.MILESTONE)
    _dispatch(as_staff)
    [request] = webhook_receiver.requests
    body = json.loads(request.body)
    assert body["type"] == "update.milestone" and body["update"]["body"] == "Root cause confirmed."


def test_the_delivery_log_shows_the_status_code_and_the_retries(
        portal_as, world, as_staff, webhook_receiver):
    """A 503 then a 200: the log shows the delivery, HTTP 200, 2 attempts (1 retry)."""
    endpoint_id, _ = _add(portal_as, world, webhook_receiver)
    webhook_receiver.script.extend([503])
    _update(as_staff, world)
    _dispatch(as_staff)
    portal = portal_as(world.customers_a[Role.CUSTOMER_ADMIN])
    page = portal.client.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)
    assert "Retrying" in page and ">503<" in page and "webhook answered 503" in page
    with as_staff() as session:
        notice = session.scalar(select(Notice).where(Notice.webhook_endpoint_id == endpoint_id))
        notice.next_attempt_at = now()
    _dispatch(as_staff)
    page = portal.client.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)
    assert "Delivered" in page and ">200<" in page and "(1 retry)" in page
    # Each try is kept, not only the last: the 503 with its error, then the 200.
    with as_staff() as session:
        notice = session.scalar(select(Notice).where(Notice.webhook_endpoint_id == endpoint_id))
        tries = [(a.attempt, a.response_status, a.error) for a in notice.attempt_log]
    assert tries == [(1, 503, "webhook answered 503"), (2, 200, "")]
    assert "Each try" in page and "webhook answered 503" in page


def test_every_try_of_a_webhook_is_logged_with_what_happened(
        portal_as, world, as_staff, webhook_receiver, auth):
    """A receiver that answers 500 twice, then times out, then 200: four tries, each with its
    status or error and how long it took, on the staff notice page too."""
    endpoint_id, _ = _add(portal_as, world, webhook_receiver)
    webhook_receiver.script.extend([500, 500, ("slow", 1.0)])
    _update(as_staff, world)
    for _ in range(4):
        _dispatch(as_staff)
        with as_staff() as session:
            notice = session.scalar(select(Notice).where(
                Notice.webhook_endpoint_id == endpoint_id))
            notice.next_attempt_at = now()
    with as_staff() as session:
        notice = session.scalar(select(Notice).where(Notice.webhook_endpoint_id == endpoint_id))
        tries = [(a.attempt, a.response_status) for a in notice.attempt_log]
        errors = [a.error for a in notice.attempt_log]
        slow = notice.attempt_log[2].duration_ms
        notice_id = notice.id
    assert tries == [(1, 500), (2, 500), (3, None), (4, 200)]
    assert "timed out" in errors[2] and errors[3] == ""
    assert slow >= 400  # the receiver held the answer past the 0.5 s timeout
    auth.logout("/webhooks")
    staff = portal_as(world.staff[Role.ADMINISTRATOR], base="/admin/webhooks")
    page = staff.client.get(f"/admin/delivery/{notice_id}").get_data(as_text=True)
    assert page.count('data-label="Try"') == 4 and "timed out" in page


def test_the_canary_internal_note_never_reaches_a_customer_endpoint(
        portal_as, world, as_staff, webhook_receiver):
    """Internal notes, milestones and status reasons stay home; customer updates go out."""
    _add(portal_as, world, webhook_receiver, events=[
        "update.note", "update.status_change", "update.milestone", "update.ownership",
        "update.severity_change", "update.tier_change"])
    _update(as_staff, world, body=f"{CANARY} internal only", visibility=Visibility.INTERNAL)
    _update(as_staff, world, body=f"{CANARY} internal milestone", kind=UpdateKind.MILESTONE,
            visibility=Visibility.INTERNAL)
    _update(as_staff, world, body="A customer update.")
    _dispatch(as_staff)
    assert len(webhook_receiver.requests) == 1
    assert all(CANARY.encode() not in r.body for r in webhook_receiver.requests)


def test_a_staff_team_endpoint_gets_every_organizations_events(as_staff, world, webhook_receiver):
    """An endpoint without organization (a staff team's) receives A's update."""
    with as_staff() as session:
        admin = session.merge(world.staff[Role.ADMINISTRATOR])
        endpoint_ops.create_endpoint(None, actor=admin, name="Staff bridge",
                                     url=webhook_receiver.url, kind="generic",
                                     chosen=["update.note"])
    _update(as_staff, world)
    _dispatch(as_staff)
    assert len(webhook_receiver.requests) == 1


def test_deleting_an_endpoint_drops_what_it_had_not_yet_received(
        portal_as, world, as_staff, webhook_receiver):
    """Undelivered notices go with the endpoint; delivered ones stay, detached, for staff."""
    endpoint_id, _ = _add(portal_as, world, webhook_receiver)
    _update(as_staff, world, body="Delivered.")
    _dispatch(as_staff)
    _update(as_staff, world, body="Still queued.")
    portal = portal_as(world.customers_a[Role.CUSTOMER_ADMIN])
    page = f"/webhooks/{endpoint_id}"
    portal.post(f"{page}/delete", page=page)
    _dispatch(as_staff)
    assert len(webhook_receiver.requests) == 1
    with as_staff() as session:
        assert session.get(WebhookEndpoint, endpoint_id) is None
        rows = session.scalars(select(Notice).where(Notice.channel == "webhook")).all()
        assert [(n.status, n.webhook_endpoint_id) for n in rows] == [(NoticeStatus.SENT, None)]
