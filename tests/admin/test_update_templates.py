"""Update templates: administrators manage them, everyone in the console reads them."""

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.enums import Role
from portal.escalations.models import UpdateTemplate
from portal.escalations.operations.update_templates import DEMO_TEMPLATES, seed_update_templates
from tests.conftest import csrf_token_from


def _create(client, name="Fix deployed", body="Hello {customer_name}, {reference} is fixed."):
    token = csrf_token_from(client.get("/admin/update-templates/new").get_data(as_text=True))
    return client.post("/admin/update-templates/new",
                       data={"csrf_token": token, "name": name, "body": body})


def test_an_administrator_creates_edits_and_archives_a_template(client, auth, world,
                                                                 as_staff):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    assert _create(client).status_code == 302
    with as_staff() as session:
        template_id = session.scalars(select(UpdateTemplate.id).where(
            UpdateTemplate.name == "Fix deployed")).one()
    edit = f"/admin/update-templates/{template_id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert "Hello Acme Logistics" in page or "Hello Globex Retail" in page  # the sample
    token = csrf_token_from(page)
    assert client.post(edit, data={"csrf_token": token, "name": "Fix deployed",
                                   "body": "Fixed: {reference}."}).status_code == 302
    assert client.post(f"/admin/update-templates/{template_id}/archive",
                       data={"csrf_token": token, "archived": "1"}).status_code == 302
    with as_staff() as session:
        template = session.get(UpdateTemplate, template_id)
        assert template.body == "Fixed: {reference}." and template.is_archived
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "UpdateTemplate").order_by(AuditEvent.id)).all()
    assert actions == ["update_template.created", "update_template.edited",
                       "update_template.archived"]
    # An archived template is not offered in the composer.
    timeline = client.get(f"/admin/escalations/{world.escalation_a.id}/timeline")
    assert ">Fix deployed</option>" not in timeline.get_data(as_text=True)


@pytest.mark.parametrize(("name", "body", "message"), [
    ("Bad", "Hello {customer}", "Unknown placeholder: {customer}"),
    ("", "Hello", "Give the template a name."),
    ("Empty", "  ", "Write the template&#39;s text."),
])
def test_bad_templates_answer_422_beside_the_field(client, auth, world, as_staff, name, body,
                                                    message):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    response = _create(client, name=name, body=body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    with as_staff() as session:
        assert session.scalars(select(UpdateTemplate)).all() == []


def test_a_duplicate_name_is_refused(client, auth, world):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    _create(client)
    response = _create(client, name="fix DEPLOYED")
    assert response.status_code == 422 and "Another template has this name" in (
        response.get_data(as_text=True))


def test_the_live_preview_fills_placeholders_and_flags_unknown_ones(client, auth, world):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    token = auth.csrf_token("/admin/update-templates/new")
    html = client.post("/admin/update-templates/preview", headers={"HX-Request": "true"},
                       data={"csrf_token": token, "body": "**{reference}** {nope} <script>"}
                       ).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="template-preview"')
    assert "<strong>ESC-" in html and "Unknown placeholder" in html and "<script>" not in html


@pytest.mark.parametrize(("role", "reads", "writes"), [
    (Role.AGENT, 200, 403),
    (Role.ACCOUNT_MANAGER, 200, 403),
    (Role.ESCALATION_MANAGER, 200, 403),
    (Role.ADMINISTRATOR, 200, 200),
])
def test_only_administrators_manage_templates(client, auth, world, role, reads, writes):
    auth.login(world.staff[role].email)
    assert client.get("/admin/update-templates").status_code == reads
    assert client.get("/admin/update-templates/new").status_code == writes


def test_the_demo_templates_use_only_known_placeholders(staff_session):
    from portal.escalations.placeholders import unknown_placeholders

    assert all(unknown_placeholders(body) == [] for body in DEMO_TEMPLATES.values())
    seed_update_templates()
    seed_update_templates()  # idempotent
    staff_session.flush()
    assert len(staff_session.scalars(select(UpdateTemplate)).all()) == len(DEMO_TEMPLATES)
