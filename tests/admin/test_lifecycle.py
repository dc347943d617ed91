"""The overview tab's lifecycle controls over HTTP: edit, severity, status, tier, communicator."""

import re

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.enums import ReputationalRisk, Role, Status, Tier, UpdateKind, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, StatusChange, Update

# Shared with test_create.py and test_handoffs.py: signing staff in and posting forms.

def sign_in(auth, world, role=Role.AGENT, user=None) -> str:
    """Sign a member of staff in; return the CSRF token their console pages carry."""
    auth.login((user or world.staff[role]).email)
    return auth.csrf_token("/admin/")


def form(prefix: str, token: str, **fields) -> dict:
    return {f"{prefix}-csrf_token": token, **{f"{prefix}-{k}": v for k, v in fields.items()}}


def count(as_staff, model, **where) -> int:
    with as_staff() as session:
        return session.scalar(select(func.count()).select_from(model).filter_by(**where))


def overview(world, escalation=None) -> str:
    return f"/admin/escalations/{(escalation or world.escalation_a).id}"


def _escalation(session, world) -> Escalation:
    return session.get(Escalation, world.escalation_a.id)


def _move(as_staff, world, *statuses):
    with as_staff() as session:
        escalation, agent = _escalation(session, world), session.merge(world.staff[Role.AGENT])
        for status in statuses:
            ops.change_status(escalation, status, actor=agent,
                              resolution_summary="Fixed." if status == Status.RESOLVED else "",
                              reason="Back again" if status == Status.INVESTIGATING
                              and escalation.status in (Status.RESOLVED, Status.CLOSED) else "")


def test_the_overview_shows_every_field_people_and_clocks(client, auth, world):
    """Staff read the escalation's fields, its owner and communicator with contact details,
    and the SLA clocks; account managers read the same page without the controls."""
    sign_in(auth, world)
    html = client.get(overview(world)).get_data(as_text=True)
    for text in ("Helpdesk ticket", "Reputational risk", "Users affected", "SLA clocks",
                 world.staff[Role.AGENT].email, world.staff[Role.ACCOUNT_MANAGER].email,
                 "Checkout fails for EU users", "Edit details", "Transfer ownership"):
        assert text in html, text
    auth.logout("/admin/")
    sign_in(auth, world, Role.ACCOUNT_MANAGER)
    html = client.get(overview(world)).get_data(as_text=True)
    assert world.staff[Role.AGENT].email in html
    assert "Edit details" not in html and "Transfer ownership" not in html


def test_an_edit_is_saved_reprioritized_and_audited_with_before_and_after(as_staff, client,
                                                                          auth, world):
    token = sign_in(auth, world)
    with as_staff() as session:
        before_score = _escalation(session, world).priority_score
    response = client.post(overview(world, None) + "/edit", data=form(
        "edit", token, title="EU checkout outage", product_area="Payments", category="Outage",
        summary="Checkout fails for EU users", customer_impact="No orders in EU since 08:10",
        users_affected="25000", core_operations_blocked="y", reputational_risk="high"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(overview(world) + "#details")
    with as_staff() as session:
        escalation = _escalation(session, world)
        assert (escalation.title, escalation.product_area, escalation.users_affected,
                escalation.reputational_risk) == ("EU checkout outage", "Payments", 25000,
                                                  ReputationalRisk.HIGH)
        assert escalation.priority_score > before_score
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "escalation.edited")).one()
        assert event.actor_id == world.staff[Role.AGENT].id
        assert event.detail["before"]["title"] == "Acme Logistics checkout outage"
        assert event.detail["before"]["customer_impact"] == "No orders in EU"
        assert event.detail["after"] == {"title": "EU checkout outage",
                                         "customer_impact": "No orders in EU since 08:10",
                                         "product_area": "Payments", "category": "Outage",
                                         "users_affected": 25000,
                                         "core_operations_blocked": True,
                                         "reputational_risk": "high"}
    assert "details are saved" in client.get(overview(world)).get_data(as_text=True)


