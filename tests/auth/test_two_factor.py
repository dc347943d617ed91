"""Two-factor sign-in through the test client: enrolment, codes, recovery codes, who must."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Organization, User
from portal.accounts.recovery_codes import RecoveryCode
from portal.audit import AuditEvent
from portal.clock import frozen_at
from portal.enums import Role
from portal.sessions import PENDING
from tests.auth.two_factor_steps import code_for, enrol_after_password, post_code, secret_on
from tests.conftest import csrf_token_from

T0 = datetime.now(UTC).replace(microsecond=0)
STEP = timedelta(seconds=30)


def _events(as_staff, action: str, user_id: int) -> int:
    with as_staff() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_id == user_id))


def _enrolled(client, auth, user) -> str:
    """`user` enrolled through the pages at T0 and signed out again; returns the secret."""
    with frozen_at(T0):
        assert auth.login(user.email).headers["Location"] == "/login/two-factor"
        secret, _, done = enrol_after_password(client)
        assert done.status_code == 302
        auth.logout("/account/two-factor")
    return secret


def test_administrator_enrols_right_after_the_password_then_is_signed_in(
        client, auth, world, enforced, as_staff):
    """An administrator without a second factor goes from the password to enrolment, sees a
    QR code, the key and ten recovery codes, and only then reaches the console."""
    admin = world.staff[Role.ADMINISTRATOR]
    with frozen_at(T0):
        response = auth.login(admin.email)
        assert response.headers["Location"] == "/login/two-factor"
        page = client.get("/login/two-factor").get_data(as_text=True)
        assert "<svg" in page and 'style="' not in page  # the app's own QR, CSP-clean
        with client.session_transaction() as session:
            assert "_user_id" not in session and PENDING in session
        secret, codes, done = enrol_after_password(client)
    assert secret == secret_on(page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert done.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert _events(as_staff, "auth.two_factor_enrolled", admin.id) == 1
    with as_staff() as session:
        stored = session.get(User, admin.id)
        assert stored.totp_secret and secret not in stored.totp_secret  # sealed at rest
        digests = session.scalars(select(RecoveryCode.code_digest)
                                  .where(RecoveryCode.user_id == admin.id)).all()
        assert len(digests) == 10 and not set(codes) & set(digests)


def test_enrolled_person_signs_in_with_a_code_from_the_app(client, auth, world, enforced,
                                                           as_staff):
    """After enrolment, a sign-in asks for the code and lands in the console once it is right."""
    admin = world.staff[Role.ADMINISTRATOR]
    secret = _enrolled(client, auth, admin)
    with frozen_at(T0 + 2 * STEP):
        assert auth.login(admin.email).headers["Location"] == "/login/code"
        assert client.get("/admin/").headers["Location"] == "/login/code"
        response = post_code(client, "/login/code", code_for(secret))
        assert response.headers["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200
    assert _events(as_staff, "auth.second_factor_passed", admin.id) == 1


PENDING_PATHS = ["/admin/", "/admin/people", "/escalations", "/account/two-factor",
                 "/team", "/admin/two-factor"]


@pytest.mark.parametrize("path", PENDING_PATHS)
@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}, {"Accept": "application/json"}],
                         ids=["page", "htmx", "json"])
def test_enrolment_cannot_be_skipped_by_url(client, auth, world, enforced, path, headers):
    """Between the password and enrolment every other page sends the person to enrolment:
    plain pages and JSON by a redirect, htmx requests by HX-Redirect; nothing else renders."""
    with frozen_at(T0):
        auth.login(world.staff[Role.ESCALATION_MANAGER].email)
        response = client.get(path, headers=headers)
    if "HX-Request" in headers:
        assert response.headers["HX-Redirect"] == "/login/two-factor"
        assert response.get_data() == b""
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == "/login/two-factor"


def test_continue_without_a_confirmed_code_does_not_sign_in(client, auth, world, enforced):
    """Posting 'continue' before a code was confirmed leads back to enrolment, not inside."""
    with frozen_at(T0):
        auth.login(world.staff[Role.ADMINISTRATOR].email)
        page = client.get("/login/two-factor").get_data(as_text=True)
        response = client.post("/login/two-factor/continue",
                               data={"csrf_token": csrf_token_from(page)})
        assert response.headers["Location"] == "/login/two-factor"
        assert client.get("/admin/").headers["Location"] == "/login/two-factor"


def test_a_code_is_never_accepted_twice(client, auth, world, enforced, as_staff):
    """A code already used (here: the one that confirmed enrolment) is refused within its
    window; the next step's code works."""
    admin = world.staff[Role.ADMINISTRATOR]
    secret = _enrolled(client, auth, admin)
    with frozen_at(T0):
        auth.login(admin.email)
        replay = post_code(client, "/login/code", code_for(secret))
        assert replay.status_code == 422
        assert "That code is not right" in replay.get_data(as_text=True)
    with frozen_at(T0 + STEP):
        assert post_code(client, "/login/code", code_for(secret)).status_code == 302
        auth.logout("/account/two-factor")
        auth.login(admin.email)
        assert post_code(client, "/login/code", code_for(secret)).status_code == 422
    assert _events(as_staff, "auth.second_factor_failed", admin.id) == 2


