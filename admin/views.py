"""The console's home: the triage queue of every open escalation across accounts, live.

One URL serves the page and (to htmx) the rows fragment the page polls every
POLL_INTERVAL_SECONDS; both carry a weak ETag, and an unchanged poll costs one query of two
index lookups and answers 304 (see portal.escalations.queue).
"""

from __future__ import annotations

from flask import current_app, make_response, request, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.queue_forms import QueueFilterForm
from portal.clock import now
from portal.escalations import queue
from portal.escalations.operations.common import senior_threshold
from portal.htmx import render_htmx_template, wants_fragment

navigation.main_entry("Queue", "admin.home", order=10)

PAGE = "admin/queue/home.html"
FRAGMENT = "admin/queue/_rows.html"


@bp.route("/")
def home():
    form = QueueFilterForm(request.args)
    valid = form.validate()
    query = form.to_query() if valid else queue.QueueQuery()
    at = now()
    poll_seconds = int(current_app.config.get("POLL_INTERVAL_SECONDS", 15))
    stamp = queue.changed_stamp()

    def tag(variant: str) -> str:
        viewer = f"{current_user.id}:{current_user.timezone or ''}:{int(valid)}"
        return queue.etag(stamp, query, variant=variant, viewer=viewer, at=at,
                          poll_seconds=poll_seconds)

    etag = tag("fragment" if wants_fragment() else "page")
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
        response.set_etag(etag, weak=True)
        return response

    summary = queue.summarize(query, viewer_id=current_user.id, at=at)
    board = queue.load_page(query, summary, viewer_id=current_user.id, at=at)
    if not wants_fragment():
        form.offer_choices(summary, queue.staff_choices(), queue.organization_choices())
    body, status = render_htmx_template(
        PAGE, FRAGMENT, status=200 if valid else 422,
        form=form,
        board=board,
        at=at,
        etag=tag("fragment"),
        poll_seconds=poll_seconds,
        poll_url=url_for("admin.home", **query.args()),
        threshold=senior_threshold(),
        QUICK_VIEWS=queue.QUICK_VIEWS,
        page_url=lambda page: url_for("admin.home", **query.args(page=page)),
        view_url=lambda view: url_for("admin.home", **query.args(view=view, page=1)),
        clear_url=url_for("admin.home", **query.args(page=1, filters=False)),
    )
    response = make_response(body, status)
    response.set_etag(etag, weak=True)
    return response
