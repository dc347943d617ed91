"""Organizations: the list, creating and editing an account, and its people and invitations."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from admin import bp, navigation
from admin.account_forms import ConfirmForm, InvitationForm, OrganizationForm
from portal.accounts.models import Invitation, Organization
from portal.accounts.single_sign_on.configuration import provider_for_organization
from portal.administration import invitations
from portal.administration.organizations import (
    OrganizationInput,
    account_managers,
    create_organization,
    open_escalation_count,
    organizations_with_open_counts,
    timezone_names,
    update_organization,
)
from portal.administration.policies import policies
from portal.enums import Role, Segment
from portal.extensions import db
from portal.loading import row_or_404
from portal.permissions import Capability, requires
from portal.submissions import run, submit

navigation.main_entry("Organizations", "admin.organizations", order=50)


@bp.route("/organizations")
@requires(Capability.VIEW_CONSOLE)
def organizations():
    return render_template("admin/organizations/list.html",
                           rows=organizations_with_open_counts())


def _choices(form: OrganizationForm, organization: Organization | None = None) -> None:
    form.sla_policy_id.choices = [SelectChoice(None, "Choose a plan…")] + [
        SelectChoice(policy.id, policy.name) for policy in db.session.scalars(policies())]
    managers = [SelectChoice(user.id, user.name)
                for user in db.session.scalars(account_managers())]
    current = organization.account_manager if organization is not None else None
    if current is not None and all(choice.value != current.id for choice in managers):
        state = "deactivated" if not current.active else current.role.label.lower()
        managers.append(SelectChoice(current.id, f"{current.name} ({state})"))
    form.account_manager_id.choices = [SelectChoice(None, "No account manager")] + managers


def _input(form: OrganizationForm) -> OrganizationInput:
    return OrganizationInput(
        name=form.name.data, slug=form.slug.data, segment=Segment(form.segment.data),
        annual_revenue=form.annual_revenue.data, timezone=(form.timezone.data or "").strip(),
        sla_policy_id=form.sla_policy_id.data, account_manager_id=form.account_manager_id.data)


def _form_page(form, organization, *, status=200):
    return render_template("admin/organizations/form.html", form=form,
                           organization=organization, timezones=timezone_names()), status


@bp.route("/organizations/new", methods=["GET", "POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def organization_new():
    form = OrganizationForm()
    _choices(form)
    if not form.is_submitted():
        form.segment.data, form.timezone.data = Segment.ENTERPRISE.value, "UTC"
        return _form_page(form, None)
    created = submit(form, lambda: create_organization(_input(form), actor=current_user))
    if created.ok:
        flash(f"{created.value.name} is set up. Invite its people below.", "success")
        return redirect(url_for("admin.organization", organization_id=created.value.id))
    return _form_page(form, None, status=422)


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def organization_edit(organization_id: int):
    organization = row_or_404(Organization, organization_id)
    form = OrganizationForm(obj=organization)
    _choices(form, organization)
    if not form.is_submitted():
        form.segment.data = organization.segment.value
        return _form_page(form, organization)
    if submit(form, lambda: update_organization(organization, _input(form),
                                                actor=current_user)).ok:
        flash(f"{organization.name} is saved.", "success")
        return redirect(url_for("admin.organization", organization_id=organization.id))
    return _form_page(form, row_or_404(Organization, organization_id), status=422)


def organization_page(organization: Organization, *, invite_form=None, status=200,
                      problem=None):
    """An organization's page: members, invitations, open escalations (a refusal beside them)."""
    members = db.session.scalars(invitations.members_for_organization(organization.id)).all()
    pending = db.session.scalars(
        invitations.open_invitations_for_organization(organization.id)
        .options(joinedload(Invitation.invited_by))).all()
    open_count = open_escalation_count(organization.id)
    return render_template(
        "admin/organizations/detail.html", organization=organization, members=members,
        pending=pending, open_count=open_count, invite_form=invite_form or InvitationForm(),
        single_sign_on=provider_for_organization(organization.id),
        confirm_form=ConfirmForm(), problem=problem, Role=Role), status


@bp.route("/organizations/<int:organization_id>")
@requires(Capability.VIEW_CONSOLE)
def organization(organization_id: int):
    return organization_page(row_or_404(Organization, organization_id))


@bp.route("/organizations/<int:organization_id>/invitations", methods=["POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def organization_invite(organization_id: int):
    organization = row_or_404(Organization, organization_id)
    form = InvitationForm()
    invited = submit(form, lambda: invitations.invite_colleague(
        organization, invited_by=current_user, email=form.email.data,
        name=form.name.data or "", role=Role(form.role.data)))
    if invited.ok:
        flash(f"Invitation sent to {invited.value.email}.", "success")
        return redirect(url_for("admin.organization", organization_id=organization_id))
    return organization_page(row_or_404(Organization, organization_id), invite_form=form,
                        status=422)


@bp.route("/organizations/<int:organization_id>/invitations/<int:invitation_id>/revoke",
          methods=["POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def organization_revoke_invitation(organization_id: int, invitation_id: int):
    organization = row_or_404(Organization, organization_id)
    invitation = row_or_404(Invitation, invitation_id, organization_id=organization_id)
    form = ConfirmForm()
    if not form.validate():
        db.session.rollback()
        return organization_page(organization, status=422,
                                 problem="The form expired; try again.")
    revoked = run(lambda: invitations.revoke_invitation(invitation, actor=current_user))
    if revoked.ok:
        flash(f"The invitation for {invitation.email} no longer works.", "success")
        return redirect(url_for("admin.organization", organization_id=organization_id))
    return organization_page(organization, status=422, problem=str(revoked.value))
