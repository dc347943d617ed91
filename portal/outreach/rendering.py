"""Turning an outbox row into the message its recipient reads, at send time.

Customers' messages read escalation content through the same visibility filter as the
portal (`queries.customer_visible`): an internal row can never be rendered for them. Times are
shown in the recipient's timezone; links are absolute (PUBLIC_URL).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from flask import current_app, g, render_template, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import TemplateNotFound
from sqlalchemy import select

from portal.accounts.models import Invitation, User
from portal.escalations.models import Escalation, Update
from portal.escalations.queries import customer_visible
from portal.extensions import db
from portal.notices.channels import RenderedEmail
from portal.notices.models import Notice
from portal.notices.optout import KINDS as OPT_OUT_KINDS
from portal.notices.optout import opt_out_token

UNSUBSCRIBE_SALT = "unsubscribe"
# Templates whose notices a customer can stop per escalation (List-Unsubscribe).
UNSUBSCRIBABLE = {"escalation_update", "scheduled_notice", "holding_message"}
# Templates of mail not about one escalation, stopped as a kind (portal.notices.optout).
OPT_OUT_TEMPLATES = {"daily_digest": "digests", "broadcast": "broadcasts"}


#: A kind's context builder: what its template needs beyond the notice's own context, built
#: at send time (`portal.outreach.emails` knows which kind has one).
ContextBuilder = Callable[[Notice, dict], dict]


class UndeliverableNotice(LookupError):
    """The notice refers to something that is gone or no longer visible to its recipient."""


def unsubscribe_token(user_id: int, escalation_id: int) -> str:
    return _serializer().dumps({"u": user_id, "e": escalation_id})


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    """(user id, escalation id) from a genuine token, else None."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not {"u", "e"} <= data.keys():
        return None
    return int(data["u"]), int(data["e"])


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


@contextmanager
def _external_urls_for(recipient: User | None):
    """A request context on PUBLIC_URL, so url_for builds absolute links, in their timezone
    (one per dispatcher batch when `rendering_batch()` is open, else one per message)."""
    if g.get("_rendering_batch"):
        g.render_zone = recipient.zone if recipient is not None else ZoneInfo("UTC")
        yield
        return
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        if recipient is not None:
            g.render_zone = recipient.zone
        yield


@contextmanager
def rendering_batch():
    """Render many emails under one request context (a dispatcher's batch)."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        g._rendering_batch = True
        try:
            yield
        finally:
            g.pop("_rendering_batch", None)
            g.pop("render_zone", None)


def _escalation_context(notice: Notice, recipient: User | None) -> dict:
    context = dict(notice.context)
    escalation = db.session.get(Escalation, context.get("escalation_id") or notice.escalation_id)
    if escalation is None:
        raise UndeliverableNotice("the escalation no longer exists")
    customer = recipient is not None and not recipient.is_staff
    if escalation.is_drill and (recipient is None or customer):
        raise UndeliverableNotice("a drill is never told to customers")
    if customer and recipient.organization_id != escalation.organization_id:
        raise UndeliverableNotice("recipient is not in the escalation's organization")
    update = None
    if "update_id" in context:
        stmt = select(Update).where(Update.id == context["update_id"])
        if customer:
            stmt = stmt.where(customer_visible(Update))
        update = db.session.scalar(stmt)
        if update is None:
            raise UndeliverableNotice("the update is gone or not visible to the recipient")
    context.update(escalation=escalation, update=update, recipient=recipient,
                   for_customer=customer)
    if customer:
        context["escalation_url"] = url_for("customer.escalation",
                                            reference=escalation.reference, _external=True)
    else:
        context["escalation_url"] = url_for("admin.home", _external=True)
    return context


def render_email(notice: Notice, build_context: ContextBuilder | None = None) -> RenderedEmail:
    """Subject, plain text and HTML for an email notice; `build_context` adds what its kind's
    template needs (`portal.outreach.emails.render` picks it by template)."""
    recipient = db.session.get(User, notice.recipient_user_id) if notice.recipient_user_id \
        else None
    with _external_urls_for(recipient):
        context = dict(notice.context, recipient=recipient)
        if "invitation_id" in context:
            invitation = db.session.get(Invitation, context["invitation_id"])
            if invitation is None or not invitation.is_open:
                raise UndeliverableNotice("the invitation was revoked, used or has expired")
        if notice.escalation_id or "escalation_id" in notice.context:
            context = _escalation_context(notice, recipient)
        unsubscribe_url = None
        if notice.template in UNSUBSCRIBABLE and recipient is not None and context.get(
                "escalation"):
            unsubscribe_url = url_for(
                "notices.unsubscribe",
                token=unsubscribe_token(recipient.id, context["escalation"].id), _external=True)
        context["unsubscribe_label"] = "Stop updates about this escalation"
        opt_out_kind = OPT_OUT_TEMPLATES.get(notice.template)
        if opt_out_kind and recipient is not None:
            unsubscribe_url = url_for("notices.opt_out_page", _external=True,
                                      token=opt_out_token(recipient.id, opt_out_kind))
            context["unsubscribe_label"] = f"Stop {OPT_OUT_KINDS[opt_out_kind]}"
        context["unsubscribe_url"] = unsubscribe_url
        context["portal_url"] = current_app.config["PUBLIC_URL"]
        if build_context is not None:
            context.update(build_context(notice, context))
        template = notice.template
        try:
            subject = render_template(f"email/{template}.subject.txt", **context)
        except TemplateNotFound as exc:
            raise UndeliverableNotice(f"no email template {template!r}") from exc
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
    subject = " ".join(subject.split())
    escalation = context.get("escalation")
    if escalation is not None and getattr(escalation, "is_drill", False):
        subject = f"[Drill] {subject}"
    return RenderedEmail(to=notice.recipient, subject=subject, text=text,
                         html=html, unsubscribe_url=unsubscribe_url)
