"""The feed routes: token → owner (404 for anything unknown, revoked or deactivated), then a
304 from the validator alone or the document. No session, no cookie: the URL is the
credential, so responses are `Cache-Control: private` and rate-limited per token."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request, url_for
from werkzeug.http import is_resource_modified

from portal.escalations.models import Escalation
from portal.extensions import limiter
from portal.feeds import documents, shifts, tokens
from portal.feeds.access import FeedOwner, open_feed

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

CACHE_CONTROL = "private, max-age=300"


def _feed_limit() -> str:
    return current_app.config["FEED_RATE_LIMIT"]


def _per_token() -> str:
    """The rate-limit key: the token's hash (the token itself is never stored, not even in
    the limiter's Redis)."""
    token = (request.view_args or {}).get("token", "")
    return "feed:" + tokens.token_hash(token)[:32]


def _owner(token: str) -> FeedOwner:
    owner = open_feed(token)
    if owner is None:
        abort(404)
    return owner


def public_url(endpoint: str, **values) -> str:
    """An absolute URL on the portal's public address (PUBLIC_URL, as emails link): feed URLs
    are pasted into other apps, and a request's own host may be a proxy's inside address."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


def _links(page_url: str) -> documents.Links:
    def escalation_url(escalation_id: int) -> str:
        return public_url("customer.escalation",
                          reference=Escalation.reference_of(escalation_id))

    def update_url(escalation_id: int, update_id: int) -> str:
        return public_url("customer.escalation", reference=Escalation.reference_of(escalation_id),
                          _anchor=f"update-{update_id}")

    return documents.Links(self_url=public_url(request.endpoint, **(request.view_args or {})),
                           page_url=page_url, escalation_url=escalation_url,
                           update_url=update_url)


def _serve(feed: documents.Feed | None, links: documents.Links) -> Response:
    if feed is None:
        abort(404)
    if not is_resource_modified(request.environ, etag=feed.etag,
                                last_modified=feed.last_modified):
        response = Response(status=304)
    else:
        response = Response(feed.render(links), mimetype=feed.mimetype.split(";")[0])
        response.content_type = feed.mimetype
    response.set_etag(feed.etag, weak=True)
    if feed.last_modified is not None:
        response.last_modified = feed.last_modified
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/<token>/updates.atom")
@limiter.limit(_feed_limit, key_func=_per_token)
def organization_updates(token: str):
    owner = _owner(token)
    return _serve(documents.organization_updates(owner), _links(public_url("customer.home")))


@bp.get("/<token>/escalations/<reference>.atom")
@limiter.limit(_feed_limit, key_func=_per_token)
def escalation_updates(token: str, reference: str):
    owner = _owner(token)
    escalation_id = Escalation.id_from_reference(reference)
    if escalation_id is None:
        abort(404)
    return _serve(documents.escalation_updates(owner, escalation_id),
                  _links(public_url("customer.escalation",
                                    reference=Escalation.reference_of(escalation_id))))


@bp.get("/<token>/calendar.ics")
@limiter.limit(_feed_limit, key_func=_per_token)
def organization_calendar(token: str):
    owner = _owner(token)
    return _serve(documents.organization_calendar(owner), _links(public_url("customer.home")))


@bp.get("/<token>/shifts.ics")
@limiter.limit(_feed_limit, key_func=_per_token)
def my_shifts(token: str):
    """A staff member's own on-call shifts (portal.feeds.shifts); 404 for a customer's token."""
    owner = open_feed(token, customers_only=False)
    if owner is None or owner.is_customer:
        abort(404)
    return _serve(shifts.my_shifts(owner), _links(public_url("admin.oncall_pages")))


def shifts_url(token: str) -> str:
    return public_url("feeds.my_shifts", token=token)


def feed_urls(token: str) -> dict[str, str]:
    """The owner's feed URLs (the preferences page shows them)."""
    return {"updates": public_url("feeds.organization_updates", token=token),
            "calendar": public_url("feeds.organization_calendar", token=token)}


def escalation_feed_url(token: str, escalation_id: int) -> str:
    return public_url("feeds.escalation_updates", token=token,
                      reference=Escalation.reference_of(escalation_id))
