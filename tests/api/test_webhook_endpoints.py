"""Webhook endpoints over the API: a customer admin's token adds, tests and deletes its
organization's endpoints through the portal's own operations; the secret is answered once;
another organization's endpoint answers 404; an unsafe URL is refused by its field."""

from __future__ import annotations

from sqlalchemy import select

from portal.enums import Role
from portal.notices.models import Notice, WebhookEndpoint
from tests.api.conftest import Api

HOOKS = "/api/v1/webhook-endpoints"
SAFE_URL = "https://127.0.0.1:9/hooks"  # loopback is allowed to the tests (WEBHOOK_ALLOWED_HOSTS)


def test_a_customer_admin_adds_tests_and_deletes_an_endpoint(customer_a, customer_b, world,
                                                            as_staff):
    made = customer_a.post(HOOKS, json={"name": "Our chat", "url": SAFE_URL,
                                        "events": ["update.note", "update.status_change"]})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["secret"].startswith("whsec_") and body["secret"].endswith(body["secret_hint"])
    assert body["organization_id"] == world.org_a.id
    assert body["events"] == ["update.note", "update.status_change"]
    endpoint_id = body["id"]
    listed = customer_a.get(HOOKS).get_json()
    assert [e["id"] for e in listed] == [endpoint_id] and "secret" not in listed[0]
    assert customer_b.get(f"{HOOKS}/{endpoint_id}").status_code == 404
    assert customer_b.get(HOOKS).get_json() == []
    assert customer_b.client.delete(f"{HOOKS}/{endpoint_id}", headers=customer_b._headers(
        None)).status_code == 404
    assert customer_a.post(f"{HOOKS}/{endpoint_id}/test").status_code == 202
    with as_staff() as session:
        assert session.scalars(select(Notice.event).where(
            Notice.webhook_endpoint_id == endpoint_id)).all() == ["ping"]
    gone = customer_a.client.delete(f"{HOOKS}/{endpoint_id}",
                                    headers=customer_a._headers(None))
    assert gone.status_code == 204
    with as_staff() as session:
        assert session.get(WebhookEndpoint, endpoint_id) is None


def test_an_unsafe_url_is_refused_beside_its_field_and_nothing_is_kept(customer_a, as_staff):
    refused = customer_a.post(HOOKS, json={"name": "Metadata", "url":
                                           "https://169.254.169.254/latest"})
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    assert [e["field"] for e in refused.get_json()["errors"]] == ["url"]
    with as_staff() as session:
        assert session.scalars(select(WebhookEndpoint)).all() == []


def test_a_token_without_the_scope_reads_but_cannot_add(client, world, issue):
    reader = Api(client, issue(world.customers_a[Role.CUSTOMER_ADMIN], scopes=["read"]))
    assert reader.get(HOOKS).status_code == 200
    refused = reader.post(HOOKS, json={"name": "x", "url": SAFE_URL})
    assert refused.status_code == 403
    assert "webhooks:manage" in refused.get_json()["detail"]
