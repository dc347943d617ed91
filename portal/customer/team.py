"""The customer admin's team page: people, open invitations, inviting and deactivating."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.accounts.models import Invitation, User
from portal.administration.invitations import (
    deactivate_colleague,
    invite_colleague,
    members_for_organization,
    open_invitations_for_organization,
    revoke_invitation,
)
from portal.auth.access import customer_required
from portal.customer import bp
from portal.customer.forms import InviteForm
from portal.enums import Role
from portal.extensions import db
from portal.htmx import render_htmx_template, wants_fragment
from portal.loading import row_or_404
from portal.submissions import run, submit

PAGE = "customer/team.html"
MEMBERS = "customer/_team_members.html"
INVITATIONS = "customer/_team_invitations.html"


def _require_admin() -> None:
    if current_user.role != Role.CUSTOMER_ADMIN:
        abort(403)


def _note(text: str, *, error: bool = False) -> dict:
    return {"text": text, "error": error}


def _context(form: InviteForm | None = None, *, invitations_note: dict | None = None,
             members_note: dict | None = None) -> dict:
    organization_id = current_user.organization_id
    return dict(
        members=db.session.scalars(members_for_organization(organization_id)).all(),
        invitations=db.session.scalars(open_invitations_for_organization(organization_id)).all(),
        form=form or InviteForm(formdata=None),
        invitations_note=invitations_note,
        members_note=members_note,
    )


def _done(fragment: str, message: str):
    """After a change: htmx gets the refreshed fragment, a plain form post a redirect."""
    if wants_fragment():
        key = "members_note" if fragment == MEMBERS else "invitations_note"
        return render_htmx_template(PAGE, fragment, **_context(**{key: _note(message)}))
    flash(message, "success")
    return redirect(url_for("customer.team"))


@bp.route("/team")
@customer_required
def team():
    _require_admin()
    return render_template(PAGE, **_context())


@bp.route("/team/invitations", methods=["POST"])
@customer_required
def team_invite():
    _require_admin()
    form = InviteForm()
    invited = submit(form, lambda: invite_colleague(
        current_user.organization, invited_by=current_user._get_current_object(),
        email=form.email.data, name=form.name.data or "", role=Role(form.role.data)),
        validate=form.validate_on_submit, default_field="email")
    if invited.ok:
        return _done(INVITATIONS, f"Invitation sent to {invited.value.email}. "
                                  "The link works for 7 days.")
    return render_htmx_template(PAGE, INVITATIONS, status=422, **_context(form))


@bp.route("/team/invitations/<int:invitation_id>/revoke", methods=["POST"])
@customer_required
def team_revoke(invitation_id: int):
    invitation = row_or_404(Invitation, invitation_id)
    _require_admin()
    revoked = run(lambda: revoke_invitation(invitation, actor=current_user._get_current_object()))
    if not revoked.ok:
        return render_htmx_template(
            PAGE, INVITATIONS, status=422,
            **_context(invitations_note=_note(str(revoked.value), error=True)))
    return _done(INVITATIONS, f"The invitation for {invitation.email} no longer works.")


@bp.route("/team/users/<int:user_id>/deactivate", methods=["POST"])
@customer_required
def team_deactivate(user_id: int):
    colleague = row_or_404(User, user_id, organization_id=current_user.organization_id)
    _require_admin()
    deactivated = run(lambda: deactivate_colleague(colleague,
                                                    actor=current_user._get_current_object()))
    if not deactivated.ok:
        return render_htmx_template(
            PAGE, MEMBERS, status=422,
            **_context(members_note=_note(str(deactivated.value), error=True)))
    return _done(MEMBERS, f"{colleague.name} is deactivated and signed out everywhere.")
