"""API tokens in the console: administrators issue staff service tokens (shown once) and
revoke them; the reference page is one link away."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from admin import bp, navigation
from portal.api.models import ApiToken
from portal.api.tokens import STAFF_SCOPES, issue_token, revoke_token, staff_tokens
from portal.clock import now
from portal.customer.token_forms import TokenForm, end_of_day
from portal.extensions import db
from portal.loading import row_or_404
from portal.permissions import Capability, requires
from portal.submissions import perform, submit

PAGE = "admin/api_tokens/tokens.html"

navigation.main_entry("API tokens", "admin.api_tokens", order=95,
                      capability=Capability.MANAGE_ACCOUNTS)
navigation.main_entry("API reference", "api_reference.docs", order=96)


def _page(form: TokenForm | None = None, *, secret: str | None = None, status: int = 200):
    tokens = db.session.scalars(staff_tokens()).all()
    return render_template(PAGE, tokens=tokens, secret=secret, now=now(),
                           form=form or TokenForm(STAFF_SCOPES, formdata=None)), status


@bp.route("/api-tokens")
@requires(Capability.MANAGE_ACCOUNTS)
def api_tokens():
    return _page()


@bp.route("/api-tokens", methods=["POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def api_token_create():
    form = TokenForm(STAFF_SCOPES)
    issued = submit(form, lambda: issue_token(
        actor=current_user._get_current_object(), name=form.name.data or "",
        scopes=form.scopes.data or [],
        expires_at=end_of_day(form.expires_on.data, current_user.zone)))
    if not issued.ok:
        return _page(form, status=422)
    return _page(secret=issued.value[1])  # shown once: never redirected, never flashed


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def api_token_revoke(token_id: int):
    token = row_or_404(ApiToken, token_id, organization_id=None)
    perform(lambda: revoke_token(token, actor=current_user._get_current_object()),
            done=f"{token.name} is revoked; whatever used it is refused from now on.")
    return redirect(url_for("admin.api_tokens"))
