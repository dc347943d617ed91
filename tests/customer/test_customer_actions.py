"""What customers do on their escalation page, over HTTP: with and without JavaScript."""

import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.enums import NotificationPreference, Party, Role, Status, StepStatus, Tier, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import (
    Escalation,
    EscalationRequest,
    RemediationStep,
    Subscription,
    SurveyResponse,
    Update,
)
from portal.notices.models import Notice
from tests import factories
from tests.factories import CANARY

HTMX = {"HX-Request": "true"}


def _signed_in(client, auth, world, role=Role.VIEWER) -> str:
    """Sign a customer of organization A in; return the CSRF token their pages carry."""
    auth.login(world.customers_a[role].email)
    return auth.csrf_token(f"/escalations/{world.escalation_a.reference}")


def _path(world, suffix=""):
    return f"/escalations/{world.escalation_a.reference}{suffix}"


def _count(as_staff, model, **where) -> int:
    with as_staff() as session:
        return session.scalar(select(func.count()).select_from(model).filter_by(**where))


def _notified(as_staff, event_prefix: str) -> set[str]:
    with as_staff() as session:
        return set(session.scalars(select(Notice.recipient).where(
            Notice.key.startswith(event_prefix))))


def _resolve(as_staff, world):
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
            ops.change_status(escalation, status, actor=agent)
        ops.change_status(escalation, Status.RESOLVED, actor=agent,
                          resolution_summary="Rolled back the release.")


# ---------------------------------------------------------------------------- comments

def test_comment_without_javascript_redirects_and_appears_on_the_timeline(as_staff, client,
                                                                            auth, world):
    """A customer posts a question; the page comes back with it on the timeline, and the
    owner and the communicator (not the customer's colleagues) are told."""
    token = _signed_in(client, auth, world)
    response = client.post(_path(world, "/comments"), data={
        "comment-csrf_token": token, "comment-body": "Is the **EU** region affected too?"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_path(world, "#timeline"))
    page = client.get(_path(world)).get_data(as_text=True)
    assert "Your comment is on the timeline" in page
    timeline = page[page.index('class="timeline" hx-disable'):]
    assert "Is the <strong>EU</strong> region affected too?" in timeline
    with as_staff() as session:
        update = session.scalars(select(Update).where(
            Update.body == "Is the **EU** region affected too?")).one()
        assert update.visibility == Visibility.CUSTOMER
        event = f"customer_comment:{update.id}:"
    owner, contact = world.staff[Role.AGENT], world.staff[Role.ACCOUNT_MANAGER]
    assert _notified(as_staff, event) == {owner.email, contact.email}


def test_comment_with_htmx_swaps_the_form_and_the_timeline(client, auth, world):
    """With JavaScript the form is replaced by a fresh one and the timeline updates in place."""
    _signed_in(client, auth, world)
    token = auth.csrf_token(_path(world))
    response = client.post(_path(world, "/comments"), headers={**HTMX, "X-CSRFToken": token},
                           data={"comment-body": "Thanks, we see recovery."})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.startswith('<div id="comment-form"') and "<html" not in body
    assert 'id="timeline" hx-swap-oob="true"' in body
    assert "Thanks, we see recovery." in body[body.index('id="timeline"'):]
    form = body[:body.index('id="timeline"')]
    assert "Thanks, we see recovery." not in form  # the textarea is empty again
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["no-js", "htmx"])
def test_empty_comment_is_refused_next_to_the_field(as_staff, client, auth, world, headers):
    """An empty comment answers 422 with the message by the field, and saves nothing."""
    token = _signed_in(client, auth, world)
    before = _count(as_staff, Update, escalation_id=world.escalation_a.id)
    response = client.post(_path(world, "/comments"), headers=headers,
                           data={"comment-csrf_token": token, "comment-body": "   "})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert re.search(r'id="comment-body-error">\s*<li class="field-error">'
                     r'<span class="field-error-prefix">Error:</span> Write your comment', body)
    assert 'aria-invalid="true"' in body
    assert ("<html" in body) is (not headers)
    assert _count(as_staff, Update, escalation_id=world.escalation_a.id) == before


@pytest.mark.parametrize("suffix,data", [
    ("/comments", {"comment-body": "hello"}),
    ("/escalation-requests", {"escalate-reason": "too slow"}),
    ("/subscription", {"subscription-subscribed": "no"}),
    ("/survey", {"survey-score": "5"}),
])
def test_actions_refuse_posts_without_a_csrf_token(as_staff, client, auth, world, suffix, data):
    """A forged cross-site post is refused and changes nothing."""
    _signed_in(client, auth, world)
    before = _count(as_staff, Update, escalation_id=world.escalation_a.id)
    assert client.post(_path(world, suffix), data=data).status_code == 400
    assert _count(as_staff, Update, escalation_id=world.escalation_a.id) == before


