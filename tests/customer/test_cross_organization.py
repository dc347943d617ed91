"""Every customer route that takes an id answers 404 for another organization's object.

The routes come from the app's url_map, not a hand-kept list: a new route whose argument has
no foreign value below fails this test until someone adds one (and so thinks about tenancy).
"""

import pytest

from portal.enums import Role
from tests.reports.conftest import _report_cache, published  # noqa: F401  (a report each)

CUSTOMER_ENDPOINTS = "customer."


def _id_routes(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules()
         if rule.arguments and rule.endpoint.startswith(CUSTOMER_ENDPOINTS)),
        key=lambda rule: rule.rule,
    )


@pytest.fixture
def render_jobs(world, published, as_staff) -> dict[str, int]:  # noqa: F811
    """A finished PDF render job of each organization's report (the progress page's route)."""
    from portal.reports.models import RenderJob, RenderKind, RenderState

    ids = {}
    with as_staff() as session:
        for side, review in (("own", published.review_a), ("foreign", published.review_b)):
            job = RenderJob(kind=RenderKind.REVIEW, organization_id=review.organization_id,
                            review_id=review.id, version=1, title="Report",
                            content_key=f"test-{side}", state=RenderState.DONE)
            session.add(job)
            session.flush()
            ids[side] = job.id
    return ids


@pytest.fixture
def api_tokens(world, as_staff) -> dict[str, int]:
    """An API token of each organization (the customer admin's token page revokes by id)."""
    from portal.accounts.models import User
    from portal.api.tokens import issue_token

    ids = {}
    with as_staff() as session:
        for side, customers in (("own", world.customers_a), ("foreign", world.customers_b)):
            issuer = session.get(User, customers[Role.CUSTOMER_ADMIN].id)
            token, _ = issue_token(actor=issuer, name=f"{side} tool", scopes=["read"])
            session.flush()
            ids[side] = token.id
    return ids


@pytest.fixture
def webhook_endpoints(world, as_staff) -> dict[str, int]:
    """An endpoint of each organization (the webhook pages' routes)."""
    from portal.notices import signing
    from portal.notices.models import WebhookEndpoint

    ids = {}
    with as_staff() as session:
        for side, org in (("own", world.org_a), ("foreign", world.org_b)):
            endpoint = WebhookEndpoint(organization_id=org.id, name=f"{side} hook",
                                       url="https://93.184.215.14/hook", kind="generic",
                                       secret_sealed=signing.seal("whsec_cross-organization"))
            session.add(endpoint)
            session.flush()
            ids[side] = endpoint.id
    return ids


def _values_for(world, org_side: str, jobs: dict[str, int],
                tokens: dict[str, int], endpoints: dict[str, int]) -> dict[str, str]:
    """One value per route argument: organization B's ("foreign") or A's own."""
    foreign = org_side == "foreign"
    return {
        "job_id": jobs[org_side],
        "reference": (world.escalation_b if foreign else world.escalation_a).reference,
        "step_id": (world.customer_step_b if foreign else world.customer_step_a).id,
        "user_id": (world.customers_b if foreign else world.customers_a)[Role.VIEWER].id,
        "invitation_id": (world.invitation_b if foreign else world.invitation_a).id,
        "version": 1,  # of the reports published by the `published` fixture
        "token_id": tokens[org_side],
        "endpoint_id": endpoints[org_side],
    }


def _build(rule, values):
    missing = set(rule.arguments) - set(values)
    assert not missing, (
        f"{rule.rule} takes {sorted(missing)}: add another organization's value for it to "
        "_values_for() so this route is checked for tenancy"
    )
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<{name}>", str(values[name]))
        for converter in ("int", "string", "path", "uuid"):
            path = path.replace(f"<{converter}:{name}>", str(values[name]))
    return path


def test_there_are_customer_routes_with_ids(app):
    """The walk below is not vacuous."""
    assert _id_routes(app)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EXECUTIVE, Role.CUSTOMER_ADMIN])
def test_foreign_ids_answer_404_on_every_customer_route(app, client, auth, world, role,
                                                         render_jobs, api_tokens,
                                                         webhook_endpoints):
    """A customer never reaches another organization's object, by any route or method."""
    auth.login(world.customers_a[role].email)
    token = auth.csrf_token("/escalations")
    for rule in _id_routes(app):
        own, foreign = (
            _build(rule, _values_for(world, "own", render_jobs, api_tokens, webhook_endpoints)),
            _build(rule, _values_for(world, "foreign", render_jobs, api_tokens,
                                     webhook_endpoints)))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(foreign, method=method, headers={"X-CSRFToken": token})
            assert response.status_code == 404, f"{method} {foreign}: {response.status_code}"
            if method == "GET":
                assert client.get(own).status_code != 404, f"own object at {own} should exist"


def test_foreign_and_missing_ids_answer_exactly_alike(client, auth, world):
    """Nobody can tell another organization's escalation from one that does not exist."""
    auth.login(world.customers_a[Role.VIEWER].email)
    foreign = client.get(f"/escalations/{world.escalation_b.reference}")
    missing = client.get("/escalations/ESC-999999")
    assert foreign.status_code == missing.status_code == 404
    strip = lambda html: html.replace(world.escalation_b.reference, "").replace(  # noqa: E731
        "ESC-999999", "")
    import re
    nonce = re.compile(r'nonce="[^"]+"|"X-CSRFToken": "[^"]+"|value="[^"]+"')
    assert nonce.sub("", strip(foreign.get_data(as_text=True))) == nonce.sub(
        "", strip(missing.get_data(as_text=True)))
