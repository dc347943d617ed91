"""The customer admin's webhook endpoints: add, edit, test, pause, rotate, delete, and each
endpoint's delivery log. The secret is shown once, in the answer to the post that made it."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.access import customer_required
from portal.customer import bp
from portal.enums import Role
from portal.extensions import db
from portal.submissions import perform, submit
from portal.webhooks import operations as ops
from portal.webhooks.forms import EndpointForm, RotateForm
from portal.webhooks.pages import endpoint_context, endpoint_or_404, list_context
from portal.webhooks.queries import endpoints_for_organization

LIST = "customer/webhooks.html"
ENDPOINT = "customer/webhook.html"


def _require_admin() -> None:
    if current_user.role != Role.CUSTOMER_ADMIN:
        abort(403)


def _endpoints():
    return db.session.scalars(endpoints_for_organization(current_user.organization_id)).all()


def _actor():
    return current_user._get_current_object()


@bp.route("/webhooks")
@customer_required
def webhooks():
    _require_admin()
    return render_template(LIST, **list_context(_endpoints()))


@bp.route("/webhooks", methods=["POST"])
@customer_required
def webhook_create():
    _require_admin()
    form = EndpointForm()
    made = submit(form, lambda: ops.create_endpoint(
        current_user.organization_id, actor=_actor(), name=form.name.data, url=form.url.data,
        kind=form.kind.data, chosen=form.events.data or []), default_field="url")
    if not made.ok:
        return render_template(LIST, **list_context(_endpoints(), form)), 422
    endpoint, secret = made.value
    return render_template(LIST, **list_context(_endpoints(), created=endpoint, secret=secret))


@bp.route("/webhooks/<int:endpoint_id>")
@customer_required
def webhook(endpoint_id: int):
    endpoint = endpoint_or_404(endpoint_id, current_user)
    return render_template(ENDPOINT, **endpoint_context(endpoint))


@bp.route("/webhooks/<int:endpoint_id>", methods=["POST"])
@customer_required
def webhook_edit(endpoint_id: int):
    endpoint = endpoint_or_404(endpoint_id, current_user)
    form = EndpointForm(prefix="edit")
    edited = submit(form, lambda: ops.edit_endpoint(
        endpoint, actor=_actor(), name=form.name.data, url=form.url.data, kind=form.kind.data,
        chosen=form.events.data or []), default_field="url", done="Endpoint saved.")
    if not edited.ok:
        return render_template(ENDPOINT, **endpoint_context(endpoint, form)), 422
    return redirect(url_for("customer.webhook", endpoint_id=endpoint.id))


@bp.route("/webhooks/<int:endpoint_id>/test", methods=["POST"])
@customer_required
def webhook_test(endpoint_id: int):
    endpoint = endpoint_or_404(endpoint_id, current_user)
    perform(lambda: ops.send_test_event(endpoint, actor=_actor()),
            done="A test event is on its way: its answer appears in the delivery log below.")
    return redirect(url_for("customer.webhook", endpoint_id=endpoint.id))


@bp.route("/webhooks/<int:endpoint_id>/pause", methods=["POST"])
@customer_required
def webhook_pause(endpoint_id: int):
    return _pause(endpoint_id, paused=True)


@bp.route("/webhooks/<int:endpoint_id>/resume", methods=["POST"])
@customer_required
def webhook_resume(endpoint_id: int):
    return _pause(endpoint_id, paused=False)


def _pause(endpoint_id: int, *, paused: bool):
    endpoint = endpoint_or_404(endpoint_id, current_user)
    perform(lambda: ops.set_paused(endpoint, paused, actor=_actor()),
            done="Paused: nothing is sent to it until you resume it." if paused
            else "Resumed: new events are sent to it again.")
    return redirect(url_for("customer.webhook", endpoint_id=endpoint.id))


@bp.route("/webhooks/<int:endpoint_id>/rotate", methods=["POST"])
@customer_required
def webhook_rotate(endpoint_id: int):
    endpoint = endpoint_or_404(endpoint_id, current_user)
    form = RotateForm()
    rotated = submit(form, lambda: ops.rotate_secret(
        endpoint, actor=_actor(), overlap_hours=float(form.overlap.data)),
        default_field="overlap")
    if not rotated.ok:
        return render_template(ENDPOINT, **endpoint_context(endpoint, rotate_form=form)), 422
    return render_template(ENDPOINT, **endpoint_context(endpoint, secret=rotated.value))


@bp.route("/webhooks/<int:endpoint_id>/delete", methods=["POST"])
@customer_required
def webhook_delete(endpoint_id: int):
    endpoint = endpoint_or_404(endpoint_id, current_user)
    name = endpoint.name
    if perform(lambda: ops.delete_endpoint(endpoint, actor=_actor()),
               done=f"“{name}” is deleted: nothing more is sent to it."):
        return redirect(url_for("customer.webhooks"))
    return redirect(url_for("customer.webhook", endpoint_id=endpoint.id))
