"""People: the vendor's staff accounts (create, change role, deactivate, reactivate), and
deactivating or reactivating a customer's people from their organization's page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from admin import bp, navigation
from admin.account_forms import ConfirmForm, RoleForm, StaffUserForm
from admin.accounts import organization_page
from portal.accounts.models import User
from portal.accounts.operations import create_staff_user
from portal.administration.people import (
    CUSTOMER_ROLE_ORDER,
    STAFF_ROLE_ORDER,
    change_role,
    deactivate_user,
    reactivate_user,
    staff_users,
)
from portal.enums import Role
from portal.extensions import db
from portal.loading import row_or_404
from portal.permissions import Capability, requires
from portal.submissions import run, submit

navigation.main_entry("People", "admin.people", order=60)


def _role_form(user: User | None = None, **kwargs) -> RoleForm:
    form = RoleForm(**kwargs)
    order = CUSTOMER_ROLE_ORDER if user is not None and not user.is_staff else STAFF_ROLE_ORDER
    form.role.choices = [SelectChoice(role.value, role.label) for role in order]
    return form


def _people_page(*, create_form=None, row_errors=None, status=200):
    people = db.session.scalars(staff_users()).all()
    return render_template("admin/people/list.html", people=people,
                           create_form=create_form or StaffUserForm(),
                           role_form=_role_form(), confirm_form=ConfirmForm(),
                           row_errors=row_errors or {}), status


@bp.route("/people")
@requires(Capability.VIEW_CONSOLE)
def people():
    return _people_page()


@bp.route("/people", methods=["POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def people_create():
    form = StaffUserForm()
    created = submit(form, lambda: create_staff_user(
        email=form.email.data, name=form.name.data, password=form.password.data,
        role=Role(form.role.data), actor=current_user))
    if created.ok:
        user = created.value
        flash(f"{user.name} can now sign in as {user.role.label.lower()}.", "success")
        return redirect(url_for("admin.people"))
    form.password.data = ""  # never echoed back into the page
    return _people_page(create_form=form, status=422)


def _back_to(user: User):
    if user.is_staff:
        return redirect(url_for("admin.people"))
    return redirect(url_for("admin.organization", organization_id=user.organization_id))


def _refused(user_id: int, message: str):
    """Re-render the page the form came from, the refusal beside the person's row."""
    db.session.rollback()
    user = row_or_404(User, user_id)
    if user.is_staff:
        return _people_page(row_errors={user.id: message}, status=422)
    return organization_page(user.organization, status=422, problem=f"{user.name}: {message}")


@bp.route("/people/<int:user_id>/role", methods=["POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def people_role(user_id: int):
    user = row_or_404(User, user_id)
    form = _role_form(user)
    if not form.validate():
        return _refused(user_id, "; ".join(form.role.errors or form.form_errors or
                                           ["The form expired; try again."]))
    changed = run(lambda: change_role(user, Role(form.role.data), actor=current_user))
    if not changed.ok:
        return _refused(user_id, str(changed.value))
    flash(f"{user.name} is now {user.role.label.lower()}.", "success")
    return _back_to(user)


@bp.route("/people/<int:user_id>/deactivate", methods=["POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def people_deactivate(user_id: int):
    user = row_or_404(User, user_id)
    if not ConfirmForm().validate():
        return _refused(user_id, "The form expired; try again.")
    deactivated = run(lambda: deactivate_user(user, actor=current_user))
    if not deactivated.ok:
        return _refused(user_id, str(deactivated.value))
    flash(f"{user.name} is deactivated and signed out everywhere.", "success")
    return _back_to(user)


@bp.route("/people/<int:user_id>/reactivate", methods=["POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def people_reactivate(user_id: int):
    user = row_or_404(User, user_id)
    if not ConfirmForm().validate():
        return _refused(user_id, "The form expired; try again.")
    reactivate_user(user, actor=current_user)
    db.session.commit()
    flash(f"{user.name} can sign in again.", "success")
    return _back_to(user)
