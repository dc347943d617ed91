from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy.orm.util import identity_key

from portal import live
from portal.accounts import credentials
from portal.accounts.credentials import authenticate, sign_out
from portal.accounts.models import User
from portal.auth import bp
from portal.auth.access import home_url_for
from portal.auth.forms import LoginForm
from portal.auth.signing_in import (
    LOGIN_ERROR,  # noqa: F401 (its old home; tests read it here)
    after_first_factor,
    password_error,
    sign_in_page,
)
from portal.extensions import db, limiter, login_manager
from portal.security import request_fingerprint
from portal.sessions import parse_user_token
from portal.tenancy import unscoped

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"
# Flask-Login has no public hook for its session identifier; set ours so the live gate and
# Flask-Login compute one fingerprint (tests/live/test_gate_parity.py notices if this stops
# taking effect).
login_manager._session_identifier_generator = request_fingerprint


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """Cookie token is "<id>:<session_version>"; an old version means the session was ended."""
    parsed = parse_user_token(token)
    if parsed is None:
        return None
    user_id, version = parsed
    session = db.session()
    ticket = live.user_ticket(user_id)  # before the read: see portal.live.memo
    user = live.signed_in_user(ticket, user_id, session)
    if user is not None and (not user.active or user.session_version != version):
        # The copy disagrees with the cookie: never refuse on a copy, ask the database (a
        # sign-in just after a sign-out elsewhere, before this process heard of it).
        session.expunge_all()  # what the merge brought: the session held nothing before it
        user = None
    if user is None:
        # A copy is kept only of a row read from the database now, never of one this session
        # already held (it may carry changes that are flushed but not committed).
        fresh = session.identity_map.get(identity_key(User, user_id)) is None
        user = credentials.user_with_organization(user_id)
        if user is None:
            return None
        live.remember_user(ticket, user, keep_copy=fresh)
    if not user.active or user.session_version != version:
        return None
    return user


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _email_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_EMAIL"]


def _submitted_email() -> str:
    return "login-email:" + request.form.get("email", "").strip().lower()


def _first_step() -> bool:
    """The email alone (no password tried): not counted against the sign-in limits."""
    return "password" not in request.form


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], exempt_when=_first_step)
@limiter.limit(_email_limit, methods=["POST"], key_func=_submitted_email,
               exempt_when=_first_step)
def login():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    form = LoginForm()
    if not form.validate_on_submit():
        return sign_in_page(form, status=422 if request.method == "POST" else 200)
    if form.is_first_step:
        return sign_in_page(form)
    with unscoped(db.session(), "sign-in looks the account up by email"):
        user = authenticate(form.email.data, form.password.data)
        db.session.commit()
    if user is None:
        return sign_in_page(form, error=password_error(form.email.data), status=422)
    return redirect(after_first_factor(user, _safe_next(request.args.get("next"))))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    with unscoped(db.session(), "signing out ends every session of this user"):
        sign_out(user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("auth.login"))
