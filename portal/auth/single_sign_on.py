"""Single sign-on routes: start (POST the email, go to the provider) and the provider's
callback (check `state`, trade the code, verify the ID token, sign the person in)."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for

from portal import audit
from portal.accounts.single_sign_on import protocol
from portal.accounts.single_sign_on.models import IdentityProvider
from portal.accounts.single_sign_on.people import person_signing_in, provider_for_email
from portal.accounts.single_sign_on.protocol import Pending, SignInRefused
from portal.auth import bp
from portal.auth.access import home_url_for
from portal.auth.forms import LoginForm, SingleSignOnForm
from portal.auth.signing_in import complete_sign_in, sign_in_page
from portal.auth.views import _login_limit, _safe_next
from portal.extensions import db, limiter
from portal.tenancy import unscoped

PENDING = "_sso"  # the one sign-in under way in this browser: used once, then gone
NEXT = "_sso_next"
NOT_SET_UP = "Single sign-on is not set up for this address. Use your password."
EXPIRED = "This sign-in has expired or was already used. Start again."


def _callback_url() -> str:
    return url_for("auth.sso_callback", _external=True)


@bp.route("/login/sso", methods=["POST"])
@limiter.limit(_login_limit)
def sso_start():
    form = SingleSignOnForm()
    if not form.validate_on_submit():
        problems = [message for messages in form.errors.values() for message in messages]
        return sign_in_page(LoginForm(), error=problems[0] if problems else None, status=422)
    with unscoped(db.session(), "single sign-on looks up the email domain's provider"):
        provider = provider_for_email(form.email.data)
        if provider is None:
            return sign_in_page(LoginForm(), error=NOT_SET_UP, status=422)
        try:
            url, pending = protocol.begin(provider, redirect_uri=_callback_url(),
                                          login_hint=form.email.data.strip())
        except SignInRefused as refusal:
            return _refused(refusal, provider, status=502)
    session[PENDING] = pending.as_dict()
    session[NEXT] = _safe_next(request.args.get("next"))
    return render_template("auth/sso_redirect.html", url=url)


@bp.route("/login/sso/callback")
def sso_callback():
    pending = Pending.from_dict(session.pop(PENDING, None) or {})
    target = session.pop(NEXT, None)
    with unscoped(db.session(), "single sign-on finds or makes the person by email"):
        provider = db.session.get(IdentityProvider, pending.provider_id) if pending else None
        if pending is None or provider is None or \
                request.args.get("state") != pending.state:
            return _refused(SignInRefused("state unknown, used or mismatched", EXPIRED),
                            provider, status=400)
        if "error" in request.args or not request.args.get("code"):
            error = request.args.get("error", "no code")[:80]
            return _refused(SignInRefused(f"provider answered {error}",
                                          "Your sign-in service did not sign you in."),
                            provider, status=403)
        try:
            if not provider.enabled:
                raise SignInRefused("provider disabled", NOT_SET_UP)
            claims = protocol.finish(provider, pending, code=request.args["code"],
                                     redirect_uri=_callback_url())
            user = person_signing_in(provider, claims)
        except SignInRefused as refusal:
            db.session.rollback()  # a person made just in time goes with the refusal
            return _refused(refusal, provider, status=403)
        db.session.commit()
    complete_sign_in(user)
    return redirect(_safe_next(target) or home_url_for(user))


def _refused(refusal: SignInRefused, provider: IdentityProvider | None, *, status: int):
    audit.record("auth.sso_refused", actor=None, reason=refusal.reason,
                 provider_id=provider.id if provider else None,
                 organization_id=provider.organization_id if provider else None)
    db.session.commit()
    return render_template("auth/sso_refused.html", message=refusal.message), status
