"""Signing a person in: the sign-in page (the email first), and the one way a sign-in
starts a session, at once or after a second factor.

Once the password is accepted, `after_first_factor(user, next_url)` decides. A person with a
second factor, or who must enrol one, is not signed in yet: the session holds only a pending
marker (`portal.sessions.PENDING`: their user token, when the password step happened, the
wrong codes so far, where to go after). Flask-Login and the live gate see an anonymous
session; the code and enrolment pages read the marker. The marker dies after
TWO_FACTOR_PENDING_SECONDS, when the user's session version moves (password change, sign-out
elsewhere, deactivation), and after TWO_FACTOR_MAX_FAILURES wrong codes. `complete_sign_in`
is the one place a session becomes signed in.

A sign-in through single sign-on is not asked for this app's own second factor: the
organization's identity provider applies its own multi-factor policy (`portal.auth.
single_sign_on` calls `complete_sign_in` directly).
"""

from __future__ import annotations

from flask import current_app, render_template, request, session, url_for
from flask_login import login_user

from portal import sessions
from portal.accounts import credentials, two_factor
from portal.accounts.models import User
from portal.accounts.single_sign_on.people import password_offered, provider_for_email
from portal.auth.access import home_url_for
from portal.clock import now
from portal.extensions import db
from portal.security import start_session
from portal.tenancy import unscoped

LOGIN_ERROR = "That email and password do not match an active account."
SSO_REQUIRED_ERROR = ("Your organization signs in with single sign-on. Only its break-glass "
                      "admin may use a password.")


def complete_sign_in(user: User) -> None:
    """A fresh session (nothing of the anonymous one survives), signed in, timers started."""
    session.clear()
    login_user(user)
    start_session()


def after_first_factor(user: User, next_url: str | None) -> str:
    """Where the person goes once the first factor is accepted: the code page, enrolment, or
    (signed in now) `next_url` or their home page."""
    with unscoped(db.session(), "nobody is signed in yet: the person's organization decides"):
        has_factor, required = two_factor.has_second_factor(user), two_factor.is_required(user)
    if has_factor:
        _hold(user, next_url)
        return url_for("auth.two_factor_code")
    if required:
        _hold(user, next_url)
        return url_for("auth.two_factor_enrol")
    complete_sign_in(user)
    return next_url or home_url_for(user)


def _hold(user: User, next_url: str | None) -> None:
    session.clear()
    session[sessions.PENDING] = {
        "user": sessions.user_token(user.id, user.session_version),
        "at": now().timestamp(),
        "failures": 0,
        "next": next_url,
        "enrolled": False,
    }


def pending_user() -> User | None:
    """The person between the password and the second factor, while the marker stands;
    a marker that no longer stands is dropped."""
    if sessions.PENDING not in session:
        return None
    parsed = sessions.pending_user(session, now().timestamp(),
                                   max_age_seconds=current_app.config["TWO_FACTOR_PENDING_SECONDS"])
    user = None
    if parsed is not None:
        with unscoped(db.session(), "the person between password and second factor"):
            user = credentials.user_with_organization(parsed[0])
        if user is not None and (not user.active or user.session_version != parsed[1]):
            user = None
    if user is None:
        drop_pending()
    return user


def pending_failures() -> int:
    return int(session.get(sessions.PENDING, {}).get("failures", 0))


def count_failure() -> bool:
    """One more wrong code; False when that was one too many and the marker is gone."""
    marker = dict(session[sessions.PENDING])
    marker["failures"] = int(marker.get("failures", 0)) + 1
    if marker["failures"] >= current_app.config["TWO_FACTOR_MAX_FAILURES"]:
        drop_pending()
        return False
    session[sessions.PENDING] = marker
    return True


def mark_enrolled() -> None:
    """Enrolment confirmed with a code: the recovery codes are on screen, then sign-in."""
    session[sessions.PENDING] = {**session[sessions.PENDING], "enrolled": True}


def enrolled_while_pending() -> bool:
    return bool(session.get(sessions.PENDING, {}).get("enrolled"))


def finish_pending(user: User) -> str:
    """Sign the pending person in; where they go now."""
    next_url = session.get(sessions.PENDING, {}).get("next")
    complete_sign_in(user)
    return next_url or home_url_for(user)


def drop_pending() -> None:
    session.pop(sessions.PENDING, None)


def sign_in_page(form, *, error: str | None = None, status: int = 200):
    """The sign-in page: the email alone first; once a well-formed email is posted, the ways
    that address's domain may sign in (single sign-on, a password, or both). Decided by the
    domain only, so the page never tells whether an account exists."""
    chosen = (request.method == "POST" and bool(form.email.data)
              and not form.email.errors)
    provider = None
    if chosen:
        with unscoped(db.session(), "the sign-in page looks up the email domain's provider"):
            provider = provider_for_email(form.email.data)
    return render_template("auth/login.html", form=form, error=error, chosen=chosen,
                           single_sign_on=provider is not None,
                           password_open=password_offered(provider)), status


def password_error(email: str) -> str:
    """The one message for a refused password (by the domain, as the page is)."""
    with unscoped(db.session(), "the sign-in page looks up the email domain's provider"):
        provider = provider_for_email(email)
    return LOGIN_ERROR if password_offered(provider) else SSO_REQUIRED_ERROR
