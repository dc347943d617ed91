"""The customer admin's choice on the team page: everyone in the organization signs in with a
second factor (they enrol at their next sign-in)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from portal.accounts.two_factor import require_for_organization
from portal.auth.access import customer_required
from portal.auth.two_factor_forms import RequirementForm
from portal.customer import bp
from portal.customer.team import PAGE, _context, _require_admin
from portal.htmx import render_htmx_template
from portal.submissions import run

FRAGMENT = "customer/_team_two_factor.html"


@bp.route("/team/two-factor", methods=["POST"])
@customer_required
def team_two_factor():
    _require_admin()
    form = RequirementForm(prefix="two-factor")
    if not form.validate_on_submit():
        return render_htmx_template(PAGE, FRAGMENT, status=422, two_factor_form=form,
                                    **_context())
    required = form.required.data
    run(lambda: require_for_organization(current_user.organization, required,
                                         actor=current_user._get_current_object()))
    flash("Everyone in your organization now signs in with a second factor; people without "
          "one set it up at their next sign-in." if required
          else "Two-factor sign-in is now each person's own choice.", "success")
    return redirect(url_for("customer.team"))
