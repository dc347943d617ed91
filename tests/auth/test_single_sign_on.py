"""Single sign-on against a real OpenID Connect provider on loopback (tests/oidc_provider.py):
the happy path, and every way a sign-in must be refused."""

from __future__ import annotations

import re
from html import unescape
from types import SimpleNamespace
from urllib.parse import urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from portal.accounts.credentials import deactivate
from portal.accounts.models import User
from portal.accounts.single_sign_on.configuration import (
    ProviderInput,
    configure_organization_provider,
    configure_staff_provider,
)
from portal.audit import AuditEvent
from portal.auth.signing_in import LOGIN_ERROR, SSO_REQUIRED_ERROR
from portal.enums import Role
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Knobs, TestProvider

CALLBACK = "http://localhost/login/sso/callback"


@pytest.fixture(scope="module")
def idp():
    provider = TestProvider().start()
    provider.allow_redirect(CALLBACK)
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def _truthful(idp):
    idp.knobs = Knobs()


def _domain(user) -> str:
    return user.email.rpartition("@")[2]


@pytest.fixture
def sso_org_a(as_staff, world, idp):
    """Acme's own provider for its people's domain; password sign-in still allowed."""
    def configure(**overrides):
        with as_staff() as session:
            values = dict(issuer=idp.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                          domains=_domain(world.customers_a[Role.VIEWER]),
                          default_role=Role.VIEWER)
            values.update(overrides)
            admin = session.merge(world.staff[Role.ADMINISTRATOR])
            org = session.merge(world.org_a)
            configure_organization_provider(org, ProviderInput(**values), actor=admin)
    configure()
    return configure


def _provider_url(answer) -> str:
    """Where the "continuing to your sign-in service" page sends the browser."""
    found = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"',
                      answer.get_data(as_text=True))
    return unescape(found.group(1))


def _sso(client, email: str, *, typed: str | None = None):
    """Email → Continue with single sign-on → the provider's page → back: the callback's
    answer."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    started = client.post("/login/sso", data={"email": email, "csrf_token": token})
    assert started.status_code == 200, started.get_data(as_text=True)
    consent = httpx.post(_provider_url(started),
                         data={"email": typed or email, "name": "Ada Lovelace"})
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def _events(as_staff, action: str) -> list[SimpleNamespace]:
    with as_staff() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                               .order_by(AuditEvent.id)).all()
        return [SimpleNamespace(actor_id=row.actor_id, object_id=row.object_id,
                                detail=dict(row.detail)) for row in rows]


def test_first_step_offers_single_sign_on_for_a_configured_domain(client, world, sso_org_a):
    """After the email, a configured domain gets the button and the password field."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    page = client.post("/login", data={"email": "someone@" + _domain(
        world.customers_a[Role.VIEWER]), "csrf_token": token}).get_data(as_text=True)
    assert "Continue with single sign-on" in page
    assert 'name="password"' in page


def test_first_step_reveals_nothing_about_accounts(client, world, sso_org_a):
    """A known and an unknown address of one domain get the same page."""
    known = world.customers_a[Role.VIEWER].email
    pages = []
    for email in (known, "nobody-here@" + _domain(world.customers_a[Role.VIEWER])):
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        page = client.post("/login", data={"email": email, "csrf_token": token})
        assert page.status_code == 200
        html = page.get_data(as_text=True).replace("<wbr>", "").replace(email, "EMAIL")
        pages.append(re.sub(r'(nonce|value|content)="[^"]*"|"X-CSRFToken": "[^"]*"', "", html))
    assert pages[0] == pages[1]


