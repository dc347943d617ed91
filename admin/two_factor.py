"""Who must use two-factor sign-in, beyond administrators and escalation managers: the
administrators' runtime switch for all staff (a stored setting, audited)."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from admin import bp, navigation
from portal.accounts.two_factor import ALL_STAFF_SETTING, ROLES_THAT_MUST, require_for_all_staff
from portal.auth.two_factor_forms import RequirementForm
from portal.permissions import Capability, requires
from portal.settings import get_setting
from portal.submissions import submit

navigation.main_entry("Two-factor", "admin.two_factor", order=62,
                      capability=Capability.MANAGE_ACCOUNTS)
PAGE = "admin/two_factor/settings.html"


def _page(form: RequirementForm, status: int = 200):
    return render_template(PAGE, form=form, all_staff=bool(get_setting(*ALL_STAFF_SETTING)),
                           roles=sorted(role.label for role in ROLES_THAT_MUST)), status


@bp.route("/two-factor", methods=["GET", "POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def two_factor():
    form = RequirementForm(data={"required": bool(get_setting(*ALL_STAFF_SETTING))})
    if not form.is_submitted():
        return _page(form)
    outcome = submit(form, lambda: require_for_all_staff(
        form.required.data, actor=current_user._get_current_object()),
        refusals=(), done="Saved. Staff without a second factor set one up at their next "
                          "sign-in." if form.required.data else "Saved.")
    if not outcome.ok:
        return _page(form, 422)
    return redirect(url_for("admin.two_factor"))
