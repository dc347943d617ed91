"""CSV exports of the console's lists, exactly as filtered on screen (portal.exports): the
queue, the audit log and the delivery log. A refused filter answers the list page with its
message by the field (422), as the page itself does."""

from __future__ import annotations

import json

from flask import request
from flask_login import current_user

from admin import bp
from admin.audit_log import audit_log, filtered_events
from admin.delivery import delivery, filtered_deliveries
from admin.queue_forms import QueueFilterForm
from admin.views import home
from portal.administration.organizations import organizations_by_name
from portal.administration.people import users_by_id
from portal.audit import audit_events
from portal.clock import now
from portal.escalations import queue
from portal.exports import BATCH, batches, send_csv, time_heading
from portal.extensions import db
from portal.inputs import asked_filters
from portal.outreach.queries import delivery_log, reference_of
from portal.permissions import Capability, requires


@bp.route("/queue.csv")
def queue_csv():
    form = QueueFilterForm(request.args)
    if not form.validate():
        return home()
    at = now()
    rows = ((row.escalation.reference, row.escalation.organization.name,
             row.escalation.title, row.escalation.severity, row.escalation.tier,
             row.escalation.status, row.escalation.priority_score,
             row.escalation.owner.name if row.escalation.owner else "unassigned",
             row.sla.state.replace("_", " "), row.sla.clock, row.sla.due_at,
             row.escalation.next_update_due_at, row.update_overdue,
             row.next_milestone.title if row.next_milestone else "",
             row.next_milestone.due_at if row.next_milestone else None,
             row.pending_handoff.to_name if row.pending_handoff else "",
             row.escalation.opened_at, round(row.age.total_seconds() / 3600, 1))
            for row in queue.every_row(form.to_query(), viewer_id=current_user.id, at=at))
    return send_csv("queue", (
        "Reference", "Organization", "Title", "Severity", "Tier", "Status", "Priority",
        "Owner", "SLA state", "SLA clock", time_heading("SLA due"),
        time_heading("Next update due"), "Update overdue", "Next milestone",
        time_heading("Milestone due"), "Handoff waiting for", time_heading("Opened"),
        "Age (hours)"), rows, filters=asked_filters())


@bp.route("/audit.csv")
@requires(Capability.VIEW_AUDIT_LOG)
def audit_log_csv():
    organizations = db.session.scalars(organizations_by_name()).all()
    form, filters = filtered_events(organizations)
    if filters is None:
        return audit_log()
    names = {organization.id: organization.name for organization in organizations}

    def rows():
        events = db.session.scalars(audit_events(filters).execution_options(yield_per=BATCH))
        for batch in batches(events):
            actors = users_by_id(event.actor_id for event in batch if event.actor_id)
            for event in batch:
                actor = actors.get(event.actor_id)
                acting = (event.detail or {}).get("acting_as") or {}  # an integration
                yield (event.at, actor.email if actor else acting.get("name", "system"),
                       event.action,
                       event.object_type, event.object_id,
                       names.get(event.organization_id, ""), event.ip_address,
                       json.dumps(event.detail, sort_keys=True, default=str))

    return send_csv("audit-log", (time_heading("At"), "Actor", "Action", "Object type",
                                  "Object id", "Organization", "IP address", "Detail"),
                    rows(), filters=asked_filters())


@bp.route("/delivery.csv")
def delivery_csv():
    organizations = db.session.scalars(organizations_by_name()).all()
    form, filters = filtered_deliveries(organizations)
    if form.errors:
        return delivery()
    names = {organization.id: organization.name for organization in organizations}

    def rows():
        for notice in db.session.scalars(
                delivery_log(filters).execution_options(yield_per=BATCH)):
            yield (notice.created_at, notice.event, notice.channel.value, notice.recipient,
                   notice.status.value, notice.attempts, notice.sent_at, notice.last_error,
                   reference_of(notice.escalation_id) or "",
                   names.get(notice.organization_id, ""))
    return send_csv("deliveries", (time_heading("Created"), "Event", "Channel", "Recipient",
                                   "Status", "Attempts", time_heading("Sent"), "Last error",
                                   "Escalation", "Organization"),
                    rows(), filters=asked_filters())
