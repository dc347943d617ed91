"""Staff choose which timeline entries the review's report carries: staff updates and
milestones by default, customer comments only when ticked, internal entries never."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.clock import now
from portal.enums import Role, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Update
from portal.escalations.operations.customer import comment_on_escalation
from portal.operations import OperationError
from portal.reports import operations as reports
from portal.reports.content import build_content
from portal.reports.models import Review
from tests.factories import CANARY
from tests.reports.conftest import resolve

COMMENT = "Our warehouse team saw the errors at 09:12, word for word."


def _start(session, world):
    agent = session.get(type(world.staff[Role.AGENT]), world.staff[Role.AGENT].id)
    escalation = session.merge(world.escalation_a)
    viewer = session.get(type(world.customers_a[Role.VIEWER]), world.customers_a[Role.VIEWER].id)
    comment_on_escalation(escalation, author=viewer, body=COMMENT)
    resolve(escalation, agent)
    return agent, escalation, reports.start_review(escalation, actor=agent)


def _texts(review) -> str:
    content = build_content(review, version=1, published_at=now())
    return " ".join(item["text"] for item in content["timeline"])


def test_the_default_leaves_customer_comments_out(world, as_staff):
    """A new review's report carries staff's updates, not the customer's comment."""
    with as_staff() as session:
        _, _, review = _start(session, world)
        texts = _texts(review)
        assert "We are investigating the Acme Logistics outage." in texts
        assert COMMENT not in texts
        assert CANARY not in texts
        session.rollback()


def test_ticking_an_entry_puts_it_in_the_report(world, as_staff):
    """Ticking the comment and unticking the staff update is what the report then says."""
    with as_staff() as session:
        agent, escalation, review = _start(session, world)
        comment = session.scalar(select(Update).where(Update.body == COMMENT))
        reports.save_review(review, actor=agent, values={}, timeline_choices=[comment.id])
        content = build_content(review, version=1, published_at=now())
        assert [item["text"] for item in content["timeline"]] == [COMMENT]
        assert content["timeline"][0]["label"] == "Your team"
        session.rollback()


def test_an_internal_or_foreign_entry_cannot_be_chosen(world, as_staff):
    """An internal note's id or another organization's entry is refused by the choice."""
    with as_staff() as session:
        agent, escalation, review = _start(session, world)
        internal = session.scalar(
            select(Update).where(
                Update.body.contains(CANARY), Update.escalation_id == escalation.id
            )
        )
        foreign = session.scalar(
            select(Update).where(
                Update.escalation_id == world.escalation_b.id,
                Update.visibility == Visibility.CUSTOMER,
            )
        )
        for update in (internal, foreign):
            with pytest.raises(OperationError) as refused:
                reports.save_review(review, actor=agent, values={}, timeline_choices=[update.id])
            assert refused.value.field == "timeline_choices"
        session.rollback()


def test_the_review_page_offers_the_entries_as_checkboxes(client, auth, world, as_staff):
    """The editor lists every customer-visible entry with a checkbox (ticked as stored) and
    saves what is ticked; a save with nothing ticked leaves the report without entries."""
    with as_staff() as session:
        _, escalation, review = _start(session, world)
        review_id, chosen = review.id, list(review.timeline_choices)
        comment_id = session.scalar(select(Update.id).where(Update.body == COMMENT))
    auth.login(world.staff[Role.AGENT].email)
    path = f"/admin/escalations/{world.escalation_a.id}/review"
    html = client.get(path).get_data(as_text=True)
    boxes = dict(
        re.findall(
            r'<input type="checkbox" name="timeline_choices" '
            r'id="[^"]+" value="(\d+)"( checked)?>',
            html,
        )
    )
    assert comment_id in map(int, boxes) and not boxes[str(comment_id)]
    assert all(boxes[str(update_id)] for update_id in chosen)
    assert CANARY not in html.split('id="timeline_choices"', 1)[1].split("</fieldset>", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = {
        "csrf_token": token,
        "executive_summary": "Down.",
        "root_cause": "Certificate.",
        "timeline_offered": "1",
        "timeline_choices": [str(comment_id)],
    }
    assert client.post(path, data=data).status_code == 302
    with as_staff() as session:
        assert session.get(Review, review_id).timeline_choices == [comment_id]
    del data["timeline_choices"]
    assert client.post(path, data=data).status_code == 302
    with as_staff() as session:
        assert session.get(Review, review_id).timeline_choices == []


def test_a_chosen_entry_the_report_cannot_show_is_refused_by_the_choice(world, as_staff):
    """An update with a table too wide for a page, ticked, is refused beside the checkboxes."""
    with as_staff() as session:
        agent, escalation, review = _start(session, world)
        wide = ops.post_update(
            escalation,
            author=agent,
            visibility=Visibility.CUSTOMER,
            body="|a" * 40 + "|\n" + "|-" * 40 + "|\n",
        )
        session.flush()
        with pytest.raises(OperationError, match="has a table of 40 columns") as refused:
            reports.save_review(review, actor=agent, values={}, timeline_choices=[wide.id])
        assert refused.value.field == "timeline_choices"
        session.rollback()


def test_the_default_leaves_out_what_the_report_cannot_print(world, as_staff):
    """A staff update too long or too wide for a report starts unticked, so the first save is
    never refused for a choice nobody made."""
    with as_staff() as session:
        agent = session.get(type(world.staff[Role.AGENT]), world.staff[Role.AGENT].id)
        escalation = session.merge(world.escalation_a)
        long = ops.post_update(
            escalation, author=agent, visibility=Visibility.CUSTOMER, body="word " * 500
        )
        wide = ops.post_update(
            escalation,
            author=agent,
            visibility=Visibility.CUSTOMER,
            body="|a" * 40 + "|\n" + "|-" * 40 + "|\n",
        )
        resolve(escalation, agent)
        review = reports.start_review(escalation, actor=agent)
        assert long.id not in review.timeline_choices
        assert wide.id not in review.timeline_choices
        reports.save_review(review, actor=agent, values={"root_cause": "Certificate."})
        session.rollback()


def test_a_draft_the_report_cannot_show_is_not_submitted(world, as_staff):
    """A draft saved before the limits existed is refused at submission, by its field."""
    with as_staff() as session:
        agent, escalation, review = _start(session, world)
        review.executive_summary = "Down."
        review.root_cause = "> " * 9 + "deep"  # as stored before the check
        with pytest.raises(OperationError, match="nests lists or quotes 9 levels") as refused:
            reports.submit_review(review, actor=agent)
        assert refused.value.field == "root_cause"
        session.rollback()
