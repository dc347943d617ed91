"""Two-factor pages: the code after the password, enrolment, and the person's own settings.

Between the password and the second factor nobody is signed in (portal.auth.signing_in):
these pages read the pending marker, and `_hold_pending_sign_in` sends every other request
of that session to the code page or to enrolment.
"""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.globals import _cv_request
from flask_login import current_user, login_required

from portal import sessions
from portal.accounts import two_factor
from portal.accounts.models import User
from portal.auth import bp
from portal.auth.signing_in import (
    count_failure,
    drop_pending,
    enrolled_while_pending,
    finish_pending,
    mark_enrolled,
    pending_failures,
    pending_user,
)
from portal.auth.two_factor_forms import (
    ConfirmCodeForm,
    ContinueForm,
    CurrentCodeForm,
    SignInCodeForm,
)
from portal.extensions import db, limiter
from portal.htmx import whole_page_to
from portal.operations import OperationError
from portal.submissions import attach_error
from portal.tenancy import unscoped

CODE_PAGE = "auth/two_factor_code.html"
ENROL_PAGE = "auth/two_factor_enrol.html"
CODES_PAGE = "auth/two_factor_recovery_codes.html"
ACCOUNT_PAGE = "auth/two_factor_account.html"
TOO_MANY = "Too many wrong codes. Sign in again to get a new chance."
TIMED_OUT = "Your sign-in took too long. Please sign in again."
#: What a session between the password and the second factor may still ask for.
PENDING_ENDPOINTS = frozenset({"static", "auth.login", "auth.two_factor_code",
                               "auth.two_factor_enrol", "auth.two_factor_continue",
                               "auth.two_factor_cancel"})


def _client_limit() -> str:
    return current_app.config["TWO_FACTOR_RATE_LIMIT"]


def _user_limit() -> str:
    return current_app.config["TWO_FACTOR_RATE_LIMIT_PER_USER"]


def _person_key() -> str:
    """Wrong codes count against the person, from whatever address they come."""
    if current_user.is_authenticated:
        return f"two-factor:{current_user.id}"
    token = str(session.get(sessions.PENDING, {}).get("user", ""))
    return "two-factor:" + token.partition(":")[0]


def _limited(view):
    view = limiter.limit(_user_limit, methods=["POST"], key_func=_person_key)(view)
    return limiter.limit(_client_limit, methods=["POST"])(view)


@bp.before_app_request
def _hold_pending_sign_in():
    """A session past the password but not the second factor reaches only the pages that
    finish (or restart) the sign-in; everything else, JSON and htmx included, is sent there."""
    ctx = _cv_request.get(None)  # the session without its proxy (asked on every request)
    if sessions.PENDING not in (ctx.session if ctx is not None else session) \
            or request.endpoint in PENDING_ENDPOINTS:
        return None
    if current_user.is_authenticated:
        drop_pending()
        return None
    user = pending_user()
    if user is None:
        return None  # expired or ended: an anonymous session like any other
    target = url_for("auth.two_factor_code" if two_factor.has_second_factor(user)
                     else "auth.two_factor_enrol")
    if request.headers.get("HX-Request") == "true":
        return whole_page_to(target)
    return redirect(target)


def _start_again(message: str = TIMED_OUT):
    flash(message, "info")
    return redirect(url_for("auth.login"))


def _wrong_code(form, page: str, status: int = 422, **context):
    """Count a wrong code against the pending sign-in; too many and it starts over."""
    if not count_failure():
        return _start_again(TOO_MANY)
    return render_template(page, form=form, **context), status


# --------------------------------------------------------------------------- sign-in
@bp.route("/login/code", methods=["GET", "POST"])
@_limited
def two_factor_code():
    user = pending_user()
    if user is None:
        return _start_again()
    if not two_factor.has_second_factor(user):
        return redirect(url_for("auth.two_factor_enrol"))
    form = SignInCodeForm()
    if not form.validate_on_submit():
        return render_template(CODE_PAGE, form=form), 422 if request.method == "POST" else 200
    with unscoped(db.session(), "the second factor of a sign-in"):
        passed = two_factor.pass_second_factor(user, form.code.data, failures=pending_failures())
        db.session.commit()
    if passed:
        return redirect(finish_pending(user))
    form.code.errors.append(two_factor.WRONG_CODE)
    return _wrong_code(form, CODE_PAGE)


