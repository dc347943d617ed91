"""A page leaves like every notice: the email through a real SMTP server with its acknowledge
link, and the `oncall.paged` webhook to the staff team endpoints that chose it (never to a
customer organization's endpoint). The link acknowledges without a sign-in, and the page
stops repeating."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.enums import Role
from portal.notices import signing
from portal.notices.models import WebhookEndpoint, WebhookKind
from portal.oncall.pages import OncallPage
from portal.outreach import dispatch
from tests import factories
from tests.conftest import csrf_token_from
from tests.notices.conftest import smtp_server, webhook_receiver  # noqa: F401 (fixtures)
from tests.oncall.paging import london_team, open_sev1, page_emails, sweep

OPENED = datetime(2026, 11, 24, 10, tzinfo=UTC)  # a Tuesday


def _endpoint(session, url, organization_id=None, events=None, name="Ops chat"):
    session.add(WebhookEndpoint(organization_id=organization_id, name=name, url=url,
                                kind=WebhookKind.GENERIC, events=events,
                                secret_sealed=signing.seal("s3cret")))


def _paged(as_staff, webhook_url):
    with as_staff() as session:
        ann = factories.make_staff(name="Ann Oncall")
        owner = factories.make_staff()
        london_team([ann], starts_on=date(2026, 11, 2))
        org = factories.make_organization()
        _endpoint(session, webhook_url, events=["oncall.paged"])
        _endpoint(session, webhook_url, events=["update.note"], name="Notes only")
        _endpoint(session, webhook_url, organization_id=org.id, name="Customer hook")
        escalation = open_sev1(org, owner, OPENED)
        sweep(OPENED + timedelta(minutes=15))  # breached: Ann is paged
        return ann.email, escalation.id, escalation.reference


def test_the_page_arrives_by_email_and_webhook_and_its_link_acknowledges(
        as_staff, client, smtp_server, webhook_receiver):  # noqa: F811
    """One email to Ann through SMTP, one signed webhook to the staff endpoint that chose
    on-call pages; the email's link shows a button that acknowledges, audited, and the next
    sweeps page nobody."""
    email, escalation_id, reference = _paged(as_staff, webhook_receiver.url)
    with as_staff():
        report = dispatch.dispatch_all()
    assert report.sent == 3 and report.dead == 0  # and the owner's own breach email
    [message] = [m for m in smtp_server.mailbox.messages if m["To"] == email]
    assert message["Subject"] == (f"[{reference}] Page: acknowledgement target breached")
    text = message.get_body(("plain",)).get_content()
    assert "You are on call for Platform" in text
    [received] = webhook_receiver.requests
    body = json.loads(received.body)
    assert body["type"] == "oncall.paged"
    assert body["page"]["person"]["email"] == email and body["page"]["repeat"] == 0
    assert body["escalation"]["reference"] == reference
    assert received.headers["Idempotency-Key"] == body["id"]

    link = re.search(r"Acknowledge \(stops the repeats\): (\S+)", text).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and "Acknowledge the page?" in page.get_data(as_text=True)
    with as_staff() as session:
        assert session.scalar(select(OncallPage.acknowledged_at)) is None  # GET changes nothing
    token = csrf_token_from(page.get_data(as_text=True))
    done = client.post("/" + path, data={"csrf_token": token})
    assert done.status_code == 200 and "Acknowledged" in done.get_data(as_text=True)
    with as_staff() as session:
        row = session.scalar(select(OncallPage))
        assert row.acknowledged_at is not None and row.acknowledged_by_id == row.user_id
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "oncall.page_acknowledged"))
        assert event.detail["via"] == "email link" and event.actor_id == row.user_id
        for n in (25, 35, 45):
            sweep(OPENED + timedelta(minutes=n))
        assert len(page_emails(escalation_id)) == 1


def test_a_tampered_or_foreign_acknowledge_link_answers_404(as_staff, client):
    """A link whose signature does not hold finds nothing."""
    assert client.get("/on-call/acknowledge/not-a-token").status_code == 404
    assert client.post("/on-call/acknowledge/WzEsMV0.bad.sig").status_code in (400, 404)


def test_an_unacknowledged_page_repeats_by_email_and_webhook(as_staff, webhook_receiver):  # noqa: F811
    """Ten minutes later, the same person again: a new email and a new webhook, each with its
    own key (repeat 1)."""
    email, escalation_id, _ = _paged(as_staff, webhook_receiver.url)
    with as_staff():
        sweep(OPENED + timedelta(minutes=25))
        dispatch.dispatch_all()
        assert [who for _, who in page_emails(escalation_id)] == [email, email]
    bodies = [json.loads(r.body) for r in webhook_receiver.requests]
    assert [b["page"]["repeat"] for b in bodies] == [0, 1]
    assert len({b["id"] for b in bodies}) == 2


def test_an_organization_endpoint_may_not_choose_on_call_pages(as_staff, world):
    """On-call pages are staff business: a customer organization's endpoint refuses them."""
    import pytest

    from portal.operations import OperationError
    from portal.webhooks.operations import create_endpoint

    with as_staff() as session:
        admin = session.merge(world.staff[Role.ADMINISTRATOR])
        with pytest.raises(OperationError, match="staff team"):
            create_endpoint(world.org_a.id, actor=admin, name="Hook",
                            url="https://93.184.215.14/hook", kind="generic",
                            chosen=["oncall.paged"])
        endpoint, _ = create_endpoint(None, actor=admin, name="Pager",
                                      url="https://93.184.215.14/pager", kind="generic",
                                      chosen=["oncall.paged"])
        assert endpoint.events == ["oncall.paged"]


def test_the_console_offers_on_call_pages_to_staff_team_endpoints(client, auth, world,
                                                                   as_staff):
    """*Webhooks* lists "Someone on call is paged" among the events; a staff team endpoint
    saves it (and its edit page shows it chosen); a customer organization's answers 422."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert 'value="oncall.paged"' in page
    form = {"endpoint-csrf_token": csrf_token_from(page), "endpoint-name": "Pager bridge",
            "endpoint-url": "https://93.184.215.14/pager", "endpoint-kind": "generic",
            "endpoint-events": ["oncall.paged"], "endpoint-organization": ""}
    assert client.post("/admin/webhooks", data=form).status_code == 200
    refused = client.post("/admin/webhooks", data={**form, "endpoint-name": "Customer",
                                                    "endpoint-organization": str(world.org_a.id)})
    assert refused.status_code == 422
    assert "endpoint receives on-call pages." in refused.get_data(as_text=True)
    with as_staff() as session:
        [endpoint] = session.scalars(select(WebhookEndpoint)).all()
        assert endpoint.events == ["oncall.paged"] and endpoint.organization_id is None
        endpoint_id = endpoint.id
    edit = client.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
    box = edit.split('value="oncall.paged"', 1)[0].rsplit("<input", 1)[1]
    assert "checked" in box
