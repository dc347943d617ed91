"""Preview as customer: staff open the portal exactly as one customer user sees it,
read-only, with a banner, through the real tenancy and visibility code."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.clock import frozen_at
from portal.enums import Role
from portal.escalations.models import Subscription, Update
from tests.conftest import AuthActions, csrf_token_from
from tests.downloads import download
from tests.factories import CANARY

BANNER = 'id="preview-banner"'


def _main(html: str) -> str:
    """The page's main content, without per-session CSRF tokens."""
    main = html[html.index('<main id="main"'):html.index("</main>")]
    main = re.sub(r'data-etag="[^"]+"', "", main)  # the preview has its own ETag
    return re.sub(r'(csrf_token"[^>]*value=")[^"]+"', r'\1"', main)


def _start(client, world, customer, escalation=None):
    page = client.get(f"/admin/escalations/{world.escalation_a.id}/preview")
    token = csrf_token_from(page.get_data(as_text=True))
    data = {"csrf_token": token}
    if escalation is not None:
        data["escalation"] = str(escalation.id)
    return client.post(f"/admin/preview/{customer.id}", data=data)


def _count(as_staff, model, **where):
    with as_staff() as session:
        return session.scalar(select(func.count()).select_from(model).filter_by(**where))


@pytest.fixture
def staff(auth, world):
    auth.login(world.staff[Role.AGENT].email)
    return world.staff[Role.AGENT]


def test_the_picker_lists_the_organizations_people_with_roles(client, staff, world):
    """The escalation's "Preview as customer" tab lists its organization's people only."""
    html = client.get(f"/admin/escalations/{world.escalation_a.id}/preview").get_data(
        as_text=True)
    for person in world.customers_a.values():
        assert person.name in html and person.role.label in html
    for person in world.customers_b.values():
        assert person.email not in html
    assert 'aria-current="page">Preview as customer' in html


def test_the_organization_picker_lists_its_people(client, staff, world):
    """From an organization, the picker lists that organization's people."""
    page = client.get(f"/admin/organizations/{world.org_b.id}/preview")
    html = page.get_data(as_text=True).replace("<wbr>", "")  # addresses' line-break hints
    assert page.status_code == 200
    assert all(p.email in html for p in world.customers_b.values())
    assert not any(p.email in html for p in world.customers_a.values())


def test_a_link_alone_asks_to_confirm(client, staff, world, as_staff):
    """GET on the preview address shows a confirmation and starts nothing."""
    viewer = world.customers_a[Role.VIEWER]
    page = client.get(f"/admin/preview/{viewer.id}")
    assert page.status_code == 200 and "Start preview" in page.get_data(as_text=True)
    assert _count(as_staff, AuditEvent, action="preview.started") == 0


def test_starting_opens_the_portal_as_the_customer_and_is_audited(client, staff, world,
                                                                  as_staff):
    """Starting lands on the escalation in the portal, with the banner; the start is audited."""
    viewer = world.customers_a[Role.VIEWER]
    response = _start(client, world, viewer, world.escalation_a)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/escalations/{world.escalation_a.reference}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert BANNER in html
    assert f"Previewing as {viewer.name}</strong> (Viewer, Acme Logistics) — read-only." in html
    assert 'action="/admin/preview/exit"' in html
    with as_staff() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "preview.started")).one()
        assert (event.actor_id, event.object_id) == (staff.id, viewer.id)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CUSTOMER_ADMIN])
@pytest.mark.parametrize("page", ["dashboard", "escalation"])
def test_the_previewed_page_is_what_the_customer_sees(app, client, staff, world, role, page):
    """The main content of a previewed page equals the customer's own, signed in themselves:
    same escalations, their own steps, no internal text."""
    customer = world.customers_a[role]
    path = ("/escalations" if page == "dashboard"
            else f"/escalations/{world.escalation_a.reference}")
    own_client = app.test_client()
    with frozen_at(datetime(2026, 11, 23, 12, 0, tzinfo=UTC)):
        AuthActions(own_client).login(customer.email)
        own = own_client.get(path)
        _start(client, world, customer)
        previewed = client.get(path)
    assert own.status_code == previewed.status_code == 200
    own_html, previewed_html = own.get_data(as_text=True), previewed.get_data(as_text=True)
    assert _main(previewed_html) == _main(own_html)
    assert BANNER in previewed_html and BANNER not in own_html
    assert world.escalation_a.reference in previewed_html
    assert world.escalation_b.reference not in previewed_html
    assert CANARY not in previewed_html


