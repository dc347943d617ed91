"""A drill never reaches a customer: a canary string in its title, description and every
scripted event appears in no customer page, email (a real SMTP server), webhook delivery (a
real HTTP receiver), feed, API answer or PDF — while staff participants do get their
"[Drill]" mail, so the test can fail."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import delete

from portal.clock import frozen_at
from portal.drills.jobs import run_drills
from portal.enums import Role
from portal.escalations.models import Escalation
from portal.notices.models import Notice
from portal.outreach import dispatch
from portal.outreach.digest import queue_daily_digests
from portal.webhooks import operations as endpoints
from tests.api.conftest import Api
from tests.downloads import download
from tests.drills.conftest import DRILL_CANARY, START, end, work_the_drill
from tests.feeds.conftest import calendar_path, updates_path

EVERY_EVENT = ["update.note", "update.status_change", "update.milestone", "update.ownership",
               "update.severity_change", "update.tier_change"]


def _read(message) -> str:
    """A message as its reader sees it: subject and every decoded text part."""
    parts = [message["Subject"]]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


@pytest.fixture
def drill_run(world, as_staff, start_drill, webhook_receiver, smtp_server):
    """Organization A and a staff team have endpoints for every event; a drill on A runs its
    whole script, is worked by its owner and ended; the outbox is delivered."""
    with as_staff() as session:
        session.execute(delete(Notice))
        admin = session.merge(world.staff[Role.ADMINISTRATOR])
        for organization_id in (world.org_a.id, None):
            endpoints.create_endpoint(organization_id, actor=admin, name=f"all {organization_id}",
                                      url=webhook_receiver.url, kind="generic",
                                      chosen=EVERY_EVENT)
    drill_id, escalation_id = start_drill()
    with frozen_at(START + timedelta(minutes=10)), as_staff():
        assert run_drills() == 3
    work_the_drill(world, as_staff, escalation_id, at=START + timedelta(minutes=11))
    end(world, as_staff, drill_id, at=START + timedelta(minutes=20))
    with frozen_at(START + timedelta(days=1, hours=2)), as_staff():
        queue_daily_digests()
    with as_staff():
        dispatch.dispatch_all()
    with as_staff() as session:
        reference = session.get(Escalation, escalation_id).reference
    return drill_id, escalation_id, reference


def test_the_canary_reaches_no_customer_mail_or_webhook(world, drill_run, smtp_server,
                                                        webhook_receiver, as_staff):
    """Participants get "[Drill]" mail; customers, non-participants and endpoints get nothing
    of the drill."""
    participants = {world.staff[Role.AGENT].email, world.staff[Role.ESCALATION_MANAGER].email}
    messages = smtp_server.mailbox.messages
    with_canary = [m for m in messages if DRILL_CANARY in _read(m)]
    assert with_canary, "the participants should have heard of the drill"
    for message in with_canary:
        assert str(message["Subject"]).strip().startswith("[Drill] "), message["Subject"]
        assert message["To"] in participants, message["To"]
    customers = {u.email for u in (*world.customers_a.values(), *world.customers_b.values())}
    assert not [m for m in messages if m["To"] in customers and DRILL_CANARY in _read(m)]
    assert all(DRILL_CANARY.encode() not in r.body for r in webhook_receiver.requests)
    assert all(drill_run[2].encode() not in r.body for r in webhook_receiver.requests)


def test_the_canary_reaches_no_customer_page_feed_or_pdf(client, auth, world, drill_run,
                                                         feed_token):
    """Every page a customer of A opens, their feeds and the quarter's PDF leave the drill
    out; its reference answers 404 like a missing one."""
    _, _, reference = drill_run
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    for path in ("/", "/escalations", "/history", "/history.csv", "/executive", "/reports",
                 "/reports/summary", "/account/notifications"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert DRILL_CANARY not in response.get_data(as_text=True), path
        assert reference not in response.get_data(as_text=True), path
    missing = client.get("/escalations/ESC-999999")
    assert client.get(f"/escalations/{reference}").status_code == missing.status_code == 404
    pdf = download(client, "/reports/summary.pdf")
    assert pdf.status_code == 200
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert world.org_a.name in text and DRILL_CANARY not in text and reference not in text
    token = feed_token(world.customers_a[Role.VIEWER])
    for path in (updates_path(token), calendar_path(token)):
        response = client.get(path)
        assert response.status_code == 200, path
        assert DRILL_CANARY not in response.get_data(as_text=True), path


def test_the_canary_reaches_no_customer_api_answer(client, world, drill_run,
                                                   issue):
    """A customer token lists no drill, and the drill's id answers 404 everywhere."""
    _, escalation_id, _ = drill_run
    api = Api(client, issue(world.customers_a[Role.CUSTOMER_ADMIN]))
    listing = api.get("/api/v1/escalations?open=false")
    assert listing.status_code == 200
    assert escalation_id not in {item["id"] for item in listing.get_json()["items"]}
    assert DRILL_CANARY not in listing.get_data(as_text=True)
    for suffix in ("", "/timeline", "/milestones", "/steps"):
        response = api.get(f"/api/v1/escalations/{escalation_id}{suffix}")
        assert response.status_code == 404, suffix
        assert DRILL_CANARY not in response.get_data(as_text=True)


def test_a_staff_token_sees_the_drill_marked(client, world, drill_run, issue):
    """Over the API, staff see which escalation is a rehearsal; a customer token never
    receives the field (nor the drill)."""
    _, escalation_id, _ = drill_run
    staff = Api(client, issue(world.staff[Role.ADMINISTRATOR]))
    assert staff.get(f"/api/v1/escalations/{escalation_id}").get_json()["is_drill"] is True
    real = staff.get(f"/api/v1/escalations/{world.escalation_a.id}").get_json()
    assert real["is_drill"] is False
    customer = Api(client, issue(world.customers_a[Role.CUSTOMER_ADMIN]))
    mine = customer.get(f"/api/v1/escalations/{world.escalation_a.id}").get_json()
    assert "is_drill" not in mine


def test_staff_do_see_the_drill_marked(client, auth, world, drill_run):
    """The canary is real: the console shows the drill, marked DRILL, with its scorecard."""
    drill_id, escalation_id, reference = drill_run
    auth.login(world.staff[Role.AGENT].email)
    page = client.get(f"/admin/escalations/{escalation_id}").get_data(as_text=True)
    assert DRILL_CANARY in page and 'id="drill-banner"' in page
    timeline = client.get(f"/admin/escalations/{escalation_id}/timeline").get_data(as_text=True)
    assert "We are on it. " + DRILL_CANARY in timeline
    assert "Drill: drafted for the customer, never sent" in timeline
    scorecard = client.get(f"/admin/drills/{drill_id}").get_data(as_text=True)
    assert 'id="scorecard"' in scorecard
