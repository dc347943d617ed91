"""The unsubscribe link in every update email works without signing in, and can't be forged."""

import re

from sqlalchemy import select

from portal.enums import Role, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from portal.notices.models import Notice
from portal.outreach import dispatch
from portal.outreach.rendering import unsubscribe_token


def _link(smtp_server, email: str) -> str:
    message = next(m for m in smtp_server.mailbox.messages if m["To"] == email)
    url = re.match(r"<(.+)>", str(message["List-Unsubscribe"])).group(1)
    return url.split("://", 1)[1].split("/", 1)[1]  # the path, for the test client


def _post_update(as_staff, world, body):
    with as_staff() as session:
        ops.post_update(session.get(Escalation, world.escalation_a.id),
                        author=session.merge(world.staff[Role.AGENT]), body=body,
                        visibility=Visibility.CUSTOMER)


def test_one_click_unsubscribe_stops_the_next_update(as_staff, client, world, smtp_server):
    """A mail client's one-click POST, with no session, unsubscribes that person only."""
    viewer = world.customers_a[Role.VIEWER]
    _post_update(as_staff, world, "First news")
    with as_staff():
        dispatch.dispatch_all()
    path = _link(smtp_server, viewer.email)
    assert client.get("/" + path).status_code == 200  # a confirmation page, nothing changed yet
    response = client.post("/" + path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "no longer get updates" in response.get_data(as_text=True)
    _post_update(as_staff, world, "Second news")
    with as_staff() as session:
        newest_update = max(int(key.split(":")[1]) for key in session.scalars(
            select(Notice.key).where(Notice.event == "update")))
        recipients = set(session.scalars(select(Notice.recipient).where(
            Notice.key.like(f"update:{newest_update}:email:%"))))
    colleagues = {u.email for role, u in world.customers_a.items() if role != Role.VIEWER}
    assert recipients == colleagues


def test_a_forged_or_altered_token_is_refused(as_staff, client, app, world):
    """Guessing or editing a token gets nowhere."""
    with app.app_context():
        genuine = unsubscribe_token(world.customers_a[Role.VIEWER].id, world.escalation_a.id)
    assert client.post(f"/unsubscribe/{genuine[:-2]}xx").status_code == 404
    assert client.post("/unsubscribe/not-a-token").status_code == 404


def test_a_token_cannot_cross_organizations(app, client, world):
    """A genuine token naming another organization's escalation does nothing."""
    with app.app_context():
        crossed = unsubscribe_token(world.customers_a[Role.VIEWER].id, world.escalation_b.id)
    assert client.post(f"/unsubscribe/{crossed}").status_code == 404
