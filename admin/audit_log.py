"""The audit log for administrators: newest first, paged, filtered. Read-only by design: the
log is append-only, so there is no route that edits or deletes an event."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request
from wtforms import SelectChoice

from admin import bp, navigation
from admin.account_forms import AuditFilterForm
from portal.administration.organizations import organizations_by_name
from portal.administration.people import user_id_by_email, users_by_id
from portal.audit import AuditFilter, audit_events, changes_in, object_types
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.inputs import asked_filters, page_arg
from portal.permissions import Capability, requires
from portal.templating import viewer_zone

PAGE_SIZE = 50

navigation.main_entry("Audit log", "admin.audit_log", order=90,
                      capability=Capability.VIEW_AUDIT_LOG)


def _local_midnight(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=viewer_zone())


def _filters(form: AuditFilterForm) -> AuditFilter | None:
    """The form's filters, or None when the actor named is nobody (the page says so)."""
    actor_id = None
    if form.actor.data and form.actor.data.strip():
        actor_id = user_id_by_email(form.actor.data)
        if actor_id is None:
            form.actor.errors = [*form.actor.errors, "Nobody has this email address."]
            return None
    return AuditFilter(
        actor_id=actor_id, action=(form.action.data or "").strip(),
        object_type=form.object_type.data or "", object_id=form.object_id.data,
        organization_id=form.organization.data,
        since=_local_midnight(form.since.data) if form.since.data else None,
        until=_local_midnight(form.until.data + timedelta(days=1)) if form.until.data else None)


def filtered_events(organizations) -> tuple[AuditFilterForm, AuditFilter | None]:
    """The filter form (validated) and its filters, None while one is refused."""
    form = AuditFilterForm(request.args)
    form.organization.choices = [SelectChoice(None, "Any organization")] + [
        SelectChoice(org.id, org.name) for org in organizations]
    form.object_type.choices = [SelectChoice("", "Any type")] + [
        SelectChoice(name, name) for name in db.session.scalars(object_types())]
    return form, _filters(form) if form.validate() else None


@bp.route("/audit")
@requires(Capability.VIEW_AUDIT_LOG)
def audit_log():
    organizations = db.session.scalars(organizations_by_name()).all()
    form, filters = filtered_events(organizations)
    page = page_arg()
    events, total, status = [], 0, 200
    if filters is None:
        status = 422
    else:
        found = db.paginate(audit_events(filters), page=page, per_page=PAGE_SIZE,
                            error_out=False)
        events, total = found.items, found.total
    actors = users_by_id(event.actor_id for event in events if event.actor_id)
    escalation_ids = {event.object_id for event in events
                      if event.object_type == "Escalation" and event.object_id}
    escalation_ids |= {event.detail.get("escalation_id") for event in events
                       if isinstance(event.detail, dict)
                       and isinstance(event.detail.get("escalation_id"), int)}
    # The public reference is the id with an offset: no query needed.
    references = {escalation_id: Escalation.reference_of(escalation_id)
                  for escalation_id in escalation_ids}
    args = asked_filters()
    return render_template(
        "admin/audit_log/list.html", form=form,
        events=[(event, *changes_in(event.detail)) for event in events], actors=actors, total=total,
        page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), args=args,
        organizations={org.id: org for org in organizations},
        references=references), status
