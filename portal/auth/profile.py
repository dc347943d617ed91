"""Your profile, for everyone signed in (customers and staff alike): name and time zone,
password, and signing out everywhere. Other sections (two-factor) join it as <section>s."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import credentials, two_factor
from portal.accounts.profile import selectable_timezones, update_profile
from portal.auth import bp
from portal.auth.profile_forms import ChangePasswordForm, ProfileForm
from portal.submissions import run, submit

PAGE = "auth/profile.html"
PASSWORD_CHANGED = ("Your password is changed. Every other session of your account is signed "
                    "out; this one stays signed in.")
SIGNED_OUT_EVERYWHERE = "You are signed out everywhere, on this device too. Sign in again."


def _render(user, *, details: ProfileForm | None = None,
            password: ChangePasswordForm | None = None, status: int = 200):
    details = details or ProfileForm(prefix="details", formdata=None,
                                     data={"name": user.name, "timezone": user.timezone or ""})
    password = password or ChangePasswordForm(prefix="password", formdata=None)
    organization_zone = user.organization.timezone if user.organization is not None else "UTC"
    return render_template(PAGE, user=user, details=details, password=password,
                           zones=selectable_timezones(), organization_zone=organization_zone,
                           two_factor_on=two_factor.has_second_factor(user),
                           two_factor_required=two_factor.is_required(user)), status


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(prefix="details")
    if not form.is_submitted():
        return _render(user)
    saved = submit(form, lambda: update_profile(user, name=form.name.data,
                                                timezone=form.timezone.data),
                   done="Your details are saved.")
    if not saved.ok:
        return _render(user, details=form, status=422)
    return redirect(url_for("auth.profile"))


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm(prefix="password")
    changed = submit(form, lambda: credentials.change_password(
        user, current=form.current_password.data, new=form.new_password.data))
    if not changed.ok:
        return _render(user, password=form, status=422)
    # The change ended every session; this one carries on with the new session version.
    login_user(user)
    flash(PASSWORD_CHANGED, "success")
    return redirect(url_for("auth.profile"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    user = current_user._get_current_object()
    run(lambda: credentials.sign_out_everywhere(user))
    logout_user()
    session.clear()
    flash(SIGNED_OUT_EVERYWHERE, "success")
    return redirect(url_for("auth.login"))
