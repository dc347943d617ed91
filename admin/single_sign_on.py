"""Single sign-on settings: an organization's identity provider, and the staff's."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from admin import bp
from admin.single_sign_on_forms import OrganizationProviderForm, StaffProviderForm
from portal.accounts.models import Organization
from portal.accounts.single_sign_on.configuration import (
    DEFAULT_CUSTOMER_ROLE,
    DEFAULT_STAFF_ROLE,
    ProviderInput,
    break_glass_candidates,
    configure_organization_provider,
    configure_staff_provider,
    provider_for_organization,
    staff_provider,
)
from portal.enums import Role
from portal.extensions import db
from portal.loading import row_or_404
from portal.permissions import Capability, requires
from portal.submissions import submit

PAGE = "admin/single_sign_on/form.html"


def _input(form) -> ProviderInput:
    organization_form = isinstance(form, OrganizationProviderForm)
    return ProviderInput(
        issuer=form.issuer.data or "", client_id=form.client_id.data or "",
        client_secret=form.client_secret.data or "", domains=form.domains.data or "",
        default_role=Role(form.default_role.data), enabled=form.enabled.data,
        require_sso=form.require_sso.data if organization_form else False,
        break_glass_user_id=form.break_glass_user_id.data if organization_form else None)


def _fill(form, provider, default_role: Role) -> None:
    if provider is None:
        form.default_role.data = default_role.value
        return
    form.enabled.data, form.issuer.data = provider.enabled, provider.issuer
    form.client_id.data = provider.client_id
    form.domains.data = " ".join(provider.domain_names)
    form.default_role.data = provider.default_role.value
    if isinstance(form, OrganizationProviderForm):
        form.require_sso.data = provider.require_sso
        form.break_glass_user_id.data = provider.break_glass_user_id


def _page(form, provider, *, organization=None, status=200):
    return render_template(PAGE, form=form, provider=provider,
                           organization=organization), status


@bp.route("/organizations/<int:organization_id>/single-sign-on", methods=["GET", "POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def organization_single_sign_on(organization_id: int):
    organization = row_or_404(Organization, organization_id)
    provider = provider_for_organization(organization.id)
    form = OrganizationProviderForm()
    form.break_glass_user_id.choices = [SelectChoice(None, "Nobody")] + [
        SelectChoice(user.id, f"{user.name} ({user.email})")
        for user in db.session.scalars(break_glass_candidates(organization.id))]
    if not form.is_submitted():
        _fill(form, provider, DEFAULT_CUSTOMER_ROLE)
        return _page(form, provider, organization=organization)
    saved = submit(form, lambda: configure_organization_provider(
        organization, _input(form), actor=current_user))
    if saved.ok:
        flash(f"Single sign-on for {organization.name} is saved.", "success")
        return redirect(url_for("admin.organization", organization_id=organization_id))
    organization = row_or_404(Organization, organization_id)
    return _page(form, provider_for_organization(organization_id), organization=organization,
                 status=422)


@bp.route("/single-sign-on", methods=["GET", "POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def staff_single_sign_on():
    form = StaffProviderForm()
    if not form.is_submitted():
        _fill(form, staff_provider(), DEFAULT_STAFF_ROLE)
        return _page(form, staff_provider())
    saved = submit(form, lambda: configure_staff_provider(_input(form), actor=current_user))
    if saved.ok:
        flash("Single sign-on for staff is saved.", "success")
        return redirect(url_for("admin.people"))
    return _page(form, staff_provider(), status=422)
