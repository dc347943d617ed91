"""The escalation page refreshes itself: one live region that polls its own URL with the ETag
it was drawn with, answered 304 (one statement beside the signed-in user) while nothing the
customer may see changed, and redrawn, with the forms kept as they were, when something did."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.accounts.models import User
from portal.clock import frozen_at, now
from portal.enums import Role, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from tests.factories import CANARY
from tests.querycount import counted_queries

HX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}


def _path(world) -> str:
    return f"/escalations/{world.escalation_a.reference}"


def _region_etag(html: str) -> str:
    return re.search(r'<div id="escalation-live"[^>]*data-etag="([0-9a-f]+)"', html,
                     re.S).group(1)


def _poll(client, world, etag: str):
    return client.get(_path(world), headers={**HX, "If-None-Match": f'W/"{etag}"'})


def _post(as_staff, world, body: str, visibility: Visibility) -> None:
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        ops.post_update(escalation, author=session.get(User, escalation.owner_id), body=body,
                        visibility=visibility)


@pytest.fixture
def viewer(auth, world):
    auth.login(world.customers_a[Role.VIEWER].email)
    return world.customers_a[Role.VIEWER]


def test_the_page_is_one_live_region_that_polls_itself(client, world, viewer):
    """The region polls this page's URL every POLL_INTERVAL_SECONDS, and the page's ETag is
    the region's: a reload with it answers 304 too."""
    response = client.get(_path(world))
    html = response.get_data(as_text=True)
    region = re.search(r'<div id="escalation-live"[^>]*>', html, re.S).group(0)
    assert f'hx-get="{_path(world)}"' in region
    assert 'hx-trigger="every 15s, live:refresh"' in region and "data-live" in region
    assert re.fullmatch(r'W/"[0-9a-f]{32}"', response.headers["ETag"])
    assert 'id="live-announcer"' in html and "refreshes every 15 s" in html
    again = client.get(_path(world), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_an_unchanged_poll_answers_304_with_one_statement(app, client, world, viewer):
    etag = _region_etag(client.get(_path(world)).get_data(as_text=True))
    first = client.get(_path(world), headers=HX)  # the region's own representation
    region_etag = first.headers["ETag"][3:-1]
    assert region_etag == _region_etag(first.get_data(as_text=True))
    assert region_etag != etag  # page and region are different representations
    with counted_queries(app) as statements:
        response = _poll(client, world, region_etag)
    assert response.status_code == 304
    assert response.headers["ETag"] == f'W/"{region_etag}"'
    assert response.get_data() == b""
    # The signed-in user, and the validator: nothing of the page is read.
    assert len(statements) <= 2, "\n\n".join(statements)


def test_an_internal_note_never_moves_the_validator(as_staff, client, world, viewer):
    region_etag = client.get(_path(world), headers=HX).headers["ETag"][3:-1]
    _post(as_staff, world, f"{CANARY} checking db-07", Visibility.INTERNAL)
    assert _poll(client, world, region_etag).status_code == 304


def test_a_customer_update_redraws_the_region_with_the_forms_kept(as_staff, client, world,
                                                                   viewer):
    """The poll after a customer update gets the region (not the page), with the update and
    its words for screen readers; the forms in it are marked to be kept as the person left
    them, which the page itself never does."""
    page = client.get(_path(world)).get_data(as_text=True)
    region_etag = client.get(_path(world), headers=HX).headers["ETag"][3:-1]
    _post(as_staff, world, "Root cause found: a **bad deploy**.", Visibility.CUSTOMER)
    response = _poll(client, world, region_etag)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.startswith('<div id="escalation-live"') and "<html" not in html
    assert "Root cause found: a <strong>bad deploy</strong>." in html
    assert _region_etag(html) == response.headers["ETag"][3:-1] != region_etag
    assert re.search(r'data-live-new="New on the timeline, from [^"]+\."', html)
    for kept in ('id="comment-form"', 'id="subscription"', 'id="escalation-request"'):
        assert re.search(kept + r'[^>]*hx-preserve', html), kept
        assert not re.search(kept + r'[^>]*hx-preserve', page), kept
    assert CANARY not in html


def test_the_viewers_own_choice_moves_the_validator(client, auth, world, viewer):
    region_etag = client.get(_path(world), headers=HX).headers["ETag"][3:-1]
    token = auth.csrf_token(_path(world))
    assert client.post(f"{_path(world)}/subscription", data={
        "subscription-csrf_token": token, "subscription-subscribed": "no"}).status_code == 302
    assert _poll(client, world, region_etag).status_code == 200


def test_another_organizations_escalation_is_404_with_or_without_a_validator(client, world,
                                                                             viewer):
    foreign = f"/escalations/{world.escalation_b.reference}"
    assert client.get(foreign, headers={**HX, "If-None-Match": 'W/"x"'}).status_code == 404
    assert client.get(foreign, headers=HX).status_code == 404


def test_the_minute_moves_the_validator(client, world, viewer):
    """Relative times and the SLA clocks read "in 3 h 59 min": a new minute redraws them."""
    start = now().replace(second=5, microsecond=0)
    with frozen_at(start):
        region_etag = client.get(_path(world), headers=HX).headers["ETag"][3:-1]
    with frozen_at(start + timedelta(seconds=50)):
        assert _poll(client, world, region_etag).status_code == 304
    with frozen_at(start + timedelta(seconds=60)):
        assert _poll(client, world, region_etag).status_code == 200
