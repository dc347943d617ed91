"""The console's Plan tab: staff add, edit, complete, reorder and delete milestones,
remediation steps and exit criteria; customers see only the customer-visible ones."""

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.enums import Role, StepStatus, UpdateKind, Visibility
from portal.escalations.models import ExitCriterion, Milestone, RemediationStep, Update
from tests.conftest import csrf_token_from
from tests.factories import CANARY


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _plan_url(world, suffix=""):
    return f"/admin/escalations/{world.escalation_a.id}/plan{suffix}"


def _post(client, world, suffix, data, **kwargs):
    token = csrf_token_from(client.get(_plan_url(world)).get_data(as_text=True))
    return client.post(_plan_url(world, suffix), data={"csrf_token": token, **data}, **kwargs)


def _rows(as_staff, model, world):
    with as_staff() as session:
        rows = session.scalars(select(model).where(model.escalation_id == world.escalation_a.id)
                               .order_by(model.position, model.id)).all()
        session.expunge_all()
        return rows


def _events(as_staff, action):
    with as_staff() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        session.expunge_all()
        return events


@pytest.fixture
def agent(auth, world):
    auth.login(world.staff[Role.AGENT].email)
    return world.staff[Role.AGENT]


def test_the_plan_tab_lists_every_item_and_marks_internal_ones(client, agent, world):
    """Staff see the whole plan, internal items included and visibly marked."""
    page = client.get(_plan_url(world))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'aria-current="page">Plan' in html
    text = _text(html)
    for words in ("Root cause confirmed", "Apply patch 4.2.1 on your side",
                  "Error rate below 0.1 %", f"{CANARY} internal milestone",
                  f"{CANARY} internal step", f"{CANARY} internal exit"):
        assert words in text
    assert text.count("Internal") >= 3 and "Customer’s action" in text


def test_adding_a_milestone_reads_the_date_in_the_viewers_timezone(client, agent, world,
                                                                   as_staff):
    """A milestone due "09:00" for a Berlin agent is stored as 08:00 UTC in winter."""
    with as_staff() as session:
        session.merge(world.staff[Role.AGENT]).timezone = "Europe/Berlin"
    response = _post(client, world, "/milestones", {
        "milestone-title": "Patch in staging", "milestone-due_at": "2026-12-01T09:00",
        "milestone-visibility": "customer"})
    assert response.status_code == 303
    added = [m for m in _rows(as_staff, Milestone, world) if m.title == "Patch in staging"][0]
    assert added.due_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert added.visibility == Visibility.CUSTOMER
    assert _events(as_staff, "milestone.added")[-1].object_id == added.id
    assert "Milestone added." in client.get(_plan_url(world)).get_data(as_text=True)


