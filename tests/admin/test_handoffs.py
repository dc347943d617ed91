"""Ownership transfers in the console: the handoff template, pending everywhere until the
receiver acknowledges, overdue after the configured time."""

import re
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.clock import frozen_at
from portal.enums import Role
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, Handoff
from portal.escalations.queries import overdue_handoffs
from portal.settings import HANDOFF_ACKNOWLEDGE_MINUTES, set_setting
from tests import factories
from tests.admin.test_lifecycle import count, form, overview, sign_in
from tests.querycount import counted_queries

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TEMPLATE = dict(summary="EU checkout fails", customer_impact="No EU orders since 08:10",
                steps_taken="Restarted workers: no change", environment="prod-eu, v4.2.1",
                reason="sla_breach", reason_detail="Resolve clock at 80 %")


def _transfer(client, token, world, to_user, **overrides):
    return client.post(overview(world) + "/transfer", data=form(
        "transfer", token, to_user=str(to_user.id), **(TEMPLATE | overrides)))


def _pending(as_staff, world) -> list[tuple[int, str, str]]:
    """The escalation's pending handoffs as (id, steps taken, reason)."""
    with as_staff() as session:
        return [(h.id, h.steps_taken, h.reason.value) for h in session.scalars(select(Handoff)
                .where(Handoff.escalation_id == world.escalation_a.id,
                       Handoff.acknowledged_at.is_(None)))]


_counted_queries = partial(counted_queries, kinds=None)  # every statement


