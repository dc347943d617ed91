"""Escalations over the API: the same operations, refusals and tenancy as the web."""

from __future__ import annotations

from tests.factories import CANARY

BASE = "/api/v1/escalations"


def new_escalation(world, **overrides) -> dict:
    body = {"organization_id": world.org_a.id, "title": "Invoices fail to render",
            "severity": 2, "handoff": {"summary": "PDF invoices are blank",
                                       "customer_impact": "Finance cannot bill",
                                       "steps_taken": "Re-rendered one: still blank",
                                       "environment": "prod-eu"}}
    return body | overrides


def test_staff_list_every_organization_customers_only_their_own(staff_api, customer_a, world):
    """Staff see both organizations' escalations; a customer sees only their own."""
    staff = staff_api.get(BASE)
    assert staff.status_code == 200
    ids = {item["id"] for item in staff.get_json()["items"]}
    assert {world.escalation_a.id, world.escalation_b.id} <= ids
    mine = customer_a.get(BASE).get_json()["items"]
    assert [item["id"] for item in mine] == [world.escalation_a.id]
    assert "priority_breakdown" not in mine[0] and "source_ticket" not in mine[0]


def test_a_foreign_id_answers_404_like_a_missing_one(customer_a, world):
    """Replaying organization B's escalation id with A's token finds nothing, as a missing id."""
    foreign = customer_a.get(f"{BASE}/{world.escalation_b.id}")
    missing = customer_a.get(f"{BASE}/999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json() == missing.get_json()
    assert foreign.content_type == "application/problem+json"


def test_the_canary_never_reaches_a_customer_token(customer_a, world):
    """Nothing a customer token receives carries internal text."""
    for path in (BASE, f"{BASE}/{world.escalation_a.id}", "/api/v1/me",
                 f"{BASE}/{world.escalation_a.id}/timeline",
                 f"{BASE}/{world.escalation_a.id}/milestones",
                 f"{BASE}/{world.escalation_a.id}/steps"):
        response = customer_a.get(path)
        assert response.status_code == 200, path
        assert CANARY not in response.get_data(as_text=True), path
        assert CANARY not in response.headers.get("ETag", ""), path


def test_staff_open_an_escalation_with_the_consoles_refusals(staff_api, world):
    """Opening needs what the console's form needs; the messages are the form's, by field."""
    refused = staff_api.post(BASE, json=new_escalation(world, title="  "))
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    assert refused.get_json()["errors"] == [{"field": "title",
                                             "detail": "Give the escalation a title."}]
    created = staff_api.post(BASE, json=new_escalation(world))
    assert created.status_code == 201
    body = created.get_json()
    assert body["reference"].startswith("ESC-") and body["status"] == "new"
    assert created.headers["Location"].endswith(f"{BASE}/{body['id']}")


def test_missing_and_mistyped_fields_are_listed_field_by_field(staff_api, world):
    """Bad input answers 422 with each field's message."""
    response = staff_api.post(BASE, json={"title": "x", "severity": 9})
    assert response.status_code == 422
    fields = {error["field"] for error in response.get_json()["errors"]}
    assert {"organization_id", "severity", "handoff"} <= fields


def test_customers_cannot_open_or_change_escalations(customer_a, world):
    """A customer token has no write scope for escalations: 403."""
    assert customer_a.post(BASE, json=new_escalation(world)).status_code == 403
    assert customer_a.post(f"{BASE}/{world.escalation_a.id}/status",
                           json={"status": "acknowledged"}).status_code == 403


def test_status_moves_through_the_workflow_and_refuses_illegal_moves(staff_api, world):
    """The workflow's refusal comes back as a 422 with its message; a legal move works."""
    path = f"{BASE}/{world.escalation_a.id}/status"
    illegal = staff_api.post(path, json={"status": "closed"})
    assert illegal.status_code == 422
    assert illegal.get_json()["detail"]
    moved = staff_api.post(path, json={"status": "acknowledged"})
    assert moved.status_code == 200 and moved.get_json()["status"] == "acknowledged"
    assert moved.get_json()["acknowledged_at"]


def test_severity_change_needs_a_reason(staff_api, world):
    """Changing severity without a reason is refused beside the reason field."""
    path = f"{BASE}/{world.escalation_a.id}/severity"
    refused = staff_api.post(path, json={"severity": 1})
    assert refused.get_json()["errors"] == [{"field": "reason",
                                             "detail": "Say why the severity changes."}]
    assert staff_api.post(path, json={"severity": 1, "reason": "Outage widened"}
                          ).get_json()["severity"] == 1


def test_filters_and_cursor_pages_with_link_headers(staff_api, world):
    """Walking the list page by page through the Link header sees every row once."""
    for n in range(3):
        staff_api.post(BASE, json=new_escalation(world, title=f"Paged {n}"))
    seen, url = [], f"{BASE}?q=Paged&limit=2"
    while url:
        response = staff_api.get(url)
        seen += [item["title"] for item in response.get_json()["items"]]
        link = response.headers.get("Link")
        url = link[1:link.index(">")].replace("http://localhost", "") if link else None
    assert sorted(seen) == ["Paged 0", "Paged 1", "Paged 2"]
    assert staff_api.get(f"{BASE}?cursor=nonsense").status_code == 422
    sev = staff_api.get(f"{BASE}?severity=4").get_json()["items"]
    assert all(item["severity"] == 4 for item in sev)


def test_a_customer_cannot_filter_their_way_into_another_organization(customer_a, world):
    """Staff-only filters do nothing for a customer: the scope already fixes the organization."""
    items = customer_a.get(f"{BASE}?organization_id={world.org_b.id}&open=false").get_json()
    assert {item["id"] for item in items["items"]} == {world.escalation_a.id}
    assert customer_a.get(f"{BASE}?q={world.escalation_b.reference}").get_json()["items"] == []