def test_previewing_org_a_never_shows_org_b(client, staff, world):
    """A preview of org A's user answers 404 for org B's escalation, like the user would get."""
    _start(client, world, world.customers_a[Role.EXECUTIVE])
    assert client.get(f"/escalations/{world.escalation_b.reference}").status_code == 404
    html = client.get("/escalations").get_data(as_text=True)
    assert "Globex" not in html and world.escalation_b.reference not in html


def test_a_post_during_a_preview_is_refused_and_writes_nothing(client, staff, world,
                                                               as_staff):
    """Commenting, unsubscribing or completing a step in a preview answers 403; no row."""
    _start(client, world, world.customers_a[Role.VIEWER], world.escalation_a)
    reference = world.escalation_a.reference
    html = client.get(f"/escalations/{reference}").get_data(as_text=True)
    token = csrf_token_from(html)
    updates = _count(as_staff, Update)
    events = _count(as_staff, AuditEvent)
    for path, data in (
            (f"/escalations/{reference}/comments", {"comment-body": "Written by staff?"}),
            (f"/escalations/{reference}/subscription", {"subscription-subscribed": "no"}),
            (f"/escalations/{reference}/steps/{world.customer_step_a.id}/complete",
             {f"step-{world.customer_step_a.id}-note": "done"})):
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 403, path
        assert "read-only preview" in response.get_data(as_text=True)
    assert _count(as_staff, Update) == updates
    assert _count(as_staff, Subscription) == 0
    assert _count(as_staff, AuditEvent) == events