def _enrolment_context(user: User) -> dict:
    with unscoped(db.session(), "offering a two-factor secret"):
        secret = two_factor.enrolment_secret(user)
        db.session.commit()
    uri = two_factor.provisioning_uri(user, secret)
    return dict(qr_svg=two_factor.qr_code_svg(uri), manual_key=two_factor.manual_key(secret),
                account_name=user.email, issuer=current_app.config["TWO_FACTOR_ISSUER"],
                required_because=two_factor.required_because(user))


@bp.route("/login/two-factor", methods=["GET", "POST"])
@_limited
def two_factor_enrol():
    user = pending_user()
    if user is None:
        return _start_again()
    if two_factor.has_second_factor(user):
        if enrolled_while_pending():  # the codes were shown; only "continue" is left
            return render_template(CODES_PAGE, codes=None, form=ContinueForm(), pending=True)
        return redirect(url_for("auth.two_factor_code"))
    form = ConfirmCodeForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template(ENROL_PAGE, form=form, pending=True,
                               **_enrolment_context(user)), status
    try:
        with unscoped(db.session(), "confirming a two-factor enrolment"):
            codes = two_factor.confirm_enrolment(user, form.code.data)
            db.session.commit()
    except OperationError as error:
        db.session.rollback()
        attach_error(form, error, default_field="code")
        with unscoped(db.session(), "auditing a wrong code at enrolment"):
            two_factor.record_failed_code(user, failures=pending_failures(), during="enrolment")
            db.session.commit()
        return _wrong_code(form, ENROL_PAGE, pending=True, **_enrolment_context(user))
    mark_enrolled()
    return render_template(CODES_PAGE, codes=codes, form=ContinueForm(), pending=True)


@bp.route("/login/two-factor/continue", methods=["POST"])
def two_factor_continue():
    user = pending_user()
    if user is None:
        return _start_again()
    form = ContinueForm()
    if not (form.validate_on_submit() and enrolled_while_pending()
            and two_factor.has_second_factor(user)):
        return redirect(url_for("auth.two_factor_enrol"))
    return redirect(finish_pending(user))


@bp.route("/login/cancel", methods=["POST"])
def two_factor_cancel():
    form = ContinueForm()
    if form.validate_on_submit():
        drop_pending()
    return redirect(url_for("auth.login"))


# --------------------------------------------------------------------------- the account
def _me() -> User:
    return current_user._get_current_object()


def _account_page(status: int = 200, *, disable_form=None, regenerate_form=None):
    user = _me()
    return render_template(
        ACCOUNT_PAGE, enabled=two_factor.has_second_factor(user),
        required_because=two_factor.required_because(user),
        remaining=two_factor.remaining_recovery_codes(user),
        disable_form=disable_form or CurrentCodeForm(formdata=None, prefix="disable"),
        regenerate_form=regenerate_form or CurrentCodeForm(formdata=None, prefix="regenerate"),
    ), status


@bp.route("/account/two-factor")
@login_required
def account_two_factor():
    return _account_page()


@bp.route("/account/two-factor/enrol", methods=["GET", "POST"])
@login_required
@_limited
def account_two_factor_enrol():
    user = _me()
    if two_factor.has_second_factor(user):
        return redirect(url_for("auth.account_two_factor"))
    form = ConfirmCodeForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template(ENROL_PAGE, form=form, pending=False,
                               **_enrolment_context(user)), status
    try:
        codes = two_factor.confirm_enrolment(user, form.code.data)
    except OperationError as error:
        db.session.rollback()
        attach_error(form, error, default_field="code")
        return render_template(ENROL_PAGE, form=form, pending=False,
                               **_enrolment_context(user)), 422
    db.session.commit()
    return render_template(CODES_PAGE, codes=codes, form=None, pending=False)


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
@_limited
def account_two_factor_disable():
    form = CurrentCodeForm(prefix="disable")
    if not form.validate_on_submit():
        return _account_page(422, disable_form=form)
    try:
        two_factor.disable_two_factor(_me(), form.code.data)
    except OperationError as error:
        db.session.rollback()
        attach_error(form, error, default_field="code")
        return _account_page(422, disable_form=form)
    db.session.commit()
    flash("Two-factor sign-in is off. You sign in with your password alone.", "success")
    return redirect(url_for("auth.account_two_factor"))


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
@_limited
def account_two_factor_regenerate():
    form = CurrentCodeForm(prefix="regenerate")
    if not form.validate_on_submit():
        return _account_page(422, regenerate_form=form)
    try:
        codes = two_factor.regenerate_recovery_codes(_me(), form.code.data)
    except OperationError as error:
        db.session.rollback()
        attach_error(form, error, default_field="code")
        return _account_page(422, regenerate_form=form)
    db.session.commit()
    return render_template(CODES_PAGE, codes=codes, form=None, pending=False)