def test_wrong_codes_are_counted_audited_and_end_the_attempt(client, auth, world, enforced,
                                                              as_staff, app):
    """Five wrong codes and the person must give their password again; each one is audited."""
    admin = world.staff[Role.ADMINISTRATOR]
    _enrolled(client, auth, admin)
    with frozen_at(T0 + STEP):
        auth.login(admin.email)
        for _ in range(app.config["TWO_FACTOR_MAX_FAILURES"] - 1):
            response = post_code(client, "/login/code", "000000")
            assert response.status_code == 422
            assert 'aria-invalid="true"' in response.get_data(as_text=True)
        last = post_code(client, "/login/code", "000000")
        assert last.headers["Location"] == "/login"
        with client.session_transaction() as session:
            assert PENDING not in session and "_user_id" not in session
        assert client.get("/login/code").headers["Location"] == "/login"
    assert _events(as_staff, "auth.second_factor_failed", admin.id) == 5


def test_code_attempts_are_rate_limited_per_person(client, auth, world, enforced, app,
                                                   monkeypatch):
    """Past the per-person limit the code page answers 429 whatever is sent."""
    monkeypatch.setitem(app.config, "TWO_FACTOR_RATE_LIMIT_PER_USER", "2 per minute")
    admin = world.staff[Role.ADMINISTRATOR]
    secret = _enrolled(client, auth, admin)
    with frozen_at(T0 + STEP):
        auth.login(admin.email)
        codes = [post_code(client, "/login/code", "111111").status_code for _ in range(2)]
        codes.append(post_code(client, "/login/code", code_for(secret)).status_code)
    assert codes == [422, 422, 429]


def test_a_recovery_code_works_once(client, auth, world, enforced, as_staff):
    """A recovery code signs in instead of the app's code, once; the second time it fails."""
    admin = world.staff[Role.ADMINISTRATOR]
    with frozen_at(T0):
        auth.login(admin.email)
        _, codes, _ = enrol_after_password(client)
        auth.logout("/account/two-factor")
        auth.login(admin.email)
        assert post_code(client, "/login/code", codes[3].upper()).headers["Location"] == "/admin/"
        auth.logout("/account/two-factor")
        auth.login(admin.email)
        assert post_code(client, "/login/code", codes[3]).status_code == 422
    assert _events(as_staff, "auth.recovery_code_used", admin.id) == 1


def test_customer_admin_requires_it_and_their_viewers_enrol_at_next_sign_in(
        client, auth, world, enforced, as_staff):
    """The Team page's switch: the organization then requires it; a viewer is taken to
    enrolment after their password; the change is audited."""
    customer_admin, viewer = world.customers_a[Role.CUSTOMER_ADMIN], world.customers_a[Role.VIEWER]
    with frozen_at(T0):
        assert auth.login(viewer.email).headers["Location"] == "/escalations"
        auth.logout("/escalations")
        auth.login(customer_admin.email)
        page = client.get("/team").get_data(as_text=True)
        assert "Require it for everyone" in page
        response = client.post("/team/two-factor", data={
            "two-factor-required": "y", "csrf_token": csrf_token_from(page)})
        assert response.headers["Location"] == "/team"
        assert "Stop requiring it" in client.get("/team").get_data(as_text=True)
        auth.logout("/team")
        assert auth.login(viewer.email).headers["Location"] == "/login/two-factor"
    with as_staff() as session:
        assert session.get(Organization, world.org_a.id).two_factor_required
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "organization.two_factor_required_changed",
            AuditEvent.organization_id == world.org_a.id)) == 1