def test_a_refused_edit_answers_422_beside_the_field_and_saves_nothing(as_staff, client, auth,
                                                                       world):
    token = sign_in(auth, world)
    response = client.post(overview(world) + "/edit", data=form(
        "edit", token, title="  ", product_area="Payments", category="", summary="",
        customer_impact="x", users_affected="-3", reputational_risk="low"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("title", "summary", "users_affected"):
        assert f'id="edit-{name}-error"' in html
    assert '<details class="disclosure" id="edit-panel" open>' in html
    with as_staff() as session:
        assert _escalation(session, world).product_area == ""
    assert count(as_staff, AuditEvent, action="escalation.edited") == 0


def test_a_severity_change_needs_a_reason_and_lands_on_the_timeline(as_staff, client, auth,
                                                                    world):
    token = sign_in(auth, world)
    refused = client.post(overview(world) + "/severity",
                          data=form("severity", token, severity="1", reason=""))
    assert refused.status_code == 422
    assert 'id="severity-reason-error"' in refused.get_data(as_text=True)
    response = client.post(overview(world) + "/severity",
                           data=form("severity", token, severity="1", reason="All EU down"))
    assert response.status_code == 302
    with as_staff() as session:
        escalation = _escalation(session, world)
        assert escalation.severity == 1
        assert session.scalars(select(Update).where(
            Update.escalation_id == escalation.id,
            Update.kind == UpdateKind.SEVERITY_CHANGE)).one().body.endswith("All EU down")


def test_the_status_control_offers_only_the_workflows_next_statuses(client, auth, world):
    sign_in(auth, world)
    html = client.get(overview(world)).get_data(as_text=True)
    base = overview(world) + "/status/"
    assert f'action="{base}acknowledged#status-acknowledged-panel"' in html
    for target in ("investigating", "resolved", "closed", "contained"):
        assert f'action="{base}{target}#' not in html


def test_the_next_update_says_in_which_timezone_it_is_due(client, auth, world):
    """Staff and the customer are often in different zones: the due time carries its zone."""
    sign_in(auth, world)
    html = client.get(overview(world)).get_data(as_text=True)
    panel = html[html.index('id="sla-heading"'):]
    due = re.search(r'Next update: <time datetime="[^"]+" title="[^"]+">([^<]+)</time>', panel)
    assert re.search(r"\d\d:\d\d ([A-Z]{2,5}|[+-]\d{2,4})$", due[1]), due[1]


def test_the_status_note_says_the_customer_reads_it(as_staff, client, auth, world):
    """The note goes on the customer's timeline with the new status: its label says so."""
    sign_in(auth, world)
    html = client.get(overview(world)).get_data(as_text=True)
    assert "Note for the customer (optional)" in html
    assert "Customers read it on the timeline." in html
    client.post(f"{overview(world)}/status/acknowledged",
                data=form("status-acknowledged", auth.csrf_token(overview(world)),
                          reason="We have the logs."))
    with as_staff() as session:
        note = session.scalars(select(Update).where(Update.kind == UpdateKind.STATUS_CHANGE)
                               .order_by(Update.id.desc())).first()
        assert "We have the logs." in note.body and note.visibility == Visibility.CUSTOMER


LEGAL = [
    ([], Status.ACKNOWLEDGED, {}),
    ([Status.ACKNOWLEDGED], Status.INVESTIGATING, {}),
    ([Status.ACKNOWLEDGED], Status.WAITING_ON_CUSTOMER, {}),
    ([Status.ACKNOWLEDGED, Status.INVESTIGATING], Status.WAITING_ON_CUSTOMER, {}),
    ([Status.ACKNOWLEDGED, Status.WAITING_ON_CUSTOMER], Status.INVESTIGATING, {}),
    ([Status.ACKNOWLEDGED, Status.INVESTIGATING], Status.CONTAINED, {}),
    ([Status.ACKNOWLEDGED, Status.INVESTIGATING], Status.RESOLVED,
     {"resolution_summary": "Rolled back 4.2"}),
    ([Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.CONTAINED], Status.INVESTIGATING, {}),
    ([Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.CONTAINED], Status.RESOLVED,
     {"resolution_summary": "Patched"}),
    ([Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.RESOLVED], Status.CLOSED, {}),
    ([Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.RESOLVED], Status.INVESTIGATING,
     {"reason": "It came back"}),
    ([Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.RESOLVED, Status.CLOSED],
     Status.INVESTIGATING, {"reason": "It came back"}),
]


@pytest.mark.parametrize(("path", "target", "fields"), LEGAL,
                         ids=[f"{(p or [Status.NEW])[-1]}-{t}" for p, t, _ in LEGAL])
def test_every_legal_transition_works_through_the_console(as_staff, client, auth, world, path,
                                                         target, fields):
    _move(as_staff, world, *path)
    token = sign_in(auth, world)
    page = client.get(overview(world)).get_data(as_text=True)
    assert f'action="{overview(world)}/status/{target.value}#' in page
    response = client.post(f"{overview(world)}/status/{target.value}",
                           data=form(f"status-{target.value}", token, **fields))
    assert response.status_code == 302
    with as_staff() as session:
        escalation = _escalation(session, world)
        assert escalation.status == target
        assert escalation.status_history[-1].actor_id == world.staff[Role.AGENT].id
        if target == Status.RESOLVED:
            assert escalation.resolution_summary == fields["resolution_summary"]
        if target == Status.CLOSED:
            assert escalation.closed_at is not None


@pytest.mark.parametrize(("path", "target", "explanation"), [
    ([], Status.RESOLVED, "An escalation that is new cannot move to resolved; it can move "
                          "to: acknowledged."),
    ([], Status.CLOSED, "cannot move to closed"),
    ([Status.ACKNOWLEDGED], Status.CONTAINED, "it can move to: investigating, waiting on "
                                              "customer."),
    ([Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.RESOLVED], Status.CONTAINED,
     "cannot move to contained"),
])
def test_illegal_transitions_are_refused_and_explained(as_staff, client, auth, world, path,
                                                       target, explanation):
    """A move the workflow forbids, posted anyway, answers 422 with the explanation and
    writes no status change."""
    _move(as_staff, world, *path)
    before = count(as_staff, StatusChange)
    token = sign_in(auth, world)
    response = client.post(f"{overview(world)}/status/{target.value}",
                           data=form(f"status-{target.value}", token,
                                     resolution_summary="x", reason="x"))
    assert response.status_code == 422
    assert explanation in response.get_data(as_text=True)
    assert count(as_staff, StatusChange) == before


def test_resolving_needs_a_summary_and_reopening_a_reason(as_staff, client, auth, world):
    _move(as_staff, world, Status.ACKNOWLEDGED, Status.INVESTIGATING)
    token = sign_in(auth, world)
    response = client.post(f"{overview(world)}/status/resolved",
                           data=form("status-resolved", token, resolution_summary=" "))
    assert response.status_code == 422
    assert 'id="status-resolved-resolution_summary-error"' in response.get_data(as_text=True)
    _move(as_staff, world, Status.RESOLVED)
    response = client.post(f"{overview(world)}/status/investigating",
                           data=form("status-investigating", token, reason=""))
    assert response.status_code == 422
    assert "Say why the escalation is reopened." in response.get_data(as_text=True)
    with as_staff() as session:
        assert _escalation(session, world).status == Status.RESOLVED


def test_an_unknown_status_is_a_404(client, auth, world):
    token = sign_in(auth, world)
    assert client.post(f"{overview(world)}/status/exploded",
                       data=form("status-exploded", token)).status_code == 404


def test_a_tier_change_needs_a_reason_and_trigger_and_is_on_the_timeline(as_staff, client,
                                                                         auth, world):
    token = sign_in(auth, world)
    refused = client.post(overview(world) + "/tier",
                          data=form("tier", token, target="L2", trigger="", reason=""))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="tier-reason-error"' in html and 'id="tier-trigger-error"' in html
    assert count(as_staff, Update, kind=UpdateKind.TIER_CHANGE) == 0
    jump = client.post(overview(world) + "/tier", data=form(
        "tier", token, target="L3", trigger="sla_breach", reason="Needs engineering"))
    assert jump.status_code == 422
    assert "Tiers move one step at a time" in jump.get_data(as_text=True)
    response = client.post(overview(world) + "/tier", data=form(
        "tier", token, target="L2", trigger="sla_breach", reason="Needs engineering"))
    assert response.status_code == 302
    with as_staff() as session:
        assert _escalation(session, world).tier == Tier.L2
        entry = session.scalars(select(Update).where(
            Update.kind == UpdateKind.TIER_CHANGE, Update.visibility == Visibility.INTERNAL)).one()
        assert "Escalated from L1 to L2. Trigger: sla breach." in entry.body
        assert entry.body.endswith("Needs engineering")
        shown = session.scalars(select(Update).where(
            Update.kind == UpdateKind.TIER_CHANGE, Update.visibility == Visibility.CUSTOMER)).one()
        assert shown.body == ("Our specialist engineers are now working on your escalation."
                              "\n\nNeeds engineering")
    response = client.post(overview(world) + "/tier", data=form(
        "tier", token, target="L1", trigger="customer_request", reason="Workaround holds"))
    assert response.status_code == 302
    with as_staff() as session:
        assert _escalation(session, world).tier == Tier.L1
        assert session.scalars(select(Update.body).where(
            Update.kind == UpdateKind.TIER_CHANGE, Update.visibility == Visibility.INTERNAL)
            .order_by(Update.id.desc())
        ).first().startswith("De-escalated from L2 to L1.")


def test_assigning_the_communicator(as_staff, client, auth, world):
    token = sign_in(auth, world)
    manager = world.staff[Role.ESCALATION_MANAGER]
    response = client.post(overview(world) + "/communicator",
                           data=form("communicator", token, communicator=str(manager.id)))
    assert response.status_code == 302
    with as_staff() as session:
        assert _escalation(session, world).communicator_id == manager.id
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.action == "escalation.communicator_assigned")).one().detail[
            "communicator_id"] == manager.id
    refused = client.post(overview(world) + "/communicator",
                          data=form("communicator", token, communicator=str(manager.id)))
    assert refused.status_code == 422
    assert "is already the communicator" in refused.get_data(as_text=True)


