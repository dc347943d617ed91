"""Known-issue broadcasts: one message, several organizations, each copy personalised."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.enums import Role
from portal.notices.models import Broadcast, Notice
from portal.outreach import dispatch
from tests.conftest import csrf_token_from

FORM = {"subject": "Known issue for {customer_name}",
        "body": "Dear {recipient_name}, a CDN problem slows exports for **{customer_name}**.",
        "audience": "everyone"}


def _compose(client, world, **overrides):
    page = client.get("/admin/broadcasts/new")
    token = csrf_token_from(page.get_data(as_text=True))
    data = dict(FORM, csrf_token=token,
                organizations=[str(world.org_a.id), str(world.org_b.id)], **overrides)
    return data


def test_preview_per_organization_then_send(client, auth, as_staff, world, smtp_server):
    """Each organization's copy is previewed; sending queues one personalised email each."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    data = _compose(client, world, preview="y")
    page = client.post("/admin/broadcasts/new", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Known issue for Acme Logistics" in html and "Known issue for Globex Retail" in html
    assert "<strong>Globex Retail</strong>" in html and "Send to 6 people" in html
    with as_staff() as session:
        assert session.scalars(select(Broadcast)).all() == []
    previewed = html.split('name="previewed" type="hidden" value="')[1].split('"')[0]
    sent = client.post("/admin/broadcasts/new",
                       data=dict(data, send="y", previewed=previewed))
    assert sent.status_code == 302
    with as_staff() as session:
        broadcast = session.scalars(select(Broadcast)).one()
        keys = sorted(session.scalars(select(Notice.key).where(
            Notice.broadcast_id == broadcast.id)))
        users = [u.id for u in (*world.customers_a.values(), *world.customers_b.values())]
        assert keys == sorted(f"broadcast:{broadcast.id}:{uid}:email" for uid in users)
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "Broadcast")).all() == ["broadcast.sent"]
        assert dispatch.dispatch_all().sent == 6
    subjects = {m["To"]: m["Subject"] for m in smtp_server.mailbox.messages}
    assert subjects[world.customers_b[Role.VIEWER].email] == "Known issue for Globex Retail"
    for message in smtp_server.mailbox.messages:
        text = message.get_body(("plain",)).get_content()
        assert "Dear Customer Person" in text and "{" not in text
    listing = client.get("/admin/broadcasts").get_data(as_text=True)
    assert "Known issue for {customer_name}" in listing and "6</span> <span class=\"delivery" \
        "-count-label\">sent" in listing


def test_escalation_placeholders_are_refused(client, auth, world):
    """A broadcast is about no single escalation: {reference} is an error at the field."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    page = client.post("/admin/broadcasts/new",
                       data=_compose(client, world, preview="y", body="About {reference}"))
    assert page.status_code == 422 and "not {reference}" in page.get_data(as_text=True)


def test_sending_needs_the_previewed_content(client, auth, as_staff, world):
    """Without a matching preview, Send shows the preview instead of sending."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    page = client.post("/admin/broadcasts/new",
                       data=_compose(client, world, send="y", previewed="nope"))
    assert page.status_code == 200 and "changed since the last preview" in page.get_data(
        as_text=True)
    with as_staff() as session:
        assert session.scalars(select(Notice).where(Notice.event == "broadcast")).all() == []


def test_account_managers_broadcast_to_their_accounts_only(client, auth, as_staff, world):
    """An account manager's choices are their accounts; agents may not broadcast."""
    with as_staff() as session:
        session.merge(world.org_a).account_manager_id = world.staff[Role.ACCOUNT_MANAGER].id
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    html = client.get("/admin/broadcasts/new").get_data(as_text=True)
    assert "Acme Logistics" in html and "Globex Retail" not in html
    page = client.post("/admin/broadcasts/new", data=_compose(client, world, preview="y"))
    assert page.status_code == 422  # Globex is not a valid choice for them
    auth.logout("/admin/")
    auth.login(world.staff[Role.AGENT].email)
    assert client.get("/admin/broadcasts").status_code == 403
