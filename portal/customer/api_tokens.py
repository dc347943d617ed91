"""The customer admin's API tokens: issue one for the organization (shown once), see when
each was last used, revoke it."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from portal.api.models import ApiToken
from portal.api.tokens import CUSTOMER_SCOPES, issue_token, revoke_token, tokens_for_organization
from portal.auth.access import customer_required
from portal.clock import now
from portal.customer import bp
from portal.customer.token_forms import TokenForm, end_of_day
from portal.enums import Role
from portal.extensions import db
from portal.loading import row_or_404
from portal.submissions import perform, submit

PAGE = "customer/api_tokens.html"


def _require_admin() -> None:
    if current_user.role != Role.CUSTOMER_ADMIN:
        abort(403)


def _page(form: TokenForm | None = None, *, secret: str | None = None, status: int = 200):
    tokens = db.session.scalars(tokens_for_organization(current_user.organization_id)).all()
    return render_template(PAGE, tokens=tokens, secret=secret, now=now(),
                           form=form or TokenForm(CUSTOMER_SCOPES, formdata=None)), status


@bp.route("/team/api-tokens")
@customer_required
def api_tokens():
    _require_admin()
    return _page()


@bp.route("/team/api-tokens", methods=["POST"])
@customer_required
def api_token_create():
    _require_admin()
    form = TokenForm(CUSTOMER_SCOPES)
    issued = submit(form, lambda: issue_token(
        actor=current_user._get_current_object(), name=form.name.data or "",
        scopes=form.scopes.data or [],
        expires_at=end_of_day(form.expires_on.data, current_user.zone)))
    if not issued.ok:
        return _page(form, status=422)
    return _page(secret=issued.value[1])  # shown once: never redirected, never flashed


@bp.route("/team/api-tokens/<int:token_id>/revoke", methods=["POST"])
@customer_required
def api_token_revoke(token_id: int):
    token = row_or_404(ApiToken, token_id)
    _require_admin()
    perform(lambda: revoke_token(token, actor=current_user._get_current_object()),
            done=f"{token.name} is revoked; whatever used it is refused from now on.")
    return redirect(url_for("customer.api_tokens"))
