"""Known-issue broadcasts: one message to the stakeholders of several organizations, each
copy personalised (`{customer_name}`, `{recipient_name}`), one outbox row per recipient keyed
`broadcast:<id>:<user id>:email`."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.accounts.models import Organization, User
from portal.extensions import db
from portal.notices.models import Audience, Broadcast, Notice
from portal.notices.optout import has_opted_out
from portal.notices.outbox import email_row, insert_ignoring_duplicates, keeping_viewer_zone
from portal.operations import OperationError
from portal.outreach.rendering import UndeliverableNotice, render_email
from portal.outreach.scheduled import BODY_MAX, SUBJECT_MAX, recipients_for

EVENT = "broadcast"
TEMPLATE = "broadcast"
BROADCAST_AUDIENCES = (Audience.EXECUTIVES, Audience.CUSTOMER_ADMINS, Audience.EVERYONE)
BROADCAST_PLACEHOLDERS = {"customer_name": "The customer organization's name",
                          "recipient_name": "The reader's name"}
_PATTERN = re.compile(r"\{([a-z_]+)\}")


def broadcast_key(broadcast_id: int, user_id: int) -> str:
    return f"{EVENT}:{broadcast_id}:{user_id}:email"


def fill(text: str, organization: Organization, recipient: User | None) -> str:
    values = {"customer_name": organization.name,
              "recipient_name": recipient.name if recipient is not None else None}

    def replace(match: re.Match) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else value

    return _PATTERN.sub(replace, text)


def validate_broadcast(*, subject: str, body: str, organizations: list[Organization],
                       audience: Audience) -> None:
    """Raises OperationError (with the field) for anything a broadcast cannot be sent with."""
    if not subject.strip():
        raise OperationError("Write a subject.", "subject")
    if len(subject) > SUBJECT_MAX:
        raise OperationError(f"Keep the subject under {SUBJECT_MAX} characters.", "subject")
    if not body.strip():
        raise OperationError("Write the message.", "body")
    if len(body) > BODY_MAX:
        raise OperationError(f"Keep the message under {BODY_MAX:,} characters.", "body")
    for field, text in (("subject", subject), ("body", body)):
        unknown = sorted({name for name in _PATTERN.findall(text)
                          if name not in BROADCAST_PLACEHOLDERS})
        if unknown:
            raise OperationError("A broadcast is not about one escalation: use only "
                                 "{customer_name} and {recipient_name}, not " + ", ".join(
                                     "{" + name + "}" for name in unknown) + ".", field)
    if not organizations:
        raise OperationError("Choose at least one organization.", "organizations")
    if audience not in BROADCAST_AUDIENCES:
        raise OperationError("Choose who receives it.", "audience")


def audience_by_organization(organizations: list[Organization],
                             audience: Audience) -> dict[int, list[User]]:
    """Each organization's recipients, in one query."""
    users = db.session.scalars(
        recipients_for(None, audience).where(
            User.organization_id.in_([org.id for org in organizations]))
    ).all()
    by_org: dict[int, list[User]] = {org.id: [] for org in organizations}
    for user in users:
        if not has_opted_out(user, "broadcasts"):
            by_org[user.organization_id].append(user)
    return by_org


def send_broadcast(*, actor: User, subject: str, body: str, organizations: list[Organization],
                   audience: Audience) -> Broadcast:
    """Record the broadcast and queue one email per recipient. Raises OperationError."""
    validate_broadcast(subject=subject, body=body, organizations=organizations,
                       audience=audience)
    by_org = audience_by_organization(organizations, audience)
    total = sum(len(users) for users in by_org.values())
    if not total:
        raise OperationError("Nobody in these organizations is in that audience.", "audience")
    broadcast = Broadcast(subject=subject.strip(), body=body.strip(), audience=audience,
                          organization_ids=[org.id for org in organizations], recipients=total,
                          created_by_id=actor.id)
    db.session.add(broadcast)
    db.session.flush()
    context = {"broadcast_id": broadcast.id, "subject": broadcast.subject,
               "body": broadcast.body}
    insert_ignoring_duplicates([
        email_row(key=broadcast_key(broadcast.id, user.id), event=EVENT, user_id=user.id,
                  email=user.email, organization_id=user.organization_id, template=TEMPLATE,
                  context=context, broadcast_id=broadcast.id)
        for users in by_org.values() for user in users])
    audit.record("broadcast.sent", actor=actor, obj=broadcast, audience=audience.value,
                 organizations=[org.id for org in organizations], recipients=total)
    return broadcast


def broadcasts_newest_first():
    """Every broadcast with who sent it, newest first (a `select()`)."""
    return select(Broadcast).options(selectinload(Broadcast.created_by)).order_by(
        Broadcast.id.desc())


def delivery_counts(broadcast_ids: list[int]) -> dict[int, dict[str, int]]:
    """{broadcast id: {status: count}} in one query."""
    counts: dict[int, dict[str, int]] = {bid: {} for bid in broadcast_ids}
    if broadcast_ids:
        for bid, status, count in db.session.execute(
                select(Notice.broadcast_id, Notice.status, func.count())
                .where(Notice.broadcast_id.in_(broadcast_ids))
                .group_by(Notice.broadcast_id, Notice.status)):
            counts[bid][status.value] = count
    return counts


def email_context(notice: Notice, context: dict) -> dict:
    recipient = context["recipient"]
    organization = recipient.organization if recipient is not None else None
    if organization is None:
        raise UndeliverableNotice("a broadcast goes to customers of an organization")
    return {"subject_line": " ".join(fill(context["subject"], organization, recipient).split()),
            "message": fill(context["body"], organization, recipient)}


def preview(*, subject: str, body: str, organization: Organization, recipient: User | None):
    """The email as `recipient` (of `organization`) would read it."""
    notice = Notice(key="preview", event=EVENT, recipient=recipient.email,
                    recipient_user_id=recipient.id, template=TEMPLATE,
                    context={"subject": subject, "body": body})
    with keeping_viewer_zone():
        return render_email(notice, email_context)
