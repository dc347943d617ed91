"""Update templates: reusable bodies with placeholders, managed by administrators."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.escalations.models import UpdateTemplate
from portal.escalations.placeholders import unknown_placeholders
from portal.extensions import db
from portal.operations import OperationError


def _check_template(name: str, body: str, *, template_id: int | None = None) -> None:
    if not name.strip():
        raise OperationError("Give the template a name.", "name")
    clash = db.session.scalar(select(UpdateTemplate.id).where(
        func.lower(UpdateTemplate.name) == name.strip().lower()))
    if clash is not None and clash != template_id:
        raise OperationError("Another template has this name.", "name")
    if not body.strip():
        raise OperationError("Write the template's text.", "body")
    unknown = unknown_placeholders(body)
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        raise OperationError(f"Unknown placeholder: {names}. Use one of the listed ones.", "body")


def create_update_template(*, actor: User, name: str, body: str) -> UpdateTemplate:
    """Raises OperationError for a missing or duplicate name, an empty body or an unknown
    placeholder."""
    _check_template(name, body)
    template = UpdateTemplate(name=name.strip(), body=body.strip(), created_at=now(),
                              updated_at=now())
    db.session.add(template)
    audit.record("update_template.created", actor=actor, obj=template, name=template.name)
    return template


def edit_update_template(template: UpdateTemplate, *, actor: User, name: str,
                         body: str) -> UpdateTemplate:
    """Raises OperationError as create_update_template does."""
    _check_template(name, body, template_id=template.id)
    before = audit.snapshot(template, ["name", "body"])
    template.name, template.body, template.updated_at = name.strip(), body.strip(), now()
    audit.record_change("update_template.edited", actor=actor, obj=template, before=before,
                        after=audit.snapshot(template, ["name", "body"]))
    return template


def archive_update_template(template: UpdateTemplate, *, actor: User,
                            archived: bool = True) -> None:
    """Hide a template from the composer (or bring it back); it is never deleted."""
    if archived == template.is_archived:
        return
    template.archived_at = now() if archived else None
    audit.record("update_template.archived" if archived else "update_template.restored",
                 actor=actor, obj=template, name=template.name)


DEMO_TEMPLATES = {
    "Investigating": (
        "Hello {customer_name} team,\n\nWe are actively investigating **{reference}** "
        "({title}). {owner} owns it and is working with our engineers.\n\n"
        "**What we know:** …\n\n**What we are doing next:** …\n\n"
        "You will hear from us again by {next_update_time}."),
    "Workaround available": (
        "A workaround for **{reference}** is available:\n\n1. …\n2. …\n\n"
        "It does not fix the root cause; we keep working on the permanent fix. "
        "Next update by {next_update_time}."),
    "Fix deployed — please confirm": (
        "We deployed a fix for **{reference}** ({title}).\n\n"
        "Could you confirm that everything works as expected for {customer_name}? "
        "{owner} will follow up by {next_update_time}."),
    "No change since the last update": (
        "Still working on **{reference}**: no new findings since our last update. "
        "{owner} remains the owner; the next update comes by {next_update_time}."),
}


def seed_update_templates() -> None:
    """A few sensible templates for the demo (skips names that exist)."""
    existing = set(db.session.scalars(select(UpdateTemplate.name)))
    for name, body in DEMO_TEMPLATES.items():
        if name not in existing:
            db.session.add(UpdateTemplate(name=name, body=body, created_at=now(),
                                          updated_at=now()))
