"""The demo's mailbox: without SMTP, every email notice is readable here, rendered exactly as
it would be sent."""

from __future__ import annotations

from flask import abort, make_response, render_template

from admin import bp, navigation
from portal.extensions import db
from portal.inputs import page_arg
from portal.notices.models import Channel, Notice
from portal.outreach.emails import render
from portal.outreach.queries import sent_emails
from portal.outreach.rendering import UndeliverableNotice

PAGE_SIZE = 50

# The message's HTML is shown in a sandboxed frame: its inline styles may apply, nothing else.
EMAIL_FRAME_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                   "frame-ancestors 'self'")

navigation.main_entry("Sent mail", "admin.sent_mail", order=80)


@bp.route("/sent-mail")
def sent_mail():
    page = page_arg()
    found = db.paginate(sent_emails(), page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/sent_mail/list.html", notices=found.items, page=page,
                           total=found.total, pages=max(found.pages, 1))


def _email_or_404(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.channel != Channel.EMAIL:
        abort(404)
    return notice


@bp.route("/sent-mail/<int:notice_id>")
def sent_mail_message(notice_id: int):
    notice = _email_or_404(notice_id)
    try:
        email, problem = render(notice), None
    except UndeliverableNotice as exc:
        email, problem = None, str(exc)
    return render_template("admin/sent_mail/message.html", notice=notice, email=email,
                           problem=problem)


@bp.route("/sent-mail/<int:notice_id>/html")
def sent_mail_html(notice_id: int):
    try:
        email = render(_email_or_404(notice_id))
    except UndeliverableNotice:
        abort(404)
    response = make_response(email.html)
    response.headers["Content-Security-Policy"] = EMAIL_FRAME_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
