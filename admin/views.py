"""The console's home: the triage queue of every open escalation across accounts, live.

One URL serves the page and (to htmx) the rows fragment the page polls every
POLL_INTERVAL_SECONDS; both carry a weak ETag, and an unchanged poll costs one query of two
index lookups and answers 304 (see portal.escalations.queue). On PostgreSQL, repeat requests
are answered before Flask runs (portal.live): `revalidate` computes the same ETag from the
memo's change stamp, and a rendered response is offered for replay.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import current_app, make_response, render_template, request, session
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from admin import (
    bp,
    navigation,
    queue_args,
    queue_bar,
    queue_filters,
    queue_forms,
    queue_page,
    queue_table,
    queue_views,
)
from admin.queue_forms import QueueFilterForm
from portal import live, reads, sessions
from portal.chrome import link_to
from portal.clock import now
from portal.escalations import queue
from portal.htmx import wants_fragment

navigation.main_entry("Queue", "admin.home", order=10, in_bar=True)

FRAGMENT = "admin/queue/_rows.html"


@bp.route("/")
def home():
    arguments = _args_key(request.args)
    query = queue_args.query_from_args(request.args)
    if query is not None:  # plainly valid: no form (its markup is remembered per arguments)
        form, valid = queue_filters.Asked(request.args), True
    else:
        form = QueueFilterForm(request.args)
        valid = queue_forms.validated(form, arguments)
        query = form.to_query() if valid else queue.QueueQuery()
    at = now()
    poll_seconds = _poll_seconds(current_app.config)
    stamp = live.queue_stamp(queue.changed_stamp)
    viewer = current_user._get_current_object()

    def tag(variant: str, args) -> str:
        return _etag(stamp, args, variant=variant, viewer_id=viewer.id,
                     timezone=viewer.timezone or "", role=viewer.role.value, valid=valid,
                     at=at, poll_seconds=poll_seconds)

    variant = "fragment" if wants_fragment() else "page"
    etag = tag(variant, request.args)
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
        response.set_etag(etag, weak=True)
        return response

    page = not wants_fragment()
    # The page's navigation counts come with the summary (no statement of their own).
    ahead = navigation.counts_ahead(viewer) if page else ()
    # Its counts are kept while the rows they come from are unchanged (the queue's ticket,
    # taken before reading): the same filters then read only the page.
    board = queue.read(query, viewer_id=viewer.id, at=at,
                       also=tuple(column for _, column in ahead), run=reads.rows,
                       rows_as_of=live.queue_ticket())
    summary = board.summary
    counts = None
    if ahead and summary.also is not None:
        counts = {endpoint: value
                  for (endpoint, _), value in zip(ahead, summary.also, strict=True)}
        navigation.read_ahead(counts)
    if page:
        form.offer_choices(summary, live.directory("staff", queue.staff_choices),
                           live.directory("organizations", queue.organization_choices))
    poll_url = link_to("admin.home", **query.args())
    context = dict(
        form=form,
        board=board,
        at=at,
        etag=tag("fragment", MultiDict(parse_qsl(urlsplit(poll_url).query,
                                                 keep_blank_values=True))),
        poll_seconds=poll_seconds,
        poll_url=poll_url,
        queue_rows=queue_table.rows,
        quick_views=queue_views.quick_views,
        queue_filters=queue_filters.filters,
        QUICK_VIEWS=queue.QUICK_VIEWS,
        live_bar=queue_bar,
        view_url=lambda view: link_to("admin.home", **query.args(view=view, page=1)),
        clear_url=link_to("admin.home", **query.args(page=1, filters=False)),
        csv_url=link_to("admin.queue_csv", **query.args(page=1)),
    )
    body = (queue_page.page(viewer, counts, **context) if page
            else render_template(FRAGMENT, **context))
    status = 200 if valid else 422
    response = make_response(body, status)
    response.set_etag(etag, weak=True)
    if valid and sessions.PREVIEW not in session:  # a preview's banner is on this page too
        live.offer((variant, arguments), etag)
    return response


@live.revalidates("admin.home", staff=True)
def revalidate(visit: live.Visit) -> live.Answer | None:
    """The ETag `home` would give this visit when its filters are valid, from the memo alone
    (None: ask `home`). Filters the form would refuse get another ETag from the app (valid
    is in it), so the two never meet: the app answers those."""
    stamp = visit.memo.queue_stamp()
    if stamp is None:
        return None
    variant = "fragment" if visit.wants_fragment else "page"
    viewer = visit.stamp
    return live.Answer(etag=_etag(
        stamp, visit.args, variant=variant, viewer_id=viewer.id, timezone=viewer.timezone,
        role=viewer.role, valid=True, at=visit.at, poll_seconds=_poll_seconds(visit.config),
    ), representation=(variant, _args_key(visit.args)))


def _etag(stamp: str, args: MultiDict, *, variant: str, viewer_id: int, timezone: str,
          role: str, valid: bool, at, poll_seconds: int) -> str:
    """The view and the gate ask this one function. The filters are the request's own
    arguments as sent (the poll sends back exactly the ones the page drew), so the gate needs
    no copy of the form's rules; the viewer's quick views, timezone and role shape the page."""
    viewer = f"{viewer_id}:{timezone}:{int(valid)}:{role}"
    return queue.etag(stamp, _args_key(args), variant=variant, viewer=viewer, at=at,
                      poll_seconds=poll_seconds)




def _args_key(args: MultiDict) -> str:
    return repr(sorted(args.items(multi=True)))


def _poll_seconds(config) -> int:
    return int(config.get("POLL_INTERVAL_SECONDS", 15))
