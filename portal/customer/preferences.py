"""The customer's notification settings: immediate emails or one daily digest, and the
escalations they have stopped emails for."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from portal.auth.access import customer_required
from portal.customer import bp
from portal.customer.forms import NotificationPreferenceForm
from portal.enums import NotificationPreference
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from portal.escalations.queries import muted_escalations_of
from portal.extensions import db
from portal.htmx import render_htmx_template, wants_fragment
from portal.submissions import submit

PAGE = "customer/notifications.html"
FRAGMENT = "customer/_notification_settings.html"


@bp.route("/account/notifications", methods=["GET", "POST"])
@customer_required
def notification_settings():
    user = current_user._get_current_object()
    form = NotificationPreferenceForm(preference=user.notification_preference.value)
    status = 200
    if form.is_submitted():
        saved = submit(form, lambda: ops.set_notification_preference(user, form.preference.data),
                       validate=form.validate_on_submit, default_field="preference")
        if saved.ok:
            message = ("You will get one email for each update."
                       if form.preference.data == NotificationPreference.IMMEDIATE
                       else "You will get one digest email a day.")
            if not wants_fragment():
                flash(message, "success")
                return redirect(url_for("customer.notification_settings"))
            return render_htmx_template(PAGE, FRAGMENT, form=form, confirmation=message,
                                        muted=_muted_escalations(user))
        status = 422
    return render_htmx_template(PAGE, FRAGMENT, status=status, form=form, confirmation=None,
                                muted=_muted_escalations(user))


def _muted_escalations(user) -> list[Escalation]:
    """Escalations this person stopped emails for, newest first."""
    return list(db.session.scalars(muted_escalations_of(user.id)))
