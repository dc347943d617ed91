"""The customer's preferences: immediate emails or one daily digest, the escalations they have
stopped emails for, and their private feed links (create, reset)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from portal.auth.access import customer_required
from portal.customer import bp
from portal.customer.feed_links import feed_links_of
from portal.customer.forms import FeedLinksForm, NotificationPreferenceForm
from portal.customer.notification_reads import notification_settings_of
from portal.enums import NotificationPreference
from portal.escalations import operations as ops
from portal.feeds import operations as feeds
from portal.htmx import render_htmx_template, wants_fragment
from portal.submissions import run, submit

PAGE = "customer/notifications.html"
FRAGMENT = "customer/_notification_settings.html"
FEEDS_FRAGMENT = "customer/_feed_links.html"


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
            return _render(user, FRAGMENT, form=form, confirmation=message)
        status = 422
    return _render(user, FRAGMENT, status=status, form=form)


@bp.post("/account/feeds")
@customer_required
def create_feed_links():
    return _change_feed_links(feeds.issue_feed_token,
                              "Your feed links are ready. Keep them private: anyone with a "
                              "link can read the feed.")


@bp.post("/account/feeds/reset")
@customer_required
def reset_feed_links():
    return _change_feed_links(feeds.reset_feed_token,
                              "New feed links made. The old ones stopped working: subscribe "
                              "again with the new links.")


def _change_feed_links(operation, message: str):
    user = current_user._get_current_object()
    feed_form = FeedLinksForm()
    if feed_form.validate_on_submit():
        outcome = run(lambda: operation(user))
        if outcome.ok:
            if not wants_fragment():
                flash(message, "success")
                return redirect(url_for("customer.notification_settings", _anchor="feed-links"))
            return _render(user, FEEDS_FRAGMENT, feed_form=feed_form, feed_confirmation=message)
        feed_form.form_errors.append(str(outcome.value))
    return _render(user, FEEDS_FRAGMENT, status=422, feed_form=feed_form)


def _render(user, fragment: str, *, status: int = 200, form=None, confirmation=None,
            feed_form=None, feed_confirmation=None):
    """The page (or the one fragment an htmx request aims at), with both of its sections."""
    form = form or NotificationPreferenceForm(preference=user.notification_preference.value)
    settings = notification_settings_of(user.id)
    return render_htmx_template(
        PAGE, fragment, status=status, form=form, confirmation=confirmation,
        muted=settings.muted, feeds=feed_links_of(user, settings.token),
        feed_form=feed_form, feed_confirmation=feed_confirmation)