@pytest.mark.parametrize(("suffix", "data", "field", "message"), [
    ("/milestones", {"milestone-title": " ", "milestone-due_at": "2026-12-01T09:00",
                     "milestone-visibility": "customer"}, "milestone-title",
     "Name the milestone."),
    ("/milestones", {"milestone-title": "Patch", "milestone-due_at": "tomorrow",
                     "milestone-visibility": "customer"}, "milestone-due_at", "Not a valid"),
    ("/steps", {"step-title": "", "step-owner_party": "vendor", "step-status": "planned",
                "step-visibility": "customer"}, "step-title", "Describe the step."),
    ("/criteria", {"criterion-description": "", "criterion-visibility": "internal"},
     "criterion-description", "Describe the exit criterion."),
])
def test_bad_input_answers_422_beside_the_field_and_writes_nothing(client, agent, world,
                                                                   as_staff, suffix, data,
                                                                   field, message):
    """A missing title or a malformed date is refused beside its field; nothing is saved."""
    before = len(_events(as_staff, "milestone.added")) + len(
        _events(as_staff, "remediation_step.added")) + len(
        _events(as_staff, "exit_criterion.added"))
    response = _post(client, world, suffix, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = html[html.index(f'id="{field}-error"'):]
    assert message in error[:400]
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    after = len(_events(as_staff, "milestone.added")) + len(
        _events(as_staff, "remediation_step.added")) + len(
        _events(as_staff, "exit_criterion.added"))
    assert after == before


def test_a_customer_owned_step_with_a_staff_owner_is_refused(client, agent, world, as_staff):
    """A step the customer owns cannot name a staff member as its owner (422, no row)."""
    count = len(_rows(as_staff, RemediationStep, world))
    response = _post(client, world, "/steps", {
        "step-title": "Rotate your API keys", "step-owner_party": "customer",
        "step-owner": str(world.staff[Role.AGENT].id), "step-status": "planned",
        "step-visibility": "customer"})
    assert response.status_code == 422
    assert "one of their active people" in response.get_data(as_text=True)
    assert len(_rows(as_staff, RemediationStep, world)) == count


def test_a_customer_owned_step_shows_as_theirs_in_the_portal(client, auth, agent, world):
    """A step added for the customer shows in their portal as their action."""
    customer = world.customers_a[Role.VIEWER]
    response = _post(client, world, "/steps", {
        "step-title": "Rotate your API keys", "step-owner_party": "customer",
        "step-owner": str(customer.id), "step-status": "planned", "step-due_at": "",
        "step-validation_test": "We see the old key refused",
        "step-success_metric": "0 calls with the old key", "step-visibility": "customer"})
    assert response.status_code == 303
    auth.logout(_plan_url(world))
    auth.login(customer.email)
    html = client.get(f"/escalations/{world.escalation_a.reference}").get_data(as_text=True)
    item = html[html.index("Rotate your API keys") - 600:]
    item = item[item.index("<li"):]
    item = item[:item.index("</li>")]
    assert "Your action" in item and "Your team" in item and "I have done this" in item
    assert CANARY not in html


def test_editing_a_step_records_before_and_after(client, agent, world, as_staff):
    """An edit changes the step and the audit event names only the changed fields."""
    step = world.customer_step_a
    response = _post(client, world, f"/steps/{step.id}/edit", {
        "step-title": "Apply patch 4.2.2 on your side", "step-owner_party": "customer",
        "step-owner": "", "step-status": "in_progress", "step-due_at": "2026-12-02T10:30",
        "step-validation_test": "", "step-success_metric": "", "step-visibility": "customer"})
    assert response.status_code == 303
    event = _events(as_staff, "remediation_step.edited")[-1]
    assert event.object_id == step.id
    assert set(event.detail["after"]) == {"title", "status", "due_at"}
    assert event.detail["before"]["title"] == "Apply patch 4.2.1 on your side"


def test_the_edit_page_shows_the_item_and_refuses_an_empty_title(client, agent, world,
                                                                 as_staff):
    """The edit page is prefilled; an emptied title answers 422 and changes nothing."""
    milestone = next(m for m in _rows(as_staff, Milestone, world)
                     if m.title == "Root cause confirmed")
    page = client.get(_plan_url(world, f"/milestones/{milestone.id}/edit"))
    assert page.status_code == 200 and 'value="Root cause confirmed"' in page.get_data(
        as_text=True)
    response = _post(client, world, f"/milestones/{milestone.id}/edit", {
        "milestone-title": "", "milestone-due_at": "2026-12-01T09:00",
        "milestone-visibility": "internal"})
    assert response.status_code == 422
    again = next(m for m in _rows(as_staff, Milestone, world) if m.id == milestone.id)
    assert again.title == "Root cause confirmed" and again.visibility == Visibility.CUSTOMER


def test_completing_a_visible_milestone_posts_on_the_timeline(client, agent, world, as_staff):
    """Marking a customer-visible milestone done puts it on the customers' timeline; reopening
    takes the mark back."""
    milestone = next(m for m in _rows(as_staff, Milestone, world)
                     if m.title == "Root cause confirmed")
    url = f"/milestones/{milestone.id}/mark"
    assert _post(client, world, url, {"to": "done"}).status_code == 303
    with as_staff() as session:
        assert session.get(Milestone, milestone.id).completed_at is not None
        entry = session.scalars(select(Update).where(
            Update.escalation_id == world.escalation_a.id,
            Update.kind == UpdateKind.MILESTONE)).one()
        assert entry.visibility == Visibility.CUSTOMER and "Root cause confirmed" in entry.body
    assert _post(client, world, url, {"to": "open"}).status_code == 303
    with as_staff() as session:
        assert session.get(Milestone, milestone.id).completed_at is None
    assert _events(as_staff, "milestone.reopened")


def test_completing_an_internal_milestone_stays_off_the_timeline(client, agent, world,
                                                                 as_staff):
    """An internal milestone's completion never reaches the customers' timeline."""
    internal = next(m for m in _rows(as_staff, Milestone, world)
                    if m.visibility == Visibility.INTERNAL)
    assert _post(client, world, f"/milestones/{internal.id}/mark",
                 {"to": "done"}).status_code == 303
    with as_staff() as session:
        assert not session.scalars(select(Update).where(
            Update.kind == UpdateKind.MILESTONE)).all()


def test_steps_and_criteria_change_state(client, agent, world, as_staff):
    """A step is started, blocked, done (stamped with who) and reopened; a criterion is met."""
    step = world.customer_step_a
    for to in ("in_progress", "blocked", "done"):
        assert _post(client, world, f"/steps/{step.id}/mark", {"to": to}).status_code == 303
    with as_staff() as session:
        done = session.get(RemediationStep, step.id)
        assert done.status == StepStatus.DONE and done.completed_by_id == agent.id
    criterion = _rows(as_staff, ExitCriterion, world)[0]
    assert _post(client, world, f"/criteria/{criterion.id}/mark",
                 {"to": "met"}).status_code == 303
    with as_staff() as session:
        assert session.get(ExitCriterion, criterion.id).met_at is not None
    assert _events(as_staff, "exit_criterion.met")


def test_moving_a_step_renumbers_the_list(client, agent, world, as_staff):
    """Down moves a step one place; positions stay 0..n-1 and the change is audited."""
    first, second = _rows(as_staff, RemediationStep, world)[:2]
    response = _post(client, world, f"/steps/{first.id}/move", {"direction": "down"})
    assert response.status_code == 303
    ordered = _rows(as_staff, RemediationStep, world)
    assert [s.id for s in ordered[:2]] == [second.id, first.id]
    assert [s.position for s in ordered] == list(range(len(ordered)))
    event = _events(as_staff, "remediation_steps.reordered")[-1]
    assert event.detail["after"][:2] == [second.id, first.id]


def test_htmx_move_answers_the_list_fragment(client, agent, world, as_staff):
    """With htmx, moving answers only the list, with focus-keeping button ids."""
    first, second = _rows(as_staff, ExitCriterion, world)[:2]
    response = _post(client, world, f"/criteria/{second.id}/move", {"direction": "up"},
                     headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="plan-criteria"')
    assert f'id="criteria-{second.id}-up"' in html and "<html" not in html
    assert [c.id for c in _rows(as_staff, ExitCriterion, world)][:2] == [second.id, first.id]


def test_moving_past_the_end_changes_nothing(client, agent, world, as_staff):
    """Up on the first step leaves the order alone and writes no audit event."""
    first = _rows(as_staff, RemediationStep, world)[0]
    assert _post(client, world, f"/steps/{first.id}/move", {"direction": "up"}).status_code == 303
    assert not _events(as_staff, "remediation_steps.reordered")


def test_deleting_a_criterion_is_audited_and_renumbers(client, agent, world, as_staff):
    """A deleted criterion is gone, the others are renumbered, the audit keeps its words."""
    first = _rows(as_staff, ExitCriterion, world)[0]
    assert _post(client, world, f"/criteria/{first.id}/delete", {}).status_code == 303
    left = _rows(as_staff, ExitCriterion, world)
    assert first.id not in [c.id for c in left]
    assert [c.position for c in left] == list(range(len(left)))
    event = _events(as_staff, "exit_criterion.deleted")[-1]
    assert event.detail["before"]["description"] == "Error rate below 0.1 %"


def test_an_item_of_another_escalation_is_a_404(client, agent, world, as_staff):
    """An item id from another escalation answers 404 under this one."""
    with as_staff() as session:
        foreign = session.scalars(select(Milestone).where(
            Milestone.escalation_id == world.escalation_b.id)).first().id
    assert _post(client, world, f"/milestones/{foreign}/mark",
                 {"to": "done"}).status_code == 404


def test_account_managers_read_the_plan_but_cannot_change_it(client, auth, world, as_staff):
    """Without WORK_ESCALATIONS the tab is read-only and every change is refused (403)."""
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    html = client.get(_plan_url(world)).get_data(as_text=True)
    assert "Add a milestone" not in html and "Mark done" not in html
    step = world.customer_step_a
    assert _post(client, world, f"/steps/{step.id}/mark", {"to": "done"}).status_code == 403
    assert _post(client, world, "/criteria", {"criterion-description": "x",
                                              "criterion-visibility": "customer"}
                 ).status_code == 403


def test_customers_never_reach_the_plan_tab(client, auth, world):
    """A customer asking for the console's plan is refused."""
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    assert client.get(_plan_url(world)).status_code == 403


def test_internal_items_never_reach_the_customer_portal(client, auth, agent, world):
    """Items staff add as internal stay out of the customer's escalation page."""
    _post(client, world, "/steps", {
        "step-title": f"{CANARY} restart db-07", "step-owner_party": "vendor",
        "step-status": "planned", "step-visibility": "internal"})
    auth.logout(_plan_url(world))
    auth.login(world.customers_a[Role.VIEWER].email)
    html = client.get(f"/escalations/{world.escalation_a.reference}").get_data(as_text=True)
    assert CANARY not in html and "Apply patch 4.2.1" in html


def test_the_plan_tab_costs_the_same_queries_whatever_its_length(app, client, agent, world,
                                                                  as_staff):
    """Ten more steps, milestones and criteria cost no extra SQL query on the Plan tab."""
    from datetime import timedelta

    from portal.clock import now
    from portal.escalations import operations as domain
    from portal.escalations.models import Escalation
    from tests.customer.test_dashboard import _counted_queries

    def measure():
        with _counted_queries(app) as statements:
            assert client.get(_plan_url(world)).status_code == 200
        return len(statements)

    before = measure()
    # 7 for the tab (user, escalation + organization, three lists, people), 1 for the
    # header's pending handoff, 2 for the navigation badges (handoffs, approvals).
    assert before <= 10
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        owner = session.merge(world.staff[Role.AGENT])
        for n in range(10):
            domain.add_milestone(escalation, actor=owner, title=f"M{n}",
                                 due_at=now() + timedelta(hours=n))
            domain.add_remediation_step(escalation, actor=owner, title=f"S{n}", owner=owner)
            domain.add_exit_criterion(escalation, actor=owner, description=f"C{n}")
    assert measure() == before


def test_only_changes_customers_can_see_move_their_dashboards(client, agent, world, as_staff):
    """Editing an internal item leaves the customers' change stamp alone; a visible one moves
    it (their ETag and highlight follow the stamp)."""
    from datetime import timedelta

    from portal.clock import frozen_at
    from portal.escalations.models import Escalation

    def stamp():
        with as_staff() as session:
            return session.get(Escalation, world.escalation_a.id).customer_changed_at

    criteria = _rows(as_staff, ExitCriterion, world)
    visible = next(c for c in criteria if c.visibility == Visibility.CUSTOMER)
    internal = next(c for c in criteria if c.visibility == Visibility.INTERNAL)
    before = stamp()
    later = (before or datetime(2026, 1, 1, tzinfo=UTC)) + timedelta(minutes=2)
    with frozen_at(later):
        _post(client, world, f"/criteria/{internal.id}/mark", {"to": "met"})
        assert stamp() == before
        _post(client, world, f"/criteria/{visible.id}/mark", {"to": "met"})
        assert stamp() == later


def test_reopening_a_step_the_customer_finished_keeps_their_note_in_the_audit(
        client, agent, world, as_staff):
    """Staff reopening a customer's finished step: the step is open again, the audit event
    keeps what the customer wrote."""
    from portal.accounts.models import User
    from portal.escalations import operations as domain

    with as_staff() as session:
        step = session.get(RemediationStep, world.customer_step_a.id)
        domain.complete_customer_step(step, user=session.get(User, world.customers_a[
            Role.VIEWER].id), note="Patched all three hosts")
    assert _post(client, world, f"/steps/{world.customer_step_a.id}/mark",
                 {"to": "in_progress"}).status_code == 303
    event = _events(as_staff, "remediation_step.status_changed")[-1]
    assert event.detail["before"]["completion_note"] == "Patched all three hosts"
    assert event.detail["after"]["status"] == "in_progress"