def test_a_domain_without_sso_gets_only_the_password(client, world):
    """No provider for the domain: no single sign-on button."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    page = client.post("/login", data={"email": "x@elsewhere.example.org",
                                       "csrf_token": token}).get_data(as_text=True)
    assert "Continue with single sign-on" not in page
    assert 'name="password"' in page


def test_existing_person_signs_in_through_sso(client, world, sso_org_a, as_staff):
    """The provider vouches for a known person: they land on their escalations."""
    viewer = world.customers_a[Role.VIEWER]
    answer = _sso(client, viewer.email)
    assert answer.status_code == 302 and answer.headers["Location"] == "/escalations"
    assert world.escalation_a.reference in client.get("/escalations").get_data(as_text=True)
    login = _events(as_staff, "auth.login")[-1]
    assert login.actor_id == viewer.id and login.detail["method"] == "sso"


def test_first_sign_in_creates_the_person_with_the_default_role(client, world, sso_org_a,
                                                                 as_staff):
    """A new address of an allowed domain becomes a person of that organization."""
    email = "newperson@" + _domain(world.customers_a[Role.VIEWER])
    sso_org_a(default_role=Role.EXECUTIVE)
    assert _sso(client, email).status_code == 302
    with as_staff() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user.organization_id == world.org_a.id and user.role == Role.EXECUTIVE
        assert user.password_hash is None and user.name == "Ada Lovelace"
        user_id = user.id
    created = _events(as_staff, "auth.sso_user_created")
    assert [event.object_id for event in created] == [user_id]


def test_a_replayed_state_is_refused(client, world, sso_org_a, as_staff):
    """The callback works once: the same state again is refused."""
    viewer = world.customers_a[Role.VIEWER]
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    started = client.post("/login/sso", data={"email": viewer.email, "csrf_token": token})
    consent = httpx.post(_provider_url(started), data={"email": viewer.email})
    back = urlsplit(consent.headers["Location"])
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token_from(
        client.get("/escalations").get_data(as_text=True))})
    replay = client.get(f"{back.path}?{back.query}")
    assert replay.status_code == 400
    assert "expired or was already used" in replay.get_data(as_text=True)
    assert _events(as_staff, "auth.sso_refused")[-1].detail["reason"].startswith("state")


def test_a_state_from_another_browser_is_refused(client, app, world, sso_org_a):
    """A callback carried to another browser (no sign-in started there) signs nobody in."""
    viewer = world.customers_a[Role.VIEWER]
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    started = client.post("/login/sso", data={"email": viewer.email, "csrf_token": token})
    consent = httpx.post(_provider_url(started), data={"email": viewer.email})
    back = urlsplit(consent.headers["Location"])
    other = app.test_client()
    assert other.get(f"{back.path}?{back.query}").status_code == 400
    assert other.get("/escalations").status_code == 302


@pytest.mark.parametrize("knobs, reason", [
    (Knobs(issuer="http://127.0.0.1:9/another-issuer"), "iss"),
    (Knobs(audience="someone-else"), "aud"),
    (Knobs(expires_in=-600), "exp"),
    (Knobs(nonce="a-nonce-from-another-sign-in"), "nonce"),
])
def test_tokens_that_fail_their_checks_are_refused(client, world, sso_org_a, as_staff, idp,
                                                   knobs, reason):
    """A signed token from the wrong issuer, for another audience, expired, or carrying
    another sign-in's nonce: refused."""
    idp.knobs = knobs
    answer = _sso(client, world.customers_a[Role.VIEWER].email)
    assert answer.status_code == 403
    assert "did not answer as expected" in answer.get_data(as_text=True)
    assert client.get("/escalations").status_code == 302  # not signed in
    assert reason in _events(as_staff, "auth.sso_refused")[-1].detail["reason"]
    assert idp.issued[-1]  # the provider really issued it


def test_a_domain_not_allowed_is_refused_with_a_clear_page(client, world, sso_org_a, as_staff):
    """The provider vouches for an address outside the allowed domains: a clear refusal."""
    answer = _sso(client, world.customers_a[Role.VIEWER].email,
                  typed="someone@not-allowed.example.net")
    assert answer.status_code == 403
    assert "not an address your organization" in answer.get_data(as_text=True)
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(User).where(
            User.email == "someone@not-allowed.example.net")) == 0


def test_a_deactivated_person_stays_out(client, world, sso_org_a, as_staff):
    """Deactivated means out, whatever the provider says."""
    viewer = world.customers_a[Role.VIEWER]
    with as_staff() as session:
        deactivate(session.merge(viewer), actor=None)
    answer = _sso(client, viewer.email)
    assert answer.status_code == 403
    assert client.get("/escalations").status_code == 302


