"""The feed routes: token → owner (404 for anything unknown, revoked or deactivated), then a
304 from the validator alone or the document. No session, no cookie: the URL is the
credential, so responses are `Cache-Control: private` and rate-limited per token."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, current_app, request, url_for
from werkzeug.http import is_resource_modified

from portal.escalations.models import Escalation
from portal.extensions import limiter
from portal.feeds import documents
from portal.feeds.access import FeedOwner, open_feed

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

CACHE_CONTROL = "private, max-age=300"


def _feed_limit() -> str:
    return current_app.config["FEED_RATE_LIMIT"]


def _per_token() -> str:
    """The rate-limit key: the token's hash (the token itself is never stored, not even in
    the limiter's Redis)."""
    token = (request.view_args or {}).get("token", "")
    return "feed:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def _owner(token: str) -> FeedOwner:
    owner = open_feed(token)
    if owner is None:
        abort(404)
    return owner


def _links(owner: FeedOwner, page_url: str) -> documents.Links:
    def escalation_url(escalation_id: int) -> str:
        return url_for("customer.escalation", reference=Escalation.reference_of(escalation_id),
                       _external=True)

    def update_url(escalation_id: int, update_id: int) -> str:
        return url_for("customer.escalation", reference=Escalation.reference_of(escalation_id),
                       _anchor=f"update-{update_id}", _external=True)

    return documents.Links(self_url=request.base_url, page_url=page_url,
                           escalation_url=escalation_url, update_url=update_url)


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
    return _serve(documents.organization_updates(owner),
                  _links(owner, url_for("customer.home", _external=True)))


@bp.get("/<token>/escalations/<reference>.atom")
@limiter.limit(_feed_limit, key_func=_per_token)
def escalation_updates(token: str, reference: str):
    owner = _owner(token)
    escalation_id = Escalation.id_from_reference(reference)
    if escalation_id is None:
        abort(404)
    return _serve(documents.escalation_updates(owner, escalation_id),
                  _links(owner, url_for("customer.escalation", reference=reference.upper(),
                                        _external=True)))


@bp.get("/<token>/calendar.ics")
@limiter.limit(_feed_limit, key_func=_per_token)
def organization_calendar(token: str):
    owner = _owner(token)
    return _serve(documents.organization_calendar(owner),
                  _links(owner, url_for("customer.home", _external=True)))


def feed_urls(token: str) -> dict[str, str]:
    """The owner's feed URLs (the preferences page shows them)."""
    return {"updates": url_for("feeds.organization_updates", token=token, _external=True),
            "calendar": url_for("feeds.organization_calendar", token=token, _external=True)}


def escalation_feed_url(token: str, escalation_id: int) -> str:
    return url_for("feeds.escalation_updates", token=token,
                   reference=Escalation.reference_of(escalation_id), _external=True)