def test_only_the_customer_admin_may_require_it(client, auth, world):
    """A viewer posting the switch gets a 403 and nothing changes."""
    auth.login(world.customers_a[Role.VIEWER].email)
    token = auth.csrf_token("/escalations")
    assert client.post("/team/two-factor", data={"two-factor-required": "y",
                                                 "csrf_token": token}).status_code == 403


def test_someone_required_cannot_turn_it_off(client, auth, world, enforced, as_staff):
    """An escalation manager's disable form answers 422 with the reason beside the field."""
    manager = world.staff[Role.ESCALATION_MANAGER]
    secret = _enrolled(client, auth, manager)
    with frozen_at(T0 + STEP):
        auth.login(manager.email)
        post_code(client, "/login/code", code_for(secret))
        page = client.get("/account/two-factor").get_data(as_text=True)
        assert "You cannot turn it off" in page
    with frozen_at(T0 + 2 * STEP):
        response = client.post("/account/two-factor/disable", data={
            "disable-code": code_for(secret),
            "csrf_token": auth.csrf_token("/account/two-factor")})
    assert response.status_code == 422
    assert "must use two-factor sign-in" in response.get_data(as_text=True)
    with as_staff() as session:
        assert session.get(User, manager.id).totp_enabled_at is not None


def test_optional_person_turns_it_on_and_off_with_a_current_code(client, auth, world,
                                                                  as_staff):
    """A viewer enrols from their two-factor page, then turns it off with a current code;
    a wrong code is refused beside the field."""
    viewer = world.customers_a[Role.VIEWER]
    with frozen_at(T0):
        auth.login(viewer.email)
        page = client.get("/account/two-factor/enrol").get_data(as_text=True)
        secret = secret_on(page)
        shown = client.post("/account/two-factor/enrol", data={
            "code": code_for(secret), "csrf_token": csrf_token_from(page)})
        assert shown.status_code == 200 and "Save your recovery codes" in shown.get_data(
            as_text=True)
    with frozen_at(T0 + STEP):
        token = auth.csrf_token("/account/two-factor")
        wrong = client.post("/account/two-factor/disable",
                            data={"disable-code": "123456", "csrf_token": token})
        assert wrong.status_code == 422
        assert 'id="disable-code-error"' in wrong.get_data(as_text=True)
        done = client.post("/account/two-factor/disable",
                           data={"disable-code": code_for(secret), "csrf_token": token})
        assert done.headers["Location"] == "/account/two-factor"
    assert _events(as_staff, "auth.two_factor_disabled", viewer.id) == 1
    with as_staff() as session:
        assert session.get(User, viewer.id).totp_secret is None
        assert session.scalar(select(func.count()).select_from(RecoveryCode)
                              .where(RecoveryCode.user_id == viewer.id)) == 0


def test_new_recovery_codes_replace_the_old_ones(client, auth, world, enforced, as_staff):
    """Regenerating needs a current code; the old codes stop working, the new ones work."""
    admin = world.staff[Role.ADMINISTRATOR]
    with frozen_at(T0):
        auth.login(admin.email)
        secret, old_codes, _ = enrol_after_password(client)
    with frozen_at(T0 + STEP):
        response = client.post("/account/two-factor/recovery-codes", data={
            "regenerate-code": code_for(secret),
            "csrf_token": auth.csrf_token("/account/two-factor")})
        assert response.status_code == 200
        new_codes = [c for c in old_codes if c in response.get_data(as_text=True)]
        assert new_codes == []
        auth.logout("/account/two-factor")
        auth.login(admin.email)
        assert post_code(client, "/login/code", old_codes[0]).status_code == 422
    assert _events(as_staff, "auth.recovery_codes_regenerated", admin.id) == 1


def test_administrators_require_it_for_all_staff(client, auth, world, enforced, as_staff):
    """The staff-wide setting: an agent then enrols at next sign-in; the change is audited."""
    admin, agent = world.staff[Role.ADMINISTRATOR], world.staff[Role.AGENT]
    assert auth.login(agent.email).headers["Location"] == "/admin/"
    auth.logout("/admin/")
    secret = _enrolled(client, auth, admin)
    with frozen_at(T0 + STEP):
        auth.login(admin.email)
        post_code(client, "/login/code", code_for(secret))
        page = client.get("/admin/two-factor").get_data(as_text=True)
        response = client.post("/admin/two-factor", data={
            "required": "y", "csrf_token": csrf_token_from(page)})
        assert response.headers["Location"] == "/admin/two-factor"
        auth.logout("/admin/two-factor")
        assert auth.login(agent.email).headers["Location"] == "/login/two-factor"
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "setting.changed")) == 1