MUTATIONS = [
    ("/edit", "edit", dict(title="x", summary="x", customer_impact="x", users_affected="1",
                           reputational_risk="low")),
    ("/severity", "severity", dict(severity="1", reason="x")),
    ("/status/acknowledged", "status-acknowledged", {}),
    ("/tier", "tier", dict(target="L2", trigger="severity", reason="x")),
    ("/communicator", "communicator", dict(communicator="1")),
    ("/transfer", "transfer", dict(to_user="1", summary="x", customer_impact="x",
                                   steps_taken="x", environment="x", reason="severity")),
]


@pytest.mark.parametrize(("suffix", "prefix", "fields"), MUTATIONS,
                         ids=[m[0] for m in MUTATIONS])
def test_account_managers_are_read_only_here(as_staff, client, auth, world, suffix, prefix,
                                             fields):
    """Every lifecycle POST answers 403 to an account manager and changes nothing."""
    token = sign_in(auth, world, Role.ACCOUNT_MANAGER)
    before = count(as_staff, AuditEvent)
    response = client.post(overview(world) + suffix, data=form(prefix, token, **fields))
    assert response.status_code == 403
    assert count(as_staff, AuditEvent) == before


def test_a_post_without_the_csrf_token_is_refused(as_staff, client, auth, world):
    sign_in(auth, world)
    response = client.post(overview(world) + "/severity",
                           data={"severity-severity": "1", "severity-reason": "x"})
    assert response.status_code in (400, 422)
    with as_staff() as session:
        assert _escalation(session, world).severity == 2


