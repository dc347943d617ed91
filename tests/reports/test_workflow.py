"""The review's life: started on a resolved escalation, edited, submitted, published with a
confirmation (telling executives and subscribers), revised into new versions, and its actions
kept live after publication."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.enums import Role, StepStatus, UpdateKind
from portal.escalations.models import Update
from portal.notices.models import Notice
from portal.operations import OperationError
from portal.outreach.rendering import render_email
from portal.reports import operations as reports
from portal.reports.models import Review, ReviewAction, ReviewState, ReviewVersion
from tests.downloads import download, run_render_jobs
from tests.factories import CANARY
from tests.reports.conftest import INTERNAL_CANARY, resolve


def _user(session, world, role):
    return session.get(type(world.staff[role]), world.staff[role].id)


def test_a_review_waits_for_resolution(world, as_staff):
    """An open escalation has no review yet."""
    with as_staff() as session:
        escalation = session.merge(world.escalation_a)
        with pytest.raises(OperationError, match="resolved"):
            reports.start_review(escalation, actor=_user(session, world, Role.AGENT))


def test_a_review_starts_from_the_customer_visible_timeline(world, as_staff):
    """The report's timeline starts with staff's customer updates ticked: no internal note,
    no system entry, and no highlight copied from them."""
    with as_staff() as session:
        agent = _user(session, world, Role.AGENT)
        escalation = session.merge(world.escalation_a)
        resolve(escalation, agent)
        review = reports.start_review(escalation, actor=agent)
        chosen = [session.get(Update, update_id) for update_id in review.timeline_choices]
        texts = " ".join(update.body for update in chosen)
        assert "We are investigating the Acme Logistics outage." in texts
        assert CANARY not in texts
        kinds = {update.kind for update in chosen}
        assert UpdateKind.NOTE in kinds
        assert UpdateKind.TIER_CHANGE not in kinds  # the system wrote it
        assert review.timeline_highlights == []
        assert review.state == ReviewState.DRAFT
        with pytest.raises(OperationError, match="already"):
            reports.start_review(escalation, actor=agent)
        session.rollback()


def test_publishing_needs_review_and_confirmation_and_tells_the_customer(world, as_staff):
    """Draft → in review → published (confirmed): executives and subscribers are queued."""
    with as_staff() as session:
        manager = _user(session, world, Role.ESCALATION_MANAGER)
        escalation = session.merge(world.escalation_a)
        resolve(escalation, manager)
        review = reports.start_review(escalation, actor=manager)
        with pytest.raises(OperationError, match="root cause"):
            reports.submit_review(review, actor=manager)
        reports.save_review(review, actor=manager, values={
            "executive_summary": "Down for an hour.", "root_cause": "Certificate.",
            "internal_analysis": INTERNAL_CANARY})
        with pytest.raises(OperationError, match="Submit"):
            reports.publish_review(review, actor=manager, confirmed=True)
        reports.submit_review(review, actor=manager)
        with pytest.raises(OperationError, match="Confirm"):
            reports.publish_review(review, actor=manager, confirmed=False)
        version = reports.publish_review(review, actor=manager, confirmed=True)
        session.flush()
        assert version.number == 1 and review.state == ReviewState.PUBLISHED
        assert INTERNAL_CANARY not in str(version.content)
        notices = session.scalars(select(Notice).where(Notice.event == "review_published")).all()
        recipients = {n.recipient for n in notices}
        assert {u.email for u in world.customers_a.values()} <= recipients
        assert not {u.email for u in world.customers_b.values()} & recipients
        email = render_email(notices[0])
        assert "post-incident report" in email.text and escalation.reference in email.subject
        assert INTERNAL_CANARY not in email.html
        session.rollback()


def test_revisions_make_new_versions_and_keep_the_old_ones(client, auth, world, published,
                                                           as_staff):
    """Editing a published review starts a draft; publishing again makes version 2; both
    versions stay downloadable, each labelled with its version."""
    with as_staff() as session:
        manager = _user(session, world, Role.ESCALATION_MANAGER)
        review = session.get(Review, published.review_a.id)
        reports.save_review(review, actor=manager, values={"executive_summary": "Revised."})
        assert review.state == ReviewState.DRAFT and review.latest_version == 1
        reports.submit_review(review, actor=manager)
        reports.publish_review(review, actor=manager, confirmed=True)
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    page = client.get(f"/escalations/{published.reference_a}/report").get_data(as_text=True)
    assert "Version 2" in page and "Version 1" in page and "Revised." in page
    for number in (1, 2):
        response = download(client, f"/escalations/{published.reference_a}/report/v{number}.pdf")
        assert response.status_code == 200
        assert f"v{number}.pdf" in response.headers["Content-Disposition"]


def test_completing_an_action_after_publication_tells_the_customer(world, published, as_staff,
                                                                   client, auth):
    """Actions stay live: done shows in the portal, and the customer gets a notice once."""
    with as_staff() as session:
        agent = _user(session, world, Role.AGENT)
        action = session.scalar(select(ReviewAction).where(
            ReviewAction.review_id == published.review_a.id))
        reports.update_action(action, actor=agent, title=action.title, owner=action.owner,
                              due_on=action.due_on, status=StepStatus.DONE)
        reports.update_action(action, actor=agent, title=action.title, owner=action.owner,
                              due_on=action.due_on, status=StepStatus.DONE)
        session.flush()
        notices = session.scalars(select(Notice).where(
            Notice.event == "review_action_completed")).all()
        assert len({n.recipient for n in notices}) == len(notices) > 0
        assert "Automate certificate renewal" in render_email(notices[0]).subject
    auth.login(world.customers_a[Role.VIEWER].email)
    page = client.get(f"/escalations/{published.reference_a}/report").get_data(as_text=True)
    assert "1 of 1" in page


# ------------------------------------------------------------------ the console tab

def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("role, can_edit", [(Role.AGENT, True), (Role.ACCOUNT_MANAGER, False),
                                            (Role.ESCALATION_MANAGER, True),
                                            (Role.ADMINISTRATOR, True)])
def test_the_review_tab_by_role(client, auth, world, published, role, can_edit):
    """Every staff role reads the tab; only those who work escalations may edit."""
    auth.login(world.staff[role].email)
    path = f"/admin/escalations/{world.escalation_a.id}/review"
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert INTERNAL_CANARY in html or not can_edit  # staff see the internal analysis
    token = _token(client, path) if "csrf_token" in html else auth.csrf_token("/admin/")
    response = client.post(f"{path}/actions", data={
        "csrf_token": token, "new-action-title": "Add chain monitoring",
        "new-action-owner": "SRE", "new-action-status": "planned"})
    assert response.status_code == (302 if can_edit else 403)


def test_the_editor_saves_and_refuses_bad_input_with_422(client, auth, world, published,
                                                         as_staff):
    """A bad highlight time answers 422 beside the field and changes nothing."""
    auth.login(world.staff[Role.AGENT].email)
    path = f"/admin/escalations/{world.escalation_a.id}/review"
    token = _token(client, path)
    data = {"csrf_token": token, "executive_summary": "Changed summary",
            "root_cause": "Certificate.", "highlights-0-at": "yesterday",
            "highlights-0-text": "Something happened"}
    response = client.post(path, data=data)
    assert response.status_code == 422
    assert "2026-11-02 14:05" in response.get_data(as_text=True)
    with as_staff() as session:
        assert session.get(Review, published.review_a.id).executive_summary != "Changed summary"
    data["highlights-0-at"] = "2026-11-02 14:05"
    assert client.post(path, data=data).status_code == 302
    with as_staff() as session:
        review = session.get(Review, published.review_a.id)
        assert review.executive_summary == "Changed summary"
        assert review.state == ReviewState.DRAFT  # a revision of version 1
        assert [h["text"] for h in review.timeline_highlights] == ["Something happened"]


def test_publishing_from_the_console_takes_a_confirmation(client, auth, world, published,
                                                          as_staff):
    """Without the box ticked the publish form answers 422; ticked, the PDF is made first
    (the progress page) and then version 2 is out."""
    with as_staff() as session:
        review = session.get(Review, published.review_a.id)
        manager = _user(session, world, Role.ESCALATION_MANAGER)
        reports.save_review(review, actor=manager, values={"lessons_learned": "More."})
        reports.submit_review(review, actor=manager)
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    path = f"/admin/escalations/{world.escalation_a.id}/review/publish"
    page = client.get(path)
    assert page.status_code == 200
    token = _token(client, path)
    assert client.post(path, data={"csrf_token": token}).status_code == 422
    answer = client.post(path, data={"csrf_token": token, "confirm": "y"})
    assert answer.status_code == 303 and "/admin/reports/preparing/" in answer.location
    progress = client.get(answer.location)
    assert progress.status_code == 200 and "the PDF is being made first" in progress.text
    with as_staff() as session:
        assert session.get(Review, published.review_a.id).latest_version == 1  # not yet
    run_render_jobs(client.application)
    with as_staff() as session:
        assert session.scalar(select(ReviewVersion.number).where(
            ReviewVersion.review_id == published.review_a.id).order_by(
            ReviewVersion.number.desc()).limit(1)) == 2


def test_staff_download_any_organizations_summary(client, auth, world, published):
    """The console offers each organization's quarter summary to staff."""
    auth.login(world.staff[Role.AGENT].email)
    response = download(client, f"/admin/organizations/{world.org_b.id}/summary.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert download(client, f"/admin/organizations/{world.org_b.id}/summary.pdf?period=x"
                    ).status_code == 404


