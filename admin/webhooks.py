"""Every webhook endpoint, organizations' and staff teams': console users read them and their
delivery logs; those who may manage webhooks add, edit, test, pause, rotate and delete."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.webhook_forms import ConsoleEndpointForm
from portal.administration.organizations import organization_names, organizations_by_name
from portal.extensions import db
from portal.loading import row_or_404
from portal.notices.models import WebhookEndpoint
from portal.permissions import Capability, requires
from portal.submissions import perform, submit
from portal.webhooks import operations as ops
from portal.webhooks.forms import EndpointForm, RotateForm
from portal.webhooks.pages import endpoint_context, endpoint_or_404, list_context
from portal.webhooks.queries import all_endpoints

LIST = "admin/webhooks/list.html"
ENDPOINT = "admin/webhooks/endpoint.html"

navigation.main_entry("Webhooks", "admin.webhooks", order=62)


def _list(form: ConsoleEndpointForm | None = None, **shown) -> dict:
    organizations = db.session.scalars(organizations_by_name()).all()
    context = list_context(db.session.scalars(all_endpoints()).all(), **shown)
    context["form"] = form or ConsoleEndpointForm(formdata=None, organizations=organizations)
    context["owner_names"] = organization_names()
    return context


@bp.route("/webhooks")
def webhooks():
    return render_template(LIST, **_list())


@bp.route("/webhooks", methods=["POST"])
@requires(Capability.MANAGE_WEBHOOKS)
def webhook_create():
    form = ConsoleEndpointForm(organizations=db.session.scalars(organizations_by_name()).all())
    made = submit(form, lambda: ops.create_endpoint(
        form.organization_id, actor=current_user, name=form.name.data, url=form.url.data,
        kind=form.kind.data, chosen=form.events.data or []), default_field="url")
    if not made.ok:
        return render_template(LIST, **_list(form)), 422
    endpoint, secret = made.value
    return render_template(LIST, **_list(created=endpoint, secret=secret))


@bp.route("/webhooks/<int:endpoint_id>")
def webhook(endpoint_id: int):
    endpoint = row_or_404(WebhookEndpoint, endpoint_id)
    return render_template(ENDPOINT, **endpoint_context(endpoint))


@bp.route("/webhooks/<int:endpoint_id>", methods=["POST"])
def webhook_edit(endpoint_id: int):
    endpoint = endpoint_or_404(endpoint_id, current_user)
    form = EndpointForm(prefix="edit", staff=endpoint.organization_id is None)
    edited = submit(form, lambda: ops.edit_endpoint(
        endpoint, actor=current_user, name=form.name.data, url=form.url.data,
        kind=form.kind.data, chosen=form.events.data or []), default_field="url",
        done="Endpoint saved.")
    if not edited.ok:
        return render_template(ENDPOINT, **endpoint_context(endpoint, form)), 422
    return redirect(url_for("admin.webhook", endpoint_id=endpoint.id))


@bp.route("/webhooks/<int:endpoint_id>/test", methods=["POST"])
def webhook_test(endpoint_id: int):
    endpoint = endpoint_or_404(endpoint_id, current_user)
    perform(lambda: ops.send_test_event(endpoint, actor=current_user),
            done="A test event is on its way: its answer appears in the delivery log below.")
    return redirect(url_for("admin.webhook", endpoint_id=endpoint.id))


@bp.route("/webhooks/<int:endpoint_id>/pause", methods=["POST"])
def webhook_pause(endpoint_id: int):
    return _pause(endpoint_id, paused=True)


@bp.route("/webhooks/<int:endpoint_id>/resume", methods=["POST"])
def webhook_resume(endpoint_id: int):
    return _pause(endpoint_id, paused=False)


def _pause(endpoint_id: int, *, paused: bool):
    endpoint = endpoint_or_404(endpoint_id, current_user)
    perform(lambda: ops.set_paused(endpoint, paused, actor=current_user),
            done="Paused." if paused
            else "Resumed.")
    return redirect(url_for("admin.webhook", endpoint_id=endpoint.id))


@bp.route("/webhooks/<int:endpoint_id>/rotate", methods=["POST"])
def webhook_rotate(endpoint_id: int):
    endpoint = endpoint_or_404(endpoint_id, current_user)
    form = RotateForm()
    rotated = submit(form, lambda: ops.rotate_secret(
        endpoint, actor=current_user, overlap_hours=float(form.overlap.data)),
        default_field="overlap")
    if not rotated.ok:
        return render_template(ENDPOINT, **endpoint_context(endpoint, rotate_form=form)), 422
    return render_template(ENDPOINT, **endpoint_context(endpoint, secret=rotated.value))


@bp.route("/webhooks/<int:endpoint_id>/delete", methods=["POST"])
def webhook_delete(endpoint_id: int):
    endpoint = endpoint_or_404(endpoint_id, current_user)
    name = endpoint.name
    if perform(lambda: ops.delete_endpoint(endpoint, actor=current_user),
               done=f"“{name}” is deleted: nothing more is sent to it."):
        return redirect(url_for("admin.webhooks"))
    return redirect(url_for("admin.webhook", endpoint_id=endpoint.id))
