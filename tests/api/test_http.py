"""HTTP semantics of the API: tokens, ETags, preconditions, idempotency, limits, the document."""

from __future__ import annotations

from datetime import timedelta

from portal.clock import frozen_at, now
from portal.enums import Role
from tests.api.conftest import Api

BASE = "/api/v1/escalations"


def test_an_unchanged_escalation_answers_304(staff_api, world):
    """A GET carries an ETag; sending it back answers 304 without a body."""
    path = f"{BASE}/{world.escalation_a.id}"
    first = staff_api.get(path)
    etag = first.headers["ETag"]
    again = staff_api.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    listed = staff_api.get(BASE)
    assert staff_api.get(BASE, headers={"If-None-Match": listed.headers["ETag"]}
                         ).status_code == 304


def test_patch_needs_if_match_and_refuses_a_stale_version(staff_api, world):
    """No lost updates: 428 without If-Match, 412 with a version someone else changed."""
    path = f"{BASE}/{world.escalation_a.id}"
    etag = staff_api.get(path).headers["ETag"]
    assert staff_api.patch(path, json={"title": "Renamed"}).status_code == 428
    done = staff_api.patch(path, json={"title": "Renamed"}, headers={"If-Match": etag})
    assert done.status_code == 200 and done.get_json()["title"] == "Renamed"
    stale = staff_api.patch(path, json={"title": "Mine instead"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.content_type == "application/problem+json"
    assert staff_api.get(path).get_json()["title"] == "Renamed"


def test_patch_refusals_carry_the_forms_message(staff_api, world):
    """An emptied summary is refused as the console's edit form refuses it."""
    path = f"{BASE}/{world.escalation_a.id}"
    etag = staff_api.get(path).headers["ETag"]
    refused = staff_api.patch(path, json={"summary": " "}, headers={"If-Match": etag})
    assert refused.get_json()["errors"] == [
        {"field": "summary", "detail": "This cannot be empty: customers read it."}]


def test_an_idempotency_key_replay_returns_the_first_answer(staff_api, world):
    """The same POST sent twice with one key opens one escalation and answers twice alike."""
    body = {"organization_id": world.org_b.id, "title": "Replayed once", "severity": 3,
            "handoff": {"summary": "s", "customer_impact": "c", "steps_taken": "t",
                        "environment": "e"}}
    key = {"Idempotency-Key": "create-42"}
    first = staff_api.post(BASE, json=body, headers=key)
    second = staff_api.post(BASE, json=body, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Location"] == first.headers["Location"]
    titles = [item["title"] for item in staff_api.get(f"{BASE}?q=Replayed").get_json()["items"]]
    assert titles == ["Replayed once"]
    other = staff_api.post(BASE, json=body | {"title": "Different"}, headers=key)
    assert other.status_code == 422


def test_a_refused_post_keeps_no_key(staff_api, world):
    """A refusal stores nothing: the same key works once the input is corrected."""
    path = f"{BASE}/{world.escalation_a.id}/severity"
    key = {"Idempotency-Key": "sev-1"}
    assert staff_api.post(path, json={"severity": 1}, headers=key).status_code == 422
    assert staff_api.post(path, json={"severity": 1, "reason": "wider"},
                          headers=key).status_code == 200


def test_cookie_sessions_cannot_use_the_api(client, auth, world):
    """Signed in on the web, the API still asks for a token (so no CSRF hole)."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    assert client.get(BASE).status_code == 401
    assert client.post(BASE, json={}).status_code == 401


def test_revoked_and_expired_tokens_stop_working(app, client, world, issue):
    """Revoking a token or letting it expire answers 401 from then on."""
    from portal.accounts.models import User
    from portal.api.models import ApiToken
    from portal.api.tokens import revoke_token
    from portal.extensions import db
    from portal.tenancy import Scope, set_scope

    secret = issue(world.customers_a[Role.CUSTOMER_ADMIN])
    api = Api(client, secret)
    assert api.get("/api/v1/me").status_code == 200
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("test"))
        token = db.session.query(ApiToken).order_by(ApiToken.id.desc()).first()
        assert token.last_used_at is not None
        revoke_token(token, actor=db.session.get(User, world.customers_a[Role.CUSTOMER_ADMIN].id))
        db.session.commit()
    revoked = api.get("/api/v1/me")
    assert revoked.status_code == 401 and revoked.get_json()["detail"] == "This token was revoked."
    expiring = Api(client, issue(world.staff[Role.ADMINISTRATOR],
                                 expires_at=now() + timedelta(seconds=1)))
    assert expiring.get("/api/v1/me").status_code == 200
    with frozen_at(now() + timedelta(minutes=1)):
        assert expiring.get("/api/v1/me").get_json()["detail"] == "This token has expired."


def test_rate_limit_per_token_answers_429_problem(app, client, world, issue, monkeypatch):
    """Past the token's limit, 429 with problem details; another token is unaffected."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    noisy = Api(client, issue(world.staff[Role.ADMINISTRATOR], name="noisy"))
    quiet = Api(client, issue(world.staff[Role.ADMINISTRATOR], name="quiet"))
    answers = [noisy.get("/api/v1/me").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = noisy.get("/api/v1/me")
    assert limited.content_type == "application/problem+json"
    assert quiet.get("/api/v1/me").status_code == 200


def test_the_openapi_document_is_valid_31_and_lists_every_route(app, client):
    """The generated document validates as OpenAPI 3.1 and names every API route."""
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, item in spec["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.static":
            path = rule.rule.replace("<int:", "{").replace(">", "}")
            routed |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed and routed == documented


def test_the_reference_page_is_served_by_the_app(client):
    """The docs page lists operations without JavaScript and loads only local assets."""
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/api/v1/escalations" in html
    assert "vendor/swagger-ui-dist-5.36.0/swagger-ui-bundle.js" in html
    assert "https://" not in html.split("<body", 1)[1].split("</body>")[0].replace(
        "https://localhost", "")
