"""The acknowledge link in a page's email: a signed token naming the page and the person
paged, good for ACK_LINK_DAYS. Opening it shows one button (mail scanners fetch links, so a
GET never acknowledges); pressing it acknowledges as the person paged, without a sign-in —
the person on call at night reads the email on a phone."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.accounts.models import User
from portal.extensions import db
from portal.oncall.page_operations import acknowledge_page
from portal.oncall.pages import OncallPage
from portal.operations import OperationError
from portal.tenancy import unscoped

ACK_LINK_DAYS = 7
_SALT = "clearpath oncall page acknowledge v1"

bp = Blueprint("oncall_ack", __name__)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def ack_token(page_id: int, user_id: int) -> str:
    return _serializer().dumps([page_id, user_id])


def read_ack_token(token: str) -> tuple[int, int] | None:
    try:
        page_id, user_id = _serializer().loads(token, max_age=ACK_LINK_DAYS * 86400)
    except (BadSignature, ValueError, TypeError):
        return None
    return int(page_id), int(user_id)


def ack_url(page_id: int, user_id: int) -> str:
    """The absolute link for the email (rendered under PUBLIC_URL)."""
    return url_for("oncall_ack.acknowledge", token=ack_token(page_id, user_id), _external=True)


@bp.route("/on-call/acknowledge/<token>", methods=["GET", "POST"])
def acknowledge(token: str):
    found = read_ack_token(token)
    if found is None:
        abort(404)
    with unscoped(db.session(), "acknowledging a page by signed link"):
        page = db.session.get(OncallPage, found[0])
        person = db.session.get(User, found[1])
        if page is None or person is None or page.user_id != person.id or not person.active:
            abort(404)
        refusal = None
        if request.method == "POST" and page.acknowledged_at is None:
            try:
                acknowledge_page(page, actor=person, via="email link")
                db.session.commit()
            except (OperationError, PermissionError) as error:
                db.session.rollback()
                refusal = str(error)
        return render_template("oncall/acknowledge.html", page=page, person=person,
                               token=token, refusal=refusal)


def register(state) -> None:
    state.app.add_template_global(ack_url, "oncall_ack_url")


bp.record_once(register)
