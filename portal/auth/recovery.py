"""Forgot password: ask for a link by email, open it, choose a new password.

Asking answers the same page and status for every address, known or not (the mail goes out
later, through the outbox). Both are rate-limited per client address and per typed address,
like sign-in. A link that no longer works (tampered, late, used, outdated) says only that.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import logout_user

from portal.accounts import recovery
from portal.administration.recovery import request_password_reset
from portal.auth import bp
from portal.auth.recovery_forms import ForgotPasswordForm, ResetPasswordForm
from portal.extensions import db, limiter
from portal.submissions import submit
from portal.tenancy import unscoped

FORGOT_PAGE = "auth/forgot_password.html"
RESET_PAGE = "auth/reset_password.html"
RESET_DONE = ("Your password is changed, and every session of your account is signed out. "
              "Sign in with your new password.")


def _client_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _email_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT_PER_EMAIL"]


def _submitted_email() -> str:
    return "reset-email:" + request.form.get("email", "").strip().lower()


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_client_limit, methods=["POST"])
@limiter.limit(_email_limit, methods=["POST"], key_func=_submitted_email)
def forgot_password():
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template(FORGOT_PAGE, form=form, sent=False), status
    with unscoped(db.session(), "a reset request looks the account up by email"):
        request_password_reset(form.email.data)
        db.session.commit()
    minutes = int(recovery.RESET_LIFETIME.total_seconds() // 60)
    return render_template(FORGOT_PAGE, form=form, sent=True, minutes=minutes)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    with unscoped(db.session(), "a reset link names its account by signed token"):
        user = recovery.user_from_reset_token(token, lock=request.method == "POST")
        if user is None:
            return render_template(RESET_PAGE, state="invalid"), 410
        form = ResetPasswordForm()
        if not form.is_submitted():
            return render_template(RESET_PAGE, state="form", form=form, email=user.email)
        done = submit(form, lambda: recovery.reset_password(user, form.password.data))
        if not done.ok:
            return render_template(RESET_PAGE, state="form", form=form, email=user.email), 422
    # Whoever was signed in here (this person, or someone else) is signed out too.
    logout_user()
    session.clear()
    flash(RESET_DONE, "success")
    return redirect(url_for("auth.login"))
