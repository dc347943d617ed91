"""The drill pages: escalation managers write scenarios (a bad script line is refused by its
number, beside the script), start a drill with participants and end it; other staff read the
drills; nobody else starts or ends one. A drill is marked DRILL in the queue and on its page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.drills.models import Drill, DrillScenario
from portal.drills.operations import start_drill as start_drill_operation
from portal.enums import Role
from portal.escalations.models import Escalation
from portal.operations import OperationError
from tests.conftest import csrf_token_from
from tests.drills.conftest import DRILL_CANARY

GOOD_SCRIPT = ("# the customer notices first\n"
               "2 | customer_comment | Any news?\n"
               "\n"
               "5 | monitoring_alert | p99 above 4 s\n")


def _form(world, **overrides) -> dict:
    data = {"name": "Checkout outage", "organization_id": str(world.org_a.id),
            "title": f"Checkout failing {DRILL_CANARY}", "severity": "2",
            "product_area": "Checkout", "summary": "Payments time out.",
            "customer_impact": "No orders.", "script": GOOD_SCRIPT}
    data.update(overrides)
    return data


def _post(client, path, data, page=None):
    token = csrf_token_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def test_an_escalation_manager_writes_a_scenario_in_the_line_format(client, auth, world,
                                                                   as_staff):
    """The lines become rows in minute order; the list shows the scenario; it is audited."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    answer = _post(client, "/admin/drills/scenarios/new", _form(world))
    assert answer.status_code == 302
    page = client.get("/admin/drills").get_data(as_text=True)
    assert "Checkout outage" in page and "2 over 5 min" in page
    with as_staff() as session:
        scenario = session.scalar(select(DrillScenario))
        scenario_id = scenario.id
        assert scenario.script == [
            {"minute": 2, "kind": "customer_comment", "text": "Any news?"},
            {"minute": 5, "kind": "monitoring_alert", "text": "p99 above 4 s"}]
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "DrillScenario")).all() == ["drill.scenario_created"]
    edit = client.get(f"/admin/drills/scenarios/{scenario_id}/edit").get_data(as_text=True)
    assert "2 | customer_comment | Any news?" in edit


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"script": "2 | customer_comment | ok\nfive | note | x"}, "script",
     "Line 2: the minute must be a whole number"),
    ({"script": "2 | customer_comment | ok\n\n3 | pager | x"}, "script",
     "Line 3: the kind must be one of"),
    ({"script": "4 customer_comment"}, "script", "Line 1: write it as"),
    ({"script": "4 | internal_note |  "}, "script", "Line 1: say what happens"),
    ({"script": "# nothing yet"}, "script", "Script at least one event."),
    ({"name": ""}, "name", "Give the scenario a name."),
    ({"organization_id": ""}, "organization_id", "Choose the organization"),
    ({"severity": "7"}, "severity", "Severity must be between 1 and 4."),
    ({"summary": " "}, "summary", "Describe the problem"),
])
def test_a_scenario_the_drill_cannot_run_is_refused_beside_its_field(
        client, auth, world, as_staff, change, field, message):
    """422 with the message by the field (a script by its line number); nothing is saved."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    answer = _post(client, "/admin/drills/scenarios/new", _form(world, **change))
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html.split(f'id="{field}-error"', 1)[1][:400]
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(DrillScenario)) == 0


@pytest.mark.parametrize(("role", "may_run"), [
    (Role.AGENT, False), (Role.ACCOUNT_MANAGER, False), (Role.ESCALATION_MANAGER, True),
    (Role.ADMINISTRATOR, True)])
def test_who_may_write_start_and_end_drills(client, auth, world, scenario_id, start_drill,
                                            role, may_run):
    """Escalation managers and administrators keep scenarios and start and end drills; other
    staff read the drill pages (403 on the rest); customers reach no console page."""
    drill_id, _ = start_drill()
    auth.login(world.staff[role].email)
    assert client.get(f"/admin/drills/{drill_id}").status_code == 200
    assert client.get("/admin/drills").status_code == 200
    for path in ("/admin/drills/scenarios/new", f"/admin/drills/scenarios/{scenario_id}/edit",
                 f"/admin/drills/scenarios/{scenario_id}/start"):
        assert client.get(path).status_code == (200 if may_run else 403), path
    ended = _post(client, f"/admin/drills/{drill_id}/end", {}, page=f"/admin/drills/{drill_id}")
    assert ended.status_code == (302 if may_run else 403)


def test_customers_reach_no_drill_page(client, auth, world, scenario_id, start_drill):
    """A customer asking for the console's drill pages is refused like any console page."""
    drill_id, _ = start_drill()
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    for path in ("/admin/drills", f"/admin/drills/{drill_id}",
                 f"/admin/drills/scenarios/{scenario_id}/start"):
        assert client.get(path).status_code == 403, path