def test_an_htmx_post_in_a_preview_reloads_the_page_with_the_refusal(client, staff, world,
                                                                     as_staff):
    """An htmx form in a preview is refused too, and the page reloads to say so."""
    _start(client, world, world.customers_a[Role.VIEWER], world.escalation_a)
    reference = world.escalation_a.reference
    token = csrf_token_from(client.get(f"/escalations/{reference}").get_data(as_text=True))
    updates = _count(as_staff, Update)
    response = client.post(f"/escalations/{reference}/comments",
                           data={"csrf_token": token, "comment-body": "hello"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 403 and response.headers["HX-Refresh"] == "true"
    assert _count(as_staff, Update) == updates
    assert "read-only preview: nothing was saved" in client.get(
        f"/escalations/{reference}").get_data(as_text=True)


def test_a_previewed_request_runs_in_the_customers_read_only_scope(app, client, staff, world):
    """The previewed request is scoped to the customer's organization, read-only."""
    from flask import request_finished

    from portal.extensions import db
    from portal.tenancy import current_scope

    _start(client, world, world.customers_a[Role.VIEWER])
    seen = []

    def record(sender, response, **extra):  # inside the request, before its teardown
        seen.append(current_scope(db.session()))

    with request_finished.connected_to(record, app):
        client.get("/escalations")
        client.get("/admin/")
    assert seen[0].organization_id == world.org_a.id and seen[0].read_only
    assert seen[1].is_unscoped and not seen[1].read_only


def test_a_read_only_scope_refuses_any_write_at_flush(app, world):
    """Even a GET view that tried to write in a preview would be stopped at flush."""
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.tenancy import ReadOnlyViolation, Scope, set_scope

    with app.app_context():
        session = db.session()
        set_scope(session, Scope.organization(world.org_a.id, read_only=True))
        user = session.get(User, world.customers_a[Role.VIEWER].id)
        user.job_title = "changed in a preview"
        with pytest.raises(ReadOnlyViolation):
            session.flush()
        session.rollback()


def test_a_read_only_scope_refuses_a_direct_audit_insert(app, world):
    """The audit's one-INSERT path (report downloads) bypasses the flush, and is refused too."""
    from portal import audit
    from portal.extensions import db
    from portal.tenancy import ReadOnlyViolation, Scope, set_scope

    with app.app_context():
        session = db.session()
        set_scope(session, Scope.organization(world.org_a.id, read_only=True))
        with pytest.raises(ReadOnlyViolation):
            audit.append("report.downloaded", organization_id=world.org_a.id, kind="review")
        session.rollback()


def test_exit_returns_to_the_console_and_ends_the_preview(client, staff, world, as_staff):
    """Exit preview (a POST) goes back to where it started; portal pages send staff to the
    console again."""
    _start(client, world, world.customers_a[Role.VIEWER], world.escalation_a)
    html = client.get("/escalations").get_data(as_text=True)
    response = client.post("/admin/preview/exit", data={"csrf_token": csrf_token_from(html)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/admin/escalations/{world.escalation_a.id}/preview")
    assert "ended" in client.get(response.headers["Location"]).get_data(as_text=True)
    after = client.get("/escalations")
    assert after.status_code == 302 and after.headers["Location"].endswith("/admin/")
    assert _count(as_staff, AuditEvent, action="preview.ended") == 1


def test_sign_out_ends_the_preview(client, auth, staff, world):
    """Signing out and in again does not resume an old preview."""
    _start(client, world, world.customers_a[Role.VIEWER])
    auth.logout("/admin/")
    auth.login(staff.email)
    assert client.get("/escalations").status_code == 302
    assert BANNER not in client.get("/admin/").get_data(as_text=True)


def test_console_pages_keep_the_staff_user_during_a_preview(client, staff, world):
    """During a preview the console still runs as the staff member, internal notes and all."""
    _start(client, world, world.customers_a[Role.VIEWER])
    page = client.get(f"/admin/escalations/{world.escalation_a.id}/plan")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert CANARY in html and staff.name in html
    assert "Customer preview is on" in html  # the reminder, with its exit
    assert client.get(f"/admin/escalations/{world.escalation_b.id}").status_code == 200


def test_customers_cannot_reach_preview(client, auth, world):
    """A customer can neither start a preview nor pick whom to preview (403)."""
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    html = client.get("/escalations").get_data(as_text=True)
    token = csrf_token_from(html)
    other = world.customers_a[Role.VIEWER]
    assert client.get(f"/admin/preview/{other.id}").status_code == 403
    assert client.post(f"/admin/preview/{other.id}",
                       data={"csrf_token": token}).status_code == 403
    assert client.get(f"/admin/organizations/{world.org_a.id}/preview").status_code == 403
    assert BANNER not in client.get("/escalations").get_data(as_text=True)


def test_staff_cannot_be_previewed(client, staff, world):
    """Only customer users can be previewed; a staff id answers 404."""
    assert client.get(f"/admin/preview/{world.staff[Role.ADMINISTRATOR].id}").status_code == 404


def test_the_dashboard_etag_differs_in_a_preview(app, client, staff, world):
    """The customer's own dashboard ETag never validates the previewed page (banner)."""
    customer = world.customers_a[Role.VIEWER]
    own_client = app.test_client()
    with frozen_at(datetime(2026, 11, 23, 12, 0, tzinfo=UTC)):
        AuthActions(own_client).login(customer.email)
        own = own_client.get("/escalations")
        _start(client, world, customer)
        previewed = client.get("/escalations", headers={"If-None-Match": own.headers["ETag"]})
    assert previewed.status_code == 200 and previewed.headers["ETag"] != own.headers["ETag"]


def test_a_preview_of_a_deactivated_person_ends(client, staff, world, as_staff):
    """When the previewed person is deactivated meanwhile, portal pages stop showing their view."""
    from portal.accounts.models import User

    viewer = world.customers_a[Role.VIEWER]
    _start(client, world, viewer)
    with as_staff() as session:
        session.get(User, viewer.id).active = False
    response = client.get("/escalations")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    assert BANNER not in client.get("/admin/").get_data(as_text=True)


def test_a_previewed_download_is_refused_with_the_reason(client, staff, world, as_staff):
    """A download is audited in the downloader's name, so the read-only preview refuses it
    with a page that says why (it was a 500 when the audit write hit the read-only scope)."""
    executive = world.customers_a[Role.EXECUTIVE]
    _start(client, world, executive)
    before = _count(as_staff, AuditEvent)
    response = download(client, "/reports/summary.pdf?period=2026-Q3")
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert "This is a read-only preview" in html and "record a download in their name" in html
    assert _count(as_staff, AuditEvent) == before