def test_only_edits_customers_can_see_refresh_their_dashboards(as_staff, world):
    """Changing the product area leaves the customers' change stamp alone; changing the
    summary moves it (their dashboard highlights the row)."""
    from datetime import UTC, datetime

    from portal.clock import frozen_at
    from portal.escalations.operations.lifecycle import edit_escalation

    with as_staff() as session:
        escalation = _escalation(session, world)
        agent = session.merge(world.staff[Role.AGENT])
        stamp = escalation.customer_changed_at
        fields = dict(title=escalation.title, category="", users_affected=0,
                      core_operations_blocked=False, reputational_risk=ReputationalRisk.LOW)
        with frozen_at(datetime(2030, 1, 1, tzinfo=UTC)):
            assert edit_escalation(escalation, actor=agent, product_area="Payments", **fields)
            assert escalation.customer_changed_at == stamp
            assert not edit_escalation(escalation, actor=agent, product_area="Payments",
                                       **fields)
            assert edit_escalation(escalation, actor=agent, product_area="Payments",
                                   summary="New summary", **fields)
            assert escalation.customer_changed_at == datetime(2030, 1, 1, tzinfo=UTC)


def test_a_refusal_from_a_boosted_form_keeps_the_escalation_address(client, auth, world):
    """With htmx, the refused form's page replaces the body and the address bar shows the
    escalation (its POST-only action would answer 405 on reload)."""
    token = sign_in(auth, world)
    response = client.post(overview(world) + "/severity",
                           data=form("severity", token, severity="1", reason=""),
                           headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 422
    assert response.headers["HX-Push-Url"] == overview(world)
    assert 'hx-swap="innerHTML show:#severity-panel:top"' in response.get_data(as_text=True)
