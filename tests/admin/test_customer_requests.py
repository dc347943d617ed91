"""A customer's request for the next level is a work item for staff: a marker and a quick view
in the queue, a banner on the escalation's overview with who asked and why, an answer (accept
with a tier change, or decline with a reason) that goes to the customer's timeline and closes
the request, and its own tag on the console's timeline."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.enums import Role, Tier, Trigger, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, EscalationRequest, Update
from tests.admin.test_lifecycle import form, overview, sign_in
from tests.admin.test_queue import HX, _references, _row
from tests.factories import CANARY
from tests.querycount import counted_queries

REASON = "Orders have failed for three hours and the fix keeps slipping."


@pytest.fixture
def asked(as_staff, world) -> str:
    """A viewer of organization A asks for the next level on escalation A."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        viewer = session.merge(world.customers_a[Role.VIEWER])
        ops.request_escalation(escalation, requested_by=viewer, reason=REASON)
    return world.customers_a[Role.VIEWER].name


def test_the_queue_marks_the_row_and_offers_a_quick_view(client, auth, world, asked):
    sign_in(auth, world)
    page = client.get("/admin/").get_data(as_text=True)
    row = _row(page, world.escalation_a.reference)
    assert "Customer asked for the next level" in row and asked in row
    assert f'href="/admin/escalations/{world.escalation_a.id}#customer-request"' in row
    view = re.search(r'href="(/admin/\?view=requests)"[^>]*>Customer requests '
                     r'<span class="queue-view-count">(\d+)</span>', page)
    assert view and view[2] == "1"
    shown = _references(client.get("/admin/?view=requests", headers=HX).get_data(as_text=True))
    assert shown == [world.escalation_a.reference]


def test_a_new_request_changes_the_queues_validator(client, auth, world, as_staff):
    """The queue answers 304 while nothing changed; a request is a change (its marker)."""
    sign_in(auth, world)
    first = client.get("/admin/", headers=HX)
    etag = first.headers["ETag"]
    assert client.get("/admin/", headers={**HX, "If-None-Match": etag}).status_code == 304
    with as_staff() as session:
        ops.request_escalation(session.get(Escalation, world.escalation_a.id),
                               requested_by=session.merge(world.customers_a[Role.VIEWER]),
                               reason=REASON)
    assert client.get("/admin/", headers={**HX, "If-None-Match": etag}).status_code == 200


def test_the_overview_shows_who_asked_and_why_with_both_answers(client, auth, world, asked):
    sign_in(auth, world)
    page = client.get(overview(world)).get_data(as_text=True)
    banner = page[page.index('id="customer-request"'):]
    banner = banner[:banner.index("</section>")]
    assert asked in banner and REASON in banner
    assert "Accept: escalate to L2" in banner and "Decline: keep it at L1" in banner


def test_accepting_raises_the_tier_and_closes_the_request(client, auth, world, as_staff, asked):
    token = sign_in(auth, world)
    response = client.post(f"{overview(world)}/customer-request/accept",
                           data=form("request-accept", token,
                                     reason="Agreed: our database team takes it now."))
    assert response.status_code == 302
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        assert escalation.tier == Tier.L2
        assert session.scalars(select(EscalationRequest.handled_at)).one() is not None
        change = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "escalation.tier_changed")).one()
        assert change.detail["trigger"] == Trigger.CUSTOMER_REQUEST.value
        said = session.scalars(select(Update.body).where(
            Update.escalation_id == escalation.id,
            Update.visibility == Visibility.CUSTOMER)).all()
    assert any("Agreed: our database team takes it now." in body for body in said)
    assert "customer-request" not in client.get(overview(world)).get_data(as_text=True)
    assert "Customer asked" not in _row(client.get("/admin/").get_data(as_text=True),
                                        world.escalation_a.reference)


def test_declining_keeps_the_tier_and_tells_the_customer_why(client, auth, world, as_staff,
                                                             asked):
    token = sign_in(auth, world)
    response = client.post(f"{overview(world)}/customer-request/decline",
                           data=form("request-decline", token,
                                     reason="The fix ships at 16:00; L1 has it in hand."))
    assert response.status_code == 302
    with as_staff() as session:
        assert session.get(Escalation, world.escalation_a.id).tier == Tier.L1
        assert session.scalars(select(EscalationRequest.handled_at)).one() is not None
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.action == "escalation.escalation_request_declined")).one()
    auth.logout("/admin/")
    auth.login(world.customers_a[Role.VIEWER].email)
    page = client.get(f"/escalations/{world.escalation_a.reference}").get_data(as_text=True)
    assert "keeping this escalation at L1 for now" in page
    assert "The fix ships at 16:00; L1 has it in hand." in page
    assert CANARY not in page


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_an_answer_without_a_reason_is_refused_by_the_field(client, auth, world, as_staff,
                                                            asked, answer):
    token = sign_in(auth, world)
    response = client.post(f"{overview(world)}/customer-request/{answer}",
                           data=form(f"request-{answer}", token, reason=""))
    assert response.status_code == 422
    assert f'id="request-{answer}-reason-error"' in response.get_data(as_text=True)
    with as_staff() as session:
        assert session.scalars(select(EscalationRequest.handled_at)).one() is None
        assert session.get(Escalation, world.escalation_a.id).tier == Tier.L1


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_there_is_nothing_to_answer_without_a_request(client, auth, world, as_staff, answer):
    token = sign_in(auth, world)
    response = client.post(f"{overview(world)}/customer-request/{answer}",
                           data=form(f"request-{answer}", token, reason="Because."))
    assert response.status_code == 422
    assert "No request for the next level is waiting" in response.get_data(as_text=True)
    with as_staff() as session:
        assert session.get(Escalation, world.escalation_a.id).tier == Tier.L1


def test_account_managers_read_the_request_but_cannot_answer(client, auth, world, as_staff,
                                                             asked):
    token = sign_in(auth, world, Role.ACCOUNT_MANAGER)
    page = client.get(overview(world)).get_data(as_text=True)
    assert REASON in page and "Accept: escalate" not in page
    assert client.post(f"{overview(world)}/customer-request/decline",
                       data=form("request-decline", token, reason="x")).status_code == 403


def test_the_request_has_its_own_tag_on_the_console_timeline(client, auth, world, asked):
    sign_in(auth, world)
    page = client.get(f"{overview(world)}/timeline").get_data(as_text=True)
    entry = page[:page.index(f"Requested escalation to the next level (L2): {REASON}")]
    entry = entry[entry.rindex("<li"):]
    assert "Escalation request</span>" in entry and "Customer comment" not in entry


def test_the_marker_costs_one_statement_per_page_not_per_row(app, client, auth, world,
                                                             as_staff):
    from tests.admin.test_queue import _escalations

    sign_in(auth, world)
    counts = []
    for count in (3, 27):
        _escalations(as_staff, world, count)
        with as_staff() as session:
            viewer = session.merge(world.customers_a[Role.VIEWER])
            for escalation in session.scalars(select(Escalation).limit(count)):
                if escalation.organization_id == world.org_a.id and \
                        ops.open_requests(escalation.id) == []:
                    ops.request_escalation(escalation, requested_by=viewer, reason=REASON)
        with counted_queries(app) as statements:
            assert client.get("/admin/?view=requests").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
