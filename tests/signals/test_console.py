"""The console's integration pages, the escalation banner, and what customers never see."""

from __future__ import annotations

from sqlalchemy import select

from portal.enums import Role
from portal.escalations.models import Escalation
from portal.signals.models import Integration
from tests.conftest import csrf_token_from
from tests.factories import CANARY
from tests.signals.conftest import alert, make_sender


def _sign_in(auth, world, role=Role.ESCALATION_MANAGER):
    auth.login(world.staff[role].email)


def test_a_new_integration_shows_its_token_once_and_keeps_its_hash(client, auth, world,
                                                                   as_staff):
    """The token is on the page that made it, never stored, never shown again."""
    _sign_in(auth, world)
    token = csrf_token_from(client.get("/admin/integrations/new").get_data(as_text=True))
    response = client.post("/admin/integrations/new", data={
        "csrf_token": token, "name": "Prod Alertmanager", "kind": "alertmanager",
        "auth_method": "token"})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "shown this once" in html
    with as_staff() as session:
        integration = session.scalars(select(Integration)).one()
        integration_id = integration.id
        shown = html.split("shown this once:</strong> <code class=\"breakable\">")[1]
        secret = shown.split("<")[0]
        assert secret.startswith("cps_") and integration.token_hash not in html
        assert secret not in (integration.token_hash, integration.token_prefix)
    again = client.get(f"/admin/integrations/{integration_id}").get_data(as_text=True)
    assert secret not in again and "shown this once" not in again


def test_mapping_rules_are_saved_and_a_bad_line_is_named(client, auth, world, as_staff):
    """Rules round-trip through the form; an unreadable line answers 422 beside the rules."""
    with as_staff() as session:
        sender = make_sender(world)
    _sign_in(auth, world)
    page = f"/admin/integrations/{sender.integration_id}"
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    data = {"csrf_token": token, "default_organization": str(world.org_a.id),
            "default_severity": "2", "default_product_area": "Platform",
            "rules": f'team=db -> organization={world.org_b.slug} product_area="Data stores"'}
    assert client.post(f"{page}/configure", data=data).status_code == 302
    with as_staff() as session:
        integration = session.get(Integration, sender.integration_id)
        assert integration.rules == [{"match": {"team": "db"}, "organization": world.org_b.slug,
                                      "product_area": "Data stores"}]
        assert integration.default_severity == 2
    bad = client.post(f"{page}/configure", data={**data, "rules": "team=db organization=x"})
    assert bad.status_code == 422
    assert "Line 1: write the labels, then -&gt; and what they map to." in bad.get_data(
        as_text=True)


def test_the_escalation_page_flags_monitoring_says_resolved(client, auth, world, sender,
                                                            as_staff):
    """After a resolved signal, staff read "Monitoring says resolved — resolve?"; detach
    removes the banner."""
    opened = client.post("/api/v1/signals/generic", json=alert(), headers=sender.headers)
    escalation_id = opened.json["signals"][0]["escalation_id"]
    _sign_in(auth, world, Role.AGENT)
    page = client.get(f"/admin/escalations/{escalation_id}").get_data(as_text=True)
    assert "Opened by monitoring" in page and "1 signal so far" in page
    client.post("/api/v1/signals/generic", json=alert(status="resolved"),
                headers=sender.headers)
    page = client.get(f"/admin/escalations/{escalation_id}").get_data(as_text=True)
    assert "Monitoring says resolved — resolve?" in page
    detach = [part.split('"')[0] for part in page.split('action="')
              if part.startswith("/admin/signal-links/")][0]
    response = client.post(detach, data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    page = client.get(f"/admin/escalations/{escalation_id}").get_data(as_text=True)
    assert "Monitoring says resolved" not in page and "Opened by monitoring" not in page


def test_the_integration_page_lists_signals_and_what_they_did(client, auth, world, sender):
    """Recent signals show their key and outcome; the audit log names the integration."""
    for body in (alert(), alert(), alert(status="resolved")):
        client.post("/api/v1/signals/generic", json=body, headers=sender.headers)
    _sign_in(auth, world, Role.ADMINISTRATOR)
    html = client.get(f"/admin/integrations/{sender.integration_id}").get_data(as_text=True)
    for words in ("opened an escalation", "added to the open escalation",
                  "proposed resolution", "db-down"):
        assert words in html
    log = client.get("/admin/audit?action=signal.").get_data(as_text=True)
    assert "Integration generic-token-" in log
    csv = client.get("/admin/audit.csv?action=signal.").get_data(as_text=True)
    assert csv.count(",Integration generic-token-") == 3 and ",system," not in csv


def test_nothing_an_integration_writes_reaches_customers(client, auth, world, sender,
                                                         as_staff):
    """The canary in an alert's description and labels is on no customer page; the title
    (the escalation's existence) is."""
    for status in ("firing", "firing", "resolved"):
        client.post("/api/v1/signals/generic", headers=sender.headers, json=alert(
            status=status, description=f"{CANARY} db-07.internal at 10.0.3.7",
            labels={"host": f"{CANARY}-db-07"}))
    with as_staff() as session:
        escalation = session.scalars(select(Escalation).where(
            Escalation.title == "db-down is failing")).one()
        reference = escalation.reference
    auth.login(world.customers_a[Role.VIEWER].email)
    pages = ["/", "/escalations", f"/escalations/{reference}", "/history",
             "/history.csv", "/executive"]
    seen = []
    for path in pages:
        response = client.get(path, follow_redirects=True)
        seen.append(response.get_data(as_text=True))
        assert CANARY not in seen[-1], path
        assert "10.0.3.7" not in seen[-1], path
    assert any("db-down is failing" in body for body in seen)
