"""Opening an escalation from a helpdesk ticket in the console."""

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.enums import Role, Status, Tier, Trigger
from portal.escalations.models import Escalation, Handoff
from tests.admin.test_lifecycle import count, form, sign_in

HANDOFF = dict(summary="Invoices fail to render for every EU account",
               customer_impact="Finance cannot bill 40 customers",
               steps_taken="Restarted the renderer: no change. Rolled back 4.2: no change.",
               environment="prod-eu, renderer 4.2.1", reason=Trigger.SEVERITY.value,
               reason_detail="")


def _fields(world, owner_user=None, **overrides):
    fields = dict(organization=str(world.org_a.id), source_ticket="hd-12345",
                  title="Invoices fail in the EU", severity="2", product_area="Billing",
                  category="Outage", users_affected="40", core_operations_blocked="y",
                  reputational_risk="medium",
                  owner=str((owner_user or world.staff[Role.AGENT]).id),
                  communicator=str(world.staff[Role.ACCOUNT_MANAGER].id), **HANDOFF)
    fields.update(overrides)
    return fields


def test_the_new_escalation_page_is_in_the_navigation_for_those_who_work_escalations(
        client, auth, world):
    """Agents see a "New escalation" link and the form; account managers see neither."""
    sign_in(auth, world)
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/escalations/new"' in page
    html = client.get("/admin/escalations/new").get_data(as_text=True)
    assert "Handoff template" in html and 'id="new-source_ticket"' in html
    auth.logout("/admin/")
    sign_in(auth, world, Role.ACCOUNT_MANAGER)
    assert 'href="/admin/escalations/new"' not in client.get("/admin/").get_data(as_text=True)
    assert client.get("/admin/escalations/new").status_code == 403


def test_opening_an_escalation_saves_every_field_and_the_handoff(as_staff, client, auth, world):
    """The agent fills the form; the escalation opens with the ticket, impact, people and
    the handoff template, and the overview shows it."""
    token = sign_in(auth, world)
    response = client.post("/admin/escalations/new", data=form("new", token, **_fields(
        world, owner_user=world.staff[Role.ESCALATION_MANAGER])))
    assert response.status_code == 302
    with as_staff() as session:
        escalation = session.scalars(select(Escalation).where(
            Escalation.source_ticket == "HD-12345")).one()
        assert (escalation.title, escalation.severity, escalation.status, escalation.tier) == (
            "Invoices fail in the EU", 2, Status.NEW, Tier.L1)
        assert escalation.owner_id == world.staff[Role.ESCALATION_MANAGER].id
        assert escalation.communicator_id == world.staff[Role.ACCOUNT_MANAGER].id
        assert escalation.core_operations_blocked and escalation.users_affected == 40
        assert escalation.priority_breakdown and escalation.trigger == Trigger.SEVERITY
        handoff = session.scalars(select(Handoff).where(
            Handoff.escalation_id == escalation.id)).one()
        assert handoff.steps_taken.startswith("Restarted") and handoff.is_pending
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_id == escalation.id,
            AuditEvent.object_type == "Escalation")).all() == ["escalation.opened"]
        location = f"/admin/escalations/{escalation.id}"
    assert response.headers["Location"] == location
    page = client.get(location).get_data(as_text=True)
    assert "is open." in page and "Handoff pending to" in page


@pytest.mark.parametrize("field", ["summary", "customer_impact", "steps_taken",
                                   "environment", "reason"])
def test_each_missing_handoff_part_is_refused_beside_its_field(as_staff, client, auth, world,
                                                               field):
    """Leaving out any part of the handoff template answers 422 with the message next to
    that field, the other answers kept, and nothing saved."""
    token = sign_in(auth, world)
    before = count(as_staff, Escalation)
    response = client.post("/admin/escalations/new",
                           data=form("new", token,
                                     **_fields(world, **{field: "" if field == "reason" else " "})))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="new-{field}-error"' in html
    assert f'aria-describedby="new-{field}-help new-{field}-error"' in html
    assert "Invoices fail in the EU" in html  # what was typed stays
    assert count(as_staff, Escalation) == before
    assert count(as_staff, Handoff) == 2  # the world's own


@pytest.mark.parametrize(("ticket", "message"), [
    ("", "Enter the helpdesk ticket reference."),
    ("twelve", "Enter the helpdesk ticket reference, like HD-12345."),
    ("HD 12345", "like HD-12345"),
])
def test_the_ticket_reference_is_required_and_format_checked(as_staff, client, auth, world,
                                                             ticket, message):
    token = sign_in(auth, world)
    response = client.post("/admin/escalations/new",
                           data=form("new", token, **_fields(world, source_ticket=ticket)))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="new-source_ticket-error"' in html and message in html
    assert count(as_staff, Escalation) == 2


def test_a_ticket_with_an_open_escalation_is_refused_with_a_link_to_it(as_staff, client, auth,
                                                                       world):
    """A second escalation for the same ticket is refused; the message links to the first."""
    token = sign_in(auth, world)
    assert client.post("/admin/escalations/new",
                       data=form("new", token, **_fields(world))).status_code == 302
    with as_staff() as session:
        first = session.scalars(select(Escalation).where(
            Escalation.source_ticket == "HD-12345")).one()
        reference, first_id = first.reference, first.id
    response = client.post("/admin/escalations/new", data=form("new", token, **_fields(
        world, source_ticket="HD-12345", title="Same again")))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"already escalated as {reference}" in html
    assert f'<a href="/admin/escalations/{first_id}">Open {reference}</a>' in html
    assert count(as_staff, Escalation) == 3


def test_a_missing_organization_owner_or_severity_is_refused(as_staff, client, auth, world):
    token = sign_in(auth, world)
    response = client.post("/admin/escalations/new", data=form("new", token, **_fields(
        world, organization="", owner="", severity="")))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("organization", "owner", "severity"):
        assert f'id="new-{name}-error"' in html, name
    assert count(as_staff, Escalation) == 2


def test_an_escalation_you_own_yourself_needs_no_acknowledgement(as_staff, client, auth, world):
    token = sign_in(auth, world)
    client.post("/admin/escalations/new", data=form("new", token, **_fields(world)))
    with as_staff() as session:
        handoff = session.scalars(select(Handoff).join(Escalation).where(
            Escalation.source_ticket == "HD-12345")).one()
        assert not handoff.is_pending


def test_account_managers_cannot_open_escalations(as_staff, client, auth, world):
    token = sign_in(auth, world, Role.ACCOUNT_MANAGER)
    response = client.post("/admin/escalations/new", data=form("new", token, **_fields(world)))
    assert response.status_code == 403
    assert count(as_staff, Escalation) == 2