def test_a_transfer_is_pending_on_every_page_until_the_receiver_acknowledges(
        as_staff, client, auth, world):
    """The agent hands over to the escalation manager: the overview, every tab's header and
    both people's "My handoffs" show it pending; the receiver's navigation counts it; the
    receiver acknowledges and it is gone from all of them."""
    receiver = world.staff[Role.ESCALATION_MANAGER]
    token = sign_in(auth, world)
    response = _transfer(client, token, world, receiver)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(overview(world) + "#handoffs")
    with as_staff() as session:
        assert session.get(Escalation, world.escalation_a.id).owner_id == receiver.id
    [(handoff_id, steps_taken, reason)] = _pending(as_staff, world)
    assert (steps_taken, reason) == (TEMPLATE["steps_taken"], "sla_breach")

    page = client.get(overview(world)).get_data(as_text=True)
    assert f"Handoff pending to {receiver.name}" in page
    assert "Pending acknowledgement since" in page
    mine = client.get("/admin/handoffs").get_data(as_text=True)
    assert "Waiting on others" in mine and world.escalation_a.reference in mine
    assert "Acknowledge</" not in mine.split("Waiting on others")[1].split("</table>")[0]
    auth.logout("/admin/")

    token = sign_in(auth, world, user=receiver)
    home = client.get("/admin/").get_data(as_text=True)
    assert '<span class="nav-count">1<span class="visually-hidden"> waiting</span>' in home
    page = client.get(overview(world)).get_data(as_text=True)
    assert "Handoff pending to you" in page
    theirs = client.get("/admin/handoffs").get_data(as_text=True)
    assert "Waiting for you <span class=\"muted\">(1)" in theirs
    assert f'action="/admin/handoffs/{handoff_id}/acknowledge"' in theirs
    response = client.post(f"/admin/handoffs/{handoff_id}/acknowledge",
                           data={"csrf_token": token, "next": "/admin/handoffs"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/handoffs"
    assert _pending(as_staff, world) == []
    assert "Nothing waits for you" in client.get("/admin/handoffs").get_data(as_text=True)
    page = client.get(overview(world)).get_data(as_text=True)
    assert "Handoff pending" not in page and 'class="nav-count"' not in page
    assert count(as_staff, AuditEvent, action="handoff.acknowledged") == 1
    assert count(as_staff, AuditEvent, action="escalation.ownership_transferred") == 1


@pytest.mark.parametrize("field", ["summary", "customer_impact", "steps_taken", "environment",
                                   "reason", "to_user"])
def test_a_transfer_without_its_template_is_refused_beside_the_field(as_staff, client, auth,
                                                                     world, field):
    token = sign_in(auth, world)
    response = client.post(overview(world) + "/transfer", data=form(
        "transfer", token, **({"to_user": str(world.staff[Role.ESCALATION_MANAGER].id)}
                              | TEMPLATE | {field: ""})))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="transfer-{field}-error"' in html
    assert f'href="#transfer-{field}"' in html  # the error summary links to the field
    assert _pending(as_staff, world) == []
    with as_staff() as session:
        assert session.get(Escalation, world.escalation_a.id).owner_id == world.staff[
            Role.AGENT].id


def test_a_transfer_to_the_current_owner_or_an_account_manager_is_refused(as_staff, client,
                                                                          auth, world):
    token = sign_in(auth, world)
    response = _transfer(client, token, world, world.staff[Role.AGENT])
    assert response.status_code == 422  # not even offered: the owner is not a choice
    assert 'id="transfer-to_user-error"' in response.get_data(as_text=True)
    response = _transfer(client, token, world, world.staff[Role.ACCOUNT_MANAGER])
    assert response.status_code == 422
    assert _pending(as_staff, world) == []


def test_only_the_receiver_acknowledges(as_staff, client, auth, world):
    """Anyone but the receiver gets a 403 and the handoff stays pending."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        handoff = ops.transfer_ownership(
            escalation, session.merge(world.staff[Role.ESCALATION_MANAGER]),
            actor=session.merge(world.staff[Role.AGENT]), template=factories.handoff_template())
        session.flush()
        handoff_id = handoff.id
    for role in (Role.AGENT, Role.ADMINISTRATOR, Role.ACCOUNT_MANAGER):
        token = sign_in(auth, world, role)
        response = client.post(f"/admin/handoffs/{handoff_id}/acknowledge",
                               data={"csrf_token": token})
        assert response.status_code == 403, role
        page = client.get(overview(world)).get_data(as_text=True)
        assert f'action="/admin/handoffs/{handoff_id}/acknowledge"' not in page
        auth.logout("/admin/")
    assert len(_pending(as_staff, world)) == 1
    token = sign_in(auth, world, Role.ESCALATION_MANAGER)
    assert client.post(f"/admin/handoffs/{handoff_id}/acknowledge",
                       data={"csrf_token": token}).status_code == 302
    again = client.post(f"/admin/handoffs/{handoff_id}/acknowledge",
                        data={"csrf_token": token}, follow_redirects=True)
    assert "already acknowledged" in again.get_data(as_text=True)
    assert client.post("/admin/handoffs/999999/acknowledge",
                       data={"csrf_token": token}).status_code == 404


def test_an_unacknowledged_handoff_is_flagged_overdue_after_the_setting(as_staff, client,
                                                                         auth, world):
    """Pending for 30 minutes (the default) it is on time; a minute later it is overdue on the
    overview and in My handoffs, and the scheduler's query returns it. An administrator who
    allows 60 minutes makes it on time again."""
    receiver = world.staff[Role.ESCALATION_MANAGER]
    token = sign_in(auth, world)
    with frozen_at(T0):
        assert _transfer(client, token, world, receiver).status_code == 302
    with frozen_at(T0 + timedelta(minutes=30)):
        assert "Overdue" not in client.get(overview(world)).get_data(as_text=True)
    with frozen_at(T0 + timedelta(minutes=31)):
        page = client.get(overview(world)).get_data(as_text=True)
        assert '<span class="badge badge-overdue">Overdue</span>' in page
        mine = client.get("/admin/handoffs").get_data(as_text=True)
        assert 'class="is-overdue"' in mine and "Overdue" in mine
    with as_staff() as session:
        assert [h.escalation_id for h in session.scalars(
            overdue_handoffs(T0 + timedelta(minutes=31)))] == [world.escalation_a.id]
        assert session.scalars(overdue_handoffs(T0 + timedelta(minutes=29))).all() == []
        set_setting(HANDOFF_ACKNOWLEDGE_MINUTES[0], 60, actor=None)
    with frozen_at(T0 + timedelta(minutes=31)):
        assert "Overdue" not in client.get(overview(world)).get_data(as_text=True)
    with as_staff() as session:
        assert session.scalars(overdue_handoffs(T0 + timedelta(minutes=31))).all() == []
        assert len(session.scalars(overdue_handoffs(T0 + timedelta(minutes=61))).all()) == 1


def test_my_handoffs_runs_a_constant_number_of_queries(app, as_staff, client, auth, world):
    receiver = world.staff[Role.ESCALATION_MANAGER]
    counts = []
    for size in (1, 6):
        with as_staff() as session:
            agent = session.merge(world.staff[Role.AGENT])
            for _ in range(size - (1 if counts else 0)):
                escalation = factories.make_escalation(session.merge(world.org_b), actor=agent)
                ops.transfer_ownership(escalation, session.merge(receiver), actor=agent,
                                       template=factories.handoff_template())
        sign_in(auth, world, user=receiver)
        with _counted_queries(app) as statements:
            response = client.get("/admin/handoffs")
        assert response.get_data(as_text=True).count("/acknowledge\"") == size
        counts.append(len(statements))
        auth.logout("/admin/")
    assert counts[0] == counts[1], counts


def test_my_handoffs_is_open_to_every_staff_role_and_no_customer(client, auth, world):
    for role in (Role.AGENT, Role.ACCOUNT_MANAGER, Role.ESCALATION_MANAGER,
                 Role.ADMINISTRATOR):
        sign_in(auth, world, role)
        assert client.get("/admin/handoffs").status_code == 200
        auth.logout("/admin/")
    auth.login(world.customers_a[Role.VIEWER].email)
    assert client.get("/admin/handoffs").status_code == 403


def test_a_later_transfer_supersedes_an_unacknowledged_one(as_staff, client, auth, world):
    """Handed to the escalation manager, then on to the administrator before anyone
    acknowledged: only the administrator's handoff is pending; the first shows superseded,
    waits for nobody and cannot be acknowledged any more."""
    token = sign_in(auth, world)
    assert _transfer(client, token, world, world.staff[Role.ESCALATION_MANAGER]).status_code == 302
    auth.logout("/admin/")
    token = sign_in(auth, world, Role.ESCALATION_MANAGER)
    [(first_id, _, _)] = _pending(as_staff, world)
    assert _transfer(client, token, world, world.staff[Role.ADMINISTRATOR]).status_code == 302
    with as_staff() as session:
        assert [h.to_user_id for h in session.scalars(overdue_handoffs(
            T0 + timedelta(days=3650)))] == [world.staff[Role.ADMINISTRATOR].id]
    page = client.get(overview(world)).get_data(as_text=True)
    assert "superseded by a later handoff" in page
    assert f"Handoff pending to {world.staff[Role.ADMINISTRATOR].name}" in page
    assert "Nothing waits for you" in client.get("/admin/handoffs").get_data(as_text=True)
    refused = client.post(f"/admin/handoffs/{first_id}/acknowledge",
                          data={"csrf_token": token}, follow_redirects=True)
    assert "A later handoff superseded this one" in refused.get_data(as_text=True)
    with as_staff() as session:
        assert session.get(Handoff, first_id).acknowledged_at is None


def test_the_transfer_error_summary_lists_the_fields_in_the_forms_order(as_staff, client, auth,
                                                                        world):
    """With every field left empty, the summary at the top reads in the order the fields do."""
    token = sign_in(auth, world)
    response = client.post(overview(world) + "/transfer", data=form(
        "transfer", token, to_user="", **{name: "" for name in TEMPLATE}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    panel = html[html.index('id="transfer-panel"'):]
    panel = panel[:panel.index("</form>")]
    summary_links = re.findall(r'href="#transfer-(\w+)"', panel)
    field_order = re.findall(r'<(?:select|textarea|input)[^>]* id="transfer-(\w+)"', panel)
    assert summary_links == [name for name in field_order if name in summary_links]
    assert summary_links[0] == "to_user"


def test_a_handoff_from_on_call_triage_names_triage_as_the_giver(as_staff, client, auth, world):
    """The `oncall-triage` job hands over with no person giving (actor=None): My handoffs,
    the overview's handoff list and every tab's pending banner say "On-call triage", never a
    blank or the product's name."""
    receiver = world.staff[Role.ESCALATION_MANAGER]
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        ops.transfer_ownership(escalation, session.get(type(receiver), receiver.id), actor=None,
                               template=factories.handoff_template())
    sign_in(auth, world, user=receiver)
    theirs = client.get("/admin/handoffs").get_data(as_text=True)
    waiting = theirs.split("Waiting for you")[1].split("</table>")[0]
    assert "On-call triage" in waiting and "Clearpath" not in waiting
    page = client.get(overview(world)).get_data(as_text=True)
    assert "Handoff pending to you</strong> from On-call triage." in page
    assert f"On-call triage → {receiver.name}" in page