def test_only_administrators_reach_the_staff_wide_setting(client, auth, world):
    """An escalation manager gets a 403 from the setting's page."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    assert client.get("/admin/two-factor").status_code == 403


def test_an_empty_or_malformed_code_answers_422_beside_the_field(client, auth, world,
                                                                  enforced):
    """The enrolment form says what is wrong next to the code field."""
    with frozen_at(T0):
        auth.login(world.staff[Role.ADMINISTRATOR].email)
        response = post_code(client, "/login/two-factor", "12ab")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="code-error"' in html and "Enter the 6-digit code your app shows now." in html


def test_a_wrong_code_at_enrolment_is_counted_and_audited(client, auth, world, enforced,
                                                          as_staff):
    """A well-formed but wrong first code: 422 beside the field, audited, not enrolled."""
    admin = world.staff[Role.ADMINISTRATOR]
    with frozen_at(T0):
        auth.login(admin.email)
        response = post_code(client, "/login/two-factor", "000000")
    assert response.status_code == 422
    assert 'id="code-error"' in response.get_data(as_text=True)
    assert _events(as_staff, "auth.second_factor_failed", admin.id) == 1
    with as_staff() as session:
        assert session.get(User, admin.id).totp_enabled_at is None


def test_the_pending_step_expires(client, auth, world, enforced):
    """Eleven minutes after the password the code page sends the person back to sign in."""
    with frozen_at(T0):
        auth.login(world.staff[Role.ADMINISTRATOR].email)
    with frozen_at(T0 + timedelta(minutes=11)):
        assert client.get("/login/two-factor").headers["Location"] == "/login"
        assert client.get("/admin/").headers["Location"].startswith("/login?next=")


def test_the_pending_step_dies_with_the_session_version(client, auth, world, enforced,
                                                        as_staff):
    """A password change (or sign-out everywhere) between the two steps ends the attempt."""
    admin = world.staff[Role.ADMINISTRATOR]
    with frozen_at(T0):
        auth.login(admin.email)
        with as_staff() as session:
            session.get(User, admin.id).session_version += 1
        assert client.get("/login/two-factor").headers["Location"] == "/login"


def test_without_a_requirement_people_without_a_factor_sign_in_at_once(client, auth, world,
                                                                         enforced):
    """A viewer with no second factor and no requirement signs in with the password alone."""
    response = auth.login(world.customers_a[Role.VIEWER].email)
    assert response.headers["Location"] == "/escalations"


def test_after_a_secret_key_rotation_those_who_must_enrol_again(client, auth, world, enforced,
                                                                 app, monkeypatch, as_staff):
    """The TOTP secret is sealed under SECRET_KEY: with a new key it is unreadable, and an
    administrator is taken to enrolment again (README: rotating the key means re-enrolment)."""
    admin = world.staff[Role.ADMINISTRATOR]
    _enrolled(client, auth, admin)
    monkeypatch.setitem(app.config, "SECRET_KEY", "a-rotated-secret-key-for-this-test")
    with frozen_at(T0 + STEP):
        assert auth.login(admin.email).headers["Location"] == "/login/two-factor"
        secret, codes, done = enrol_after_password(client)
        assert done.headers["Location"] == "/admin/" and len(codes) == 10
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(RecoveryCode)
                              .where(RecoveryCode.user_id == admin.id)) == 10


def test_accepting_an_invitation_to_an_organization_that_requires_it_leads_to_enrolment(
        app, client, world, enforced, as_staff):
    """A newcomer to an organization that requires a second factor enrols before anything."""
    from portal.administration.invitations import invitation_token

    with as_staff() as session:
        session.get(Organization, world.org_a.id).two_factor_required = True
    with app.test_request_context():
        token = invitation_token(world.invitation_a)
    page = client.get(f"/invitations/{token}").get_data(as_text=True)
    response = client.post(f"/invitations/{token}", data={
        "csrf_token": csrf_token_from(page), "name": "Nora Newcomer",
        "password": "a long enough new password", "confirm": "a long enough new password"})
    assert response.headers["Location"] == "/login/two-factor"
    assert client.get("/escalations").headers["Location"] == "/login/two-factor"