def test_step_completion_refuses_posts_without_a_csrf_token(client, auth, world):
    """Marking a step done needs the token too."""
    _signed_in(client, auth, world)
    step = world.customer_step_a
    response = client.post(_path(world, f"/steps/{step.id}/complete"),
                           data={f"step-{step.id}-note": "done"})
    assert response.status_code == 400


# ------------------------------------------------------------------ escalation request

def test_requesting_escalation_tells_managers_and_owner(as_staff, client, auth, world):
    """A customer asks for the next level with a reason: the page confirms, the timeline
    shows it, every escalation manager gets the request and the owner the timeline entry."""
    token = _signed_in(client, auth, world)
    response = client.post(_path(world, "/escalation-requests"), data={
        "escalate-csrf_token": token, "escalate-reason": "Orders have been failing for 3 h."})
    assert response.status_code == 302
    page = client.get(_path(world)).get_data(as_text=True)
    assert "Your request for the next level is in." in page
    assert "You asked for escalation on" in page and "Request escalation</button>" not in page
    assert "Requested escalation to the next level (L2): Orders have been failing for 3 h." in page
    with as_staff() as session:
        request = session.scalars(select(EscalationRequest)).one()
        assert request.requested_by_id == world.customers_a[Role.VIEWER].id
        managers = set(session.scalars(select(User.email).where(
            User.role == Role.ESCALATION_MANAGER, User.active.is_(True))))
        event = f"escalation_request:{request.id}:"
        entry_id = session.scalar(select(Update.id).where(
            Update.body.startswith("Requested escalation")))
    assert managers and _notified(as_staff, event) == managers
    assert world.staff[Role.AGENT].email in _notified(as_staff, f"customer_comment:{entry_id}:")


