"""Accepting an invitation: the emailed link opens a form that creates the account."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.administration.invitations import accept_invitation as accept
from portal.administration.invitations import invitation_from_token
from portal.auth import bp
from portal.auth.forms import AcceptInvitationForm
from portal.auth.signing_in import after_first_factor
from portal.extensions import db
from portal.submissions import submit
from portal.tenancy import unscoped

PAGE = "auth/accept_invitation.html"


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
        accepted = submit(form, lambda: accept(
            invitation, name=form.name.data, password=form.password.data,
            timezone=form.timezone.data or None), validate=lambda: True)  # validated above
        if not accepted.ok:
            return render_template(PAGE, state="form", form=form, invitation=invitation), 422
        user = accepted.value
        organization_name = user.organization.name
        # Signed in now, or first taken to enrolment if the organization requires it.
        destination = after_first_factor(user, url_for("customer.home"))
    if destination == url_for("customer.home"):
        flash(f"Welcome to Clearpath, {user.first_name}. You are signed in to "
              f"{organization_name}'s portal.", "success")
    return redirect(destination)