def test_starting_a_drill_opens_a_marked_escalation_owned_through_a_handoff(
        client, auth, world, as_staff, scenario_id):
    """The manager starts the scenario for the agent: a real escalation flagged is_drill, its
    handoff pending to the agent, DRILL in the queue row and a banner on its page."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    page = f"/admin/drills/scenarios/{scenario_id}/start"
    agent = world.staff[Role.AGENT]
    answer = _post(client, page, {"owner_id": str(agent.id),
                                  "participants": [str(world.staff[Role.ACCOUNT_MANAGER].id)]})
    assert answer.status_code == 302
    with as_staff() as session:
        drill = session.scalar(select(Drill))
        escalation = session.get(Escalation, drill.escalation_id)
        assert escalation.is_drill and escalation.owner_id == agent.id
        assert sorted(p.user_id for p in drill.participants) == sorted(
            [agent.id, world.staff[Role.ACCOUNT_MANAGER].id,
             world.staff[Role.ESCALATION_MANAGER].id])
        reference, escalation_id = escalation.reference, escalation.id
    queue = client.get("/admin/").get_data(as_text=True)
    row = queue.split(f'id="escalation-{reference}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="badge badge-drill">DRILL<' in row
    real_row = queue.split(f'id="escalation-{world.escalation_a.reference}"', 1)[1]
    assert "badge-drill" not in real_row.split("</tr>", 1)[0]
    assert 'id="drill-banner"' in client.get(
        f"/admin/escalations/{escalation_id}").get_data(as_text=True)
    assert 'id="drill-banner"' not in client.get(
        f"/admin/escalations/{world.escalation_a.id}").get_data(as_text=True)


def test_starting_needs_an_owner_beside_its_field(client, auth, world, scenario_id, as_staff):
    """No owner: 422 by the owner field, no escalation opened."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    answer = _post(client, f"/admin/drills/scenarios/{scenario_id}/start", {"owner_id": ""})
    assert answer.status_code == 422
    assert 'id="owner_id-error"' in answer.get_data(as_text=True)
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(Drill)) == 0
        assert not session.scalar(select(func.count()).select_from(Escalation).where(
            Escalation.is_drill))


def test_a_missing_drill_answers_404(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    assert client.get("/admin/drills/999999").status_code == 404


def test_an_archived_scenario_leaves_the_list_keeps_its_drills_and_can_be_restored(
        client, auth, world, scenario_id, start_drill, as_staff):
    """Archiving moves a scenario to "Archived scenarios" (its past drills stay), refuses to
    start it (the page and the operation), and Restore brings it back; both are audited."""
    drill_id, _ = start_drill()
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    assert _post(client, f"/admin/drills/{drill_id}/end", {},
                 page=f"/admin/drills/{drill_id}").status_code == 302
    archived = _post(client, f"/admin/drills/scenarios/{scenario_id}/archive", {},
                     page="/admin/drills")
    assert archived.status_code == 302
    page = client.get("/admin/drills").get_data(as_text=True)
    assert 'id="drill-scenarios"' not in page
    shelf = page.split('id="archived-scenarios"')[1].split("</details>")[0]
    assert "Checkout outage" in shelf and "Restore" in shelf
    assert 'id="past-drills"' in page and f"/admin/drills/{drill_id}" in page
    start = client.get(f"/admin/drills/scenarios/{scenario_id}/start")
    assert start.status_code == 302 and start.headers["Location"].endswith(
        "/admin/drills#archived-scenarios")
    assert "is archived: restore it" in client.get("/admin/drills").get_data(as_text=True)
    with as_staff() as session:
        manager = session.merge(world.staff[Role.ESCALATION_MANAGER])
        with pytest.raises(OperationError, match="archived"):
            start_drill_operation(session.get(DrillScenario, scenario_id), participants=[],
                                  owner=manager, actor=manager)
        session.rollback()
    restored = _post(client, f"/admin/drills/scenarios/{scenario_id}/restore", {},
                     page="/admin/drills")
    assert restored.status_code == 302
    page = client.get("/admin/drills").get_data(as_text=True)
    assert 'id="drill-scenarios"' in page and 'id="archived-scenarios"' not in page
    assert client.get(f"/admin/drills/scenarios/{scenario_id}/start").status_code == 200
    with as_staff() as session:
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "DrillScenario").order_by(AuditEvent.id)).all() == [
            "drill.scenario_created", "drill.scenario_archived", "drill.scenario_restored"]


def test_only_those_who_run_drills_archive_a_scenario(client, auth, world, scenario_id):
    auth.login(world.staff[Role.AGENT].email)
    refused = _post(client, f"/admin/drills/scenarios/{scenario_id}/archive", {},
                    page="/admin/drills")
    assert refused.status_code == 403
    assert 'id="drill-scenarios"' in client.get("/admin/drills").get_data(as_text=True)
