"""The bad inputs that used to reach a 500, one by one: each now answers 404 or 422 (with the
message by the field) and leaves nothing half-written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.accounts.models import SlaPolicy
from portal.enums import Role
from portal.escalations.models import Update
from portal.escalations.models.plan import RemediationStep
from portal.inputs import UNSTORABLE_MESSAGE
from portal.reports.models import Review
from tests.hostile.forms_on_pages import forms_on
from tests.hostile.walk import form_body
from tests.reports.conftest import publish, resolve

HUGE = "99999999999999999999"


def submit(client, page: str, action: str, **overrides):
    """Post the form `page` renders for `action`, as a browser would, with some fields changed."""
    html = client.get(page).get_data(as_text=True)
    form = next(f for f in forms_on(html, page) if f.action.split("?")[0] == action)
    fields = {name: values[:1] or [""] for name, values in form.fields.items()}
    fields.update({name: [value] for name, value in overrides.items()})
    pairs = [(name, value) for name, values in fields.items() for value in values]
    return client.post(action, data=form_body(pairs),
                       content_type="application/x-www-form-urlencoded")


def count(as_staff, model, *where) -> int:
    with as_staff() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("path", [
    f"/escalations/ESC-{HUGE}", "/escalations/ESC-" + "9" * 5000, "/escalations/ESC-\u0661\u0662",
    f"/history?page={HUGE}", "/history?page=abc", "/history?page=0",
])
def test_customer_pages_answer_404_for_numbers_nothing_can_hold(client, auth, world, path):
    """A reference or page past any id answers 404, as a missing one does."""
    auth.login(world.customers_a[Role.VIEWER].email)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", [
    f"/admin/escalations/{HUGE}", "/admin/escalations/2147483648",
    f"/admin/escalations/1/timeline/{HUGE}/history", f"/admin/delivery/{HUGE}",
    f"/admin/sent-mail?page={HUGE}", f"/admin/audit?page={HUGE}", f"/admin/delivery?page={HUGE}",
    f"/admin/scheduled?page={HUGE}", f"/admin/broadcasts?page={HUGE}",
])
def test_staff_pages_answer_404_for_numbers_nothing_can_hold(client, auth, world, path):
    """Ids and pages past any column's range match nothing: 404, never an out-of-range query."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", [
    f"/admin/?q={HUGE}", f"/admin/?q=ESC-{HUGE}", f"/admin/?owner={HUGE}", f"/admin/?page={HUGE}",
    f"/admin/audit?object_id={HUGE}", f"/admin/audit?organization={HUGE}",
    f"/admin/delivery?escalation=ESC-{HUGE}", f"/admin/sent-mail?q={HUGE}",
    f"/admin/scheduled?q={HUGE}",
])
def test_staff_searches_with_a_huge_number_are_no_server_error(client, auth, world, path):
    """A huge number in a search is no id: the page answers (or says why), never a 500."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    assert client.get(path).status_code in (200, 422)


def test_the_dashboard_search_with_a_huge_number_is_a_plain_search(client, auth, world):
    auth.login(world.customers_a[Role.VIEWER].email)
    assert client.get(f"/escalations?q={HUGE}").status_code == 200


@pytest.mark.parametrize("path", ["/escalations?q=a%00b", "/admin/?q=%00",
                                  "/admin/audit?actor=%00", "/history?q=x%00"])
def test_a_nul_byte_in_a_query_string_answers_422(client, auth, world, path):
    """A crafted search with a NUL byte is refused before any query runs."""
    role = world.staff[Role.ADMINISTRATOR] if path.startswith("/admin") else \
        world.customers_a[Role.VIEWER]
    auth.login(role.email)
    assert client.get(path).status_code == 422


def test_a_comment_with_a_nul_byte_answers_422_by_the_field(client, auth, world, as_staff):
    """The comment form says the text cannot be saved; no comment is stored."""
    auth.login(world.customers_a[Role.VIEWER].email)
    reference = world.escalation_a.reference
    before = count(as_staff, Update)
    answer = submit(client, f"/escalations/{reference}", f"/escalations/{reference}/comments",
                    **{"comment-body": "Any news?\x00"})
    assert answer.status_code == 422
    assert "cannot be saved" in answer.get_data(as_text=True)
    assert count(as_staff, Update) == before


def test_a_step_note_with_a_nul_byte_answers_422_by_the_field(client, auth, world, as_staff):
    auth.login(world.customers_a[Role.VIEWER].email)
    reference, step = world.escalation_a.reference, world.customer_step_a.id
    answer = submit(client, f"/escalations/{reference}",
                    f"/escalations/{reference}/steps/{step}/complete",
                    **{f"step-{step}-note": "Patched\x00"})
    assert answer.status_code == 422
    assert "cannot be saved" in answer.get_data(as_text=True)
    with as_staff() as session:
        assert session.get(RemediationStep, step).completion_note in (None, "")


def test_a_staff_note_with_a_nul_byte_answers_422_by_the_field(client, auth, world, as_staff):
    auth.login(world.staff[Role.AGENT].email)
    path = f"/admin/escalations/{world.escalation_a.id}/timeline"
    before = count(as_staff, Update)
    answer = submit(client, path, path, body="db-07 again\x00", visibility="internal")
    assert answer.status_code == 422
    assert "cannot be saved" in answer.get_data(as_text=True)
    assert count(as_staff, Update) == before


def test_a_policy_named_with_a_nul_byte_answers_422_by_the_field(client, auth, world, as_staff):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    before = count(as_staff, SlaPolicy)
    answer = submit(client, "/admin/policies/new", "/admin/policies/new", name="Gold\x00")
    assert answer.status_code == 422
    assert "cannot be saved" in answer.get_data(as_text=True)
    assert count(as_staff, SlaPolicy) == before


def test_a_template_with_a_nul_byte_answers_422_by_the_field(client, auth, world):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    answer = submit(client, "/admin/update-templates/new", "/admin/update-templates/new",
                    name="Fixed", body="Hello\x00")
    assert answer.status_code == 422
    assert "cannot be saved" in answer.get_data(as_text=True)


def test_huge_users_affected_answers_422_by_the_field(client, auth, world):
    """More users than any column holds is a typo, said by the field."""
    auth.login(world.staff[Role.AGENT].email)
    path = f"/admin/escalations/{world.escalation_a.id}"
    answer = submit(client, path, f"{path}/edit", **{"edit-users_affected": HUGE[:15]})
    assert answer.status_code == 422
    assert "2,147,483,647" in answer.get_data(as_text=True)


@pytest.fixture
def review_b(world, as_staff):
    with as_staff() as session:
        manager = session.merge(world.staff[Role.ESCALATION_MANAGER])
        escalation = session.merge(world.escalation_b)
        resolve(escalation, manager)
        return publish(escalation, manager).id


@pytest.mark.parametrize(("overrides", "message"), [
    ({"highlights-0-at": "", "highlights-0-text": "Certificate expired"}, "2026-11-02 14:05"),
    ({"highlights-0-at": "0001-01-01 00:00", "highlights-0-text": "Long ago"}, "between 1970"),
    ({"root_cause": "Expired\x00"}, UNSTORABLE_MESSAGE),
    ({"highlights-0-text": "Certificate\x00", "highlights-0-at": "2026-11-02 14:05"},
     UNSTORABLE_MESSAGE),
])
def test_review_fields_refuse_what_cannot_be_saved_by_the_field(client, auth, world, as_staff,
                                                               review_b, overrides, message):
    """A highlight with text and no time, a year before 1970, a NUL byte: 422, message by the
    field, the review unchanged."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    path = f"/admin/escalations/{world.escalation_b.id}/review"
    with as_staff() as session:
        before = session.get(Review, review_b).root_cause
    answer = submit(client, path, path, **overrides)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True).replace("&#39;", "'")
    with as_staff() as session:
        assert session.get(Review, review_b).root_cause == before
