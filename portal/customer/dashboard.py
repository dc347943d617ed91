"""The customer dashboard: the organization's open escalations, live.

One URL serves the page, and (to htmx) the rows fragment that the page polls every
POLL_INTERVAL_SECONDS. Both carry a weak ETag built from customer-visible data only; an
unchanged poll costs one aggregate query and answers 304 (see portal.escalations.dashboard).
On PostgreSQL, repeat requests are answered before Flask runs (portal.live): `revalidate`
computes the same ETag from the memo, and a rendered response is offered for replay.
"""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, g, make_response, render_template, request
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from portal import live, reads
from portal.auth.access import customer_required
from portal.auth.preview import is_previewing
from portal.chrome import link_to
from portal.clock import now
from portal.customer import (
    bp,
    dashboard_bar,
    dashboard_filters,
    dashboard_markup,
    dashboard_rows,
)
from portal.customer.forms import DashboardFilterForm
from portal.enums import OPEN_STATUSES, SEVERITY_LABELS
from portal.escalations import dashboard, listing
from portal.escalations.listing import SEARCH_MAX_CHARS
from portal.htmx import wants_fragment

FRAGMENT = "customer/_escalation_rows.html"
bp.add_app_template_global(dashboard_rows.rows, "dashboard_rows")
bp.add_app_template_global(dashboard_filters.filters, "dashboard_filters")
bp.add_app_template_global(dashboard_bar.bar, "dashboard_bar")
bp.add_app_template_global(dashboard_bar.pager, "dashboard_pager")


_ARGS = frozenset({"q", "severity", "status", "area", "sort", "page"})
_SEVERITIES = {str(n): n for n in SEVERITY_LABELS}
_STATUSES = {s.value: s for s in OPEN_STATUSES}
_UNFILTERED = dashboard.DashboardQuery()  # what no arguments ask for (frozen: one serves all)


def query_from_args(args: MultiDict) -> dashboard.DashboardQuery | None:
    """The query the filter form gives for `args` when it finds them valid, read without the
    form (for the gate, which runs before Flask); None whenever the form has to judge."""
    if not args:
        return _UNFILTERED
    if not set(args) <= _ARGS or any(len(args.getlist(key)) > 1 for key in args):
        return None
    args = args.to_dict()  # one value each (just checked): plain dict lookups below
    search, area = args.get("q", ""), args.get("area", "")
    severity, status = args.get("severity", ""), args.get("status", "")
    sort, page = args.get("sort", dashboard.DEFAULT_SORT), args.get("page", "1") or "1"
    if (len(search) > SEARCH_MAX_CHARS or len(area) > dashboard.AREA_MAX_CHARS
            or (severity and severity not in _SEVERITIES)
            or (status and status not in _STATUSES) or sort not in dashboard.SORTS
            or not (page.isascii() and page.isdigit())
            or not 1 <= int(page) <= dashboard.MAX_PAGE):
        return None
    return dashboard.DashboardQuery(
        severity=_SEVERITIES.get(severity), status=_STATUSES.get(status), area=area or None,
        search=search.strip(), sort=sort, page=int(page))


def _etag(summary, query, *, variant: str, user_id: int, timezone: str, valid: bool,
          previewing: bool, at, poll_seconds: int) -> str:
    # The viewer's own timezone setting shapes every time shown (an organization's timezone
    # change shows within a minute, through the minute in the tag). Staff previewing as this
    # user see a banner the user never does.
    viewer = f"{user_id}:{timezone}:{int(valid)}" + (":preview" if previewing else "")
    return dashboard.etag(summary, query, variant=variant, viewer=viewer, at=at,
                          poll_seconds=poll_seconds)


#: ETags made this minute, per everything they are made of: a page and its polls ask for the
#: same two (the page's and its fragment's) again and again within the minute.
_tags: dict = {}
_TAGS_KEPT = 4096


def _summary(organization_id: int, query: dashboard.DashboardQuery) -> dashboard.Summary:
    return live.summary(organization_id, query.filters,
                        lambda: dashboard.summarize(organization_id, query))


