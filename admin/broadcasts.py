"""Known-issue broadcasts: write once, preview per organization, confirm, send."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.broadcast_forms import BroadcastForm
from portal.accounts.models import Organization
from portal.administration.organizations import organization_names, organizations_by_name
from portal.extensions import db
from portal.inputs import page_arg
from portal.notices.models import Audience
from portal.operations import OperationError
from portal.outreach import broadcast as ops
from portal.permissions import Capability, can_publish_to, requires
from portal.submissions import attach_error

PER_PAGE = 25

navigation.main_entry("Broadcasts", "admin.broadcasts", order=65,
                      capability=Capability.SCHEDULE_NOTICES, in_bar=True)


def _allowed_organizations() -> list[Organization]:
    """Account managers broadcast to their own accounts; everyone else to any."""
    organizations = db.session.scalars(organizations_by_name()).all()
    return [org for org in organizations if can_publish_to(current_user, org)]


@bp.route("/broadcasts")
@requires(Capability.SCHEDULE_NOTICES)
def broadcasts():
    page = page_arg()
    found = db.paginate(ops.broadcasts_newest_first(), page=page, per_page=PER_PAGE,
                        error_out=False)
    rows, names = found.items, organization_names()
    return render_template("admin/broadcasts/list.html", broadcasts=rows, page=page,
                           pages=max(found.pages, 1),
                           counts=ops.delivery_counts([b.id for b in rows]),
                           organization_names=names)


@bp.route("/broadcasts/new", methods=["GET", "POST"])
@requires(Capability.SCHEDULE_NOTICES)
def new_broadcast():
    allowed = _allowed_organizations()
    form = BroadcastForm(organizations=allowed)
    context = dict(form=form, previews=[], placeholders=ops.BROADCAST_PLACEHOLDERS, total=0)
    if request.method == "GET":
        return render_template("admin/broadcasts/form.html", **context)
    if not form.validate_on_submit():
        return render_template("admin/broadcasts/form.html", **context), 422
    chosen = [org for org in allowed if org.id in set(form.organizations.data)]
    values = dict(subject=form.subject.data, body=form.body.data, organizations=chosen,
                  audience=Audience(form.audience.data))
    try:
        ops.validate_broadcast(**values)
        if "send" in request.form and form.previewed.data == form.fingerprint():
            broadcast = ops.send_broadcast(actor=current_user, **values)
            db.session.commit()
            flash(f"Broadcast queued for {broadcast.recipients} recipient"
                  f"{'s' if broadcast.recipients != 1 else ''}.", "success")
            return redirect(url_for("admin.broadcasts"))
    except OperationError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return render_template("admin/broadcasts/form.html", **context), 422
    by_org = ops.audience_by_organization(chosen, values["audience"])
    previews = []
    for org in chosen:
        users = by_org[org.id]
        email = ops.preview(subject=values["subject"], body=values["body"], organization=org,
                            recipient=users[0]) if users else None
        message = ops.fill(values["body"], org, users[0]) if users else ""
        previews.append((org, len(users), users[0] if users else None, email, message))
    form.previewed.data = form.fingerprint()
    context.update(previews=previews, total=sum(len(u) for u in by_org.values()),
                   must_preview="send" in request.form)
    return render_template("admin/broadcasts/form.html", **context)
