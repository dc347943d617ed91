"""Internal never leaks: a canary internal note appears in no customer response."""

from portal.enums import Role
from tests.factories import CANARY


def test_canary_internal_rows_never_reach_customer_pages(app, client, auth, world):
    """Internal notes, milestones, steps and exit criteria stay off every customer page."""
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    pages = ["/escalations", f"/escalations/{world.escalation_a.reference}"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert CANARY not in body, path
        assert "10.0.3.7" not in body
        assert CANARY not in str(response.headers)


def test_customer_sees_their_customer_visible_rows(client, auth, world):
    """What is meant for the customer is there: the update, milestone, step and criterion."""
    auth.login(world.customers_a[Role.VIEWER].email)
    body = client.get(f"/escalations/{world.escalation_a.reference}").get_data(as_text=True)
    for text in ("We are investigating the Acme Logistics outage.", "Root cause confirmed",
                 "Apply patch 4.2.1 on your side", "Error rate below 0.1 %"):
        assert text in body


def test_staff_see_internal_rows_in_the_console(client, auth, world):
    """The canary is a real internal row: staff do see it (so the test above can fail)."""
    from portal.escalations.models import Update
    from portal.extensions import db
    from portal.tenancy import Scope, set_scope

    with client.application.app_context():
        set_scope(db.session(), Scope.unscoped("test check"))
        bodies = [u.body for u in db.session.query(Update).filter_by(
            escalation_id=world.escalation_a.id)]
    assert any(CANARY in body for body in bodies)


def test_markdown_is_sanitized_and_fenced(as_staff, client, auth, world):
    """A hostile update renders as text: no script, no handler, no htmx attribute."""
    from portal.enums import Visibility
    from portal.escalations import operations as ops
    from portal.escalations.models import Escalation

    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER, body=(
            "Fixed <script>alert(1)</script> <img src=x onerror=alert(2)> "
            "[x](javascript:alert(3)) <a hx-get='/logout'>y</a> [ok](https://status.example.com)"
        ))
    auth.login(world.customers_a[Role.VIEWER].email)
    body = client.get(f"/escalations/{world.escalation_a.reference}").get_data(as_text=True)
    assert "<script>alert" not in body and "<img" not in body
    assert 'href="javascript' not in body and "<a hx-get" not in body
    assert 'href="https://status.example.com"' in body
    assert 'class="timeline" hx-disable' in body
