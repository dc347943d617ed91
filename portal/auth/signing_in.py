"""The one way a sign-in starts a session, whatever proved who the person is (a password, a
single sign-on); and the sign-in page, which asks for the email first.

A sign-in through single sign-on is not asked for this app's own second factor: the
organization's identity provider applies its own multi-factor policy.
"""

from __future__ import annotations

from flask import render_template, request, session
from flask_login import login_user

from portal.accounts.models import User
from portal.accounts.single_sign_on.people import password_offered, provider_for_email
from portal.extensions import db
from portal.security import start_session
from portal.tenancy import unscoped

LOGIN_ERROR = "That email and password do not match an active account."
SSO_REQUIRED_ERROR = ("Your organization signs in with single sign-on. Only its break-glass "
                      "admin may use a password.")


def complete_sign_in(user: User) -> None:
    """A fresh session for `user`: nothing of the anonymous one survives (no fixation)."""
    session.clear()
    login_user(user)
    start_session()


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
