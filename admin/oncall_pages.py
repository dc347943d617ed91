"""My pages: the on-call pages sent to me (every page, for whoever keeps the rosters), each
with its Acknowledge button; my shifts as a calendar link; and how often unacknowledged pages
repeat."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp
from admin.oncall_pages_forms import AcknowledgePageForm, RepeatForm
from portal.extensions import db
from portal.feeds import operations as feeds
from portal.feeds import queries as feed_queries
from portal.feeds import tokens
from portal.feeds.views import shifts_url
from portal.loading import row_or_404
from portal.oncall import queries
from portal.oncall.page_operations import (
    acknowledge_page,
    may_acknowledge,
    pages_of,
    set_repeat_minutes,
)
from portal.oncall.pages import OncallPage
from portal.oncall.paging import repeat_minutes
from portal.permissions import Capability, can, requires
from portal.submissions import perform, run, submit

bp.add_app_template_global(may_acknowledge, "may_acknowledge_page")


def _shifts_link() -> dict:
    """The person's "My shifts" calendar link (None before they made one, or when it can no
    longer be shown: sealed under an older SECRET_KEY), and its token's stamps."""
    token = db.session.scalar(feed_queries.active_token_of(current_user.id))
    secret = tokens.unseal(token.token_sealed) if token is not None else None
    return {"token": token, "url": shifts_url(secret) if secret else None}


def _page_list(form: RepeatForm | None = None, status: int = 200):
    everyone = request.args.get("all") == "1" and can(current_user, Capability.MANAGE_ROSTERS)
    teams = db.session.scalars(queries.teams()).all()
    form = form or RepeatForm(formdata=None)
    form.offer_teams(teams)
    pages = db.session.scalars(pages_of(None if everyone else current_user.id)).unique().all()
    return render_template(
        "admin/oncall/pages.html", pages=pages, everyone=everyone, form=form,
        shifts=_shifts_link(),
        repeats=[(team, repeat_minutes(team)) for team in teams]), status


@bp.route("/on-call/pages")
def oncall_pages():
    return _page_list()


@bp.route("/on-call/pages/repeat", methods=["POST"])
@requires(Capability.MANAGE_ROSTERS)
def oncall_pages_repeat():
    form = RepeatForm()
    form.offer_teams(db.session.scalars(queries.teams()).all())
    saved = submit(form, lambda: set_repeat_minutes(
        form.minutes.data, actor=current_user,
        team_id=int(form.team.data) if form.team.data else None), done="Paging saved.")
    if saved.ok:
        return redirect(url_for("admin.oncall_pages"))
    return _page_list(form, 422)


@bp.route("/on-call/pages/<int:page_id>/acknowledge", methods=["POST"])
def oncall_page_acknowledge(page_id: int):
    page = row_or_404(OncallPage, page_id)
    if AcknowledgePageForm().validate():
        perform(lambda: acknowledge_page(page, actor=current_user, via="console"),
                done="Page acknowledged: it no longer repeats.")
    back = request.form.get("next") or ""
    if back.startswith("/admin/"):
        return redirect(back)
    return redirect(url_for("admin.oncall_pages"))


@bp.route("/on-call/shifts-feed", methods=["POST"])
def oncall_shifts_feed():
    if AcknowledgePageForm().validate():
        run(lambda: feeds.issue_feed_token(current_user._get_current_object()))
    return redirect(url_for("admin.oncall_pages", _anchor="my-shifts"))


@bp.route("/on-call/shifts-feed/reset", methods=["POST"])
def oncall_shifts_feed_reset():
    if AcknowledgePageForm().validate():
        run(lambda: feeds.reset_feed_token(current_user._get_current_object()))
    return redirect(url_for("admin.oncall_pages", _anchor="my-shifts"))