def test_requesting_escalation_with_htmx_confirms_in_place(client, auth, world):
    """With JavaScript the request box turns into a confirmation and the timeline updates."""
    _signed_in(client, auth, world)
    token = auth.csrf_token(_path(world))
    response = client.post(_path(world, "/escalation-requests"),
                           headers={**HTMX, "X-CSRFToken": token},
                           data={"escalate-reason": "Checkout still down"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.startswith('<section id="escalation-request"')
    assert re.search(r"role=\"status\">\s*<p>You asked for escalation on", body)
    assert 'id="timeline" hx-swap-oob="true"' in body
    assert "Requested escalation to the next level (L2): Checkout still down" in body


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["no-js", "htmx"])
def test_second_request_and_empty_reason_are_refused(as_staff, client, auth, world, headers):
    """An empty reason, or asking again while a request waits, answers 422 and saves nothing."""
    token = _signed_in(client, auth, world)
    post = lambda reason: client.post(  # noqa: E731
        _path(world, "/escalation-requests"), headers=headers,
        data={"escalate-csrf_token": token, "escalate-reason": reason})
    empty = post("")
    assert empty.status_code == 422
    assert "Say why this needs the next level." in empty.get_data(as_text=True)
    assert _count(as_staff, EscalationRequest) == 0
    assert post("Too slow").status_code == (200 if headers else 302)
    again = post("Still too slow")
    assert again.status_code == 422
    assert "You have already asked" in again.get_data(as_text=True)
    assert _count(as_staff, EscalationRequest) == 1


def test_no_escalation_request_at_management_or_after_resolution(as_staff, client, auth, world):
    """At the top tier the page says so instead of offering the form; resolved escalations
    refuse the request outright."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        escalation.tier = Tier.MANAGEMENT
    token = _signed_in(client, auth, world)
    page = client.get(_path(world)).get_data(as_text=True)
    assert "already with our management team" in page
    refused = client.post(_path(world, "/escalation-requests"),
                          data={"escalate-csrf_token": token, "escalate-reason": "Faster"})
    assert refused.status_code == 422
    assert "already with management" in refused.get_data(as_text=True)
    with as_staff() as session:
        session.get(Escalation, world.escalation_a.id).tier = Tier.L3
    _resolve(as_staff, world)
    assert "Escalate to the next level" not in client.get(_path(world)).get_data(as_text=True)
    refused = client.post(_path(world, "/escalation-requests"),
                          data={"escalate-csrf_token": token, "escalate-reason": "Faster"})
    assert refused.status_code == 422
    assert "resolved" in refused.get_data(as_text=True)
    assert _count(as_staff, EscalationRequest) == 0


# ------------------------------------------------------------------------ subscriptions

def test_unsubscribing_stops_emails_for_this_escalation(as_staff, client, auth, world):
    """After "Stop emails", the page says so and the next update emails colleagues only."""
    token = _signed_in(client, auth, world)
    viewer = world.customers_a[Role.VIEWER]
    response = client.post(_path(world, "/subscription"), data={
        "subscription-csrf_token": token, "subscription-subscribed": "no"})
    assert response.status_code == 302
    page = client.get(_path(world)).get_data(as_text=True)
    assert f"You do not get emails about {world.escalation_a.reference}" in page
    assert "Email me about updates" in page
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        update = ops.post_update(escalation, author=session.merge(world.staff[Role.AGENT]),
                                 visibility=Visibility.CUSTOMER, body="Patch deployed.")
        event = f"update:{update.id}:"
    recipients = _notified(as_staff, event)
    assert viewer.email not in recipients
    assert world.customers_a[Role.EXECUTIVE].email in recipients


def test_subscribing_again_with_htmx_swaps_the_box(as_staff, client, auth, world):
    """With JavaScript the email box flips in place; one row per person records the choice."""
    _signed_in(client, auth, world)
    token = auth.csrf_token(_path(world))
    headers = {**HTMX, "X-CSRFToken": token}
    for choice in ("no", "yes"):
        response = client.post(_path(world, "/subscription"), headers=headers,
                               data={"subscription-subscribed": choice})
        assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith('<section id="subscription"')
    assert re.search(r'role="status"><p>\s*You get an email for each update', body)
    assert "Stop emails about this escalation" in body
    assert _count(as_staff, Subscription, user_id=world.customers_a[Role.VIEWER].id) == 1


def test_subscription_refuses_a_made_up_value(client, auth, world):
    """Only "yes" or "no" are choices."""
    token = _signed_in(client, auth, world)
    response = client.post(_path(world, "/subscription"), data={
        "subscription-csrf_token": token, "subscription-subscribed": "maybe"})
    assert response.status_code == 422


# --------------------------------------------------------------- notification settings

def test_notification_settings_switch_to_a_daily_digest(as_staff, client, auth, world):
    """A customer picks the daily digest; the page confirms and the choice sticks."""
    _signed_in(client, auth, world)
    page = client.get("/account/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'checked[^>]*value="immediate"|value="immediate"[^>]*checked', html)
    token = auth.csrf_token("/account/notifications")
    response = client.post("/account/notifications",
                           data={"csrf_token": token, "preference": "daily_digest"})
    assert response.status_code == 302
    assert "one digest email a day" in client.get("/account/notifications").get_data(
        as_text=True)
    with as_staff() as session:
        viewer = session.get(User, world.customers_a[Role.VIEWER].id)
        assert viewer.notification_preference == NotificationPreference.DIGEST


def test_notification_settings_with_htmx_and_bad_input(client, auth, world):
    """With JavaScript the settings box confirms in place; a made-up choice answers 422."""
    _signed_in(client, auth, world)
    token = auth.csrf_token("/account/notifications")
    headers = {**HTMX, "X-CSRFToken": token}
    ok = client.post("/account/notifications", headers=headers,
                     data={"preference": "daily_digest"})
    assert ok.status_code == 200
    assert ok.get_data(as_text=True).startswith('<div id="notification-settings"')
    bad = client.post("/account/notifications", headers=headers, data={"preference": "hourly"})
    assert bad.status_code == 422
    assert 'id="preference-error"' in bad.get_data(as_text=True)


def test_notification_settings_list_muted_escalations(as_staff, client, auth, world):
    """Escalations the customer stopped emails for are listed, to find them again."""
    with as_staff() as session:
        ops.set_subscription(session.get(Escalation, world.escalation_a.id),
                             session.get(User, world.customers_a[Role.VIEWER].id), False)
    _signed_in(client, auth, world)
    html = client.get("/account/notifications").get_data(as_text=True)
    assert world.escalation_a.reference in html


# ----------------------------------------------------------------- customer-owned steps

def _complete(client, world, token, step_id, note, headers=None):
    return client.post(_path(world, f"/steps/{step_id}/complete"), headers=headers or {},
                       data={f"step-{step_id}-csrf_token": token, f"step-{step_id}-note": note})


def test_customer_marks_their_step_done_with_a_note(as_staff, client, auth, world):
    """The customer marks their step done; the plan shows it done with the note, and the
    timeline tells the owner."""
    token = _signed_in(client, auth, world)
    step = world.customer_step_a
    response = _complete(client, world, token, step.id, "Patched all 12 nodes at 14:00.")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#step-{step.id}")
    page = client.get(_path(world)).get_data(as_text=True)
    item = page[page.index(f'id="step-{step.id}"'):]
    item = item[:item.index("</li>")]
    assert "Done" in item and "Patched all 12 nodes at 14:00." in item
    assert "Mark done" not in item
    viewer = world.customers_a[Role.VIEWER]
    assert (f"{viewer.name} marked “Apply patch 4.2.1 on your side” done: "
            "Patched all 12 nodes at 14:00.") in page
    with as_staff() as session:
        saved = session.get(RemediationStep, step.id)
        assert saved.status == StepStatus.DONE and saved.completed_at is not None
        assert saved.completed_by_id == viewer.id
        update_id = session.scalars(select(Update.id).where(
            Update.body.contains("Patched all 12 nodes"))).one()
    assert world.staff[Role.AGENT].email in _notified(as_staff, f"customer_comment:{update_id}:")


def test_step_with_htmx_swaps_the_step_and_refuses_a_second_time(client, auth, world):
    """With JavaScript the step turns done in place; doing it again is refused with 422."""
    _signed_in(client, auth, world)
    token = auth.csrf_token(_path(world))
    headers = {**HTMX, "X-CSRFToken": token}
    step = world.customer_step_a
    done = _complete(client, world, token, step.id, "Applied", headers)
    body = done.get_data(as_text=True)
    assert done.status_code == 200
    assert body.startswith(f'<li id="step-{step.id}"')
    assert 'id="timeline" hx-swap-oob="true"' in body
    before = client.get(_path(world)).get_data(as_text=True)
    count = re.search(r'id="plan-progress"[^>]*>(\d+) of (\d+) steps done', before)
    # The plan's count rides along too: it never says fewer done than the step just marked.
    assert (f'<span id="plan-progress" class="small muted" hx-swap-oob="true">'
            f'{count[1]} of {count[2]} steps done</span>') in body
    again = _complete(client, world, token, step.id, "Applied twice", headers)
    assert again.status_code == 422
    assert "This step is already done." in again.get_data(as_text=True)


def test_step_note_is_required(as_staff, client, auth, world):
    """Without a note the step stays open and the message sits by the note field."""
    token = _signed_in(client, auth, world)
    step = world.customer_step_a
    response = _complete(client, world, token, step.id, "")
    assert response.status_code == 422
    assert f'id="step-{step.id}-note-error"' in response.get_data(as_text=True)
    with as_staff() as session:
        assert session.get(RemediationStep, step.id).status != StepStatus.DONE


def test_steps_the_customer_does_not_own_answer_404(as_staff, client, auth, world):
    """Vendor steps, internal steps and other escalations' steps cannot be marked done here."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        vendor = ops.add_remediation_step(escalation, actor=agent, title="Vendor fix")
        internal = ops.add_remediation_step(escalation, actor=agent, title="Internal",
                                            owner_party=Party.CUSTOMER,
                                            visibility=Visibility.INTERNAL)
        other = factories.make_escalation(escalation.organization, actor=agent)
        elsewhere = ops.add_remediation_step(other, actor=agent, title="Elsewhere",
                                             owner_party=Party.CUSTOMER)
        ids = [vendor.id, internal.id, elsewhere.id]
    token = _signed_in(client, auth, world)
    for step_id in [*ids, world.customer_step_b.id, 999999]:
        assert _complete(client, world, token, step_id, "done").status_code == 404, step_id


def test_own_escalation_with_a_foreign_step_answers_404(as_staff, client, auth, world):
    """Another organization's step, reached through one's own escalation, does not exist."""
    token = _signed_in(client, auth, world)
    foreign = world.customer_step_b
    response = _complete(client, world, token, foreign.id, "done")
    assert response.status_code == 404
    with as_staff() as session:
        assert session.get(RemediationStep, foreign.id).status != StepStatus.DONE


# ------------------------------------------------------------------------------ survey

def _rate(client, world, token, score, comment="", headers=None):
    return client.post(_path(world, "/survey"), headers=headers or {}, data={
        "survey-csrf_token": token, "survey-score": str(score), "survey-comment": comment})


def test_survey_is_not_offered_before_resolution(as_staff, client, auth, world):
    """While the escalation is open there is no survey, and a posted answer is refused."""
    token = _signed_in(client, auth, world)
    assert "How did we do?" not in client.get(_path(world)).get_data(as_text=True)
    response = _rate(client, world, token, 5)
    assert response.status_code == 422
    assert "once the escalation is resolved" in response.get_data(as_text=True)
    assert _count(as_staff, SurveyResponse) == 0


def test_survey_once_per_person_after_resolution(as_staff, client, auth, world):
    """After resolution a customer rates 4/5 once; then the form gives way to a thank-you and
    a second answer is refused. A colleague still gets to answer."""
    _resolve(as_staff, world)
    token = _signed_in(client, auth, world)
    page = client.get(_path(world)).get_data(as_text=True)
    assert "How did we do?" in page and 'name="survey-score"' in page
    assert _rate(client, world, token, 4, "Quick and clear.").status_code == 302
    page = client.get(_path(world)).get_data(as_text=True)
    assert "Thanks — you rated 4/5." in page and 'name="survey-score"' not in page
    again = _rate(client, world, token, 1)
    assert again.status_code == 422
    assert "already rated" in again.get_data(as_text=True)
    with as_staff() as session:
        answer = session.scalars(select(SurveyResponse)).one()
        assert (answer.score, answer.comment) == (4, "Quick and clear.")
    auth.logout(_path(world))
    token = _signed_in(client, auth, world, Role.EXECUTIVE)
    assert 'name="survey-score"' in client.get(_path(world)).get_data(as_text=True)


def test_survey_with_htmx_and_bad_scores(as_staff, client, auth, world):
    """With JavaScript the survey turns into its thank-you in place; a score outside 1–5 or
    none answers 422 by the field."""
    _resolve(as_staff, world)
    _signed_in(client, auth, world)
    token = auth.csrf_token(_path(world))
    headers = {**HTMX, "X-CSRFToken": token}
    for bad in (0, 6, ""):
        response = _rate(client, world, token, bad, headers=headers)
        assert response.status_code == 422
        assert 'id="survey-score-error"' in response.get_data(as_text=True)
    ok = _rate(client, world, token, 5, headers=headers)
    body = ok.get_data(as_text=True)
    assert ok.status_code == 200 and body.startswith('<section id="survey"')
    assert "Thanks — you rated 5/5." in body


# ------------------------------------------------------------------------------ canary

def test_no_action_response_carries_internal_rows(as_staff, client, auth, world):
    """Every page and fragment an action answers, success or refusal, is free of the canary."""
    step = world.customer_step_a
    _signed_in(client, auth, world)
    token = auth.csrf_token(_path(world))
    posts = [
        ("/comments", {"comment-body": "Any news?"}),
        ("/comments", {"comment-body": ""}),
        ("/escalation-requests", {"escalate-reason": "Faster please"}),
        ("/escalation-requests", {"escalate-reason": "Again"}),
        ("/subscription", {"subscription-subscribed": "no"}),
        ("/subscription", {"subscription-subscribed": "bogus"}),
        (f"/steps/{step.id}/complete", {f"step-{step.id}-note": ""}),
        (f"/steps/{step.id}/complete", {f"step-{step.id}-note": "Done it"}),
        ("/survey", {"survey-score": "3"}),
    ]
    bodies = []
    for headers in ({"X-CSRFToken": token}, {**HTMX, "X-CSRFToken": token}):
        for suffix, data in posts:
            response = client.post(_path(world, suffix), headers=headers, data=data,
                                   follow_redirects=True)
            bodies.append((suffix, response.get_data(as_text=True)))
    _resolve(as_staff, world)
    bodies.append(("page", client.get(_path(world)).get_data(as_text=True)))
    response = client.post(_path(world, "/survey"), headers={**HTMX, "X-CSRFToken": token},
                           data={"survey-score": "3"})
    bodies.append(("survey", response.get_data(as_text=True)))
    bodies.append(("settings", client.get("/account/notifications").get_data(as_text=True)))
    for name, body in bodies:
        assert CANARY not in body, name
        assert "10.0.3.7" not in body, name


def test_staff_are_sent_to_their_console(client, auth, world):
    """Customer actions are for customers: staff land in the console instead."""
    auth.login(world.staff[Role.AGENT].email)
    token = auth.csrf_token("/admin/")
    response = client.post(_path(world, "/comments"), headers={"X-CSRFToken": token},
                           data={"comment-body": "hello"})
    assert response.status_code == 302 and "/admin" in response.headers["Location"]
