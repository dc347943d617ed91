"""Accepting an invitation: the emailed link opens a form that creates the account."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from wtforms import PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.accounts.invitations import accept_invitation as accept
from portal.accounts.invitations import invitation_from_token
from portal.accounts.operations import MIN_PASSWORD_LENGTH
from portal.auth import bp
from portal.extensions import db
from portal.forms import PortalForm
from portal.operations import OperationError
from portal.security import start_session
from portal.tenancy import unscoped

PAGE = "auth/accept_invitation.html"


@cache
def _timezone_choices() -> list[SelectChoice]:
    zones = sorted(z for z in available_timezones()
                   if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/", "posix", "right")))
    return [SelectChoice("", "My organization's timezone"),
            *(SelectChoice(z, z.replace("_", " ")) for z in zones)]


class AcceptInvitationForm(PortalForm):
    name = StringField("Your name", validators=[DataRequired("Give your name."),
                                                Length(max=200)])
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired("Choose a password."),
                    Length(min=MIN_PASSWORD_LENGTH, max=1024,
                           message=f"Use at least {MIN_PASSWORD_LENGTH} characters.")],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words work well.",
    )
    confirm = PasswordField("Repeat the password", validators=[
        DataRequired("Repeat the password."),
        EqualTo("password", message="The two passwords are different."),
    ])
    timezone = SelectField("Your timezone (optional)", default="",
                           description="Times in the portal are shown in this timezone.")
    submit = SubmitField("Create my account")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = _timezone_choices()


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    if current_user.is_authenticated:
        # Accepting would sign a different person in over this session: refuse, say why.
        return render_template(PAGE, state="signed_in"), 409 if request.method == "POST" else 200
    with unscoped(db.session(), "accepting an invitation by signed token"):
        invitation = invitation_from_token(token)
        if invitation is None:
            return render_template(PAGE, state="invalid"), 410
        form = AcceptInvitationForm(data=None if request.method == "POST" else
                                    {"name": invitation.name})
        if not form.validate_on_submit():
            status = 422 if request.method == "POST" else 200
            return render_template(PAGE, state="form", form=form, invitation=invitation), status
        try:
            user = accept(invitation, name=form.name.data, password=form.password.data,
                          timezone=form.timezone.data or None)
        except OperationError as exc:
            db.session.rollback()
            target = getattr(form, exc.field, None) if exc.field else None
            (target.errors if target is not None else form.form_errors).append(str(exc))
            return render_template(PAGE, state="form", form=form, invitation=invitation), 422
        db.session.commit()
        session.clear()
        login_user(user)
        start_session()
        organization_name = user.organization.name
    flash(f"Welcome to Clearpath, {user.first_name}. You are signed in to "
          f"{organization_name}'s portal.", "success")
    return redirect(url_for("customer.home"))
