"""One-click unsubscribe from an escalation's updates: no sign-in, a signed token instead."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from portal.accounts.models import User
from portal.escalations.models import Escalation
from portal.escalations.operations import set_subscription
from portal.extensions import csrf, db
from portal.notices.optout import KINDS, opt_out, read_opt_out_token
from portal.outreach.rendering import read_unsubscribe_token
from portal.tenancy import unscoped

bp = Blueprint("notices", __name__)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients POST here (RFC 8058); the signed token is the proof
def unsubscribe(token: str):
    ids = read_unsubscribe_token(token)
    if ids is None:
        abort(404)
    with unscoped(db.session(), "unsubscribing by signed token"):
        user = db.session.get(User, ids[0])
        escalation = db.session.get(Escalation, ids[1])
        if user is None or escalation is None or user.organization_id != \
                escalation.organization_id:
            abort(404)
        done = request.method == "POST"
        if done:
            set_subscription(escalation, user, subscribed=False)
            db.session.commit()
        return render_template("notices/unsubscribe.html", escalation=escalation, user=user,
                               token=token, done=done)


@bp.route("/opt-out/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients POST here (RFC 8058); the signed token is the proof
def opt_out_page(token: str):
    found = read_opt_out_token(token)
    if found is None:
        abort(404)
    user_id, kind = found
    with unscoped(db.session(), "opting out by signed token"):
        user = db.session.get(User, user_id)
        if user is None:
            abort(404)
        done = request.method == "POST"
        if done:
            opt_out(user, kind)
            db.session.commit()
        return render_template("notices/opt_out.html", user=user, label=KINDS[kind],
                               token=token, done=done)