def test_a_person_of_another_organization_is_refused(client, world, sso_org_a, as_staff):
    """Acme's provider claims a domain whose address belongs to Globex's person: refused."""
    foreign = world.customers_b[Role.VIEWER]
    sso_org_a(domains=f"{_domain(world.customers_a[Role.VIEWER])} {_domain(foreign)}")
    answer = _sso(client, foreign.email)
    assert answer.status_code == 403
    assert client.get("/escalations").status_code == 302
    assert "another organization" in _events(as_staff, "auth.sso_refused")[-1].detail["reason"]


def test_staff_sign_in_through_the_staff_provider(client, world, as_staff, idp):
    """The staff provider signs a new vendor address in as an agent, into the console."""
    with as_staff() as session:
        configure_staff_provider(ProviderInput(
            issuer=idp.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
            domains="vendor.example.com", default_role=Role.AGENT),
            actor=session.merge(world.staff[Role.ADMINISTRATOR]))
    answer = _sso(client, "new.engineer@vendor.example.com")
    assert answer.headers["Location"] == "/admin/"
    with as_staff() as session:
        user = session.scalar(select(User).where(User.email == "new.engineer@vendor.example.com"))
        assert user.role == Role.AGENT
        assert user.organization_id is None


def test_sso_required_refuses_the_password_but_not_the_break_glass_admin(
        client, auth, world, sso_org_a, as_staff):
    """With SSO required a right password is refused with a message; the break-glass admin
    still gets in."""
    admin = world.customers_a[Role.CUSTOMER_ADMIN]
    sso_org_a(require_sso=True, break_glass_user_id=admin.id)
    refused = auth.login(world.customers_a[Role.VIEWER].email)
    assert refused.status_code == 422
    assert SSO_REQUIRED_ERROR in refused.get_data(as_text=True)
    wrong = auth.login(world.customers_a[Role.VIEWER].email, "not the password at all")
    assert SSO_REQUIRED_ERROR in wrong.get_data(as_text=True)  # the same answer
    assert _events(as_staff, "auth.sso_refused")[-1].object_id == world.customers_a[
        Role.VIEWER].id
    assert auth.login(admin.email).status_code == 302
    assert LOGIN_ERROR not in SSO_REQUIRED_ERROR


def test_email_and_password_together_still_sign_in(client, auth, world):
    """One POST of email and password (scripts, older forms) signs in as before."""
    assert auth.login(world.customers_a[Role.VIEWER].email, PASSWORD).status_code == 302


def test_an_empty_password_on_the_second_step_is_answered_by_the_field(client, world):
    """The second step with the password left empty: 422, the message by the field."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"email": world.customers_a[Role.VIEWER].email,
                                         "password": "", "csrf_token": token})
    assert answer.status_code == 422
    assert "Enter your password." in answer.get_data(as_text=True)


def test_an_email_the_provider_has_not_verified_is_refused(client, world, sso_org_a, idp):
    """email_verified false: nobody is signed in or made."""
    idp.knobs = Knobs(email_verified=False)
    answer = _sso(client, "unverified@" + _domain(world.customers_a[Role.VIEWER]))
    assert answer.status_code == 403
    assert "has not verified this email address" in answer.get_data(as_text=True)
    assert client.get("/escalations").status_code == 302


def test_a_tampered_signature_is_refused(client, world, sso_org_a, idp):
    """A token signed by a key the provider does not publish: refused."""
    published = idp.key
    idp.key = RSAKey.generate_key(2048, parameters={"kid": published.kid}, private=True)
    try:  # /jwks still serves the published key
        answer = _sso(client, world.customers_a[Role.VIEWER].email)
    finally:
        idp.key = published
    assert answer.status_code == 403
    assert client.get("/escalations").status_code == 302


def test_where_sso_is_required_the_password_is_folded_away(client, world, sso_org_a):
    """The second step leads with single sign-on; the password waits in a fold for the
    break-glass admin (still a plain form: no JavaScript needed)."""
    sso_org_a(require_sso=True, break_glass_user_id=world.customers_a[Role.CUSTOMER_ADMIN].id)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    page = client.post("/login", data={"email": world.customers_a[Role.VIEWER].email,
                                       "csrf_token": token}).get_data(as_text=True)
    assert "Continue with single sign-on" in page
    fold = page.split('<details class="auth-break-glass"', 1)[1].split("</details>", 1)[0]
    assert 'name="password"' in fold and "break-glass admin" in fold
