"""The Timeline tab: internal notes and customer updates, the confirmation step with its
internal-text warning, the live preview, corrections and retractions."""

import re
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.clock import now
from portal.enums import Role, Visibility
from portal.escalations.models import Escalation, Update, UpdateRevision
from portal.notices.models import Notice
from tests import factories
from tests.conftest import csrf_token_from
from tests.factories import CANARY
from tests.querycount import counted_queries as counting

LATER = (now() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")


def _url(world, suffix=""):
    return f"/admin/escalations/{world.escalation_a.id}/timeline{suffix}"


def _post(client, world, **data):
    token = csrf_token_from(client.get(_url(world)).get_data(as_text=True))
    return client.post(_url(world), data={"csrf_token": token, **data})


def _publish(client, world, body, *, checked=False, next_update_by=LATER):
    """The two steps of publishing to the customer, as a browser without JavaScript does."""
    first = _post(client, world, visibility="customer", body=body,
                  next_update_by=next_update_by, step="compose")
    assert first.status_code == 200, first.get_data(as_text=True)
    data = {"visibility": "customer", "body": body, "next_update_by": next_update_by,
            "step": "confirm"}
    if checked:
        data["checked"] = "y"
    return _post(client, world, **data), first


def _count(as_staff, model, *criteria):
    with as_staff() as session:
        return session.scalar(select(func.count()).select_from(model).where(*criteria))


counted_queries = partial(counting, kinds=("SELECT", "WITH"))


def _customer_page(client, auth, world):
    auth.login(world.customers_a[Role.VIEWER].email)
    return client.get(f"/escalations/{world.escalation_a.reference}").get_data(as_text=True)


def test_the_timeline_marks_internal_entries_unmistakably(client, auth, world):
    """Staff see every entry; internal ones say so in words, customer ones too."""
    auth.login(world.staff[Role.AGENT].email)
    html = client.get(_url(world)).get_data(as_text=True)
    assert CANARY in html
    assert "Internal — never shown to the customer" in html and "Visible to customer" in html
    assert "entry-internal" in html and 'aria-current="page">Timeline' in html


def test_the_timeline_reads_in_a_constant_number_of_queries(app, client, auth, world,
                                                            as_staff):
    """Ten more entries cost no extra query."""
    auth.login(world.staff[Role.AGENT].email)
    with counted_queries(app) as few:
        client.get(_url(world))
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        from portal.escalations.operations.updates import post_update
        for n in range(10):
            post_update(escalation, author=agent, body=f"note {n}",
                        visibility=Visibility.INTERNAL)
    with counted_queries(app) as many:
        client.get(_url(world))
    assert len(many) == len(few)


def test_an_internal_note_never_reaches_customers_or_notices(client, auth, world, as_staff):
    """A note is added at once; the customer's page and the outbox never see it."""
    auth.login(world.staff[Role.AGENT].email)
    before = _count(as_staff, Notice)
    response = _post(client, world, visibility="internal", body="SECRET-note db-07.internal")
    assert response.status_code == 302
    assert _count(as_staff, Update, Update.body == "SECRET-note db-07.internal") == 1
    assert _count(as_staff, Notice) == before
    auth.logout(_url(world))
    assert "SECRET-note" not in _customer_page(client, auth, world)


def test_a_customer_update_is_confirmed_first_then_notices_go_out_once(client, auth, world,
                                                                       as_staff):
    """The first step shows the text as the customer will read it and publishes nothing."""
    auth.login(world.staff[Role.AGENT].email)
    before = _count(as_staff, Notice)
    response, first = _publish(client, world, body="We found the cause: **a bad config**.")
    confirm = first.get_data(as_text=True)
    assert "<strong>a bad config</strong>" in confirm and "Publish to customer" in confirm
    assert "subscriber" in confirm
    assert response.status_code == 302
    with as_staff() as session:
        update = session.scalars(select(Update).where(
            Update.body == "We found the cause: **a bad config**.")).one()
        assert update.visibility == Visibility.CUSTOMER and update.next_update_by is not None
        keys = session.scalars(select(Notice.key).where(Notice.id > 0)).all()
        mine = [k for k in keys if k.startswith(f"update:{update.id}")]
        escalation = session.get(Escalation, world.escalation_a.id)
        assert escalation.customer_changed_at >= update.created_at
    assert mine and len(mine) == len(set(mine))
    assert _count(as_staff, Notice) - before == len(mine)
    auth.logout(_url(world))
    assert "a bad config" in _customer_page(client, auth, world)


def test_the_composer_defaults_to_internal_and_to_the_sla_cadence(client, auth, world):
    """Internal is pre-selected; "next update by" is pre-filled from the cadence."""
    auth.login(world.staff[Role.AGENT].email)
    html = client.get(_url(world)).get_data(as_text=True)
    assert re.search(r'<input checked [^>]*value="internal"', html)
    assert re.search(r'name="next_update_by" type="text" value="2\d{3}-\d\d-\d\d \d\d:\d\d"', html)
    assert 'hx-trigger="input changed delay:400ms"' in html


def test_internal_looking_text_blocks_publication_until_checked(client, auth, world, as_staff):
    """Hostnames and IP addresses are flagged; publishing needs the author's tick."""
    auth.login(world.staff[Role.AGENT].email)
    body = "Restarted db-07.internal (10.0.3.7) and it is fine now."
    response, first = _publish(client, world, body=body)
    assert "db-07.internal" in first.get_data(as_text=True)
    assert "I checked: nothing internal" in first.get_data(as_text=True)
    assert response.status_code == 422
    assert "tick this" in response.get_data(as_text=True)
    assert _count(as_staff, Update, Update.body == body) == 0
    response, _ = _publish(client, world, body=body, checked=True)
    assert response.status_code == 302
    assert _count(as_staff, Update, Update.body == body) == 1


def test_going_back_keeps_the_text(client, auth, world, as_staff):
    """"Back to edit" returns to the composer with the text, and publishes nothing."""
    auth.login(world.staff[Role.AGENT].email)
    response = _post(client, world, visibility="customer", body="Draft text here",
                     next_update_by=LATER, step="confirm", back="1")
    assert response.status_code == 200
    assert "Draft text here</textarea>" in response.get_data(as_text=True)
    assert _count(as_staff, Update, Update.body == "Draft text here") == 0


@pytest.mark.parametrize(("data", "message"), [
    ({"visibility": "internal", "body": "   "}, "Write something before posting."),
    ({"visibility": "customer", "body": "Hi", "next_update_by": ""},
     "Say when the customer will hear from us next."),
    ({"visibility": "customer", "body": "Hi",
      "next_update_by": (now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")},
     "must be promised for a time in the future"),
    # A browser's US display, the old datetime-local shape, and no such day: all refused.
    ({"visibility": "customer", "body": "Hi", "next_update_by": "12/07/2026 02:30 PM"},
     "Write the date and time as 2026-12-07 14:30"),
    ({"visibility": "customer", "body": "Hi", "next_update_by": "2026-12-07T14:30"},
     "Write the date and time as 2026-12-07 14:30"),
    ({"visibility": "customer", "body": "Hi", "next_update_by": "2026-02-30 14:30"},
     "Write the date and time as 2026-12-07 14:30"),
    ({"visibility": "customer", "body": "Hi", "next_update_by": "9999-12-31 23:59"},
     "Give a date between 1970 and 9998."),
])
def test_bad_input_answers_422_beside_the_field(client, auth, world, as_staff, data, message):
    auth.login(world.staff[Role.AGENT].email)
    before = _count(as_staff, Update)
    response = _post(client, world, step="compose", **data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert _count(as_staff, Update) == before


def test_the_preview_renders_like_the_portal_and_strips_scripts(client, auth, world):
    """The live preview sanitizes exactly like the customer portal."""
    auth.login(world.staff[Role.AGENT].email)
    token = auth.csrf_token(_url(world))
    response = client.post(_url(world, "/preview"), headers={"HX-Request": "true"}, data={
        "csrf_token": token, "visibility": "customer",
        "body": "**bold** <script>alert(1)</script> [x](javascript:alert(1)) on 10.1.2.3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="preview"')
    assert "<strong>bold</strong>" in html and "<script>" not in html
    html = html.replace("[x](javascript:alert(1))", "")
    assert "href=\"javascript" not in html
    assert "10.1.2.3" in html and "This may be internal" in html


def test_the_preview_needs_the_csrf_token(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    assert client.post(_url(world, "/preview"), data={"body": "x"}).status_code == 400


def test_a_template_fills_the_composer_for_this_escalation(client, auth, world, as_staff):
    from portal.escalations.models import UpdateTemplate

    with as_staff() as session:
        template = UpdateTemplate(name="Hello", body="Dear {customer_name}, about {reference}.")
        session.add(template)
        session.flush()
        template_id = template.id
    auth.login(world.staff[Role.AGENT].email)
    html = client.get(_url(world) + f"?template={template_id}").get_data(as_text=True)
    assert f"Dear Acme Logistics, about {world.escalation_a.reference}.</textarea>" in html
    assert re.search(r'<input checked [^>]*value="customer"', html)


def _first_customer_update(as_staff, world):
    with as_staff() as session:
        return session.scalars(select(Update).where(
            Update.escalation_id == world.escalation_a.id,
            Update.visibility == Visibility.CUSTOMER)).first().id


def test_a_correction_is_audited_and_customers_see_corrected_not_the_old_text(
        client, auth, world, as_staff):
    update_id = _first_customer_update(as_staff, world)
    auth.login(world.staff[Role.AGENT].email)  # the author
    url = _url(world, f"/{update_id}/edit")
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "body": "We are fixing it now.",
                                      "reason": "typo"})
    assert response.status_code == 302
    with as_staff() as session:
        update = session.get(Update, update_id)
        assert update.edited_at is not None and update.body == "We are fixing it now."
        revision = session.scalars(select(UpdateRevision).where(
            UpdateRevision.update_id == update_id)).one()
        assert "We are investigating the Acme Logistics outage." in revision.body
        event_ = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "update.edited", AuditEvent.object_id == update_id)).one()
        assert event_.detail["after"] == {"body": "We are fixing it now."}
    history = client.get(_url(world, f"/{update_id}/history")).get_data(as_text=True)
    assert "We are investigating the Acme Logistics outage." in history
    auth.logout(_url(world))
    page = _customer_page(client, auth, world)
    assert "Corrected" in page and "We are fixing it now." in page
    assert "We are investigating the Acme Logistics outage." not in page


def test_a_retraction_leaves_a_stub_for_customers(client, auth, world, as_staff):
    update_id = _first_customer_update(as_staff, world)
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)  # not the author, but senior
    url = _url(world, f"/{update_id}/retract")
    token = csrf_token_from(client.get(_url(world, f"/{update_id}/edit")).get_data(
        as_text=True))
    assert client.post(url, data={"csrf_token": token}).status_code == 422
    response = client.post(url, data={"csrf_token": token, "retract-reason": "wrong customer"})
    assert response.status_code == 302
    assert _count(as_staff, AuditEvent, AuditEvent.action == "update.retracted") == 1
    auth.logout(_url(world))
    page = _customer_page(client, auth, world)
    assert "This update was retracted" in page
    assert "We are investigating the Acme Logistics outage." not in page


def test_only_the_author_or_a_manager_may_correct(client, auth, world, as_staff):
    from portal.escalations.operations.updates import post_update

    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        manager = session.merge(world.staff[Role.ESCALATION_MANAGER])
        update = post_update(escalation, author=manager, body="Manager's note",
                             visibility=Visibility.INTERNAL)
        session.flush()
        update_id = update.id
    auth.login(world.staff[Role.AGENT].email)
    assert client.get(_url(world, f"/{update_id}/edit")).status_code == 403
    token = auth.csrf_token(_url(world))
    assert client.post(_url(world, f"/{update_id}/retract"),
                       data={"csrf_token": token, "retract-reason": "x"}).status_code == 403


@pytest.mark.parametrize(("manages", "expected"), [(True, 302), (False, 403)])
def test_account_managers_publish_only_to_their_own_accounts(client, auth, world, as_staff,
                                                              manages, expected):
    manager = world.staff[Role.ACCOUNT_MANAGER]
    with as_staff() as session:
        factories.detach_account_manager(session, world)
        escalation = session.get(Escalation, world.escalation_a.id)
        escalation.organization.account_manager_id = manager.id if manages else None
    auth.login(manager.email)
    response, _ = (_publish(client, world, body="From your account manager")
                   if manages else (_post(client, world, visibility="customer", body="x",
                                          next_update_by=LATER), None))
    assert response.status_code == expected


def test_account_managers_cannot_post_internal_notes(client, auth, world):
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    assert _post(client, world, visibility="internal", body="note").status_code == 403


def test_customers_cannot_reach_the_timeline(client, auth, world):
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    assert client.get(_url(world)).status_code == 403


def test_a_form_sent_twice_publishes_once(client, auth, world, as_staff):
    """A double-clicked "Publish" tells the customer once."""
    auth.login(world.staff[Role.AGENT].email)
    body = "Double-clicked update"
    first, _ = _publish(client, world, body=body)
    second, _ = _publish(client, world, body=body)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(as_staff, Update, Update.body == body) == 1
    _post(client, world, visibility="internal", body="twice")
    _post(client, world, visibility="internal", body="twice")
    assert _count(as_staff, Update, Update.body == "twice") == 1


def test_a_held_update_sent_twice_is_held_once(client, auth, world, as_staff):
    from portal.escalations.models import UpdateApproval
    from portal.escalations.operations.updates import APPROVAL_REQUIRED_SEVERITIES
    from portal.settings import set_setting

    with as_staff() as session:
        severity = session.get(Escalation, world.escalation_a.id).severity
        set_setting(APPROVAL_REQUIRED_SEVERITIES[0], [severity], actor=None)
    auth.login(world.staff[Role.AGENT].email)
    _publish(client, world, body="Held twice")
    _publish(client, world, body="Held twice")
    assert _count(as_staff, UpdateApproval, UpdateApproval.body == "Held twice") == 1


def test_an_account_manager_reads_other_accounts_timelines_without_a_composer(client, auth,
                                                                             world, as_staff):
    with as_staff() as session:
        factories.detach_account_manager(session, world)
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    html = client.get(_url(world)).get_data(as_text=True)
    assert 'id="composer"' not in html and "for their own accounts" in html


def test_next_update_by_is_typed_as_a_date_and_time_in_the_authors_zone(client, auth, world,
                                                                        as_staff):
    """"2026-12-07 14:30" with the author's zone named beside the field; that wall-clock time
    in that zone is what the customer is promised."""
    auth.login(world.staff[Role.AGENT].email)
    with as_staff() as session:
        zone = session.get(type(world.staff[Role.AGENT]), world.staff[Role.AGENT].id).zone
    html = client.get(_url(world)).get_data(as_text=True)
    assert re.search(r'id="next_update_by-suffix">' + re.escape(zone.key) + "<", html)
    assert 'aria-describedby="next_update_by-help next_update_by-suffix"' in html
    local = (now() + timedelta(days=3)).astimezone(zone).replace(second=0, microsecond=0)
    response, _ = _publish(client, world, body="Typed promise", checked=True,
                           next_update_by=local.strftime("%Y-%m-%d %H:%M"))
    assert response.status_code == 302
    with as_staff() as session:
        update = session.scalars(select(Update).where(Update.body == "Typed promise")).one()
        assert update.next_update_by == local