@live.revalidates("customer.home")
def revalidate(visit: live.Visit) -> live.Answer | None:
    """The ETag `home` would give this visit, from the memo alone (None: ask `home`)."""
    query = query_from_args(visit.args)
    if query is None:
        return None
    summary = visit.memo.summary(visit.stamp.organization_id, query.filters)
    if summary is None:
        return None
    variant = "fragment" if visit.wants_fragment else "page"
    return live.Answer(etag=_etag(
        summary, query, variant=variant, user_id=visit.stamp.id, timezone=visit.stamp.timezone,
        valid=True, previewing=False, at=visit.at, poll_seconds=_poll_seconds(visit.config),
    ), representation=(variant,))


def _poll_seconds(config) -> int:
    return int(config.get("POLL_INTERVAL_SECONDS", 15))


@bp.route("/escalations")
@customer_required
def home():
    user = current_user._get_current_object()  # once, not through the proxy each time
    req, app = request._get_current_object(), current_app._get_current_object()  # likewise
    args = req.args
    # Arguments the gate's reading finds valid need no form (its markup is remembered per
    # arguments: dashboard_filters.Asked); any other is the form's to judge and explain.
    query = query_from_args(args)
    form = None
    if query is not None:
        valid = True
    else:
        form = DashboardFilterForm(args)
        valid = form.validate()
        query = form.to_query() if valid else dashboard.DashboardQuery()
    at = now()
    poll_seconds = _poll_seconds(app.config)
    summary = _summary(user.organization_id, query)
    previewing = is_previewing()

    user_id, timezone = user.id, user.timezone or ""
    # The minute is all of `at` that an ETag is made of (dashboard.etag: listing.minute_of).
    minute = listing.minute_of(at)

    def tag(variant: str) -> str:
        key = (summary, query, variant, user_id, timezone, valid, previewing, minute,
               poll_seconds)
        try:
            return _tags[key]
        except KeyError:
            made = _etag(summary, query, variant=variant, user_id=user_id, timezone=timezone,
                         valid=valid, previewing=previewing, at=at, poll_seconds=poll_seconds)
            if len(_tags) >= _TAGS_KEPT:
                _tags.clear()
            _tags[key] = made
            return made

    variant = "fragment" if wants_fragment() else "page"
    etag = tag(variant)
    # No If-None-Match (a first visit, a reload): nothing to parse.
    if req.environ.get("HTTP_IF_NONE_MATCH") and req.if_none_match.contains_weak(etag):
        response = make_response("", 304)
        response.set_etag(etag, weak=True)
        return response

    page = min(query.page, summary.pages)
    # Its statement is plain columns: run through portal.reads, under the same tenancy.
    rows = (dashboard.load_rows(user.organization_id,
                                query if page == query.page else replace(query, page=page),
                                at=at, run=reads.rows)
            if valid else [])
    if form is None:
        form = dashboard_filters.Asked(args, summary.areas)
    else:
        form.offer_areas(summary.areas)
    # The viewer's zone, where templating.viewer_zone looks first: the signed-in user is at
    # hand here (finding it again through current_user is some sixty calls).
    g.render_zone = zone = user.zone
    context = dict(
        form=form,
        board=dashboard.Dashboard(query=query, summary=summary, rows=rows, page=page),
        at=at,
        etag=tag("fragment"),
        poll_seconds=poll_seconds,
        # The page's links to itself, made once per query (chrome.link_to).
        poll_url=link_to("customer.home", **query.page_args(query.page)),
        page_url=lambda n: link_to("customer.home", **query.page_args(n)),
        clear_url=link_to("customer.home", **({"sort": query.sort}
                                              if query.sort != dashboard.DEFAULT_SORT else {})),
    )
    # The rows section in Python; a form with errors has the template draw it (and them).
    section = (dashboard_markup.section(organization=user.organization.name, zone=zone,
                                        **context)
               or Markup(render_template(FRAGMENT, **context)))
    # A str body (not Markup): portal.responses.PortalResponse's shortcut takes only a str.
    body = (str(section) if variant == "fragment"
            else dashboard_markup.page(user, dashboard_markup.content(user, form, section, zone)))
    # The response class straight away (what make_response does with a str and a status).
    response = app.response_class(body, 200 if valid else 422)
    response.set_etag(etag, weak=True)
    if valid and not previewing:
        live.offer((variant,), etag)
    return response