@pytest.mark.parametrize(("days_after_due", "marked"), [(-1, False), (0, False), (1, True)])
def test_an_action_done_after_its_due_date_is_marked_done_late(world, published, as_staff,
                                                               client, auth, days_after_due,
                                                               marked):
    """Done on or before the due day (in the organization's timezone): just done. Done on a
    later day: done, and late."""
    from datetime import timedelta

    from portal.clock import frozen_at, now

    with as_staff() as session:
        agent = _user(session, world, Role.AGENT)
        action = session.scalar(select(ReviewAction).where(
            ReviewAction.review_id == published.review_a.id))
        zone = action.review.escalation.organization.zone
        due = now().astimezone(zone).date() + timedelta(days=3)
        with frozen_at(now() + timedelta(days=3 + days_after_due)):
            reports.update_action(action, actor=agent, title=action.title, owner=action.owner,
                                  due_on=due, status=StepStatus.DONE)
    auth.login(world.customers_a[Role.VIEWER].email)
    page = client.get(f"/escalations/{published.reference_a}/report").get_data(as_text=True)
    row = page[page.index("Automate certificate renewal"):]
    row = row[:row.index("</tr>")]
    assert "Done</span>" in row
    assert ('<span class="badge badge-late">Done late</span>' in row) is marked
    assert "badge-late\">Late<" not in row  # a done action is never "late" without "done"


def test_the_remediation_actions_export_as_csv(world, published, as_staff, client, auth):
    """Everyone who reads the review exports its actions as they stand, late ones marked;
    nobody of another organization can."""
    import csv
    import io

    auth.login(world.customers_a[Role.VIEWER].email)
    page = client.get(f"/escalations/{published.reference_a}/report").get_data(as_text=True)
    path = f"/escalations/{published.reference_a}/report/actions.csv"
    assert f'href="{path}" download>Download the actions as CSV' in page
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    heading, *rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert heading[:4] == ["Action", "Owner", "Due", "Status"]
    assert [row[0] for row in rows] == ["Automate certificate renewal"]
    assert CANARY not in response.get_data(as_text=True)
    auth.logout("/escalations")
    auth.login(world.customers_b[Role.VIEWER].email)
    assert client.get(path).status_code == 404


def test_an_action_added_before_publishing_is_listed_once(world, published, as_staff):
    """An action added in the session that publishes appears once in the report, not twice."""
    with as_staff() as session:
        review = session.get(Review, published.review_a.id)
        content = review.versions[0].content
        assert [a["title"] for a in content["actions"]] == ["Automate certificate renewal"]
